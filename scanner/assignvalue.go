package scanner

import (
	"strings"
	"unicode/utf8"

	"github.com/leakguard/leakguard/rules"
)

// The value side of secret-named assignments: whether what is assigned
// to a secret name is a credential (judgeValue), and the shapes of values
// that are not (references, identifiers, paths, placeholders, words).

var (
	// Values that are literals of a type, a state or a label, never a
	// credential.
	nonValues = map[string]bool{"true": true, "false": true, "null": true, "nil": true, "none": true,
		"undefined": true, "yes": true, "no": true, "on": true, "off": true, "required": true, "optional": true,
		"disabled": true, "enabled": true, "hidden": true, "empty": true, "unknown": true, "invalid": true,
		"missing": true, "string": true, "str": true, "boolean": true, "bool": true, "int": true, "integer": true,
		"number": true, "object": true, "any": true, "text": true, "varchar": true, "char": true, "bytes": true,
		"nullable": true, "unset": true, "notset": true, "not_set": true, "n/a": true, "na": true, "tbd": true,
		"omitted": true, "masked": true, "sensitive": true, "secure": true, "bearer": true, "basic": true,
		"oauth": true, "oauth2": true, "jwt": true, "digest": true, "ntlm": true, "kerberos": true, "plain": true,
		"login": true, "cram-md5": true, "scram-sha-256": true, "md5": true, "trust": true, "peer": true,
		"ident": true, "password": true, "passwd": true, "secret": true, "token": true, "apikey": true,
		"api_key": true, "auth": true, "credentials": true, "prompt": true, "ask": true, "stdin": true,
		"env": true, "environment": true, "file": true, "keyring": true, "vault": true, "inherit": true,
		"current-password": true, "new-password": true, "one-time-code": true, "self": true, "this": true,
		"value": true, "default": true, "auto": true, "generated": true, "random": true, "dynamic": true,
		"static": true, "hmac": true, "sha256": true, "sha1": true, "rsa": true, "hs256": true, "rs256": true,
		"hashed": true, "hash": true, "encrypted": true, "bcrypt": true, "argon2": true, "argon2id": true, "scrypt": true,
		"pbkdf2": true, "cleartext": true, "encrypt": true, "decrypt": true}
	// Placeholder markers: a value holding one says it is not real.
	placeholderMarks = []string{"your", "changeme", "change-me", "change_me", "changethis", "replace", "placeholder",
		"redacted", "xxxx", "****", "...", "…", "insert", "enter_", "enter-", "todo", "fixme", "notreal",
		"not-real", "not_real", "not-a-real", "here>", "goes-here", "goes_here", "_here", "-here", "<", ">",
		"{{", "}}", "${", "#{", "%(", "${{", "<%", "%>"}
)

// judgeValue decides whether v, assigned to a name of the given kind, is a
// credential, and how sure that is.
func judgeValue(kind secretKind, name, v string, quoted bool, fc *fileContext) (rules.Confidence, bool) {
	v = strings.TrimSpace(v)
	lv := strings.ToLower(v)
	store := fc.store != ""
	if store {
		// A credential store's secret field holds what the server
		// accepts, whatever its words: only emptiness, references,
		// masks and flags are not credentials.
		switch lv {
		case "true", "false", "null", "nil", "none", "yes", "no", "on", "off", "0", "1", "prompt", "ask":
			return "", false
		}
		if rules.IsStoredPlaceholder(v) || isFormatPlaceholder(v) || isMarkerPlaceholder(v) && len(v) > 2 {
			return "", false
		}
		if fc.commented {
			for _, w := range nameWords(name) {
				if lv == w {
					return "", false // a template's commented default: //"password": "password"
				}
			}
		}
		return rules.High, true
	}
	minLen := map[secretKind]int{kindPassword: 4, kindSecret: 8, kindToken: 8, kindKey: 12, kindBareKey: 20, kindAuth: 8}[kind]
	if store {
		minLen = 1
	}
	if len(v) < minLen || len(v) > 400 {
		return "", false
	}
	// References, templates and placeholders.
	if rules.IsReference(v) || nonValues[strings.TrimRight(lv, "?!")] || strings.Contains(lv, "anonymous") ||
		strings.HasPrefix(v, "$") || strings.HasPrefix(lv, "urn:") || strings.Contains(v, "\\n") || strings.Contains(v, "\\t") {
		return "", false
	}
	for _, m := range placeholderMarks {
		if strings.Contains(lv, m) {
			return "", false
		}
	}
	if isMarkerPlaceholder(v) || isRepetitiveValue(lv) || isFormatPlaceholder(v) || hasCountingRun(lv) {
		return "", false
	}
	if quoted && strings.ContainsAny(v, "\"'`") {
		return "", false // a string built from pieces
	}
	// A value equal to a word of its own name, or to the name itself, is
	// a field name or a label: 'password' => 'password', TOKEN: "token".
	for _, w := range nameWords(name) {
		if lv == w {
			return "", false
		}
	}
	if strings.EqualFold(v, name) {
		return "", false
	}
	// encryptionKey: "encryptionKey1024": the name of a test case.
	if nw := nameWords(strings.TrimRight(name, "0123456789")); len(nw) > 1 && strings.Contains(strings.ReplaceAll(lv, "_", ""), strings.Join(nw, "")) {
		return "", false
	}
	// The credentials of RFC 7617's example (Aladdin, open sesame) stand
	// for any credentials in documentation and tests.
	if lv == "opensesame" || lv == "open sesame" || lv == "aladdin" {
		return "", false
	}
	if rules.IsUnsignedJWT(v) {
		return "", false // grants nothing
	}
	if strings.Contains(v, "\\u") || strings.Contains(v, "\\x") {
		return "", false // escaped text
	}
	// A value that names a secret (js.fetch:credentials, auth.token.label)
	// is a key or a label, unless it has digits.
	if !store && !hasDigit(v) {
		for _, w := range nameWords(v) {
			if compoundWords[w] != noSecret || passwordWords[w] || w == "key" || w == "keys" {
				if len(nameWords(v)) > 1 {
					return "", false
				}
			}
		}
	}
	if strings.ContainsAny(v, " \t") && !store {
		return "", false // text, not a credential
	}
	if !store && hasNonASCIILetter(v) {
		return "", false // a translated label
	}
	if strings.Contains(v, "://") {
		return "", false // URLs are the URL rules' business
	}
	if looksLikePath(v) || isEmail(v) && !store || isValidationRule(v) || isNamePath(v) {
		return "", false
	}
	if isPasswordHash(v) {
		if store {
			return rules.High, true
		}
		return "", false
	}
	if store {
		return rules.High, true
	}
	// Identifiers and labels: auth.password.label, PASSWORD_FIELD,
	// Password, reset-password.
	if looksLikeMemberAccess(v) || isUpperSnake(v) || isCapitalisedWord(strings.TrimRight(v, "?!")) {
		return "", false
	}
	if kind != kindPassword && (isCamelIdentifier(v) || isDottedName(v) || strings.Contains(v, ",") || strings.Contains(strings.TrimRight(v, "="), "=")) {
		return "", false
	}
	if fc.translation && isLetters(v) {
		return "", false
	}
	words := valueWords(v)
	rnd := randomLooking(v)
	if kind != kindPassword && madeUp(v) {
		return "", false // gho_abc123, 12345abcdefg
	}
	// inactive-user-2-token: words (and numbers) naming a secret.
	if namesSecret(words) {
		return "", false
	}
	if kind == kindBareKey && hasWordSegment(v) {
		return "", false // Linux-node-<hash>: a cache key, not a credential
	}
	var conf rules.Confidence
	switch kind {
	case kindPassword:
		if len(words) > 1 && !hasDigit(v) && !rnd {
			return "", false // a_label, reset-password
		}
		conf = rules.Low
		if classes(v) >= 2 && len(v) >= 6 || len(v) >= 12 || rnd {
			conf = rules.Medium
		}
	case kindSecret, kindAuth:
		if !rnd && (len(words) > 1 || isLetters(v) && len(v) < 8) {
			return "", false
		}
		conf = rules.Low
		if rnd && len(v) >= 16 {
			conf = rules.Medium
		}
	case kindToken, kindKey:
		if !rnd || isCamelIdentifier(v) {
			return "", false
		}
		conf = rules.Low
		if len(v) >= 16 {
			conf = rules.Medium
		}
	case kindBareKey:
		if !rnd || len(v) < 20 {
			return "", false
		}
		conf = rules.Low
	}
	if isHexOnly(v) && (fc.test || kind == kindBareKey) && len(v) >= 32 {
		if fc.test {
			return "", false // a test vector
		}
	}
	// A value spelling a secret word (Password123, secret1, P@ssw0rd)
	// describes itself: a documentation or test value, if a weak real one.
	if selfDescribing(v) {
		if fc.test || fc.doc {
			return "", false // a test's or a doc's stand-in: "secretpassword"
		}
		conf = rules.Low
	}
	if fc.dotenv && conf == rules.Low && kind == kindPassword && !fc.test && !fc.doc {
		conf = rules.Medium // a .env holds the values an app runs with
	}
	return conf, true
}

func lower(c rules.Confidence) rules.Confidence {
	if c == rules.High {
		return rules.Medium
	}
	return rules.Low
}

// randomLooking reports a value with the variety of a generated secret:
// 8+ characters, at least two character classes or hex, no dictionary
// shape (a single word, words joined by separators).
func randomLooking(v string) bool {
	if len(v) < 8 {
		return false
	}
	if isHexOnly(v) && len(v) >= 16 {
		return !isRepetitiveValue(strings.ToLower(v))
	}
	if classes(v) < 2 {
		return false
	}
	if rules.ShannonEntropy(v) < 2.8 {
		return false
	}
	// camelCase or snake_case words without digits: an identifier, or
	// identifiers joined by operators (kernelThreadName+pid+tid).
	if !hasDigit(v) {
		ws := valueWords(v)
		if len(ws) > 1 && isIdentLike(v) {
			return false
		}
		if len(ws) > 1 && allPronounceable(ws) {
			return false
		}
	}
	return true
}

// allPronounceable: every word has two letters or more and a vowel, as
// the words of an identifier do and the chunks of a random string do not.
func allPronounceable(ws []string) bool {
	for _, w := range ws {
		if len(w) < 2 || !strings.ContainsAny(w, "aeiouy") || !isLetters(w) {
			return false
		}
	}
	return true
}

// isCamelIdentifier: EncapsulationKey1024, NewDecapsulationKey768 — two
// or more capitalised words and a number at most.
func isCamelIdentifier(v string) bool {
	t := strings.TrimRight(v, "0123456789")
	ws := nameWords(t)
	return len(ws) > 1 && isLetters(t) && allPronounceable(ws)
}

func isIdentLike(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !isIdentByte(c) && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// classes counts character classes: lower, upper, digit, other.
func classes(v string) int {
	var l, u, d, o int
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= 'a' && c <= 'z':
			l = 1
		case c >= 'A' && c <= 'Z':
			u = 1
		case c >= '0' && c <= '9':
			d = 1
		default:
			o = 1
		}
	}
	return l + u + d + o
}

func valueWords(v string) []string { return nameWords(v) }

func isLetters(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return v != ""
}

func isHexOnly(v string) bool { return isAllHex(v) && v != "" }

func isUpperSnake(v string) bool {
	if !strings.Contains(v, "_") {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// isCapitalisedWord: Password, Passwort, Secret — a label.
func isCapitalisedWord(v string) bool {
	if len(v) < 2 || v[0] < 'A' || v[0] > 'Z' {
		return false
	}
	for i := 1; i < len(v); i++ {
		if v[i] < 'a' || v[i] > 'z' {
			return false
		}
	}
	return true
}

func hasNonASCIILetter(v string) bool {
	for _, r := range v {
		if r >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

func looksLikePath(v string) bool {
	if strings.HasPrefix(v, "/") || strings.HasPrefix(v, "./") || strings.HasPrefix(v, "../") || strings.HasPrefix(v, "~/") ||
		len(v) > 2 && v[1] == ':' && (v[2] == '\\' || v[2] == '/') {
		return true
	}
	lv := strings.ToLower(v)
	for _, ext := range []string{".pem", ".key", ".crt", ".cer", ".der", ".p12", ".pfx", ".jks", ".keystore", ".json", ".yaml",
		".yml", ".txt", ".env", ".conf", ".cfg", ".properties", ".xml", ".gpg", ".asc", ".pub", ".ppk", ".kdbx", ".ini", ".toml", ".html", ".php", ".js"} {
		if strings.HasSuffix(lv, ext) {
			return true
		}
	}
	return strings.Count(v, "/") >= 2 && !strings.ContainsAny(v, "+=")
}

func isEmail(v string) bool {
	at := strings.IndexByte(v, '@')
	return at > 0 && strings.Contains(v[at:], ".") && !strings.ContainsAny(v[at+1:], "@")
}

// hasCountingRun: 0123456789, abcdefgh — eight or more ascending
// characters mark a test vector or a made-up value.
func hasCountingRun(lv string) bool {
	var letters, digits []byte
	for i := 0; i < len(lv); i++ {
		switch c := lv[i]; {
		case c >= 'a' && c <= 'z':
			letters = append(letters, c)
		case c >= '0' && c <= '9':
			digits = append(digits, c)
		}
	}
	if len(letters) < len(lv) && len(digits) < len(lv) && (countingRun(string(letters)) || countingRun(string(digits))) {
		return true // a1b2c3d4e5f6g7h8
	}
	return countingRun(lv)
}

func countingRun(lv string) bool {
	run := 1
	for i := 1; i < len(lv); i++ {
		if lv[i] == lv[i-1]+1 {
			run++
			if run >= 8 {
				return true
			}
		} else {
			run = 1
		}
	}
	return false
}

// madeUp: after a prefix (gho_, sk-), a short body of counting runs
// only (abc123, 12345abcdefg, xyz789): a value typed to fill a test.
func madeUp(v string) bool {
	body := v
	if i := strings.LastIndexAny(v, "_-"); i >= 0 {
		body = v[i+1:]
	}
	lb := strings.ToLower(body)
	if len(lb) < 4 || len(lb) > 16 {
		return false
	}
	for i := 0; i < len(lb); {
		j := i + 1
		for j < len(lb) && lb[j] == lb[j-1]+1 {
			j++
		}
		if j-i < 3 {
			return false
		}
		i = j
	}
	return true
}

// namesSecret: identifier words, one of them a secret word, the rest
// words or numbers: inactive-user-2-token, my_api_key_1.
func namesSecret(ws []string) bool {
	if len(ws) < 2 {
		return false
	}
	named := false
	for _, w := range ws {
		switch {
		case isDigits(w):
		case passwordWords[w] || compoundWords[w] != noSecret || w == "key" || w == "keys":
			named = true
		case len(w) >= 2 && isLetters(w) && strings.ContainsAny(w, "aeiouy"):
		default:
			return false
		}
	}
	return named
}

// hasWordSegment: a dash-, dot- or underscore-separated segment that is
// a word of three letters or more (Linux-node-…, prod.cache.…).
func hasWordSegment(v string) bool {
	for _, seg := range strings.FieldsFunc(v, func(r rune) bool { return r == '-' || r == '_' || r == '.' || r == ':' }) {
		if len(seg) >= 3 && isLetters(seg) && strings.ContainsAny(strings.ToLower(seg), "aeiouy") && len(seg) < len(v) {
			return true
		}
	}
	return false
}

// selfDescribing: the value only names a secret (Password123, s3cr3t!,
// supersecret).
func selfDescribing(v string) bool { return rules.SpellsSecretWord(v) }

// isDottedName: localhost.key.b64, app.settings.v2 — lower-case words
// and dots: a file or a setting's name.
func isDottedName(v string) bool {
	if !strings.Contains(v, ".") {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// isValidationRule: Laravel's 'required|string|min:8|confirmed'.
func isValidationRule(v string) bool {
	if !strings.Contains(v, "|") {
		return false
	}
	for _, part := range strings.Split(v, "|") {
		name, _, _ := strings.Cut(part, ":")
		if name == "" || !isLetters(strings.ReplaceAll(name, "_", "a")) {
			return false
		}
	}
	return true
}

// isNamePath: kubernetes.io/dockerconfigjson, secrets/prod/db — names
// joined by slashes, without digits or capitals.
func isNamePath(v string) bool {
	if !strings.Contains(v, "/") {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c == '/' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// isPasswordHash: crypt, bcrypt, argon2, Django and LDAP hashes.
func isPasswordHash(v string) bool {
	lv := strings.ToLower(v)
	// user:hash, as htpasswd lines are built in tests.
	if i := strings.IndexByte(lv, ':'); i > 0 && i+1 < len(lv) && lv[i+1] == '$' {
		lv = lv[i+1:]
	}
	for _, p := range []string{"$2a$", "$2b$", "$2y$", "$2x$", "$1$", "$5$", "$6$", "$7$", "$y$", "$gy$", "$apr1$",
		"$argon2", "$pbkdf2", "$scrypt$", "pbkdf2_sha", "argon2$", "bcrypt$", "bcrypt_sha256$", "{ssha", "{sha", "{md5}", "{crypt}", "{bcrypt}", "{pbkdf2", "sha1$", "md5$", "sha256:", "sha512:"} {
		if strings.HasPrefix(lv, p) {
			return true
		}
	}
	return false
}

// isMarkerPlaceholder: ###PASSWORD###, @TOKEN@, %PASSWORD%, __SECRET__,
// [PASSWORD], {password}, :password, ?.
func isMarkerPlaceholder(v string) bool {
	if len(v) < 2 {
		return true
	}
	f, l := v[0], v[len(v)-1]
	switch {
	case f == '#' && l == '#', f == '@' && l == '@', f == '%' && l == '%', f == '[' && l == ']', f == '{' && l == '}', f == '(' && l == ')':
		return true
	case strings.HasPrefix(v, "__") && strings.HasSuffix(v, "__"):
		return true
	case f == ':' && isIdentifier(v[1:]), f == '$' && isIdentifier(v[1:]), f == '&' && isIdentifier(v[1:]):
		return true
	}
	return false
}

// isFormatPlaceholder: printf verbs and positional or named format
// fields fill a value in later.
func isFormatPlaceholder(v string) bool {
	for _, s := range []string{"%s", "%d", "%v", "%q", "%(", "{0}", "{1}", "{}", "$1", "\\(", "@{", "$("} {
		if strings.Contains(v, s) {
			return true
		}
	}
	return false
}

// isRepetitiveValue: one or two distinct characters, a short repeated
// unit, or an alphabet or digit run (aaaa, 1234, abcabc), short values
// included.
func isRepetitiveValue(lv string) bool {
	if rules.IsRepetitive(lv) {
		return true
	}
	seq := 0
	for i := 1; i < len(lv); i++ {
		if lv[i] == lv[i-1]+1 {
			seq++
		}
	}
	return len(lv) >= 4 && seq >= len(lv)-1
}
