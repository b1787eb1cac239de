package rules

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestReferenceGate: IsReference answers without its regex for a value
// that cannot begin any of the regex's forms (most values: compiling it
// took about 1.2 ms of a blocked commit's hook), and the gate never
// changes the answer.
func TestReferenceGate(t *testing.T) {
	fixed := []string{
		"${FOO}", "${{ secrets.X }}", "$FOO", "$(cat f)", "{{ .Key }}", "{% k %}", "<%= k %>", "<your-key>",
		"[REDACTED]", "%APPDATA%", "#{key}", "@KEY@", "!Ref Secret", "!secret x", "process.env.KEY",
		"import.meta.env.VITE_KEY", "os.environ['K']", "env.KEY", "ENV['K']", "System.getenv(\"K\")",
		"os.Getenv(\"K\")", "getenv('K')", "Deno.env.get('K')", "secrets.KEY", "vars.KEY", "config.key",
		"settings.KEY", "vault://a/b", "ssm://p", "awssm://x", "arn://x", "op://v/i/f", "sm://x",
		"keyvault://k", "gcp-sm://p", "doppler://x", "infisical://x", "PROCESS.ENV.X", "Secrets.X",
		"sk-ant-api03-abc", "ghp_abc", "AKIAxxxx", "envoy", "environment", "opaque", "smtp", "arnold",
		"vaulted", "secretsauce", "ſecrets.X", "\u212Aeyvault://x", "ſettings.x", "", " ", "$", "<", "<>",
	}
	for _, v := range fixed {
		if got, want := IsReference(v), referenceRe().MatchString(strings.TrimSpace(v)); got != want {
			t.Errorf("IsReference(%q) = %v, the regex says %v", v, got, want)
		}
	}
	// Random values made of the forms' pieces.
	pieces := []string{"$", "{", "}", "{{", "}}", "(", ")", "<", ">", "%", "#", "@", "!", "[", "]", "_", ".", "/", ":",
		"//", "process", "env", "ENV", "os", "environ", "getenv", "Getenv", "System", "Deno", "import", "meta",
		"secrets", "vars", "config", "settings", "vault", "ssm", "awssm", "arn", "op", "sm", "keyvault", "gcp-sm",
		"doppler", "infisical", "Ref", "Sub", "GetAtt", "secret", "a", "Z", "0", " ", "-", "ſ", "\u212A", "é"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		for n := 1 + rng.IntN(6); n > 0; n-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		v := b.String()
		if got, want := IsReference(v), referenceRe().MatchString(strings.TrimSpace(v)); got != want {
			t.Fatalf("IsReference(%q) = %v, the regex says %v", v, got, want)
		}
	}
	// The gate does its work: a key-like value never compiles the regex.
	if maybeReference("sk-ant-api03-" + RandString(20, "alnum")) {
		t.Error("a key-like value passes the gate")
	}
}
