package scanner

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

// The recall corpus: keys of documented formats, generated at run time,
// written into the places real projects keep them (dotenv, YAML, JSON,
// TOML, INI, shell, Dockerfile, Terraform, GitHub Actions, Kubernetes,
// and code in Python, JavaScript, TypeScript, Go, Java, Ruby, PHP, C#),
// under the variable names their SDKs and docs use. The formats are
// written from the providers' documentation, apart from the rules (no
// regex of a rule is reused here), so a rule that drifts from the format
// shows up as a miss. Negatives are the look-alikes the same files hold:
// placeholders, references, public keys, hashes, identifiers.

// recallFormat is one documented key format.
type recallFormat struct {
	category string
	provider string
	names    []string // variable names people give it
	value    string   // example template of a key of the format
}

var recallFormats = []recallFormat{
	// AI
	{"ai", "anthropic", []string{"ANTHROPIC_API_KEY", "CLAUDE_KEY"}, `sk-ant-api03-{{rand 93 "urlsafe"}}AA`},
	{"ai", "openai", []string{"OPENAI_API_KEY", "openai_key"}, `sk-proj-{{rand 64 "urlsafe"}}T3BlbkFJ{{rand 64 "urlsafe"}}`},
	{"ai", "huggingface", []string{"HF_TOKEN", "HUGGINGFACEHUB_API_TOKEN"}, `hf_{{rand 34 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"}}`},
	{"ai", "groq", []string{"GROQ_API_KEY"}, `gsk_{{rand 52 "alnum"}}`},
	{"ai", "replicate", []string{"REPLICATE_API_TOKEN"}, `r8_{{rand 37 "alnum"}}`},
	{"ai", "perplexity", []string{"PERPLEXITY_API_KEY", "PPLX_KEY"}, `pplx-{{rand 48 "alnum"}}`},
	{"ai", "xai", []string{"XAI_API_KEY"}, `xai-{{rand 80 "alnum"}}`},
	{"ai", "openrouter", []string{"OPENROUTER_API_KEY"}, `sk-or-v1-{{rand 64 "hex"}}`},
	{"ai", "nvidia", []string{"NVIDIA_API_KEY"}, `nvapi-{{rand 64 "urlsafe"}}`},
	{"ai", "tavily", []string{"TAVILY_API_KEY"}, `tvly-{{rand 32 "alnum"}}`},
	{"ai", "langsmith", []string{"LANGCHAIN_API_KEY", "LANGSMITH_API_KEY"}, `lsv2_pt_{{rand 32 "hex"}}_{{rand 10 "hex"}}`},
	{"ai", "pinecone", []string{"PINECONE_API_KEY"}, `pcsk_{{rand 5 "alnum"}}_{{rand 63 "alnum"}}`},
	{"ai", "ai21", []string{"AI21_API_KEY", "AI21_TOKEN"}, `{{rand 8 "hex"}}-{{rand 4 "hex"}}-4{{rand 3 "hex"}}-a{{rand 3 "hex"}}-{{rand 12 "hex"}}`},
	{"ai", "dashscope", []string{"DASHSCOPE_API_KEY"}, `sk-{{rand 32 "hex"}}`},
	{"ai", "zhipu", []string{"ZHIPUAI_API_KEY"}, `{{rand 32 "hex"}}.{{rand 16 "alnum"}}`},
	{"ai", "apify", []string{"APIFY_TOKEN"}, `apify_api_{{rand 36 "alnum"}}`},
	// cloud and hosting
	{"cloud", "aws", []string{"AWS_ACCESS_KEY_ID"}, `AKIA{{rand 16 "base32"}}`},
	{"cloud", "gcp", []string{"GOOGLE_CLIENT_SECRET"}, `GOCSPX-{{rand 28 "urlsafe"}}`},
	{"cloud", "google", []string{"GOOGLE_API_KEY", "YOUTUBE_API_KEY"}, `AIza{{rand 35 "urlsafe"}}`},
	{"cloud", "digitalocean", []string{"DIGITALOCEAN_TOKEN", "DO_TOKEN"}, `dop_v1_{{rand 64 "hex"}}`},
	{"cloud", "tailscale", []string{"TS_AUTHKEY", "TAILSCALE_AUTH_KEY"}, `tskey-auth-k{{rand 10 "alnum"}}CNTRL-{{rand 33 "alnum"}}`},
	{"cloud", "openshift", []string{"OPENSHIFT_TOKEN", "OC_TOKEN"}, `sha256~{{rand 43 "urlsafe"}}`},
	{"cloud", "docker-swarm", []string{"SWARM_JOIN_TOKEN"}, `SWMTKN-1-{{rand 50 "alnumlower"}}-{{rand 25 "alnumlower"}}`},
	{"cloud", "k3s", []string{"K3S_TOKEN"}, `K10{{rand 64 "hex"}}::server:{{rand 32 "hex"}}`},
	{"cloud", "fly", []string{"FLY_API_TOKEN"}, `fo1_{{rand 43 "urlsafe"}}`},
	{"cloud", "render", []string{"RENDER_API_KEY"}, `rnd_{{rand 32 "alnum"}}`},
	{"cloud", "porkbun", []string{"PORKBUN_SECRET_API_KEY"}, `sk1_{{rand 64 "hex"}}`},
	// source hosting, CI, registries
	{"vcs", "github", []string{"GITHUB_TOKEN", "GH_TOKEN"}, `{{$b := rand 30 "alnum"}}ghp_{{$b}}{{crc32b62 $b}}`},
	{"vcs", "github-fine-grained", []string{"GITHUB_PAT"}, `github_pat_{{rand 22 "alnum"}}_{{rand 59 "alnum"}}`},
	{"vcs", "gitlab", []string{"GITLAB_TOKEN", "CI_JOB_TOKEN_OVERRIDE"}, `glpat-{{rand 20 "urlsafe"}}`},
	{"vcs", "gitlab-routable", []string{"GITLAB_TOKEN", "GL_TOKEN"}, `{{glroutable "glpat-"}}`},
	{"vcs", "gitlab-runner", []string{"RUNNER_TOKEN"}, `{{glroutable "glrt-t1_"}}`},
	{"vcs", "sourcegraph", []string{"SRC_ACCESS_TOKEN"}, `sgp_{{rand 16 "hex"}}_{{rand 40 "hex"}}`},
	{"vcs", "npm", []string{"NPM_TOKEN"}, `{{$b := rand 30 "alnum"}}npm_{{$b}}{{crc32b62 $b}}`},
	{"vcs", "pypi", []string{"PYPI_TOKEN", "TWINE_PASSWORD"}, `pypi-AgEIcHlwaS5vcmc{{rand 70 "urlsafe"}}`},
	{"vcs", "dockerhub", []string{"DOCKERHUB_TOKEN"}, `dckr_pat_{{rand 27 "urlsafe"}}`},
	{"vcs", "sonarqube", []string{"SONAR_TOKEN"}, `squ_{{rand 40 "hex"}}`},
	{"vcs", "sonarqube-legacy", []string{"SONAR_TOKEN", "SONARQUBE_TOKEN"}, `{{rand 40 "hex"}}`},
	{"vcs", "dbt", []string{"DBT_CLOUD_API_TOKEN"}, `dbtc_{{rand 48 "urlsafe"}}`},
	// payments and commerce
	{"payments", "stripe", []string{"STRIPE_SECRET_KEY", "stripe_api_key"}, `sk_live_{{rand 99 "alnum"}}`},
	{"payments", "stripe-restricted", []string{"STRIPE_KEY"}, `rk_live_{{rand 99 "alnum"}}`},
	{"payments", "square", []string{"SQUARE_ACCESS_TOKEN"}, `EAAA{{rand 60 "urlsafe"}}`},
	{"payments", "shopify", []string{"SHOPIFY_ACCESS_TOKEN"}, `shpat_{{rand 32 "hex"}}`},
	{"payments", "razorpay", []string{"RAZORPAY_KEY_ID"}, `rzp_live_{{rand 14 "alnum"}}`},
	{"payments", "mercadopago", []string{"MERCADOPAGO_ACCESS_TOKEN", "MP_ACCESS_TOKEN"}, `APP_USR-{{rand 16 "digits"}}-{{rand 6 "digits"}}-{{rand 32 "hex"}}-{{rand 9 "digits"}}`},
	{"payments", "midtrans", []string{"MIDTRANS_SERVER_KEY"}, `Mid-server-{{rand 24 "urlsafe"}}`},
	{"payments", "xendit", []string{"XENDIT_SECRET_KEY"}, `xnd_production_{{rand 64 "alnum"}}`},
	// messaging, chat, email
	{"messaging", "slack-bot", []string{"SLACK_BOT_TOKEN", "SLACK_TOKEN"}, `xoxb-{{rand 12 "digits"}}-{{rand 13 "digits"}}-{{rand 24 "alnum"}}`},
	{"messaging", "slack-bot-legacy", []string{"SLACK_BOT_TOKEN", "SLACK_API_TOKEN"}, `xoxb-{{rand 11 "digits"}}-{{rand 24 "alnum"}}`},
	{"messaging", "slack-webhook", []string{"SLACK_WEBHOOK_URL"}, `https://hooks.slack.com/services/T{{rand 10 "alnumupper"}}/B{{rand 10 "alnumupper"}}/{{rand 24 "alnum"}}`},
	{"messaging", "discord-webhook", []string{"DISCORD_WEBHOOK"}, `https://discord.com/api/webhooks/{{rand 18 "digits"}}/{{rand 68 "urlsafe"}}`},
	{"messaging", "telegram", []string{"TELEGRAM_BOT_TOKEN"}, `{{rand 10 "digits"}}:AA{{rand 33 "urlsafe"}}`},
	{"messaging", "mattermost-webhook", []string{"MATTERMOST_WEBHOOK_URL"}, `https://chat.example-corp.io/hooks/{{rand 26 "alnumlower"}}`},
	{"messaging", "mattermost-pat", []string{"MATTERMOST_PAT", "MATTERMOST_TOKEN"}, `{{rand 26 "alnumlower"}}`},
	{"messaging", "twilio", []string{"TWILIO_API_KEY"}, `SK{{rand 32 "hex"}}`},
	{"messaging", "sendgrid", []string{"SENDGRID_API_KEY"}, `SG.{{rand 22 "urlsafe"}}.{{rand 43 "urlsafe"}}`},
	{"messaging", "nats-seed", []string{"NATS_NKEY", "NKEY_SEED"}, `{{nkeyseed "U"}}`},
	{"messaging", "pubnub", []string{"PUBNUB_SECRET_KEY"}, `sec-c-{{rand 48 "alnum"}}`},
	// monitoring and analytics
	{"monitoring", "sentry", []string{"SENTRY_AUTH_TOKEN"}, `sntrys_{{b64 (printf "{\"iat\":1710000000.5,\"url\":\"https://sentry.io\",\"region_url\":\"https://us.sentry.io\",\"org\":\"%s\"}" (rand 8 "alnumlower"))}}_{{rand 43 "base64"}}`},
	{"monitoring", "newrelic-user", []string{"NEW_RELIC_API_KEY"}, `NRAK-{{rand 27 "alnumupper"}}`},
	{"monitoring", "newrelic-license", []string{"NEW_RELIC_LICENSE_KEY", "NRIA_LICENSE_KEY"}, `{{rand 40 "hex"}}`},
	{"monitoring", "grafana", []string{"GRAFANA_TOKEN"}, `glsa_{{rand 32 "alnum"}}_{{rand 8 "hex"}}`},
	{"monitoring", "keen", []string{"KEEN_WRITE_KEY", "KEEN_MASTER_KEY"}, `{{rand 64 "hexupper"}}`},
	{"monitoring", "posthog-personal", []string{"POSTHOG_PERSONAL_API_KEY"}, `phx_{{rand 43 "alnum"}}`},
	// the provider-named family: keys without a prefix
	{"named", "saucelabs", []string{"SAUCE_ACCESS_KEY"}, `{{rand 8 "hex"}}-{{rand 4 "hex"}}-4{{rand 3 "hex"}}-a{{rand 3 "hex"}}-{{rand 12 "hex"}}`},
	{"named", "openweathermap", []string{"OPENWEATHERMAP_API_KEY", "OWM_API_KEY"}, `{{rand 32 "hex"}}`},
	{"named", "virustotal", []string{"VIRUSTOTAL_API_KEY", "VT_API_KEY"}, `{{rand 64 "hex"}}`},
	{"named", "shodan", []string{"SHODAN_API_KEY"}, `{{rand 32 "alnum"}}`},
	{"named", "etherscan", []string{"ETHERSCAN_API_KEY", "BSCSCAN_API_KEY"}, `{{rand 34 "alnumupper"}}`},
	{"named", "infura", []string{"INFURA_API_KEY", "INFURA_PROJECT_SECRET"}, `{{rand 32 "hex"}}`},
	{"named", "browserstack", []string{"BROWSERSTACK_ACCESS_KEY"}, `{{rand 20 "alnum"}}`},
	{"named", "deepl", []string{"DEEPL_AUTH_KEY", "DEEPL_API_KEY"}, `{{rand 8 "hex"}}-{{rand 4 "hex"}}-4{{rand 3 "hex"}}-a{{rand 3 "hex"}}-{{rand 12 "hex"}}:fx`},
	{"named", "lokalise", []string{"LOKALISE_API_TOKEN"}, `{{rand 40 "hex"}}`},
	{"named", "pushover", []string{"PUSHOVER_TOKEN", "PUSHOVER_API_TOKEN"}, `{{rand 30 "alnumlower"}}`},
	{"named", "ngrok", []string{"NGROK_AUTHTOKEN"}, `2{{rand 26 "alnum"}}_{{rand 21 "alnum"}}`},
	{"named", "binance", []string{"BINANCE_API_SECRET", "BINANCE_SECRET_KEY"}, `{{rand 64 "alnum"}}`},
	{"named", "alphavantage", []string{"ALPHAVANTAGE_API_KEY", "ALPHA_VANTAGE_KEY"}, `{{rand 16 "alnumupper"}}`},
	{"named", "steam", []string{"STEAM_API_KEY"}, `{{rand 32 "hexupper"}}`},
}

// recallContext writes NAME = VALUE the way one file type does.
type recallContext struct {
	path string
	line func(name, value string) string
}

func lowerCamel(name string) string {
	parts := strings.Split(strings.ToLower(name), "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

var recallContexts = []recallContext{
	{".env", func(n, v string) string { return n + "=" + v }},
	{".env.production", func(n, v string) string { return "export " + n + `="` + v + `"` }},
	{"config/settings.yaml", func(n, v string) string { return "credentials:\n  " + strings.ToLower(n) + ": " + v }},
	{"docker-compose.yml", func(n, v string) string { return "    environment:\n      - " + n + "=" + v }},
	{"k8s/secret.yaml", func(n, v string) string { return "stringData:\n  " + n + `: "` + v + `"` }},
	{".github/workflows/ci.yml", func(n, v string) string { return "    env:\n      " + n + ": " + v }},
	{"config.json", func(n, v string) string { return "{\n  \"" + lowerCamel(n) + "\": \"" + v + "\"\n}" }},
	{"config.toml", func(n, v string) string { return strings.ToLower(n) + ` = "` + v + `"` }},
	{"settings.ini", func(n, v string) string { return "[api]\n" + strings.ToLower(n) + " = " + v }},
	{"Dockerfile", func(n, v string) string { return "ENV " + n + "=" + v }},
	{"terraform.tfvars", func(n, v string) string { return strings.ToLower(n) + ` = "` + v + `"` }},
	{"deploy.sh", func(n, v string) string {
		return "curl -s -H \"Authorization: Bearer " + v + "\" https://api.internal/v1/me"
	}},
	{"app/settings.py", func(n, v string) string { return n + ` = "` + v + `"` }},
	{"src/client.js", func(n, v string) string { return "const " + lowerCamel(n) + ` = "` + v + `";` }},
	{"src/client.ts", func(n, v string) string { return "export const " + n + `: string = '` + v + `';` }},
	{"main.go", func(n, v string) string { return "const " + lowerCamel(n) + ` = "` + v + `"` }},
	{"src/main/java/App.java", func(n, v string) string { return "    private static final String " + n + ` = "` + v + `";` }},
	{"config/initializers/keys.rb", func(n, v string) string { return n + ` = "` + v + `".freeze` }},
	{"config.php", func(n, v string) string { return "define('" + n + "', '" + v + "');" }},
	{"Program.cs", func(n, v string) string { return "var " + lowerCamel(n) + ` = "` + v + `";` }},
}

// recallNegatives are non-secrets that sit where secrets do.
var recallNegatives = []struct{ path, text string }{
	{".env", "OPENAI_API_KEY=${OPENAI_API_KEY}"},
	{".env", "STRIPE_SECRET_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"},
	{".env", "STRIPE_PUBLISHABLE_KEY=pk_live_{{rand 99 \"alnum\"}}"},
	{".env", "SENTRY_DSN_PUBLIC_KEY={{rand 32 \"hex\"}}"},
	{".env", "REQUEST_ID={{rand 8 \"hex\"}}-{{rand 4 \"hex\"}}-4{{rand 3 \"hex\"}}-a{{rand 3 \"hex\"}}-{{rand 12 \"hex\"}}"},
	{"config.yaml", "api_key: <your-api-key>"},
	{"config.yaml", "token: {{\"{{\"}} .Values.token {{\"}}\"}}"},
	{"config.yaml", "checksum: sha256:{{rand 64 \"hex\"}}"},
	{"app/settings.py", `OPENWEATHERMAP_API_KEY = os.environ["OPENWEATHERMAP_API_KEY"]`},
	{"app/settings.py", `commit_sha = "{{rand 40 "hex"}}"`},
	{"src/client.js", `const apiKey = process.env.SHODAN_API_KEY;`},
	{"src/client.js", `const integrity = "sha512-{{rand 86 "base64"}}==";`},
	{"main.go", `var keenProjectID = "{{rand 24 "hex"}}"`},
	{"main.go", `const mattermostChannelID = "{{rand 26 "alnumlower"}}"`},
	{"README.md", "export ANTHROPIC_API_KEY=sk-ant-api03-..."},
	{"README.md", "Set `TAILSCALE_AUTH_KEY` to a key from https://login.tailscale.com/admin/settings/keys"},
	{"docs/setup.md", "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"},
	{"k8s/deploy.yaml", "image: registry.internal/app@sha256:{{rand 64 \"hex\"}}"},
	{"go.sum", "github.com/x/y v1.0.0 h1:{{rand 43 \"base64\"}}="},
	{"Program.cs", `var publicKeyToken = "{{rand 16 "hex"}}";`},
}

// TestRecallCorpus measures recall per category on the corpus above (each
// format in every context, three random keys each) and the share of
// negatives flagged, prints both, and fails when recall falls under the
// floor this rule set reaches. Run with -v to see the table.
func TestRecallCorpus(t *testing.T) {
	reseed("recall-corpus")
	d := testDetector(t)
	type tally struct{ found, byProvider, total int }
	per := map[string]*tally{}
	var misses []string
	for _, f := range recallFormats {
		tl := per[f.category]
		if tl == nil {
			tl = &tally{}
			per[f.category] = tl
		}
		for ci, c := range recallContexts {
			for round := 0; round < 3; round++ {
				name := f.names[(ci+round)%len(f.names)]
				v := expand(t, f.value)
				text := c.line(name, v)
				tl.total++
				found, byProvider := false, false
				for _, fd := range d.Detect(Fragment{Path: "repo/" + c.path, Content: []byte(text + "\n")}) {
					// The key, or the secret part of a URL that holds one.
					if sec := fd.Secret.Reveal(); strings.Contains(v, sec) && (len(sec) >= len(v)/2 || len(sec) >= 20) {
						found = true
						byProvider = byProvider || fd.Provider != "generic"
					}
				}
				if found {
					tl.found++
				} else if round == 0 {
					misses = append(misses, fmt.Sprintf("%s/%s in %s", f.category, f.provider, c.path))
				}
				if byProvider {
					tl.byProvider++
				}
			}
		}
	}
	var cats []string
	all := tally{}
	for c, tl := range per {
		cats = append(cats, c)
		all.found += tl.found
		all.byProvider += tl.byProvider
		all.total += tl.total
	}
	sort.Strings(cats)
	var b strings.Builder
	fmt.Fprintf(&b, "%-12s %6s %9s %13s\n", "category", "keys", "recall", "by provider")
	for _, c := range append(cats, "all") {
		tl := per[c]
		if c == "all" {
			tl = &all
		}
		fmt.Fprintf(&b, "%-12s %6d %8.3f %12.3f\n", c, tl.total, float64(tl.found)/float64(tl.total), float64(tl.byProvider)/float64(tl.total))
	}
	flagged, byProvider := 0, 0
	for _, n := range recallNegatives {
		if fs := d.Detect(Fragment{Path: "repo/" + n.path, Content: []byte(expand(t, n.text) + "\n")}); len(fs) > 0 {
			flagged++
			if fs[0].Provider != "generic" {
				byProvider++
			}
			t.Logf("negative flagged by %s: %s", fs[0].RuleID, n.text)
		}
	}
	fmt.Fprintf(&b, "negatives flagged: %d of %d (%d by a provider rule)\n", flagged, len(recallNegatives), byProvider)
	t.Log("recall corpus (documented formats in 20 file types):\n" + b.String())
	if len(misses) > 0 {
		t.Logf("missed (first round): %s", strings.Join(misses, "; "))
	}
	if r := float64(all.found) / float64(all.total); r < 0.97 {
		t.Errorf("recall %.3f, want at least 0.97", r)
	}
	// The generic rules are judged by their own corpus; here no provider
	// rule may flag a look-alike.
	if byProvider > 0 {
		t.Errorf("%d negatives flagged by provider rules, want none", byProvider)
	}
}
