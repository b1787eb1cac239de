package rules

import (
	"encoding/base64"
	"hash/crc32"
	"strings"
	"testing"
)

func TestCRC16XModem(t *testing.T) {
	if got := crc16XModem([]byte("123456789")); got != 0x31C3 {
		t.Fatalf("crc16 of the check string = %#x, want 0x31c3", got)
	}
}

func TestNKeysSeedChecksum(t *testing.T) {
	for _, kind := range []string{"U", "A", "O", "N", "C"} {
		s := NKeysSeed(kind)
		if len(s) != 58 || s[0] != 'S' || s[1] != kind[0] {
			t.Fatalf("seed %q…: want 58 characters starting S%s", s[:2], kind)
		}
		if !nkeysSeed(s) {
			t.Errorf("a seed built as nkeys does failed its checksum")
		}
		// One changed character breaks the CRC.
		b := []byte(s)
		b[20] = map[bool]byte{true: 'B', false: 'A'}[b[20] == 'A']
		if nkeysSeed(string(b)) {
			t.Errorf("a seed with a changed character passed")
		}
	}
	if nkeysSeed("S" + strings.Repeat("A", 57)) {
		t.Error("a seed of As passed")
	}
}

func TestGitLabRoutableChecksum(t *testing.T) {
	for _, p := range []string{"glpat-", "glrt-", "glcbt-"} {
		s := GitLabRoutableToken(p)
		if !strings.HasPrefix(s, p) || !strings.Contains(s, ".01.") {
			t.Fatalf("token shape: %q…", s[:len(p)+4])
		}
		if !gitlabRoutable(s) {
			t.Errorf("a token built as GitLab does failed its checksum")
		}
		b := []byte(s)
		b[len(p)+3] ^= 1 // flip a bit in the payload
		if gitlabRoutable(string(b)) {
			t.Errorf("a changed payload passed")
		}
		// A wrong length holder with a correct CRC over it still fails.
		i := strings.LastIndex(s, ".01.")
		body := s[:i+4] + "zz"
		if gitlabRoutable(body + pad36(uint64(crc32IEEE(body)), 7)) {
			t.Errorf("a wrong payload length passed")
		}
	}
}

func crc32IEEE(s string) uint32 { return crc32.ChecksumIEEE([]byte(s)) }

func TestCloudflareTunnelToken(t *testing.T) {
	ok := b64(`{"a":"` + RandString(32, "hex") + `","t":"` + RandString(8, "hex") + "-" + RandString(4, "hex") + "-" + RandString(4, "hex") + "-" + RandString(4, "hex") + "-" + RandString(12, "hex") + `","s":"` + RandString(44, "base64") + `"}`)
	if !cloudflareTunnelToken(ok) {
		t.Error("a tunnel token built as cloudflared does failed")
	}
	for _, bad := range []string{b64(`{"a":"x","t":"y"}`), b64(`{"a":"` + RandString(32, "hex") + `","t":"` + RandString(36, "hex") + `","s":"your-tunnel-secret-here-xxxxxxxxxxxxxxx"}`), "eyJhIjoi!!"} {
		if cloudflareTunnelToken(bad) {
			t.Errorf("%q passed", bad)
		}
	}
}

func TestKubernetesServiceAccountJWT(t *testing.T) {
	sig := "." + RandString(43, "urlsafe")
	h := b64url(`{"alg":"RS256","kid":"x"}`)
	if !kubernetesServiceAccountJWT(h + "." + b64url(`{"iss":"kubernetes/serviceaccount","sub":"system:serviceaccount:ci:deployer"}`) + sig) {
		t.Error("a legacy service-account token failed")
	}
	if !kubernetesServiceAccountJWT(h + "." + b64url(`{"iss":"https://kubernetes.default.svc","kubernetes.io":{"namespace":"ci"}}`) + sig) {
		t.Error("a bound service-account token failed")
	}
	if kubernetesServiceAccountJWT(h + "." + b64url(`{"iss":"https://accounts.google.com"}`) + sig) {
		t.Error("another issuer's token passed")
	}
}

func b64(s string) string    { return base64.StdEncoding.EncodeToString([]byte(s)) }
func b64url(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestArgoCDJWT(t *testing.T) {
	h, sig := b64url(`{"alg":"HS256","typ":"JWT"}`), "."+RandString(43, "urlsafe")
	if !argoCDJWT(h + "." + b64url(`{"iss":"argocd","sub":"ci:apiKey"}`) + sig) {
		t.Error("an Argo CD token failed")
	}
	if argoCDJWT(h + "." + b64url(`{"iss":"https://argocd.example.com/api/dex"}`) + sig) {
		t.Error("a Dex token passed")
	}
}
