package scanner

import (
	"strings"
	"testing"

	"github.com/leakguard/leakguard/rules"
)

// assignCase is one line (or file) with @V@ standing for a value that the
// test fills in at run time, so this file holds no credential.
type assignCase struct {
	path, text string
	value      string           // what @V@ becomes
	want       rules.Confidence // "" when nothing is to be found
}

// rev builds a short value at run time from its reverse, so that the test
// source holds no assignment of it.
func rev(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

func TestSecretAssignments(t *testing.T) {
	d := testDetector(t)
	strong := rules.RandString(14, "alnum") + "9a"
	token := rules.RandString(40, "alnum") + "7Q"
	weak := rev("toor")     // four letters, as MYSQL_PASSWORD often holds
	word := rev("rettuhs")  // seven lower-case letters
	mixed := rev("1dnalsi") // a word and a digit
	cases := []assignCase{
		// Passwords in every syntax; short and dictionary values count.
		{"app/.env", "MYSQL_PASSWORD=@V@", weak, rules.Medium},
		{"config/db.yml", "  password: \"@V@\"", word, rules.Low},
		{"src/db.py", "conn = connect(host='db', user='app', password='@V@')", mixed, rules.Medium},
		{"src/Db.java", "private static final String DB_PASSWORD = \"@V@\";", strong, rules.Medium},
		{"src/db.go", "pwd := \"@V@\"", mixed, rules.Medium},
		{"src/db.go", "cfg := Config{User: \"app\", Password: \"@V@\"}", strong, rules.Medium},
		{"src/Db.cs", "builder.Password = \"@V@\";", strong, rules.Medium},
		{"config/app.php", "    'password' => '@V@',", strong, rules.Medium},
		{"src/client.js", "const client = new Client({ user: 'app', password: '@V@' })", mixed, rules.Medium},
		{"src/Db.java", "props.put(\"password\", \"@V@\");", strong, rules.Medium},
		{"src/Db.java", "ds.setPassword(\"@V@\");", strong, rules.Medium},
		{"web.config", "<add key=\"SmtpPassword\" value=\"@V@\" />", strong, rules.Medium},
		{"deploy.sh", "mycli --password @V@ --host db", strong, rules.Medium},
		{"src/models.py", "password: str = \"@V@\"", strong, rules.Medium},
		{"app.properties", "db.password=@V@", strong, rules.Medium},
		{"vars.tf", "  admin_password = \"@V@\"", strong, rules.Medium},
		{"group_vars/all.yml", "ansible_become_pass: @V@", strong, rules.Medium},
		// Tests and docs lower the confidence; they do not hide.
		{"tests/test_db.py", "    password = \"@V@\"", strong, rules.Low},
		{"docs/setup.md", "DB_PASSWORD=@V@", strong, rules.Low},
		// Tokens and keys need a generated shape.
		{"src/api.ts", "const apiToken = \"@V@\";", token, rules.Medium},
		{"config.json", "{\"api_key\": \"@V@\"}", token, rules.Medium},
		{"config.json", "{\"key\": \"@V@\"}", token, rules.Low},
		{"config.yml", "ssl_certificate_key: @V@", rules.RandString(40, "hex"), rules.Medium},
		{"src/api.ts", "const apiToken = \"@V@\";", word, ""},
		// Credential stores: every field, whatever its words.
		{"home/.my.cnf", "[client]\nuser=root\npassword=@V@\n", weak, rules.High},
		{"home/.netrc", "machine ftp.corp.internal login deploy password @V@\n", word, rules.High},
		{"home/.msmtprc", "account default\nhost smtp.corp.internal\npassword @V@\n", word, rules.High},
		{"home/.bashrc", "export GITHUB_TOKEN=@V@", word, rules.High},
		{"site/settings.py", "        'PASSWORD': '@V@',", weak, rules.High},
		// Not values: references, code, labels, translations, placeholders.
		{"src/db.py", "password = get_password()", "", ""},
		{"src/db.js", "password: process.env.DB_PASSWORD,", "", ""},
		{"src/db.go", "password := r.FormValue(\"password\")", "", ""},
		{"src/app.py", "_password = request.form[\"password\"]", "", ""},
		{"src/app.py", "auth = \"Basic \" + encoded", "", ""},
		{"src/app.py", "password = f\"{user}@V@\"", strong, ""},
		{"resources/lang/nl/auth.php", "    'password' => '@V@',", rev("droowthcaw"), ""},
		{"src/i18n/en.json", "\"password\": \"@V@\"", "Password", ""},
		{"src/ui.ts", "password: \"@V@\"", "Please enter your password", ""},
		{"app.config", "<assemblyIdentity name=\"System.Web.Mvc\" publicKeyToken=\"@V@\" culture=\"neutral\" />", rules.RandString(16, "hex"), ""},
		{"app.config", "<add assembly=\"System.Web, Version=4.0.0.0, Culture=neutral, PublicKeyToken=@V@\" />", rules.RandString(16, "hex"), ""},
		{"deploy/.env", "DB_PASSWORD=###DB_PASSWORD###", "", ""},
		{"src/model.ts", "password: string;", "", ""},
		{"src/app.py", "if password == \"@V@\":", strong, ""},
		{"src/app.go", "cmd.Env = append(cmd.Env, \"PWD=\"+dir)", "", ""},
		{"src/tok.py", "max_tokens = 4096", "", ""},
		{"src/tok.py", "csrf_token = \"@V@\"", token, ""},
		{"src/keys.py", "public_key = \"@V@\"", token, ""},
		{"src/form.html", "<input type=\"password\" name=\"password\" autocomplete=\"current-password\">", "", ""},
		{"pkg/set_test.go", "httpmock.JSONResponse(PubKey{ID: \"123\", Key: \"@V@\"})", rules.RandString(43, "base64") + "=", ""},
		{"pkg/cache_test.go", "\"key\": \"@V@\",", "Linux-node-" + rules.RandString(40, "hex"), ""},
		{"pkg/status_test.go", "\"GH_TOKEN\": \"@V@\",", "gho_" + rev("321cba"), ""},
		{"pkg/switch_test.go", "activeToken:  \"@V@\",", "inactive-user-2-token", ""},
		{"pkg/prompt_test.go", "dummyAuthToken := \"@V@\"", rules.RandString(16, "alnum") + "7", ""},
		{"net/http/client_test.go", "req.Header.Set(\"Authorization\", \"@V@\")", rev("drowssapterces"), ""},
		{"config/prod.yml", "keychain_password: @V@", rev("1drowssap"), rules.Low},
	}
	for _, c := range cases {
		text := strings.ReplaceAll(c.text, "@V@", c.value)
		fs := d.Detect(Fragment{Path: c.path, Content: []byte(text)})
		var got *Finding
		for i := range fs {
			if c.value == "" || fs[i].Secret.Reveal() == c.value {
				got = &fs[i]
			}
		}
		switch {
		case c.want == "" && got != nil:
			t.Errorf("%s: %q: reported (%s, %s)", c.path, c.text, got.RuleID, got.Confidence)
		case c.want != "" && got == nil:
			t.Errorf("%s: %q: not found (%d findings)", c.path, c.text, len(fs))
		case c.want != "" && got.Confidence != c.want:
			t.Errorf("%s: %q: confidence %s, want %s (%s)", c.path, c.text, got.Confidence, c.want, got.RuleID)
		}
	}
}

func TestNameWords(t *testing.T) {
	for in, want := range map[string]string{
		"dbPasswordProd": "db password prod", "X-API-Key": "x api key", "APIKey": "api key",
		"SECRET_KEY_BASE": "secret key base", "publicKeyToken": "public key token",
	} {
		if got := strings.Join(nameWords(in), " "); got != want {
			t.Errorf("nameWords(%q) = %q, want %q", in, got, want)
		}
	}
	for name, want := range map[string]secretKind{
		"DB_PASSWORD": kindPassword, "password2": kindPassword, "apiKey": kindKey, "client_secret": kindSecret,
		"PublicKeyToken": noSecret, "password_length": noSecret, "max_tokens": noSecret, "primary_key": noSecret,
		"key": kindBareKey, "SECRET_KEY_BASE": kindKey, "auth_token": kindToken, "csrf_token": noSecret,
		"tokenizer": noSecret, "passwordField": noSecret, "bypass": noSecret,
	} {
		if got := classifyName(name); got != want {
			t.Errorf("classifyName(%q) = %d, want %d", name, got, want)
		}
	}
}

// TestMinConfidence: a detector with a threshold reports nothing below
// it; without one it reports every level.
func TestMinConfidence(t *testing.T) {
	def, _ := rules.Defaults()
	rs, err := rules.CompileAll(def.Rules)
	if err != nil {
		t.Fatal(err)
	}
	text := []byte("password = \"" + rev("retnuh") + "\"\napi_token = \"" + rules.RandString(32, "alnum") + "7Q\"\n")
	all := NewDetector(Options{Rules: rs}).Detect(Fragment{Path: "src/app.py", Content: text})
	if countAtLeast(all, rules.Low) != 2 || countAtLeast(all, DefaultFailOn) != 1 {
		t.Fatalf("want one low and one medium finding, got %d", len(all))
	}
	med := NewDetector(Options{Rules: rs, MinConfidence: rules.Medium}).Detect(Fragment{Path: "src/app.py", Content: text})
	if len(med) != 1 || med[0].Confidence != rules.Medium {
		t.Fatalf("MinConfidence medium: %d findings", len(med))
	}
	if _, err := rules.ParseConfidence("certain"); err == nil {
		t.Error("ParseConfidence accepted a bad level")
	}
}
