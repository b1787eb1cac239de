package rules

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"text/template"
)

// Alphabets usable in example templates with {{rand N "name"}}.
var Alphabets = map[string]string{
	"alnum":      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
	"alnumlower": "abcdefghijklmnopqrstuvwxyz0123456789",
	"alnumupper": "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
	"lower":      "abcdefghijklmnopqrstuvwxyz",
	"upper":      "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
	"digits":     "0123456789",
	"hex":        "0123456789abcdef",
	"hexupper":   "0123456789ABCDEF",
	"urlsafe":    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
	"base64":     "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
	"base32":     "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
}

// exampleRand, when set by [SeedExamples], makes RandString deterministic
// so that tests expanding example templates are reproducible.
var exampleRand struct {
	sync.Mutex
	r *mrand.Rand
}

// SeedExamples makes RandString (and so example templates) deterministic
// from seed; tests call it so that a run can be reproduced exactly.
func SeedExamples(seed uint64) {
	exampleRand.Lock()
	exampleRand.r = mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	exampleRand.Unlock()
}

// RandString returns n characters drawn uniformly from alphabet, which is
// either a name from [Alphabets] or a literal set of characters.
func RandString(n int, alphabet string) string {
	chars, ok := Alphabets[alphabet]
	if !ok {
		chars = alphabet
	}
	if chars == "" || n <= 0 {
		return ""
	}
	var b strings.Builder
	exampleRand.Lock()
	if r := exampleRand.r; r != nil {
		for i := 0; i < n; i++ {
			b.WriteByte(chars[r.IntN(len(chars))])
		}
		exampleRand.Unlock()
		return b.String()
	}
	exampleRand.Unlock()
	max := big.NewInt(int64(len(chars)))
	for i := 0; i < n; i++ {
		k, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(err) // crypto/rand does not fail on supported platforms
		}
		b.WriteByte(chars[k.Int64()])
	}
	return b.String()
}

// randIntn returns a number in [0, n) from the example generator: seeded
// when [SeedExamples] was called, crypto/rand otherwise.
func randIntn(n int) int {
	if n <= 1 {
		return 0
	}
	exampleRand.Lock()
	if r := exampleRand.r; r != nil {
		defer exampleRand.Unlock()
		return r.IntN(n)
	}
	exampleRand.Unlock()
	k, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return int(k.Int64())
}

var templateFuncs = template.FuncMap{
	"rand": func(n int, alphabet string) (string, error) {
		if _, ok := Alphabets[alphabet]; !ok && len(alphabet) < 2 {
			return "", fmt.Errorf("rand: unknown alphabet %q", alphabet)
		}
		return RandString(n, alphabet), nil
	},
	"repeat":   func(s string, n int) string { return strings.Repeat(s, n) },
	"re":       RandMatching,
	"crc32b62": CRC32Base62,
	"b64":      func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) },
	"b64raw":   func(s string) string { return base64.RawStdEncoding.EncodeToString([]byte(s)) },
	"b64url":   func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) },
	"hex":      func(s string) string { return hex.EncodeToString([]byte(s)) },
	"upper":    strings.ToUpper,
	"lower":    strings.ToLower,
	// jwt builds a signed-looking JWT from a header and a payload in JSON,
	// with a random signature.
	"jwt": func(header, payload string) string {
		enc := base64.RawURLEncoding
		return enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload)) + "." + RandString(43, "urlsafe")
	},
	// jwtnosig builds an unsigned JWT (empty signature).
	"jwtnosig": func(header, payload string) string {
		enc := base64.RawURLEncoding
		return enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload)) + "."
	},
	"nl": func() string { return "\n" },
}

// Expand renders an example template. Templates are Go text/template
// strings with these functions:
//
//	rand N ALPHABET    N random characters ([Alphabets] name or literal set)
//	re REGEX           a random string the regex matches in full
//	repeat S N         S repeated N times
//	crc32b62 S         6-character base62 CRC32 of S (GitHub, npm, Vercel)
//	b64 S, b64raw S, b64url S, hex S, upper S, lower S
//	jwt HEADER PAYLOAD a JWT with a random signature
//	jwtnosig H P       an unsigned JWT
//	nl                 a newline
//
// Variables keep a value for a checksum:
// {{$b := rand 30 "alnum"}}ghp_{{$b}}{{crc32b62 $b}}.
func Expand(tmpl string) (string, error) {
	t, err := template.New("example").Funcs(templateFuncs).Option("missingkey=error").Parse(tmpl)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := t.Execute(&b, nil); err != nil {
		return "", err
	}
	return b.String(), nil
}
