package rules

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// Family is a table of providers that share one matcher: a value assigned
// to a name that holds the provider's name and ends in a secret word
// (AI21_TOKEN = …, mattermostPat: …, "keen_write_key": …), whose value has
// the provider's documented shape. Each member becomes a rule of its own
// (id, provider, rotate URL, examples), so it can be listed, disabled and
// tested like any other; all of them share the family's regex, which is
// compiled once.
//
//	[[families]]
//	id = "named"
//	regex = '''…(identifier ending in key|token|secret)…=…(value)…'''
//	secret_group = 2
//	members = [
//	  { provider = "ai21", shape = "uuid", rotate_url = "…" },
//	  { provider = "newrelic", names = ["new relic"], shape = "hex40" },
//	]
//
// A member's names (default: its provider) match words of the identifier
// case-insensitively, across separators and camelCase ("new relic"
// matches NEW_RELIC_KEY, newRelicKey and NEWRELIC_KEY); its keywords are
// the names' spellings. Its shape is a regex the whole value must match,
// or one of the shorthands uuid, jwt, hexN, alnumN, lowerN, upperN,
// digitsN, b64N, urlsafeN (N a length or a range N-M), or alternatives of
// these (uuid|hex32).
type Family struct {
	ID string `toml:"id"`
	// Description is a format string: %s is the member's title.
	Description   string     `toml:"description"`
	Regex         string     `toml:"regex"`
	SecretGroup   int        `toml:"secret_group"`
	SecretMinLen  int        `toml:"secret_min_len"`
	SecretMaxLen  int        `toml:"secret_max_len"`
	Entropy       float64    `toml:"entropy"`
	Confidence    Confidence `toml:"confidence"`
	KeywordAnchor bool       `toml:"keyword_anchor"`
	CodeAware     bool       `toml:"code_aware"`
	Validate      string     `toml:"validate"`
	Tags          []string   `toml:"tags"`
	Allowlist     *Allowlist `toml:"allowlist"`
	// TP and FP are example templates for every member, with {NAME}
	// (upper snake), {name} (lower snake), {camel} (lowerCamel) and
	// {value} (a template of a value of the member's shape).
	TP      []string `toml:"tp"`
	FP      []string `toml:"fp"`
	Members []Member `toml:"members"`
}

// Member is one provider of a [Family].
type Member struct {
	Provider string `toml:"provider"`
	// Title is the provider's name as people write it (default: Provider).
	Title     string   `toml:"title"`
	Names     []string `toml:"names"`
	Shape     string   `toml:"shape"`
	RotateURL string   `toml:"rotate_url"`
	Tags      []string `toml:"tags"`
	// Entropy overrides the family's floor (short shapes need a lower one).
	Entropy float64 `toml:"entropy"`
}

var shapeShorthand = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(hex|alnum|lower|upper|digits|b64|urlsafe)([0-9]+)(?:-([0-9]+))?$`)
})

// ShapeRegex expands a shape's shorthands, alone or as top-level
// alternatives ("uuid|hex32", "jwt|sk-[a-z]{48}"), into a regex; other
// alternatives are regexes as written.
func ShapeRegex(shape string) string {
	alts := topLevelAlternatives(shape)
	if len(alts) == 1 {
		return shapeOne(shape)
	}
	for i, a := range alts {
		alts[i] = shapeOne(a)
	}
	return "(?:" + strings.Join(alts, "|") + ")"
}

// topLevelAlternatives splits s at the | that no group or class encloses.
func topLevelAlternatives(s string) []string {
	var out []string
	depth, class, start := 0, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++
		case class:
			class = c != ']'
		case c == '[':
			class = true
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == '|' && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// jwtShape is the regex of the shorthand jwt: a signed JSON Web Token.
const jwtShape = `eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,}`

func shapeOne(shape string) string {
	if shape == "jwt" {
		return jwtShape
	}
	if shape == "uuid" {
		return `[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`
	}
	m := shapeShorthand().FindStringSubmatch(shape)
	if m == nil {
		return shape
	}
	n := m[2]
	if m[3] != "" {
		n += "," + m[3]
	}
	switch m[1] {
	case "hex":
		return `(?:[0-9a-f]{` + n + `}|[0-9A-F]{` + n + `})`
	case "alnum":
		return `[A-Za-z0-9]{` + n + `}`
	case "lower":
		return `[a-z0-9]{` + n + `}`
	case "upper":
		return `[A-Z0-9]{` + n + `}`
	case "digits":
		return `[0-9]{` + n + `}`
	case "b64":
		return `[A-Za-z0-9+/]{` + n + `}={0,2}`
	default: // urlsafe
		return `[A-Za-z0-9_-]{` + n + `}`
	}
}

// Rules expands the family into one rule per member.
func (f *Family) Rules() ([]RuleSpec, error) {
	if f.ID == "" || f.Regex == "" {
		return nil, fmt.Errorf("family: id and regex are required")
	}
	var out []RuleSpec
	for i, m := range f.Members {
		if m.Provider == "" || m.Shape == "" {
			return nil, fmt.Errorf("family %s: members[%d]: provider and shape are required", f.ID, i)
		}
		title := m.Title
		if title == "" {
			title = m.Provider
		}
		names := m.Names
		if len(names) == 0 {
			names = []string{m.Provider}
		}
		shape := ShapeRegex(m.Shape)
		example := "{{re `" + shape + "`}}"
		if strings.HasPrefix(m.Shape, "jwt") {
			example = `{{jwt "{\"alg\":\"HS256\",\"typ\":\"JWT\"}" "{\"sub\":\"` + m.Provider + `\"}"}}`
		}
		s := RuleSpec{
			ID:            f.ID + "-" + m.Provider,
			Description:   strings.ReplaceAll(f.Description, "%s", title),
			Provider:      m.Provider,
			Regex:         f.Regex,
			SecretGroup:   f.SecretGroup,
			SecretMinLen:  f.SecretMinLen,
			SecretMaxLen:  f.SecretMaxLen,
			Keywords:      nameKeywords(names),
			Entropy:       f.Entropy,
			Confidence:    f.Confidence,
			KeywordAnchor: f.KeywordAnchor,
			CodeAware:     f.CodeAware,
			Validate:      f.Validate,
			Names:         names,
			Shape:         shape,
			RotateURL:     m.RotateURL,
			Tags:          append(append([]string(nil), f.Tags...), m.Tags...),
		}
		if m.Entropy > 0 {
			s.Entropy = m.Entropy
		}
		if f.Allowlist != nil {
			al := *f.Allowlist
			s.Allowlist = &al
		}
		for _, t := range f.TP {
			s.TP = append(s.TP, memberExample(t, names[0], example))
		}
		for _, t := range f.FP {
			s.FP = append(s.FP, memberExample(t, names[0], example))
		}
		out = append(out, s)
	}
	return out, nil
}

// nameKeywords are the spellings of names a text can hold: "new relic"
// gives newrelic, new_relic, new-relic and new.relic.
func nameKeywords(names []string) []string {
	seen := map[string]bool{}
	var kw []string
	add := func(k string) {
		k = strings.ToLower(k)
		if !seen[k] {
			seen[k] = true
			kw = append(kw, k)
		}
	}
	for _, n := range names {
		parts := strings.Fields(n)
		for _, sep := range []string{"", "_", "-", "."} {
			add(strings.Join(parts, sep))
			if len(parts) == 1 {
				break
			}
		}
	}
	return kw
}

// memberExample fills a family example template for one member: example
// is a template of a value of the member's shape.
func memberExample(t, name, example string) string {
	parts := strings.Fields(strings.ToLower(name))
	camel := parts[0]
	for _, p := range parts[1:] {
		camel += strings.ToUpper(p[:1]) + p[1:]
	}
	return strings.NewReplacer(
		"{NAME}", strings.ToUpper(strings.Join(parts, "_")),
		"{name}", strings.Join(parts, "_"),
		"{camel}", camel,
		"{value}", example,
	).Replace(t)
}

// identWords splits an identifier into lower-case words at separators,
// digit-to-letter and camelCase boundaries: "newRelicLicenseKey" and
// "NEW_RELIC_LICENSE_KEY" both give new, relic, license, key; "AI21Token"
// gives ai21, token.
func identWords(s string) []string {
	var words []string
	start := -1
	flush := func(end int) {
		if start >= 0 && end > start {
			words = append(words, strings.ToLower(s[start:end]))
		}
		start = -1
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnumByte(c) {
			flush(i)
			continue
		}
		if start < 0 {
			start = i
			continue
		}
		p := s[i-1]
		upper := c >= 'A' && c <= 'Z'
		switch {
		case upper && p >= 'a' && p <= 'z': // fooBar
			flush(i)
			start = i
		case upper && p >= '0' && p <= '9' && i+1 < len(s) && s[i+1] >= 'a' && s[i+1] <= 'z': // AI21Token
			flush(i)
			start = i
		case upper && p >= 'A' && p <= 'Z' && i+1 < len(s) && s[i+1] >= 'a' && s[i+1] <= 'z': // APIKey
			flush(i)
			start = i
		}
	}
	flush(len(s))
	return words
}

// namesIn reports whether text (the part of a match before its secret)
// holds an identifier one of whose runs of consecutive words spells one
// of names, ignoring separators and case.
func namesIn(text string, names []string) bool {
	for _, tok := range strings.FieldsFunc(text, func(r rune) bool {
		return !(r < 128 && (isAlnumByte(byte(r)) || r == '_' || r == '-' || r == '.'))
	}) {
		words := identWords(tok)
		for _, n := range names {
			want := strings.ToLower(strings.Join(strings.Fields(n), ""))
			for i := range words {
				acc := ""
				for j := i; j < len(words) && len(acc) < len(want); j++ {
					acc += words[j]
					if acc == want {
						return true
					}
				}
			}
		}
	}
	return false
}
