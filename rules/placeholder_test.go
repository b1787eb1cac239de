package rules

import "testing"

func TestPlaceholders(t *testing.T) {
	for _, v := range []string{
		"", "your-key", "YOUR_API_KEY", "<your-token>", "${TOKEN}", "$TOKEN", "{{ .Values.key }}",
		"process.env.KEY", "changeme", "xxxxxxxxxxxxxxxx", "sk-xxxxxxxxxxxxxxxx", "***", "********",
		"...", "sk-ant-...", "REDACTED", "[REDACTED]", "aaaaaaaaaaaa", "12345678", "abcdefgh",
		"my_fake_token_123", "myfakepassword", "insert-key-here", "replace_me_please", "sk_test_example_key",
		"todo", "foobarbaz", "${{ secrets.X }}", "os.Getenv(\"X\")",
		"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "Zx81DUMMYq2", "changeme1", "yourkey123",
	} {
		if !IsPlaceholder(v) {
			t.Errorf("IsPlaceholder(%q) = false", v)
		}
	}
	for _, v := range []string{
		"Kq8v2LmN0pRt5WxYz3aB", RandString(36, "alnum"),
		// Words that random keys contain by chance are not placeholders.
		"Ab3fakeQ9zX7mK2pL5wR", "Zq9todoPw3LmX8vB2nK4", "p9Xexample3KfQ2mZ7wLd", "N4xxxxQ8wK2mZ7pLd9Rv",
		"26qD9h8EhEhGeomm3kJZnaC4NXRmlOdApxMYFAKE", "fake3kJZnaC4NXRmlOdApxM9q",
	} {
		if IsPlaceholder(v) {
			t.Errorf("IsPlaceholder(%q) = true", v)
		}
	}
}

// TestRandomKeysAreNotPlaceholders: random bodies, as real keys are, pass.
func TestRandomKeysAreNotPlaceholders(t *testing.T) {
	for i := 0; i < 50000; i++ {
		v := RandString(40, "alnum")
		if IsPlaceholder(v) {
			t.Fatalf("random %q taken for a placeholder", v)
		}
	}
}
