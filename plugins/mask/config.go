package mask

import (
	"regexp"
	"slices"
	"strings"

	"github.com/wasmward/wasmward/shared/config"
)

// Spec is the plugin's settings (the config's "spec"). Every default is in schema.json and
// docs/mask.md.
type Spec struct {
	// Rules select fields (by path or detector) and say what to do with them.
	Rules    []RuleSpec   `json:"rules,omitempty"`
	Response ResponseSpec `json:"response,omitzero"`
	Request  RequestSpec  `json:"request,omitzero"`
	Headers  HeadersSpec  `json:"headers,omitzero"`
	HMAC     HMACSpec     `json:"hmac,omitzero"`
	// UnsupportedHost is what to do on ngx_wasm_module, which cannot pause response headers,
	// when response rules exist: "refuse" (default) masks response bodies there as on Envoy,
	// buffered in the body phase (both supported hosts can buffer them, so nothing is refused);
	// "requestOnly" applies request rules and header hygiene only and counts JSON responses as
	// unprotected_host (docs/mask.md, "Hosts").
	UnsupportedHost string `json:"unsupportedHost,omitempty"`
	// AuditMasking writes an audit line for every body rewritten (decision allow, reason
	// masked or masked_request, details.rules); default false: masking is only counted.
	AuditMasking bool `json:"auditMasking,omitempty"`
}

// RuleSpec is one masking rule.
type RuleSpec struct {
	ID string `json:"id"`
	// Paths are gjson paths ("user.email", "items.#.card", "cards.1") whose values the rule
	// applies to as a whole.
	Paths []string `json:"paths,omitempty"`
	// Detectors are built-in detectors run over every string and number: email, card, phone, iban.
	Detectors []string `json:"detectors,omitempty"`
	// Patterns are regular expressions (Go RE2 syntax) run like detectors.
	Patterns []string `json:"patterns,omitempty"`
	// Action is redact (default), partial, hmac or drop.
	Action string `json:"action,omitempty"`
	// Replacement is the redact action's text (default "[redacted]").
	Replacement *string `json:"replacement,omitempty"`
	// KeepLast is how many trailing letters/digits the partial action keeps (default 4).
	KeepLast *int `json:"keepLast,omitempty"`
	// On lists the bodies the rule applies to: "response" (default) and/or "request".
	On []string `json:"on,omitempty"`
}

// ResponseSpec bounds response buffering.
type ResponseSpec struct {
	// MaxBodyBytes is the largest response body buffered and masked (default 1 MiB).
	MaxBodyBytes int `json:"maxBodyBytes,omitempty"`
	// OverLimit is what happens to a larger body: "pass" it unmasked (default, counted as
	// over_limit) or "block" it with a 502.
	OverLimit string `json:"overLimit,omitempty"`
	// Compressed is what happens to a compressed JSON body the plugin cannot read (an encoding
	// other than gzip or deflate, or one that does not decode within maxBodyBytes): "block" it
	// with a 502 (default) or "pass" it unmasked (counted as skipped_encoded).
	Compressed string `json:"compressed,omitempty"`
}

// RequestSpec bounds request buffering.
type RequestSpec struct {
	// MaxBodyBytes is the largest request body buffered and masked (default 1 MiB); larger
	// bodies get a 413 from the glue.
	MaxBodyBytes int `json:"maxBodyBytes,omitempty"`
}

// HeadersSpec is header hygiene.
type HeadersSpec struct {
	// Response headers to remove (default ["server", "x-powered-by"]; [] removes none) or set.
	Response HeaderEdits `json:"response,omitzero"`
	// Request headers to remove or set before the request reaches the service (default none).
	Request HeaderEdits `json:"request,omitzero"`
}

// HeaderEdits removes, then sets, headers.
type HeaderEdits struct {
	Remove []string      `json:"remove"`
	Set    []HeaderValue `json:"set,omitempty"`
}

// HeaderValue is one header to set (replacing any existing value).
type HeaderValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// HMACSpec configures the hmac action.
type HMACSpec struct {
	// KeyEnv names the host environment variable holding the key (default
	// WASMWARD_MASK_HMAC_KEY), read at start, at least 32 bytes. Required only by hmac rules.
	KeyEnv string `json:"keyEnv,omitempty"`
	// TokenPrefix starts every token (default "tok_").
	TokenPrefix *string `json:"tokenPrefix,omitempty"`
}

// Limits of numeric settings.
const (
	defaultMaxBodyBytes = 1 << 20
	maxMaxBodyBytes     = 64 << 20
	maxKeepLast         = 64
)

// Values of enumerated settings.
const (
	onResponse             = "response"
	onRequest              = "request"
	overLimitPass          = "pass"
	overLimitBlock         = "block"
	unsupportedRefuse      = "refuse"
	unsupportedRequestOnly = "requestOnly"
)

// defaultResponseRemove are the response headers removed when headers.response.remove is unset:
// they name the server software and framework behind the proxy.
var defaultResponseRemove = []string{"server", "x-powered-by"}

var (
	headerName = regexp.MustCompile(`^[a-z0-9!#$%&'*+.^_` + "`" + `|~-]{1,128}$`)
	envName    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)
)

// compile checks the spec and builds the policy. Paths in errors are relative to spec.
func compile(s *Spec) (*Policy, error) {
	var es config.Errors
	p := &Policy{
		respLimit:    orDefault(s.Response.MaxBodyBytes, defaultMaxBodyBytes),
		reqLimit:     orDefault(s.Request.MaxBodyBytes, defaultMaxBodyBytes),
		keyEnv:       s.HMAC.KeyEnv,
		unsupported:  s.UnsupportedHost,
		auditMasking: s.AuditMasking,
	}
	checkLimit(&es, "response.maxBodyBytes", s.Response.MaxBodyBytes)
	checkLimit(&es, "request.maxBodyBytes", s.Request.MaxBodyBytes)
	switch s.Response.OverLimit {
	case "", overLimitPass:
	case overLimitBlock:
		p.overLimitBlock = true
	default:
		es.Add("response.overLimit", "must be %q or %q", overLimitPass, overLimitBlock)
	}
	switch s.Response.Compressed {
	case "", compressedBlock:
	case compressedPass:
		p.compressedPass = true
	default:
		es.Add("response.compressed", "must be %q or %q", compressedBlock, compressedPass)
	}
	switch s.UnsupportedHost {
	case "":
		p.unsupported = unsupportedRefuse
	case unsupportedRefuse, unsupportedRequestOnly:
	default:
		es.Add("unsupportedHost", "must be %q or %q", unsupportedRefuse, unsupportedRequestOnly)
	}
	if p.keyEnv == "" {
		p.keyEnv = defaultKeyEnv
	} else if !envName.MatchString(p.keyEnv) {
		es.Add("hmac.keyEnv", "must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)")
	}
	p.tokenPrefix = defaultTokenPrefix
	if s.HMAC.TokenPrefix != nil {
		p.tokenPrefix = *s.HMAC.TokenPrefix
		if len(p.tokenPrefix) > 32 || strings.ContainsFunc(p.tokenPrefix, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			es.Add("hmac.tokenPrefix", "must be at most 32 bytes without control characters")
		}
	}

	p.resp = &ruleSet{tok: &p.tok}
	p.req = &ruleSet{tok: &p.tok}
	ids := map[string]bool{}
	for i, rs := range s.Rules {
		path := config.Index("rules", i)
		r := compileRule(&es, path, i, rs)
		if ids[rs.ID] {
			es.Add(path+".id", "duplicate rule id %q", rs.ID)
		}
		ids[rs.ID] = true
		if r.action == actionHMAC {
			p.needsKey = true
		}
		on := rs.On
		if len(on) == 0 {
			on = []string{onResponse}
		}
		seen := map[string]bool{}
		for j, dir := range on {
			if seen[dir] {
				es.Add(config.Index(path+".on", j), "duplicate %q", dir)
			}
			seen[dir] = true
			switch dir {
			case onResponse:
				p.resp.add(r)
			case onRequest:
				p.req.add(r)
			default:
				es.Add(config.Index(path+".on", j), "must be %q or %q", onResponse, onRequest)
			}
		}
	}
	p.nrules = len(s.Rules)
	if len(p.resp.rules) == 0 {
		p.resp = nil
	}
	if len(p.req.rules) == 0 {
		p.req = nil
	}

	respRemove := s.Headers.Response.Remove
	if respRemove == nil {
		respRemove = defaultResponseRemove
	}
	p.respRemove = checkHeaderNames(&es, "headers.response.remove", respRemove)
	p.reqRemove = checkHeaderNames(&es, "headers.request.remove", s.Headers.Request.Remove)
	p.respSet = checkHeaderValues(&es, "headers.response.set", s.Headers.Response.Set)
	p.reqSet = checkHeaderValues(&es, "headers.request.set", s.Headers.Request.Set)
	p.reqSetIdentity = slices.Clip(append(p.reqSet[:len(p.reqSet):len(p.reqSet)], [2]string{"accept-encoding", "identity"}))
	if err := es.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

func (set *ruleSet) add(r *rule) {
	set.rules = append(set.rules, r)
	if len(r.detectors) > 0 {
		set.detecting = append(set.detecting, r)
	}
}

// compileRule checks one rule and compiles its detectors and patterns.
func compileRule(es *config.Errors, path string, index int, rs RuleSpec) *rule {
	es.CheckID(path+".id", rs.ID)
	r := &rule{index: index, id: rs.ID, action: rs.Action, replacement: defaultReplacement, keepLast: defaultKeepLast}
	if len(rs.Paths) == 0 && len(rs.Detectors) == 0 && len(rs.Patterns) == 0 {
		es.Add(path, "needs at least one of paths, detectors, patterns")
	}
	for j, gp := range rs.Paths {
		if msg := checkPath(gp); msg != "" {
			es.Add(config.Index(path+".paths", j), "%s", msg)
		}
		r.paths = append(r.paths, rulePath{gp, keyOf(gp)})
	}
	seen := map[string]bool{}
	for j, name := range rs.Detectors {
		b, ok := builtinDetectors[name]
		switch {
		case !ok:
			es.Add(config.Index(path+".detectors", j), "must be one of email, card, phone, iban")
		case seen[name]:
			es.Add(config.Index(path+".detectors", j), "duplicate detector %q", name)
		default:
			r.detectors = append(r.detectors, b.detector)
			r.needs = append(r.needs, b.need)
		}
		seen[name] = true
	}
	for j, pat := range rs.Patterns {
		re, err := regexp.Compile(pat)
		switch {
		case err != nil:
			es.Add(config.Index(path+".patterns", j), "invalid regular expression: %v", err)
		case re.MatchString(""):
			es.Add(config.Index(path+".patterns", j), "must not match the empty string")
		default:
			r.detectors = append(r.detectors, regexDetector{re})
			r.needs = append(r.needs, need{})
		}
	}
	switch rs.Action {
	case "":
		r.action = defaultAction
	case actionRedact, actionPartial, actionHMAC, actionDrop:
	default:
		es.Add(path+".action", "must be one of redact, partial, hmac, drop")
	}
	if rs.Replacement != nil {
		if r.action != actionRedact {
			es.Add(path+".replacement", "applies only to action %q", actionRedact)
		}
		r.replacement = *rs.Replacement
		if len(r.replacement) > 256 {
			es.Add(path+".replacement", "must be at most 256 bytes")
		}
	}
	if rs.KeepLast != nil {
		if r.action != actionPartial {
			es.Add(path+".keepLast", "applies only to action %q", actionPartial)
		}
		r.keepLast = *rs.KeepLast
		if r.keepLast < 0 || r.keepLast > maxKeepLast {
			es.Add(path+".keepLast", "must be between 0 and %d", maxKeepLast)
		}
	}
	return r
}

// checkPath returns why a gjson path is unusable, or "". Modifiers ("@reverse") and pipes build
// new values that are not in the body, so they could never select anything.
func checkPath(p string) string {
	switch {
	case p == "":
		return "must not be empty"
	case len(p) > 512:
		return "must be at most 512 bytes"
	case strings.HasPrefix(p, "@") || strings.Contains(p, "|@") || strings.Contains(p, ".@"):
		return "modifiers (@…) are not supported: they select values that are not in the body"
	case strings.Contains(p, "|"):
		return "pipes (|) are not supported"
	}
	return ""
}

func checkLimit(es *config.Errors, path string, n int) {
	if n < 0 || n > maxMaxBodyBytes {
		es.Add(path, "must be between 1 and %d", maxMaxBodyBytes)
	}
}

func orDefault(n, def int) int {
	if n == 0 {
		return def
	}
	return n
}

func checkHeaderNames(es *config.Errors, path string, names []string) []string {
	for i, n := range names {
		if !headerName.MatchString(n) {
			es.Add(config.Index(path, i), "must be a lower-case header name")
		}
	}
	return names
}

func checkHeaderValues(es *config.Errors, path string, hs []HeaderValue) [][2]string {
	var out [][2]string
	for i, h := range hs {
		at := config.Index(path, i)
		if !headerName.MatchString(h.Name) {
			es.Add(at+".name", "must be a lower-case header name")
		}
		if len(h.Value) > 1024 || strings.ContainsFunc(h.Value, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }) {
			es.Add(at+".value", "must be at most 1024 bytes without control characters")
		}
		out = append(out, [2]string{h.Name, h.Value})
	}
	return out
}
