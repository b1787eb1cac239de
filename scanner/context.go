package scanner

import (
	"encoding/base64"
	"encoding/binary"
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
	for _, s := range []string{"/testdata/", "/test/", "/tests/", "/fixtures/", "/fixture/", "/__tests__/", "/spec/", "/specs/", "/testing/",
		"/test-fixtures/", "/test_fixtures/", "/testfixtures/", "/test_data/", "/test-data/", "/testutil/", "/testutils/",
		"/e2e/", "/mocks/", "/mock/", "/__mocks__/", "/integration-tests/", "/integration_tests/", "/it/", "/testcases/"} {
		if strings.Contains(lp, s) {
			return true
		}
	}
	// Directories named for tests: stress-test/, load_tests/, test-utils/.
	for _, seg := range strings.Split(path.Dir(lp), "/") {
		if strings.HasSuffix(seg, "-test") || strings.HasSuffix(seg, "_test") || strings.HasSuffix(seg, "-tests") ||
			strings.HasSuffix(seg, "_tests") || strings.HasPrefix(seg, "test-") || strings.HasPrefix(seg, "test_") {
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

// fileContext is what a file's path (and kind) says about the values in
// it, computed once per fragment.
type fileContext struct {
	code        bool // source code: an unquoted value is an expression
	test        bool // tests, fixtures, test data
	doc         bool // documentation and examples
	translation bool // UI strings: a word under a password name is a label
	dotenv      bool // a .env file: the values an app runs with
	// store names the credential store the file is (".netrc", "pgpass",
	// ...), or is empty: in a store every secret field is a credential,
	// whatever its words.
	store string
	// spaceSep: the store writes "password VALUE" (netrc, msmtprc).
	spaceSep bool
	// commented: the line at hand starts with a comment marker.
	commented bool
}

// credentialStores maps a file's base name (lower case) to its store type.
var credentialStores = map[string]string{
	".git-credentials": "git-credentials", ".netrc": "netrc", "_netrc": "netrc", ".pgpass": "pgpass",
	"pgpass.conf": "pgpass", ".my.cnf": "mysql", ".mylogin.cnf": "mysql", ".npmrc": "npmrc", ".yarnrc.yml": "yarnrc",
	".yarnrc": "yarnrc", ".esmtprc": "esmtprc", ".msmtprc": "msmtprc", "msmtprc": "msmtprc",
	".fetchmailrc": "fetchmailrc", "sftp-config.json": "sftp", ".remote-sync.json": "sftp", ".ftpconfig": "sftp",
	"sftp.json": "sftp", ".ftppass": "sftp", "sitemanager.xml": "filezilla", "recentservers.xml": "filezilla",
	"filezilla.xml": "filezilla", "webservers.xml": "jetbrains", "datasources.xml": "jetbrains",
	"datasources.local.xml": "jetbrains", "data-sources.json": "dbeaver", "ventrilo_srv.ini": "ventrilo",
	".htpasswd": "htpasswd", "htpasswd": "htpasswd", "shadow": "shadow", "logins.json": "firefox",
	".s3cfg": "s3cfg", "s3cfg": "s3cfg", ".pypirc": "pypirc", "credentials": "credentials", ".dockercfg": "docker",
	".bashrc": "shell", ".bash_profile": "shell", ".zshrc": "shell", ".profile": "shell", ".zprofile": "shell",
	".zshenv": "shell", ".bash_aliases": "shell", ".kshrc": "shell", "config.fish": "shell", ".bash_login": "shell",
	"wp-config.php": "wordpress", "configuration.php": "joomla", "config.inc.php": "php-config",
	"database.yml": "rails", "deployment-config.json": "deploy", "deploy-config.json": "deploy",
	"ftp-config.json": "sftp", "credentials.xml": "jenkins", "hudson.util.secret": "jenkins",
	"robomongo.json": "robomongo", "deploy.rb": "deploy", "robo3t.json": "robomongo", ".ftpconfig.json": "sftp",
}

// spaceSepStores write "password VALUE" without an assignment sign.
var spaceSepStores = map[string]bool{"netrc": true, "msmtprc": true, "esmtprc": true, "fetchmailrc": true, "ssh": true}

func newFileContext(p string) *fileContext {
	lp := strings.ToLower(p)
	base := path.Base(lp)
	fc := &fileContext{code: IsCodePath(p) || strings.HasSuffix(lp, ".map"), test: IsTestPath(p)}
	fc.store = credentialStores[base]
	switch {
	case fc.store == "credentials" && !strings.Contains(lp, ".aws/"):
		fc.store = ""
	case fc.store == "shadow" && !strings.Contains(lp, "etc/"):
		fc.store = ""
	case fc.store == "" && (strings.HasSuffix(lp, ".ssh/config") || strings.HasPrefix(base, "ssh_config")):
		fc.store = "ssh"
	case fc.store == "" && strings.HasSuffix(lp, ".docker/config.json"):
		fc.store = "docker"
	case fc.store == "" && (base == "settings.py" || base == "local_settings.py" || strings.HasPrefix(base, "settings_") && strings.HasSuffix(base, ".py")):
		fc.store = "django"
	case fc.store == "" && (base == "config.php" || base == "db.php" || base == "database.php" || base == "dbconfig.php" || base == "db_config.php" || base == "conn.php" || base == "connect.php" || base == "connection.php"):
		fc.store = "php-config"
	case fc.store == "" && strings.Contains(lp, ".dbeaver/") && strings.HasSuffix(base, ".json"):
		fc.store = "dbeaver"
	case fc.store == "" && strings.HasPrefix(base, "dbeaver-data-sources"):
		fc.store = "dbeaver"
	}
	fc.spaceSep = spaceSepStores[fc.store]
	fc.dotenv = base == ".env" || strings.HasPrefix(base, ".env.") || strings.HasSuffix(base, ".env")
	lpp := "/" + lp
	for _, s := range []string{"/docs/", "/doc/", "/documentation/", "/examples/", "/example/", "/samples/", "/sample/", "/demo/", "/demos/", "/tutorial/", "/tutorials/"} {
		if strings.Contains(lpp, s) {
			fc.doc = true
		}
	}
	stem := strings.TrimSuffix(base, path.Ext(base))
	if stem == "swagger" || stem == "openapi" || strings.HasPrefix(base, "readme") || strings.HasPrefix(base, "changelog") {
		fc.doc = true
	}
	switch path.Ext(base) {
	case ".sample", ".example", ".dist", ".template", ".tpl", ".tmpl":
		fc.doc = true // a file to copy and fill in
	case ".md", ".rst", ".adoc", ".markdown", ".ipynb":
		fc.doc = fc.doc || path.Ext(base) != ".ipynb"
	case ".po", ".pot", ".resx", ".xlf", ".xliff", ".arb", ".strings", ".lproj":
		fc.translation = true
	}
	for _, s := range []string{"/lang/", "/langs/", "/locale/", "/locales/", "/i18n/", "/l10n/", "/translations/", "/translation/", "/nls/", "/messages/", "/language/", "/languages/"} {
		if strings.Contains(lpp, s) {
			fc.translation = true
		}
	}
	if strings.HasPrefix(base, "messages") && strings.HasSuffix(base, ".properties") || base == "strings.xml" || isLocaleFileName(base) {
		fc.translation = true
	}
	if fc.dotenv && !fc.test {
		// .env.example, .env.sample: placeholders are filtered as
		// anywhere; a value that survives is one someone copied from
		// their real .env.
		fc.doc = false
	}
	return fc
}

// isLocaleFileName: en.json, de-DE.yml, pt_BR.php, fr.ts.
func isLocaleFileName(base string) bool {
	ext := path.Ext(base)
	switch ext {
	case ".json", ".yml", ".yaml", ".properties", ".ini", ".php", ".js", ".ts", ".toml":
	default:
		return false
	}
	stem := strings.TrimSuffix(base, ext)
	switch stem {
	case "db", "go", "io", "ui", "os", "js", "ts", "py", "rb", "vm", "ci", "cd", "ip", "id", "qa", "ux", "db1", "pg", "my":
		return false
	}
	if len(stem) == 2 {
		return stem[0] >= 'a' && stem[0] <= 'z' && stem[1] >= 'a' && stem[1] <= 'z'
	}
	return len(stem) == 5 && (stem[2] == '-' || stem[2] == '_') && isLetters(stem[:2]) && isLetters(stem[3:])
}

// isEncryptedPrivateKey reports a private key that needs a passphrase:
// PKCS#8 ENCRYPTED, PEM with Proc-Type 4,ENCRYPTED, SSH2 ENCRYPTED, or an
// OpenSSH key whose cipher is not "none". Such a key is reported at low
// confidence: useless without its passphrase (labelled real code counts
// it as no credential), yet a leak worth seeing (the passphrase is often
// weak or stored next to it), so it shows in scans and audits without
// failing a hook.
func isEncryptedPrivateKey(sec string) bool {
	if !strings.Contains(sec, "PRIVATE KEY") {
		return false
	}
	if strings.Contains(sec, "ENCRYPTED PRIVATE KEY") || strings.Contains(sec, "Proc-Type: 4,ENCRYPTED") {
		return true
	}
	const openssh = "-----BEGIN OPENSSH PRIVATE KEY-----"
	i := strings.Index(sec, openssh)
	if i < 0 {
		return false
	}
	var body strings.Builder
	for _, c := range sec[i+len(openssh):] {
		if c == '-' || body.Len() >= 64 {
			break
		}
		if isB64Byte(byte(c)) && c < 128 || c == '=' {
			body.WriteRune(c)
		}
	}
	raw, err := base64.StdEncoding.DecodeString(body.String()[:body.Len()/4*4])
	if err != nil {
		return false
	}
	// "openssh-key-v1\0", then the cipher name as a length-prefixed string.
	const magic = "openssh-key-v1\x00"
	if len(raw) < len(magic)+4 || string(raw[:len(magic)]) != magic {
		return false
	}
	n := int(binary.BigEndian.Uint32(raw[len(magic):]))
	name := raw[len(magic)+4:]
	if n > len(name) {
		return false
	}
	return string(name[:n]) != "none"
}
