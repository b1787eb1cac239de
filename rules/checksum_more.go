package rules

import (
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

func init() {
	Checksums["gitlab-routable"] = gitlabRoutable
	Checksums["nkeys-seed"] = nkeysSeed
	templateFuncs["glroutable"] = GitLabRoutableToken
	templateFuncs["nkeyseed"] = NKeysSeed
}

// gitlabRoutable validates a GitLab routable token (GitLab 17.x and
// later): PREFIX + base64url(random + routing payload + its length) +
// ".01." + the base64 part's length in two base36 digits + the CRC32 of
// everything before, in seven base36 digits.
func gitlabRoutable(s string) bool {
	if len(s) < 7+2+4 {
		return false
	}
	body, crc := s[:len(s)-7], s[len(s)-7:]
	if pad36(uint64(crc32.ChecksumIEEE([]byte(body))), 7) != crc {
		return false
	}
	i := strings.LastIndex(body, ".01.")
	if i < 0 || len(body) != i+6 {
		return false
	}
	n, err := strconv.ParseUint(body[i+4:], 36, 16)
	if err != nil || int(n) >= i {
		return false
	}
	// What precedes the base64 part is the token's prefix: gl…- and, for
	// runners, a type marker (glrt-t1_).
	return gitlabPrefix().MatchString(body[:i-int(n)])
}

var gitlabPrefix = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^gl[a-z]{2,8}-(?:t[0-9]_)?$`) })

func pad36(v uint64, width int) string {
	s := strconv.FormatUint(v, 36)
	for len(s) < width {
		s = "0" + s
	}
	return s
}

// GitLabRoutableToken builds a routable GitLab token with prefix (for
// example templates): a random 16-byte key and an organization routing
// payload, encoded and checksummed as GitLab does.
func GitLabRoutableToken(prefix string) string {
	payload := "o:" + RandString(randIntn(4)+1, "alnumlower")
	raw := RandString(16, "alnum") + payload + string(rune(len(payload)))
	b64 := base64.RawURLEncoding.EncodeToString([]byte(raw))
	body := prefix + b64 + ".01." + pad36(uint64(len(b64)), 2)
	return body + pad36(uint64(crc32.ChecksumIEEE([]byte(body))), 7)
}

var nkeysB32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// nkeysSeed validates a NATS nkey seed: base32 (no padding) of the seed
// prefix byte combined with the key type, 32 bytes of Ed25519 seed and a
// little-endian CRC-16/XMODEM of those 34 bytes.
func nkeysSeed(s string) bool {
	raw, err := nkeysB32.DecodeString(s)
	if err != nil || len(raw) != 36 {
		return false
	}
	if raw[0]&0xf8 != 18<<3 { // the seed prefix byte: 'S'
		return false
	}
	return binary.LittleEndian.Uint16(raw[34:]) == crc16XModem(raw[:34])
}

// NKeysSeed builds a NATS seed of key type kind ("U" user, "A" account,
// "O" operator, "N" server, "C" cluster) for example templates.
func NKeysSeed(kind string) string {
	prefixes := map[string]byte{"U": 20 << 3, "A": 0, "O": 14 << 3, "N": 13 << 3, "C": 2 << 3, "X": 23 << 3}
	p := prefixes[kind]
	raw := []byte{18<<3 | p>>5, (p & 31) << 3}
	raw = append(raw, RandString(32, "alnum")...)
	raw = binary.LittleEndian.AppendUint16(raw, crc16XModem(raw))
	return nkeysB32.EncodeToString(raw)
}

func crc16XModem(b []byte) uint16 {
	var crc uint16
	for _, c := range b {
		crc ^= uint16(c) << 8
		for i := 0; i < 8; i++ {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

func init() {
	validators["cloudflare-tunnel"] = cloudflareTunnelToken
	validators["jwt-kubernetes"] = kubernetesServiceAccountJWT
}

// cloudflareTunnelToken accepts a cloudflared tunnel token: base64 of a
// JSON object holding the account tag (a), the tunnel id (t) and the
// tunnel secret (s).
func cloudflareTunnelToken(s string) bool {
	b, ok := decodeStdBase64(s)
	if !ok {
		return false
	}
	var tok struct {
		A, T, S string
	}
	if json.Unmarshal(b, &tok) != nil {
		return false
	}
	return len(tok.A) >= 16 && len(tok.T) >= 32 && len(tok.S) >= 32 && !IsPlaceholder(tok.S)
}

// kubernetesServiceAccountJWT accepts a signed JWT issued to a Kubernetes
// service account: the legacy secret-based token (iss
// kubernetes/serviceaccount) or a bound token (a kubernetes.io claim).
func kubernetesServiceAccountJWT(s string) bool {
	if !validJWT(s) {
		return false
	}
	_, p, _ := jwtParts(s)
	if iss, _ := p["iss"].(string); iss == "kubernetes/serviceaccount" {
		return true
	}
	_, ok := p["kubernetes.io"]
	return ok
}

func init() { validators["jwt-argocd"] = argoCDJWT }

// argoCDJWT accepts a signed JWT issued by Argo CD (iss "argocd"): the
// API tokens of accounts and projects.
func argoCDJWT(s string) bool {
	if !validJWT(s) {
		return false
	}
	_, p, _ := jwtParts(s)
	iss, _ := p["iss"].(string)
	return iss == "argocd"
}
