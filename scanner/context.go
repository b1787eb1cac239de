package scanner

import (
	"path"
	"strings"
)

// Source-code files, where an unquoted value is code, not a literal.
var codeExts = map[string]bool{
	".go": true, ".js": true, ".mjs": true, ".cjs": true, ".ts": true, ".tsx": true, ".jsx": true,
	".py": true, ".rb": true, ".java": true, ".kt": true, ".kts": true, ".scala": true, ".cs": true,
	".c": true, ".h": true, ".cc": true, ".cpp": true, ".hpp": true, ".rs": true, ".swift": true,
	".php": true, ".m": true, ".dart": true, ".lua": true, ".pl": true, ".ex": true, ".exs": true,
	".groovy": true, ".vue": true, ".svelte": true, ".zig": true, ".hs": true, ".clj": true,
}

// IsCodePath reports whether p names a source-code file.
func IsCodePath(p string) bool { return codeExts[strings.ToLower(path.Ext(p))] }

// IsTestPath reports whether p looks like a test, fixture or test-data
// file.
func IsTestPath(p string) bool {
	lp := "/" + strings.ToLower(p)
	for _, s := range []string{"/testdata/", "/test/", "/tests/", "/fixtures/", "/fixture/", "/__tests__/", "/spec/", "/specs/", "/testing/"} {
		if strings.Contains(lp, s) {
			return true
		}
	}
	base := path.Base(lp)
	return strings.Contains(base, "_test.") || strings.Contains(base, ".test.") || strings.Contains(base, ".spec.") ||
		strings.HasPrefix(base, "test_") || strings.HasSuffix(strings.TrimSuffix(base, path.Ext(base)), "_test")
}

// literalInContext applies a CodeAware rule's context checks to a secret
// at offset off of content.
func literalInContext(p string, content []byte, off int, sec string) bool {
	// Quoted: the same quote right before and right after the value.
	end := off + len(sec)
	quoted := off > 0 && end < len(content) && content[end] == content[off-1] &&
		(content[off-1] == '"' || content[off-1] == '\'' || content[off-1] == '`')
	if !quoted && IsCodePath(p) {
		return false
	}
	if len(sec) >= 32 && isAllHex(sec) && IsTestPath(p) {
		return false
	}
	return true
}

func isAllHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHexByte(s[i]) {
			return false
		}
	}
	return true
}
