package scanner

import (
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
