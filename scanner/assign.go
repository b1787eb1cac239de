package scanner

import (
	"bytes"
	"strings"

	"github.com/leakguard/leakguard/rules"
)

// Secret-named assignments: NAME <op> VALUE where NAME says it holds a
// password, secret, token, key or credential, in any common syntax —
// dotenv and shell (`DB_PASSWORD=x`, `export X_TOKEN="x"`), YAML, JSON,
// TOML, INI and properties keys, XML attributes, code (`password = "x"`,
// `Password: "x"`, `pwd := "x"`, `'password' => 'x'`, keyword arguments),
// command-line flags (`--password x`, `--api-key=x`), HTTP headers
// (`X-API-Key: x`) and setters (`setPassword("x")`).
//
// Precision comes from context, not from dropping words: the name must end
// in a secret word (a `password_length` or a `public_key_token` is not a
// secret), the value must be a literal (not a reference, an interpolation,
// a call, a type, an identifier, a label or a path), and the confidence
// says how sure the value is a live credential: a dictionary password in a
// test fixture is reported, at low confidence.

// secretKind classifies a name by the secret it holds.
type secretKind uint8

const (
	noSecret secretKind = iota
	kindPassword
	kindSecret
	kindToken
	kindKey     // api_key, access_key, private_key ...
	kindBareKey // key alone: weak evidence
	kindAuth    // auth, credentials
)

// passwordWords, tokenWords ... are name words, lower case.
var (
	passwordWords = map[string]bool{"password": true, "passwd": true, "passwrd": true, "pwd": true, "pass": true,
		"passphrase": true, "passcode": true, "pword": true, "pw": true, "passwort": true, "contrasena": true, "senha": true, "motdepasse": true}
	// Single words that hold a kind word without a separator (apikey).
	compoundWords = map[string]secretKind{
		"apikey": kindKey, "accesskey": kindKey, "secretkey": kindKey, "privatekey": kindKey, "authkey": kindKey,
		"appkey": kindKey, "masterkey": kindKey, "licensekey": kindKey, "clientsecret": kindSecret, "appsecret": kindSecret,
		"accesstoken": kindToken, "authtoken": kindToken, "apitoken": kindToken, "refreshtoken": kindToken,
		"bearertoken": kindToken, "sessiontoken": kindToken, "secrettoken": kindToken, "dbpassword": kindPassword,
		"dbpass": kindPassword, "rootpassword": kindPassword, "adminpassword": kindPassword, "userpassword": kindPassword,
		"apisecret": kindSecret, "sharedsecret": kindSecret, "secretaccesskey": kindKey, "signingkey": kindKey,
		"encryptionkey": kindKey, "subscriptionkey": kindKey, "accountkey": kindKey, "consumersecret": kindSecret,
		"consumerkey": kindKey, "webhooksecret": kindSecret, "jwtsecret": kindSecret, "botkey": kindKey,
		"credentials": kindAuth, "credential": kindAuth, "creds": kindAuth, "auth": kindAuth, "authorization": kindAuth,
		"secret": kindSecret, "token": kindToken,
	}
	// Words that may follow the secret word in a name without changing
	// what it holds (DB_PASSWORD_PROD, apiKeyValue, password2).
	suffixWords = map[string]bool{"value": true, "val": true, "str": true, "string": true, "plain": true, "plaintext": true,
		"raw": true, "b64": true, "base64": true, "hex": true, "encoded": true, "bytes": true, "prod": true, "production": true,
		"dev": true, "development": true, "test": true, "testing": true, "staging": true, "stage": true, "live": true,
		"local": true, "sandbox": true, "qa": true, "uat": true, "ci": true, "default": true, "base": true, "new": true,
		"old": true, "current": true, "override": true, "literal": true, "const": true, "v1": true, "v2": true}
	// Words before the secret word that make the name not a secret
	// (public_key, primary_key, csrf_token, max_tokens, is_password).
	negPrefixWords = map[string]bool{"public": true, "pub": true, "primary": true, "foreign": true, "sort": true,
		"partition": true, "cache": true, "hash": true, "hashed": true, "idempotency": true, "dedup": true, "lookup": true,
		"csrf": true, "xsrf": true, "page": true, "next": true, "prev": true, "previous": true, "cursor": true,
		"continuation": true, "pad": true, "eos": true, "bos": true, "unk": true, "sep": true, "cls": true, "mask": true,
		"max": true, "min": true, "num": true, "total": true, "count": true, "is": true, "has": true, "no": true,
		"not": true, "use": true, "uses": true, "enable": true, "enabled": true, "disable": true, "show": true,
		"hide": true, "toggle": true, "forgot": true, "forget": true, "remember": true, "require": true,
		"requires": true, "required": true, "need": true, "needs": true, "valid": true, "invalid": true,
		"validate": true, "check": true, "encrypted": true, "digest": true, "sync": true, "resume": true,
		"cancellation": true, "special": true, "start": true, "end": true, "stop": true, "row": true, "range": true,
		"composite": true, "unique": true, "index": true, "registry": true, "hot": true, "short": true, "i18n": true,
		"translation": true, "message": true, "locale": true, "group": true, "table": true, "column": true,
		"field": true, "attr": true, "attribute": true, "meta": true, "item": true, "entry": true, "map": true,
		"dict": true, "object": true, "react": true, "query": true, "route": true, "event": true, "sample": true,
		"example": true, "dummy": true, "fake": true, "mock": true, "placeholder": true, "generate": true,
		"random": true, "salted": true, "input": true, "label": true, "confirm": true, "confirmation": true,
		"retype": true, "repeat": true, "cached": true, "last": true, "first": true, "type": true,
		"bypass": true, "compass": true, "verifier": true, "verification": true, "verify": true, "validation": true}
	// Words that, before "key", name an API credential rather than a map
	// key; without one, a key is weak evidence.
	keyPrefixWords = map[string]bool{"api": true, "access": true, "secret": true, "private": true, "priv": true,
		"auth": true, "signing": true, "sign": true, "signature": true, "encryption": true, "encrypt": true,
		"enc": true, "master": true, "license": true, "licence": true, "app": true, "application": true, "client": true,
		"consumer": true, "subscription": true, "account": true, "service": true, "shared": true, "hmac": true,
		"jwt": true, "session": true, "crypto": true, "cipher": true, "aes": true, "storage": true, "admin": true,
		"root": true, "write": true, "read": true, "deploy": true, "ingest": true, "ingestion": true, "sdk": true,
		"server": true, "dev": true, "developer": true, "certificate": true, "cert": true, "ssh": true, "gpg": true,
		"pgp": true, "tls": true, "ssl": true, "webhook": true, "bot": true, "user": true, "personal": true,
		"project": true, "org": true, "site": true, "recaptcha": true, "captcha": true, "maps": true, "map": false,
		"token": true, "secure": true, "prod": true, "live": true, "test": true, "sandbox": true, "merchant": true,
		"partner": true, "integration": true, "rest": true, "http": true, "mgmt": true, "management": true,
		"primary": false, "secondary": true, "hash": false, "salt": true, "x": true, "serial": true, "product": true,
		"activation": true, "registration": true, "install": true, "instrumentation": true, "router": true,
		"db": true, "database": true, "redis": true, "s3": true, "aws": true, "gcp": true, "azure": true, "do": true}
)

// nameWords splits an identifier into lower-case words at separators and
// camelCase boundaries: "dbPasswordProd" -> db password prod,
// "X-API-Key" -> x api key, "APIKey" -> api key.
func nameWords(s string) []string {
	var out []string
	var cur []byte
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			flush()
			continue
		}
		if c >= 'A' && c <= 'Z' && len(cur) > 0 {
			prev := s[i-1]
			nextLower := i+1 < len(s) && s[i+1] >= 'a' && s[i+1] <= 'z'
			if prev >= 'a' && prev <= 'z' || prev >= '0' && prev <= '9' || (prev >= 'A' && prev <= 'Z' && nextLower) {
				flush()
			}
		}
		cur = append(cur, c)
	}
	flush()
	return out
}

// classifyName returns what a name holds: the secret word must be the
// last word of the name but for suffixes that do not change its meaning.
func classifyName(name string) secretKind {
	ws := nameWords(name)
	i := len(ws) - 1
	for i > 0 && (suffixWords[ws[i]] || isDigits(ws[i])) {
		i--
	}
	if i < 0 {
		return noSecret
	}
	w := ws[i]
	var prev string
	if i > 0 {
		prev = ws[i-1]
	}
	// A trailing digit glued to the word: password2, token1.
	w = strings.TrimRight(w, "0123456789")
	kind := noSecret
	switch {
	case passwordWords[w]:
		kind = kindPassword
		if w == "pw" && prev == "" && len(ws) == 1 && name != "pw" && name != "PW" {
			return noSecret
		}
	case w == "key" || w == "keys" && false:
		if prev == "" || !keyPrefixWords[prev] {
			if negPrefixWords[prev] {
				return noSecret
			}
			return kindBareKey
		}
		kind = kindKey
	default:
		if k, ok := compoundWords[w]; ok {
			kind = k
		} else if strings.HasSuffix(w, "password") || strings.HasSuffix(w, "passwd") {
			kind = kindPassword
		} else {
			return noSecret
		}
	}
	if prev != "" && negPrefixWords[prev] {
		return noSecret
	}
	// public_key_token, publicKeyToken: a public word anywhere before;
	// dummyAuthToken, fakePassword: the name says it is not real.
	for _, p := range ws[:i] {
		switch p {
		case "public", "pub", "csrf", "xsrf", "dummy", "fake", "mock", "example", "sample", "placeholder", "invalid", "wrong", "bad":
			return noSecret
		}
	}
	return kind
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// assignSite is one name whose assignment the detector examines.
type assignSite struct {
	ns, ne int // the name
	ls, le int // its line
	first  int // the line's first byte that is not a blank
}

// assignmentAt examines the assignment of the name around a keyword hit
// and returns a candidate for rule r when its value is a credential.
func (d *Detector) assignmentAt(r *rules.Rule, fc *fileContext, b []byte, site assignSite) (candidate, bool) {
	ns, ne, le := site.ns, site.ne, site.le
	name := string(b[ns:ne])
	flag := strings.HasPrefix(name, "-")
	name = strings.TrimLeft(name, "-")
	kind := classifyName(name)
	if kind == noSecret {
		return candidate{}, false
	}
	i := ne
	quotedName := ns > site.ls && (b[ns-1] == '"' || b[ns-1] == '\'')
	if i < le && (b[i] == '"' || b[i] == '\'') {
		i++
	}
	if i < le && b[i] == ']' {
		i++
	}
	nameEnd := i
	i = skipBlank(b, i)
	blank := i > nameEnd
	// A type annotation: password: str = "x", apiKey: string = '...'.
	if i < le && b[i] == ':' && !hasAt(b, i, ":=") {
		j := skipBlank(b, i+1)
		k := j
		for k < le && (isIdentByte(b[k]) || b[k] == '&' || b[k] == '\'' && false) {
			k++
		}
		if k > j && k < le {
			k2 := skipBlank(b, k)
			if k2 < le && b[k2] == '=' && !hasAt(b, k2, "==") {
				i = k2
			}
		}
	}
	// "pass" alone is a verb as often as a password: PASS: TestX, pass:
	// (an assembly label), pass = ... in a loop. It counts only in a
	// store or a dotenv file, or with = and a quoted value.
	passAlone := strings.EqualFold(name, "pass")
	if passAlone && fc.store == "" && !fc.dotenv && !(i < le && b[i] == '=' && i+1 < le && (b[skipBlank(b, i+1)] == '"' || b[skipBlank(b, i+1)] == '\'')) {
		return candidate{}, false
	}
	var sep int
	switch {
	case hasAt(b, i, "==") || hasAt(b, i, "=~") || hasAt(b, i, "::"):
		return candidate{}, false
	case hasAt(b, i, ":="), hasAt(b, i, "=>"), hasAt(b, i, "?="), hasAt(b, i, "||="[1:]):
		sep = 2
	case hasAt(b, i, "||="), hasAt(b, i, "??="):
		sep = 3
	case i < le && (b[i] == '=' || b[i] == ':'):
		sep = 1
	case i < le && b[i] == ',' && quotedName && ns >= 2 && storingCall(b, site.ls, ns-1):
		// put("password", "x"), setdefault('TOKEN', 'x')
		sep = 1
	case i < le && b[i] == ',' && ns > site.ls && b[ns-1] == ':' && rubySet(b, site.ls, ns-1):
		sep = 1 // Capistrano and Sinatra: set :password, "x"
	case i < le && b[i] == '(' && !blank && isSetter(name):
		sep = 1
	case quotedName && blank && hasAt(b, i, "value=") && attrBefore(b, site.ls, ns-1):
		sep = len("value=") // <add key="DbPassword" value="x"/>
	case flag && blank && i < le && b[i] != '-':
		sep = 0 // --password VALUE
	case fc.spaceSep && blank:
		sep = 0 // credential stores: password VALUE (netrc, msmtprc)
	default:
		return candidate{}, false
	}
	i = skipBlank(b, i+sep)
	if i >= le {
		return candidate{}, false
	}
	// Python string prefixes; an f-string interpolates.
	fstring := false
	if i+1 < le && (b[i+1] == '"' || b[i+1] == '\'') {
		switch b[i] {
		case 'b', 'B', 'r', 'R', 'u', 'U':
			i++
		case 'f', 'F':
			i++
			fstring = true
		}
	}
	if hasAt(b, i, `"""`) || hasAt(b, i, "'''") {
		return candidate{}, false
	}
	// The name inside a string literal that ends right after the sign
	// ("PWD=" + dir): the value is built, not written.
	if ns > site.ls && (b[ns-1] == '"' || b[ns-1] == '\'') && i < le && b[i] == b[ns-1] && !(ne < le && b[ne] == b[ns-1]) {
		return candidate{}, false
	}
	vs, ve, quoted := readValue(b, i)
	if vs == ve || ve > le {
		return candidate{}, false
	}
	if !quoted && isBlockIndicator(string(b[vs:ve])) && len(bytes.TrimSpace(b[ve:le])) == 0 {
		// A YAML block scalar holding one line: the value is that line.
		bs, be, ok := blockScalarLine(b, site.ls, le)
		if !ok {
			return candidate{}, false
		}
		vs, ve, le = bs, be, be
	}
	v := string(b[vs:ve])
	if quoted {
		if fstring && strings.ContainsRune(v, '{') {
			return candidate{}, false
		}
		if concatenated(b, ve+1, le) {
			return candidate{}, false
		}
	} else {
		if fc.code && fc.store == "" {
			return candidate{}, false // an expression, not a literal
		}
		// A bare value ends its statement: what follows on the line is a
		// comment or a closing bracket, or the "value" is an expression
		// (password = await hash(x)).
		// Flags and environment prefixes (--password x --host db,
		// PGPASSWORD=x psql ...) are followed by the rest of a command.
		envName := strings.ToUpper(name) == name
		// (The rest of the line is read in place: copying it for each name
		// on a long line cost the line's length squared.)
		if rest := bytes.TrimLeft(b[ve:le], " \t\r"); !flag && !envName && len(rest) > 0 && !bytes.HasPrefix(rest, []byte("#")) &&
			!bytes.HasPrefix(rest, []byte("//")) && !bytes.HasPrefix(rest, []byte(";")) && !strings.ContainsRune(",}])\"'`<", rune(rest[0])) {
			return candidate{}, false
		}
		// Code in a config value: a call, an index, a YAML tag.
		if strings.ContainsAny(v, "()[]{}") || strings.HasPrefix(v, "!") || strings.HasPrefix(v, "&") || strings.HasPrefix(v, "*") && len(v) > 1 && isIdentByte(v[1]) {
			return candidate{}, false
		}
	}
	if kind == kindBareKey {
		// PubKey{ID: "1", Key: "…"}, "public": {"key": "…"}: a public key.
		pre := strings.ToLower(string(b[max(site.ls, ns-160):ns]))
		if strings.Contains(pre, "pubkey") || strings.Contains(pre, "public") {
			return candidate{}, false
		}
	}
	lfc := *fc
	lfc.commented = commentLine(b, site.first, ns)
	conf, ok := judgeValue(kind, name, v, quoted, &lfc)
	if !ok {
		return candidate{}, false
	}
	if fc.code && fc.store == "" && lfc.commented {
		conf = lower(conf) // an example in a doc comment
	}
	return candidate{
		rule: r, keyIdx: -1, kind: kindRule,
		start: vs, end: vs + len(v),
		mstart: ns, mend: min(len(b), ve+btoi(quoted)),
		secret: v, confidence: conf,
	}, true
}

func isBlockIndicator(v string) bool {
	switch v {
	case "|", "|-", "|+", ">", ">-", ">+":
		return true
	}
	return false
}

// blockScalarLine returns the one line of the block scalar that follows
// the line [ls,le): more indented than it, and followed by a line that is
// not (a longer block is text, or a key, and is left to the rules).
func blockScalarLine(b []byte, ls, le int) (int, int, bool) {
	indent := func(s int) int {
		i := s
		for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
			i++
		}
		return i - s
	}
	own := indent(ls)
	s := le + 1
	if s >= len(b) {
		return 0, 0, false
	}
	e := len(b)
	if k := bytes.IndexByte(b[s:], '\n'); k >= 0 {
		e = s + k
	}
	in := indent(s)
	if in <= own || s+in >= e {
		return 0, 0, false
	}
	if e+1 < len(b) {
		next := e + 1
		ne := len(b)
		if k := bytes.IndexByte(b[next:], '\n'); k >= 0 {
			ne = next + k
		}
		if indent(next) > own && next+indent(next) < ne {
			return 0, 0, false // more than one line
		}
	}
	ve := e
	for ve > s+in && (b[ve-1] == ' ' || b[ve-1] == '\r') {
		ve--
	}
	return s + in, ve, true
}

// storingCalls are functions whose first argument names what the second
// is stored as: put("password", "x"), define('DB_PASSWORD', 'x'),
// setenv, headers. Getters with a default (env("X", "fallback")) are not.
var storingCalls = map[string]bool{"put": true, "set": true, "setdefault": true, "add": true, "setproperty": true,
	"setitem": true, "setenv": true, "putenv": true, "setheader": true, "addheader": true, "header": true,
	"set_header": true, "add_header": true, "define": true, "store": true, "save": true, "setattr": true,
	"add_argument": false, "with": true, "setvalue": true, "setstring": true, "setsecret": true, "setcredentials": true}

// maxStoringCall is the length of the longest name in storingCalls.
var maxStoringCall = func() (n int) {
	for k := range storingCalls {
		n = max(n, len(k))
	}
	return n
}()

// rubySet reports "set " before the symbol's colon at c.
func rubySet(b []byte, ls, c int) bool {
	i := c
	for i > ls && (b[i-1] == ' ' || b[i-1] == '\t') {
		i--
	}
	return i-ls >= 3 && string(b[i-3:i]) == "set" && (i-3 == ls || !isIdentByte(b[i-4]))
}

// storingCall reports that the quote at q opens the first argument of a
// storing call.
func storingCall(b []byte, ls, q int) bool {
	i := q - 1
	for i >= ls && (b[i] == ' ' || b[i] == '\t') {
		i--
	}
	if i < ls || b[i] != '(' {
		return false
	}
	e := i
	for i > ls && isIdentByte(b[i-1]) {
		i--
	}
	if e-i > maxStoringCall {
		return false // no copy of a long word
	}
	return storingCalls[strings.ToLower(string(b[i:e]))]
}

// attrBefore reports an XML attribute key= or name= before the quote at q.
func attrBefore(b []byte, ls, q int) bool {
	lo := max(ls, q-5)
	t := strings.ToLower(string(b[lo:q]))
	return strings.HasSuffix(t, "key=") || strings.HasSuffix(t, "name=")
}

// isSetter reports setPassword, withApiKey, set_token: a call that stores
// its argument as the secret.
func isSetter(name string) bool {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	ws := nameWords(name)
	return len(ws) >= 2 && (ws[0] == "set" || ws[0] == "with")
}

// concatenated reports a literal that is only the start of a built value:
// "Basic " + x, "%s" % x, 'a' . $b, "x".format(y), "a" .. b.
func concatenated(b []byte, i, le int) bool {
	i = skipBlank(b, i)
	if i >= le {
		return false
	}
	switch b[i] {
	case '+', '%', '~', '&', '|', '?':
		return true
	case '.':
		rest := string(b[i+1 : min(le, i+16)])
		for _, m := range []string{"format", "replace", "join", "concat", "split", "%", ".", " ", "$"} {
			if strings.HasPrefix(rest, m) {
				return true
			}
		}
	}
	return false
}

// commentLine reports a line that starts with a comment marker before
// the name at ns; first is the line's first byte that is not a blank.
func commentLine(b []byte, first, ns int) bool {
	for _, m := range []string{"//", "#", "*", "/*", "--", ";", "<!--", "%", "'"} {
		if hasAt(b[:ns], first, m) {
			return true
		}
	}
	return false
}

// nameAround returns the bounds of the name holding a keyword hit: back
// and forward over identifier bytes, dots and dashes, within the line.
func nameAround(b []byte, ls, le, ks, ke int) (int, int) {
	s := ks
	for s > ls && ks-s < 128 {
		c := b[s-1]
		if !isIdentByte(c) && c != '.' && c != '-' {
			break
		}
		s--
	}
	e := ke
	for e < le && e-ke < 128 && (isIdentByte(b[e]) || b[e] == '.' || b[e] == '-') {
		e++
	}
	// A dotted prefix (options.Password, spring.datasource.password)
	// stays in the name; a trailing dot does not.
	for e > ke && (b[e-1] == '.' || b[e-1] == '-') {
		e--
	}
	return s, e
}

// assignable is the cheap test run at every hit before a name is
// classified: something that can start an assignment follows the name
// (=, :, a comma or parenthesis after a quoted name, a blank).
func assignable(b []byte, ns, ne, le int) bool {
	i := ne
	if i < le && (b[i] == '"' || b[i] == '\'' || b[i] == ']') {
		i++
	}
	if i < le && b[i] == ']' {
		i++
	}
	if i >= le {
		return false
	}
	switch b[i] {
	case '=', ':', ' ', '\t', ',', '(', '?', '|':
		return true
	}
	return false
}
