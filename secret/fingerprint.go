package secret

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// # Facts about a value that may be stored and shown

// Hash is a short, stable, non-reversible digest of a secret used in
// finding fingerprints, ignore files and the incident ledger: the first 16
// hex digits of SHA-256 over a domain-separated value.
func Hash(s string) string {
	sum := sha256.Sum256([]byte("leakguard\x00" + s))
	return hex.EncodeToString(sum[:8])
}

// KeyedHash is the digest of a secret written to files that are
// committed or published (ignore entries, SARIF partialFingerprints):
// HMAC-SHA256 under a repository's key ([RepoKey]), the first 32 hex
// digits. Unlike [Hash], a dictionary of digests computed for one
// repository is worth nothing in another; it does not make a weak secret
// strong (see SECURITY.md).
func KeyedHash(key []byte, s string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// KeyedHashLen is the length of a [KeyedHash] in hex digits; a [Hash] is
// 16.
const KeyedHashLen = 32

// RepoKey is the fingerprint key of a repository, derived from the id of
// its root commit (the first-parent root of HEAD): every clone and CI
// checkout of the repository derives the same key without setup.
func RepoKey(rootCommit string) []byte {
	k := sha256.Sum256([]byte("leakguard fingerprint key v1\x00" + strings.ToLower(strings.TrimSpace(rootCommit))))
	return k[:]
}

// Fingerprint is the inventory fingerprint of a value: "sha256:<hex>", the
// form leakguard.toml keeps in a managed key's fingerprints.
func Fingerprint(value string) string {
	s := sha256.Sum256([]byte(value))
	return "sha256:" + hex.EncodeToString(s[:])
}

// MinFingerprintLen is the shortest value whose [Fingerprint] 'keys
// fingerprint' writes without --weak: the fingerprint is an unkeyed
// SHA-256 kept in a committed file, and shorter values (passwords,
// PINs) are found from it with a dictionary.
const MinFingerprintLen = 16

// ParseFingerprint parses "sha256:<64 hex>" into its digest.
func ParseFingerprint(fp string) ([32]byte, bool) {
	var d [32]byte
	h, ok := strings.CutPrefix(strings.TrimSpace(fp), "sha256:")
	if !ok || len(h) != 64 {
		return d, false
	}
	if _, err := hex.Decode(d[:], []byte(strings.ToLower(h))); err != nil {
		return d, false
	}
	return d, true
}

// MinFindableLen is the shortest value a fingerprint can find.
const MinFindableLen = 8

// Findable reports whether a value can be found by its fingerprint: 16
// bytes or more, or 8 or more holding a digit or a symbol. Plain words and
// identifiers under 16 bytes (the bulk of any source file) are not hashed.
func Findable(v []byte) bool {
	if len(v) >= 16 {
		return true
	}
	if len(v) < MinFindableLen {
		return false
	}
	for _, c := range v {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '-' || c == '_') {
			return true
		}
	}
	return false
}
