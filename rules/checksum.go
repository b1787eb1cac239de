package rules

import (
	"encoding/base64"
	"encoding/json"
	"hash/crc32"
	"sort"
	"strings"
)

// Validator checks a candidate secret offline.
type Validator func(secret string) bool

// Checksums are the offline checksum validators a rule can name.
//
// A failing checksum means the provider never issued the string (a fake, a
// typo or a truncated copy): such a match is dropped, not reported. A
// passing checksum raises the finding's confidence to high.
var Checksums = map[string]Validator{
	// GitHub tokens (ghp_, gho_, ghu_, ghs_, ghr_) and npm tokens: prefix,
	// 30 base62 characters, 6 characters of base62 CRC32 of those 30.
	"github": crc32Tail(6),
	"npm":    crc32Tail(6),
	// Vercel tokens (vcp_ vci_ vca_ vcr_ vck_): prefix, 50-character body,
	// 6 characters of base62 CRC32 of the body.
	"vercel": crc32Tail(6),
}

func checksumNames() []string {
	var n []string
	for k := range Checksums {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

const base62Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// Base62 encodes v in base62 (alphabet 0-9A-Za-z), left-padded with '0' to
// width characters.
func Base62(v uint32, width int) string {
	var buf [16]byte
	i := len(buf)
	for v > 0 {
		i--
		buf[i] = base62Alphabet[v%62]
		v /= 62
	}
	s := string(buf[i:])
	for len(s) < width {
		s = "0" + s
	}
	return s
}

// CRC32Base62 is the 6-character base62 CRC32 (IEEE) checksum of body.
func CRC32Base62(body string) string { return Base62(crc32.ChecksumIEEE([]byte(body)), 6) }

// crc32Tail validates "<prefix>_<body><checksum>" where checksum is the
// last n characters.
func crc32Tail(n int) Validator {
	return func(s string) bool {
		i := strings.LastIndexByte(s, '_')
		body := s[i+1:]
		if len(body) <= n {
			return false
		}
		return CRC32Base62(body[:len(body)-n]) == body[len(body)-n:]
	}
}

var validators = map[string]func(string) bool{
	"basic-auth":                basicAuth,
	"jwt":                       validJWT,
	"jwt-supabase-service-role": supabaseServiceRole,
}

// decodeJWTPart decodes one base64url segment of a JWT.
func decodeJWTPart(s string) ([]byte, bool) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	return b, err == nil
}

// jwtParts returns the decoded header and payload of a signed JWT, or
// false when s is not one.
func jwtParts(s string) (header, payload map[string]any, ok bool) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return nil, nil, false
	}
	hb, ok1 := decodeJWTPart(parts[0])
	pb, ok2 := decodeJWTPart(parts[1])
	if !ok1 || !ok2 {
		return nil, nil, false
	}
	if json.Unmarshal(hb, &header) != nil || json.Unmarshal(pb, &payload) != nil {
		return nil, nil, false
	}
	return header, payload, true
}

// validJWT accepts a JWT whose header and payload decode to JSON objects,
// that names a signing algorithm other than "none", and that carries a
// signature. Unsigned tokens (alg none, empty signature) grant nothing.
func validJWT(s string) bool {
	h, _, ok := jwtParts(s)
	if !ok {
		return false
	}
	alg, _ := h["alg"].(string)
	if alg == "" || strings.EqualFold(alg, "none") {
		return false
	}
	sig := s[strings.LastIndexByte(s, '.')+1:]
	return len(sig) >= 16
}

// supabaseServiceRole accepts a signed JWT issued by Supabase for the
// service_role.
func supabaseServiceRole(s string) bool {
	if !validJWT(s) {
		return false
	}
	_, p, _ := jwtParts(s)
	role, _ := p["role"].(string)
	iss, _ := p["iss"].(string)
	return role == "service_role" && strings.Contains(iss, "supabase")
}

// decodeStdBase64 decodes standard base64, padded or not.
func decodeStdBase64(s string) ([]byte, bool) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
	}
	return b, err == nil
}

// basicAuth accepts base64 that decodes to printable "user:password" with
// a password that is not a placeholder.
func basicAuth(s string) bool {
	b, ok := decodeStdBase64(s)
	if !ok {
		return false
	}
	user, pass, ok := strings.Cut(string(b), ":")
	if !ok || user == "" || pass == "" {
		return false
	}
	for _, r := range string(b) {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			return false
		}
	}
	return !IsPlaceholder(pass)
}
