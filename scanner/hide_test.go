package scanner

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/rules"
)

// TestWhereKeysHide: keys in notebooks (sources and outputs), source maps,
// continued shell commands, YAML block scalars and .env.example files are
// found, and point at their place in the file.
func TestWhereKeysHide(t *testing.T) {
	d := testDetector(t)
	tok := rules.RandString(40, "alnum") + "7Q"
	pw := rules.RandString(14, "alnum") + "9z"
	cases := []struct{ path, text, secret string }{
		{"analysis.ipynb", `{"cells": [{"cell_type": "code", "source": ["import requests\n", "API_TOKEN = \"` + tok + `\"\n"]}]}`, tok},
		{"analysis.ipynb", `{"cells": [{"outputs": [{"name": "stdout", "text": ["connecting with password=\"` + pw + `\"\n"]}]}]}`, pw},
		{"dist/app.js.map", `{"version":3,"sources":["src/api.js"],"sourcesContent":["const client = new Api({\n  apiToken: \"` + tok + `\",\n});\n"]}`, tok},
		{"scripts/deploy.sh", "curl -X POST \\\n  -u deploy:" + pw + " \\\n  https://nexus.corp.internal/upload\n", pw},
		{"k8s/values.yaml", "db:\n  password: |-\n    " + pw + "\n  user: app\n", pw},
		{"app/.env.example", "API_TOKEN=" + tok + "\n", tok},
	}
	for _, c := range cases {
		fs := d.Detect(Fragment{Path: c.path, Content: []byte(c.text)})
		var got *Finding
		for i := range fs {
			if fs[i].Secret.Reveal() == c.secret {
				got = &fs[i]
			}
		}
		if got == nil {
			t.Errorf("%s: not found (%d findings)", c.path, len(fs))
			continue
		}
		// The finding points at the secret's own bytes in the file.
		lines := strings.Split(c.text, "\n")
		if got.StartLine > len(lines) || !strings.Contains(lines[got.StartLine-1], c.secret[:8]) {
			t.Errorf("%s: line %d does not hold the secret", c.path, got.StartLine)
		}
		if c.path == "app/.env.example" && got.Confidence != rules.Medium {
			t.Errorf("%s: a real-looking value in an example env file: confidence %s, want medium", c.path, got.Confidence)
		}
	}
}

// TestEncryptedPrivateKeysLow: a key that needs its passphrase is
// reported at low confidence; the same key in the clear stays high.
func TestEncryptedPrivateKeysLow(t *testing.T) {
	d := testDetector(t)
	body := func() string {
		return rules.RandString(64, "base64") + "\n" + rules.RandString(64, "base64") + "\n" + rules.RandString(64, "base64") + "\n"
	}
	openssh := func(cipher string) string {
		var blob []byte
		blob = append(blob, "openssh-key-v1\x00"...)
		blob = append(blob, 0, 0, 0, byte(len(cipher)))
		blob = append(blob, cipher...)
		blob = append(blob, rules.RandString(150, "alnum")...)
		enc := base64.StdEncoding.EncodeToString(blob)
		var lines []string
		for len(enc) > 70 {
			lines, enc = append(lines, enc[:70]), enc[70:]
		}
		lines = append(lines, enc)
		return "-----BEGIN OPENSSH " + "PRIVATE KEY-----\n" + strings.Join(lines, "\n") + "\n-----END OPENSSH " + "PRIVATE KEY-----\n"
	}
	begin := func(kind string) string { return "-----BEGIN " + kind + "-----\n" }
	end := func(kind string) string { return "-----END " + kind + "-----\n" }
	for _, c := range []struct {
		text string
		want rules.Confidence
	}{
		{begin("RSA PRIVATE KEY") + body() + end("RSA PRIVATE KEY"), rules.High},
		{begin("RSA PRIVATE KEY") + "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC," + rules.RandString(32, "hexupper") + "\n\n" + body() + end("RSA PRIVATE KEY"), rules.Low},
		{begin("ENCRYPTED PRIVATE KEY") + body() + end("ENCRYPTED PRIVATE KEY"), rules.Low},
		{openssh("none"), rules.High},
		{openssh("aes256-ctr"), rules.Low},
	} {
		fs := d.Detect(Fragment{Path: "deploy/key.pem", Content: []byte(c.text)})
		if len(fs) != 1 || fs[0].Confidence != c.want {
			var got []string
			for _, f := range fs {
				got = append(got, f.RuleID+":"+string(f.Confidence))
			}
			t.Errorf("%.40q: got %v, want one finding at %s", c.text, got, c.want)
		}
	}
}
