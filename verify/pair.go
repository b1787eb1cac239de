package verify

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aws/smithy-go/aws-http-auth/credentials"
	"github.com/aws/smithy-go/aws-http-auth/sigv4"
)

// pairCheck verifies a credential that works only with its other half:
// an id (not secret on its own) and a secret, found in the same group.
type pairCheck struct {
	provider, endpoint, base, how string
	idRules, secretRules          []string
	// tokenRules find a session token that goes with the pair.
	tokenRules []string
	run        func(ctx context.Context, h *hc, base, id, sec, token string) pairOutcome
}

type outcomeKind int

const (
	pairUnknown  outcomeKind = iota
	pairLive                 // the pair works
	pairBadID                // the provider does not know the id (or the session ended)
	pairMismatch             // the id exists, the secret is not its own
)

type pairOutcome struct {
	kind   outcomeKind
	detail string
}

var pairChecks = []*pairCheck{{
	provider: "aws", endpoint: "aws", base: "https://sts.amazonaws.com",
	how:         "STS GetCallerIdentity, SigV4-signed (key id and secret from the same file)",
	idRules:     []string{"aws-access-key-id"},
	secretRules: []string{"aws-secret-access-key", "aws-credentials-file-secret"},
	tokenRules:  []string{"aws-session-token"},
	run:         stsGetCallerIdentity,
}}

// maxCandidates bounds how many secrets are tried with one id.
const maxCandidates = 4

// pairGroup is the ids, secrets and session token of one provider found
// in one group, and what each combination gave.
type pairGroup struct {
	pc       *pairCheck
	ids      []int // indexes into the credentials, one per distinct value
	secrets  []int
	tokens   []int
	dupOf    map[int]int // a repeated value's index -> its first index
	outcomes map[[2]int]pairOutcome
}

// pairUp finds the credentials that are halves of pairs and groups them.
func (c *Checker) pairUp(creds []Credential) (groups []*pairGroup, member map[int]*pairGroup) {
	member = map[int]*pairGroup{}
	for _, pc := range pairChecks {
		byGroup := map[string]*pairGroup{}
		var order []string
		firstOf := map[string]int{}
		for i, cr := range creds {
			role := 0
			switch {
			case inList(pc.idRules, cr.Rule):
				role = 1
			case inList(pc.secretRules, cr.Rule):
				role = 2
			case inList(pc.tokenRules, cr.Rule):
				role = 3
			default:
				continue
			}
			g := byGroup[cr.Group]
			if g == nil {
				g = &pairGroup{pc: pc, dupOf: map[int]int{}, outcomes: map[[2]int]pairOutcome{}}
				byGroup[cr.Group] = g
				order = append(order, cr.Group)
			}
			member[i] = g
			k := fmt.Sprintf("%d\x00%s\x00%s", role, cr.Group, cr.Value.Reveal())
			if j, ok := firstOf[k]; ok {
				g.dupOf[i] = j
				continue
			}
			firstOf[k] = i
			switch role {
			case 1:
				g.ids = append(g.ids, i)
			case 2:
				g.secrets = append(g.secrets, i)
			case 3:
				g.tokens = append(g.tokens, i)
			}
		}
		for _, k := range order {
			groups = append(groups, byGroup[k])
		}
	}
	return groups, member
}

func inList(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// runPairs tries each id with the secrets found with it (at most
// maxCandidates), stopping at the first that works.
func (c *Checker) runPairs(ctx context.Context, g *pairGroup, creds []Credential) {
	base := c.base(g.pc.endpoint, g.pc.base)
	token := ""
	if len(g.tokens) == 1 {
		token = creds[g.tokens[0]].Value.Reveal()
	}
	for _, id := range g.ids {
		for n, sec := range g.secrets {
			if n == maxCandidates {
				break
			}
			idv, secv := creds[id].Value.Reveal(), creds[sec].Value.Reveal()
			key := cacheKey("pair", g.pc.provider, base, idv, secv, token)
			r := c.cached(key, func() Result {
				select {
				case c.sem <- struct{}{}:
				case <-ctx.Done():
					return Result{Unknown, "cancelled before it was checked"}
				}
				defer func() { <-c.sem }()
				o := g.pc.run(ctx, c.h, base, idv, secv, token)
				// The outcome kind rides in the cached Result's validity.
				return Result{Validity: kindValidity[o.kind], Detail: scrub(scrub(scrub(o.detail, idv), secv), token)}
			})
			o := pairOutcome{kind: validityKind(r), detail: r.Detail}
			g.outcomes[[2]int{id, sec}] = o
			if o.kind == pairLive || o.kind == pairBadID {
				break
			}
		}
	}
}

// The cache holds Results; these map a pair outcome in and out of one.
var kindValidity = map[outcomeKind]Validity{pairUnknown: Unknown, pairLive: Live, pairBadID: Invalid, pairMismatch: "mismatch"}

func validityKind(r Result) outcomeKind {
	for k, v := range kindValidity {
		if v == r.Validity {
			return k
		}
	}
	return pairUnknown
}

// result is credential i's verdict from the outcomes of its pairs.
func (g *pairGroup) result(i int) Result {
	if j, ok := g.dupOf[i]; ok {
		i = j
	}
	title := providers()[g.pc.provider].title
	single := len(g.ids) == 1 && len(g.secrets) == 1
	// side: 0 for a key id, 1 for a secret; mine are its pairs' outcomes
	// in the order they were tried.
	side := 0
	switch {
	case hasInt(g.ids, i):
		if len(g.secrets) == 0 {
			return Result{Unknown, "no verifier: no " + title + " secret was found with this key id (same file), and the id alone proves nothing"}
		}
	case hasInt(g.secrets, i):
		side = 1
		if len(g.ids) == 0 {
			return Result{Unknown, "no verifier: no " + title + " key id was found with this secret (same file)"}
		}
	default: // a session token: it follows the one id it goes with
		if len(g.ids) == 1 {
			return g.result(g.ids[0])
		}
		return Result{Unknown, "no verifier: a session token is checked only with the one key id found with it"}
	}
	var mine []pairOutcome
	for _, id := range g.ids {
		for _, sec := range g.secrets {
			if o, ok := g.outcomes[[2]int{id, sec}]; ok && [2]int{id, sec}[side] == i {
				mine = append(mine, o)
			}
		}
	}
	if len(mine) == 0 {
		return Result{Unknown, "not checked: too many " + title + " secrets in the same file to try them all"}
	}
	var live, bad, mismatch, unknown []pairOutcome
	for _, o := range mine {
		switch o.kind {
		case pairLive:
			live = append(live, o)
		case pairBadID:
			bad = append(bad, o)
		case pairMismatch:
			mismatch = append(mismatch, o)
		default:
			unknown = append(unknown, o)
		}
	}
	switch {
	case len(live) > 0:
		return Result{Live, live[0].detail}
	case len(unknown) > 0:
		return Result{Unknown, unknown[0].detail}
	case len(bad) > 0 && (side == 0 || len(mismatch) == 0):
		return Result{Invalid, bad[0].detail}
	case single:
		return Result{Invalid, mismatch[0].detail}
	}
	return Result{Unknown, "no pair found in the same file works: " + mismatch[0].detail}
}

func hasInt(is []int, i int) bool {
	for _, x := range is {
		if x == i {
			return true
		}
	}
	return false
}

var awsCodeRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`<Code>([A-Za-z.]{1,64})</Code>`) })

// stsGetCallerIdentity calls STS GetCallerIdentity, which needs no
// permission, signed with Signature Version 4 by smithy-go's signer.
func stsGetCallerIdentity(ctx context.Context, h *hc, base, id, sec, token string) pairOutcome {
	const what = "STS GetCallerIdentity"
	body := []byte("Action=GetCallerIdentity&Version=2011-06-15")
	req, err := http.NewRequest(http.MethodPost, base+"/", nil)
	if err != nil {
		return pairOutcome{pairUnknown, "bad STS URL"}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256(body)
	err = sigv4.New().SignRequest(&sigv4.SignRequestInput{
		Request: req, PayloadHash: sum[:],
		Credentials: credentials.Credentials{AccessKeyID: id, SecretAccessKey: sec, SessionToken: token},
		Service:     "sts", Region: "us-east-1", Time: time.Now(),
	})
	if err != nil {
		return pairOutcome{pairUnknown, "could not sign the STS request"}
	}
	r, err := h.send(ctx, request{method: http.MethodPost, url: base + "/", header: req.Header, body: body})
	if res, ok := common("AWS", what, r, err); ok {
		return pairOutcome{pairUnknown, res.Detail}
	}
	code := ""
	if m := awsCodeRe().FindSubmatch(r.body); m != nil {
		code = string(m[1])
	}
	switch {
	case r.status == 200:
		return pairOutcome{pairLive, fmt.Sprintf("AWS accepted the key id and secret (%s: 200)", what)}
	case code == "InvalidClientTokenId" || code == "ExpiredToken":
		return pairOutcome{pairBadID, fmt.Sprintf("AWS rejected the key id (%s: %d %s)", what, r.status, code)}
	case code == "SignatureDoesNotMatch":
		return pairOutcome{pairMismatch, fmt.Sprintf("AWS knows the key id but the secret found with it does not match (%s: %d %s)", what, r.status, code)}
	case code == "Throttling":
		return pairOutcome{pairUnknown, fmt.Sprintf("rate limited by AWS (%s: %d Throttling)", what, r.status)}
	}
	return pairOutcome{pairUnknown, strings.TrimSpace(fmt.Sprintf("unexpected answer from AWS (%s: %d %s)", what, r.status, safeCode(code)))}
}
