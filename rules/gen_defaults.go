//go:build ignore

// gen_defaults parses the embedded TOML rule files and writes
// defaults.gob, the snapshot Defaults loads at start-up (parsing TOML
// costs more than a pre-commit hook can spend). Run: go generate ./rules
package main

import (
	"bytes"
	"encoding/gob"
	"log"
	"os"

	"github.com/leakguard/leakguard/rules"
)

func main() {
	f, err := rules.ParseDefaultTOML()
	if err != nil {
		log.Fatal(err)
	}
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(f); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("defaults.gob", b.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}
