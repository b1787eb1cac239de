package cli

import (
	"github.com/leakguard/leakguard/config"
	"github.com/leakguard/leakguard/scanner"
)

// # The composition root
//
// This file is the one place where leakguard.toml and the environment
// become objects: the detector, the remediation targets, the issue
// tracker, the playbook and the state paths. Packages below take small,
// explicit configs and never see the config file's struct.

// newDetector builds the detector of a configuration and an ignore file.
func newDetector(cfg *config.Config, ig *scanner.Ignore) *scanner.Detector {
	return scanner.NewDetector(scanner.Options{
		Rules: cfg.Rules, Allowlist: cfg.Allowlist, Keys: cfg.Keys,
		DecodeDepth: cfg.DecodeDepth, Ignore: ig,
	})
}
