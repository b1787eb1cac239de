package rules

import (
	"net/url"
	"regexp"
	"strings"
	"sync"
)

var (
	// References to a value held elsewhere: shell and template variables,
	// environment lookups in common languages, secret stores.
	// Compiled on first use: it is the package's largest regex, and most
	// commands never ask.
	referenceRe = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)^(?:` +
			`\$\{[^}]*\}?|\$\{\{.*\}\}|\$[A-Za-z_][A-Za-z0-9_]*|\$\([^)]*\)?|` +
			`\{\{.*\}\}|\{%.*%\}|<%.*%>|<[^<>]+>|\[[A-Za-z _-]+\]|%[A-Za-z_][A-Za-z0-9_]*%|` +
			`#\{[^}]*\}|@[A-Za-z_][A-Za-z0-9_.]*@|` +
			`(?:process\.env|import\.meta\.env|os\.environ|env|ENV|System\.getenv|os\.Getenv|getenv|Deno\.env|secrets|vars|config|settings)\b.*|` +
			`(?:vault|ssm|awssm|arn|op|sm|keyvault|gcp-sm|doppler|infisical)://.*|` +
			`!(?:Ref|Sub|GetAtt|env|secret)\b.*` +
			`)$`)
	})
	// Words that mark a placeholder rather than a value.
	placeholderWords = []string{
		"your-", "your_", "yourkey", "your key", "<your", "changeme", "change-me", "change_me",
		"replace", "placeholder", "example", "redacted", "dummy", "sample", "insert", "enter-",
		"enter_", "todo", "fixme", "xxxx", "***", "...", "…", "put-your", "put_your", "secret-here",
		"key-here", "key_here", "token-here", "token_here", "password-here", "here>", "notreal",
		"not-a-real", "not_a_real", "fake", "foobar", "lorem", "opensesame", "open sesame", "aladdin",
	}
)

// IsReference reports whether v refers to a value kept elsewhere (an
// environment variable, a template, a secret store) instead of being one.
func IsReference(v string) bool {
	v = strings.TrimSpace(v)
	return maybeReference(v) && referenceRe().MatchString(v)
}

// referenceWords are the words a reference may begin with (referenceRe,
// ASCII case-insensitively).
var referenceWords = []string{
	"process.env", "import.meta.env", "os.environ", "env", "system.getenv", "os.getenv", "getenv",
	"deno.env", "secrets", "vars", "config", "settings",
	"vault", "ssm", "awssm", "arn", "op", "sm", "keyvault", "gcp-sm", "doppler", "infisical",
}

// maybeReference reports whether v may match referenceRe: whether it
// begins as one of its forms does. Most values a scan asks about (a
// key's value) do not, and need no regex: compiling it took about a
// millisecond and a half of a blocked commit's hook. Non-ASCII bytes at
// the start go to the regex, whose case folding matches 'ſ' for 's' and
// the Kelvin sign for 'k'.
func maybeReference(v string) bool {
	if v == "" {
		return false
	}
	if strings.IndexByte("${<[%#@!", v[0]) >= 0 {
		return true
	}
	head := v[:min(len(v), 16)]
	for i := 0; i < len(head); i++ {
		if head[i] >= 0x80 {
			return true
		}
	}
	for _, w := range referenceWords {
		if len(head) >= len(w) && strings.EqualFold(head[:len(w)], w) {
			return true
		}
	}
	return false
}

// IsPlaceholder reports whether v is a placeholder, a reference or too
// uniform to be a real credential: empty, `${…}`, `$NAME`, `{{ … }}`,
// `process.env.X`, `<…>`, `your-key`, `changeme`, `xxxx…`, `***`, `...`,
// `REDACTED`, or a low-entropy value.
func IsPlaceholder(v string) bool {
	v = strings.TrimSpace(v)
	if len(v) < 4 {
		return true
	}
	if IsReference(v) {
		return true
	}
	// A value built by a template or interpolation is not a literal.
	for _, t := range []string{"{{", "}}", "${", "<%", "%>", "{%", "%}"} {
		if strings.Contains(v, t) {
			return true
		}
	}
	lv := strings.ToLower(v)
	for _, w := range placeholderWords {
		if hasPlaceholderWord(lv, w) {
			return true
		}
		// Documentation marks fakes in capitals inside a key-shaped value
		// (AWS's …EXAMPLEKEY): five or more capitals do not happen by chance.
		if len(w) >= 5 && isAlnumByte(w[0]) && strings.Contains(v, strings.ToUpper(w)) {
			return true
		}
	}
	if isRepetitive(lv) {
		return true
	}
	// A long value needs some variety; short passwords get more slack.
	h := ShannonEntropy(v)
	switch {
	case len(v) >= 20 && h < 3.0:
		return true
	case len(v) < 20 && h < 2.0:
		return true
	}
	return false
}

// hasPlaceholderWord reports whether lv holds w as a word: next to a
// separator (your-key, sk_fake_123), or in a value that is only letters
// (myfakepassword) or only the word and digits (changeme1). Inside or at
// the edge of a run of random alphanumerics (…Ab3fakeQ9…, …MYFAKE) it is
// chance, not a placeholder: a real key may contain any word.
func hasPlaceholderWord(lv, w string) bool {
	if !isAlnumByte(w[0]) {
		return strings.Contains(lv, w) // *** ... … <your here>
	}
	if !strings.Contains(lv, w) {
		return false
	}
	lettersOnly := true
	for i := 0; i < len(lv); i++ {
		if !(lv[i] >= 'a' && lv[i] <= 'z' || lv[i] == '-' || lv[i] == '_' || lv[i] == ' ' || lv[i] == '.') {
			lettersOnly = false
			break
		}
	}
	if lettersOnly || strings.Trim(strings.ReplaceAll(lv, w, ""), "0123456789-_. ") == "" {
		return true
	}
	for off := 0; ; {
		i := strings.Index(lv[off:], w)
		if i < 0 {
			return false
		}
		i += off
		end := i + len(w)
		if (i > 0 && !isAlnumByte(lv[i-1])) || (end < len(lv) && !isAlnumByte(lv[end])) {
			return true
		}
		off = i + 1
	}
}

func isAlnumByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// IsRepetitive reports a value made of one character class run or a short
// repeated unit (aaaa…, 1234…, abcabc…, 0000…).
func IsRepetitive(v string) bool { return isRepetitive(v) }

func isRepetitive(v string) bool {
	distinct := map[rune]bool{}
	for _, r := range v {
		distinct[r] = true
	}
	if len(distinct) <= 2 {
		return true
	}
	// Sequential runs like 123456789 or abcdefgh.
	seq := 0
	for i := 1; i < len(v); i++ {
		if v[i] == v[i-1]+1 {
			seq++
		}
	}
	if len(v) >= 6 && seq >= len(v)-2 {
		return true
	}
	for unit := 1; unit <= 4 && unit*3 <= len(v); unit++ {
		ok := true
		for i := unit; i < len(v); i++ {
			if v[i] != v[i%unit] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// looksLikeJWT reports a three-part dotted value starting with a base64url
// JSON header.
func looksLikeJWT(s string) bool {
	return strings.HasPrefix(s, "eyJ") && strings.Count(s, ".") == 2
}

// spellsPassword reports the word "password" (or "secret", a filler-
// prefixed one such as "supersecret") written with escapes, look-alike
// symbols, digits or stray characters, as tests and examples do:
// p%40ssword, pa%3Fsword, passwo^rd, P@ssw0rd, Password123.
func spellsPassword(s string) bool {
	if len(s) > 32 {
		return false
	}
	if d, err := url.PathUnescape(s); err == nil {
		s = d
	}
	return SpellsSecretWord(s)
}

// SpellsSecretWord reports a value whose letters, read plainly or with
// look-alikes mapped (@ 4 -> a, 0 -> o, $ 5 -> s, 3 -> e, 1 ! -> i),
// only name a secret (see [SelfDescribing]).
func SpellsSecretWord(s string) bool {
	var plain, leet strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' {
			plain.WriteRune(r)
		}
		switch r {
		case '@', '4':
			r = 'a'
		case '0':
			r = 'o'
		case '$', '5':
			r = 's'
		case '3':
			r = 'e'
		case '1', '!':
			r = 'i'
		}
		if r >= 'a' && r <= 'z' {
			leet.WriteRune(r)
		}
	}
	return SelfDescribing(plain.String()) || SelfDescribing(leet.String())
}

// Words that describe a value's role rather than being part of it.
var fillerWords = []string{"super", "very", "hard", "strong", "secure", "secret", "some", "the", "my", "your", "our",
	"test", "testing", "root", "admin", "mysql", "postgres", "postgresql", "redis", "mongo", "db", "default", "dev",
	"local", "user", "app", "demo", "sample", "dummy", "example", "auth", "top", "new", "old", "strongest", "difficult"}

// SelfDescribing reports letters (lower case, look-alikes already mapped)
// that only name a secret: "password", "supersecret", "mysqlrootpassword",
// "testpassword", "somveryhardpassword", with a trailing "i" from a digit 1.
func SelfDescribing(letters string) bool {
	w := strings.TrimRight(letters, "i")
	for _, k := range []string{"password", "pasword", "passwrd", "passwd", "pssword", "secret", "pass", "pwd", "token", "apikey", "key", "admin", "root"} {
		if w == k {
			return true
		}
	}
	// Peel filler words off the front; what is left must be a secret word.
	for changed := true; changed; {
		changed = false
		for _, f := range fillerWords {
			if len(w) > len(f) && strings.HasPrefix(w, f) {
				w, changed = w[len(f):], true
			}
		}
	}
	switch w {
	case "password", "pasword", "passwd", "pass", "pwd", "secret", "token", "key", "apikey":
		return true
	}
	return false
}

// IsUnsignedJWT reports a JWT-shaped value that is not a signed token
// (alg none, no signature, or undecodable): it grants nothing.
func IsUnsignedJWT(s string) bool { return looksLikeJWT(s) && !validJWT(s) }

// IsStoredPlaceholder reports a value in a credential store's secret
// field that holds no credential: empty, a reference or template
// (${VAR}, {{ }}, <password>), or a mask (****, xxxx, ...). Dictionary
// words are credentials there: the server accepts what the store says.
func IsStoredPlaceholder(v string) bool {
	v = strings.TrimSpace(v)
	if v == "" || IsReference(v) {
		return true
	}
	for _, t := range []string{"{{", "}}", "${", "<%", "%>"} {
		if strings.Contains(v, t) {
			return true
		}
	}
	lv := strings.ToLower(v)
	if strings.Trim(lv, "*x.•#-_ ") == "" || strings.Contains(lv, "...") || strings.Contains(lv, "…") {
		return true
	}
	for _, w := range []string{"your_password", "your-password", "yourpassword", "<password>", "placeholder", "redacted"} {
		if strings.Contains(lv, w) {
			return true
		}
	}
	return false
}

func init() {
	validators["stored-credential"] = func(s string) bool { return !IsStoredPlaceholder(s) }
	validators["not-placeholder"] = func(s string) bool {
		if IsPlaceholder(s) || spellsPassword(s) {
			return false
		}
		// An unsigned JWT (alg none, no signature) grants nothing.
		if looksLikeJWT(s) && !validJWT(s) {
			return false
		}
		return true
	}
}
