package scanner

import (
	"encoding/base64"
	"sort"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/rules"
)

// credFile is a credential file as people commit it, from the store's
// documented format. @W@ is a weak password (what the dotfiles
// hold: a dictionary word, pass123, changeme), @S@ a strong one, @H@ a
// bcrypt hash, @B@ base64 of user:@W@; each is filled in at run time. The
// lines that must be reported are listed (1-based); any other finding is
// an extra line.
type credFile struct {
	path, text string
	lines      []int
}

func credFiles() []credFile {
	return []credFile{
		{".git-credentials", "https://deploy:@W@@github.com\nhttps://ci:@S@@git.corp.internal\n", []int{1, 2}},
		{"home/.netrc", "machine ftp.corp.internal\n  login deploy\n  password @W@\nmachine api.corp.internal login ci password @S@\n", []int{3, 4}},
		{"home/_netrc", "default login backup password @W@\n", []int{1}},
		{"home/.pgpass", "# hostname:port:database:username:password\ndb.internal:5432:app:app:@W@\n*:*:*:replicator:@S@\n", []int{2, 3}},
		{"home/.my.cnf", "[client]\nuser=root\npassword=@W@\n\n[mysqldump]\npassword=\"@S@\"\n", []int{3, 6}},
		{"app/.npmrc", "registry=https://npm.corp.internal/\n//npm.corp.internal/:_authToken=@S@\n_auth=@B@\n", []int{2, 3}},
		{"app/.yarnrc.yml", "npmRegistries:\n  \"https://npm.corp.internal\":\n    npmAuthToken: \"@S@\"\n", []int{3}},
		{"home/.docker/config.json", "{\n  \"auths\": {\n    \"registry.corp.internal\": {\n      \"auth\": \"@B@\"\n    }\n  }\n}\n", []int{4}},
		{"home/.esmtprc", "identity \"ops@corp.internal\"\n  hostname smtp.corp.internal:587\n  username \"ops\"\n  password \"@W@\"\n", []int{4}},
		{"home/.msmtprc", "account default\nhost smtp.corp.internal\nuser ops\npassword @W@\n", []int{4}},
		{"home/.fetchmailrc", "poll mail.corp.internal protocol imap user \"joe\" password \"@W@\"\n", []int{1}},
		{"site/sftp-config.json", "{\n    \"type\": \"sftp\",\n    \"host\": \"web01.corp.internal\",\n    \"user\": \"deploy\",\n    \"password\": \"@W@\",\n    //\"password\": \"password\",\n    \"remote_path\": \"/var/www/\"\n}\n", []int{5}},
		{"site/.remote-sync.json", "{\n  \"transport\": \"ftp\",\n  \"hostname\": \"ftp.corp.internal\",\n  \"username\": \"site\",\n  \"password\": \"@W@\"\n}\n", []int{5}},
		{"site/.ftpconfig", "{\n    \"protocol\": \"ftp\",\n    \"host\": \"ftp.corp.internal\",\n    \"user\": \"site\",\n    \"pass\": \"@W@\"\n}\n", []int{5}},
		{"AppData/FileZilla/sitemanager.xml", "<Server>\n  <Host>ftp.corp.internal</Host>\n  <User>site</User>\n  <Pass encoding=\"base64\">@b@</Pass>\n</Server>\n", []int{4}},
		{".idea/WebServers.xml", "<component name=\"WebServers\">\n  <option name=\"servers\">\n    <webServer id=\"1\" name=\"prod\">\n      <fileTransfer host=\"ftp.corp.internal\" port=\"21\" accessType=\"FTP\" login=\"site\" password=\"@S@\" />\n    </webServer>\n  </option>\n</component>\n", []int{4}},
		{"General/.dbeaver/data-sources.json", "{\"connections\": {\"pg\": {\"configuration\": {\"host\": \"db.corp.internal\", \"user\": \"report\", \"password\": \"@W@\"}}}}\n", []int{1}},
		{"server/ventrilo_srv.ini", "[Server]\nName=Guild\nPort=3784\nAdminPassword=@W@\nPassword=@S@\n", []int{4, 5}},
		{"home/.ssh/config", "Host bastion\n  HostName 10.0.0.5\n  User ops\n  # password @W@\n", []int{4}},
		{"deploy/.htpasswd", "admin:@H@\n", []int{1}},
		{"backup/etc/shadow", "root:$6$@s6@$@s86@:19700:0:99999:7:::\ndaemon:*:19700:0:99999:7:::\n", []int{1}},
		{"db/dump.sql", "CREATE USER 'shop'@'%' IDENTIFIED BY '@W@';\nINSERT INTO `users` (`id`,`email`,`password`) VALUES (1,'ops@corp.internal','@H@');\n", []int{1, 2}},
		{"blog/wp-config.php", "<?php\ndefine( 'DB_NAME', 'blog' );\ndefine( 'DB_USER', 'blog' );\ndefine( 'DB_PASSWORD', '@W@' );\n", []int{4}},
		{"site/settings.py", "DATABASES = {\n    'default': {\n        'ENGINE': 'django.db.backends.postgresql',\n        'USER': 'app',\n        'PASSWORD': '@W@',\n    }\n}\n", []int{5}},
		{"site/config.php", "<?php\n$db_host = 'localhost';\n$db_user = 'site';\n$db_pass = '@W@';\n", []int{4}},
		{"profile.default/logins.json", "{\"logins\":[{\"hostname\":\"https://intranet.corp.internal\",\"encryptedPassword\":\"MEIEEPgAAAAA@e60@\",\"encType\":1}]}\n", []int{1}},
		{"web/src/api.js", "const client = new Client({\n  host: 'db.corp.internal',\n  user: 'app',\n  password: '@P@',\n});\n", []int{4}},
		{"config/deploy.rb", "set :user, 'deploy'\nset :password, '@W@'\n", []int{2}},
		{"home/.bashrc", "alias ll='ls -l'\nexport GITHUB_TOKEN=@S@\nexport DB_PASSWORD=@W@\n", []int{2, 3}},
	}
}

// credValues returns the run-time values; weak passwords cycle through
// the kinds that real dotfiles hold.
func credValues(i int) map[string]string {
	weak := []string{rev("321ssap"), rev("emegnahc"), rev("drowssap"), rev("retnuh"), rev("toor")}[i%5]
	bc := "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	return map[string]string{
		"@W@": weak, "@P@": rev("321ssap"), "@S@": rules.RandString(18, "alnum") + "7",
		"@H@":   "$2y$10$" + rules.RandString(53, bc),
		"@B@":   b64("deploy:" + weak),
		"@b@":   b64(weak),
		"@s6@":  rules.RandString(16, "alnum"),
		"@s86@": rules.RandString(86, bc),
		"@e60@": rules.RandString(60, "base64"),
	}
}

// TestCredentialFiles: every secret field of a credential store is
// reported, whatever its words, with high confidence, and nothing else.
func TestCredentialFiles(t *testing.T) {
	d := testDetector(t)
	total, found, extra := 0, 0, 0
	for i, cf := range credFiles() {
		text := cf.text
		for k, v := range credValues(i) {
			text = strings.ReplaceAll(text, k, v)
		}
		fs := d.Detect(Fragment{Path: cf.path, Content: []byte(text)})
		got := map[int]*Finding{}
		for j := range fs {
			got[fs[j].StartLine] = &fs[j]
		}
		want := map[int]bool{}
		for _, l := range cf.lines {
			want[l] = true
			total++
			f := got[l]
			if f == nil {
				t.Errorf("%s:%d: not reported", cf.path, l)
				continue
			}
			found++
			if f.Confidence != rules.High && !strings.HasSuffix(cf.path, ".js") {
				t.Errorf("%s:%d: confidence %s (%s), want high", cf.path, l, f.Confidence, f.RuleID)
			}
		}
		var lines []int
		for l := range got {
			if !want[l] {
				lines = append(lines, l)
			}
		}
		sort.Ints(lines)
		for _, l := range lines {
			extra++
			t.Errorf("%s:%d: extra finding %s", cf.path, l, got[l].RuleID)
		}
	}
	t.Logf("credential files: %d of %d risk lines, %d extra", found, total, extra)
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
