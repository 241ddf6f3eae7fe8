// Package sanitize is wasmward's request validation and injection defence plugin.
//
// In the request-headers phase it enforces protocol limits (methods and method overrides,
// protocol, header count and sizes, path and query length, body size, content types, CR/LF in
// header values) and inspects query parameters, path segments, cookies and headers. In the body phase it checks JSON
// bodies (well-formed, depth, member count, string length, a JSON Schema per route) and form
// bodies, and inspects their values. Every inspected value runs through a bounded normalization
// pipeline (normalize.go) before the detectors (detect.go): SQL injection and XSS with the
// libinjection tokenizers (github.com/corazawaf/libinjection-go, a maintained Go port that
// builds for wasip1), path traversal, and shell metacharacters in configured fields.
//
// Each finding has a rule id (rules.go) and a location ("query.q", "json.user.name"); its mode
// (reject, sanitize, detect) comes from the route and the per-rule overrides, and allow-list
// entries suppress injection rules per location. See docs/sanitize.md.
//
// JSON Schema validation uses github.com/santhosh-tekuri/jsonschema/v5 (draft 2020-12; why v5:
// jsonschema.go),
// compiled once at Parse. The JSON walker (jsonbody.go) is hand-written because it must report
// byte offsets of string values for sanitize mode and enforce limits while scanning, which no
// library offers; it only runs on bodies validJSON (encoding/json.Valid's verdict) accepted.
package sanitize

import (
	_ "embed"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/policy"
)

//go:embed schema.json
var schema []byte

// Definition registers the plugin.
var Definition = policy.Definition{Name: "sanitize", Schema: schema, Parse: Parse}

// Policy is a compiled sanitize config.
type Policy struct {
	routes []*route
	def    *route
	// headers are the inspected headers named in inspect.headers; allHeaders is set by "*".
	headers    []string
	allHeaders bool
	cookies    bool
	path       bool
	norm       normalizer
	// maxParts is multipart.maxParts.
	maxParts int
	// clean remembers the values found clean (cleancache.go).
	clean *cleanValues
	// headerNames remembers what the headers phase needs of the header names seen
	// (headernames.go).
	headerNames *headerNames
}

// Parse strictly decodes and compiles the spec.
func Parse(data []byte) (policy.Policy, error) {
	var spec Spec
	if err := config.DecodeStrict(data, &spec); err != nil {
		return nil, err
	}
	var es config.Errors
	p := &Policy{
		allHeaders: true, cookies: true, path: true, clean: newCleanValues(), headerNames: &headerNames{},
		maxParts: inherit(spec.Multipart.MaxParts, DefaultMaxParts),
		norm: normalizer{
			maxIter:  inherit(spec.Normalize.MaxIterations, DefaultMaxIterations),
			maxBytes: inherit(spec.Normalize.MaxBytes, DefaultNormalizeBytes),
		},
	}
	if spec.Normalize.MaxIterations < 0 || spec.Normalize.MaxIterations > MaxMaxIterations {
		es.Add("normalize.maxIterations", "must be between 1 and %d", MaxMaxIterations)
	}
	if spec.Multipart.MaxParts < 0 {
		es.Add("multipart.maxParts", "must be positive")
	}
	if spec.Normalize.MaxBytes < 0 {
		es.Add("normalize.maxBytes", "must be positive")
	}
	if spec.Inspect.Headers != nil {
		p.allHeaders = false
		for i, h := range *spec.Inspect.Headers {
			switch {
			case h == AllHeaders:
				p.allHeaders = true
			case h == "" || h != lower(h):
				es.Add(config.Index("inspect.headers", i), "must be a lower-case header name or *")
			default:
				p.headers = append(p.headers, h)
			}
		}
	}
	if spec.Inspect.Cookies != nil {
		p.cookies = *spec.Inspect.Cookies
	}
	if spec.Inspect.Path != nil {
		p.path = *spec.Inspect.Path
	}
	top := RouteSpec{
		ID: "default", Mode: spec.Mode, Rules: spec.Rules, Limits: spec.Limits, JSON: spec.JSON,
		ContentTypes: spec.ContentTypes, CommandFields: spec.CommandFields, Allow: spec.Allow,
	}
	base := &route{mode: Reject, limits: builtinLimits, json: builtinJSON}
	p.def = compileRoute(&es, "", top, base)
	seen := map[string]bool{"default": true}
	for i, rs := range spec.Routes {
		path := config.Index("routes", i)
		es.CheckID(path+".id", rs.ID)
		if seen[rs.ID] {
			es.Add(path+".id", "duplicate route id %q", rs.ID)
		}
		seen[rs.ID] = true
		if rs.PathPrefix != "" && rs.PathPrefix[0] != '/' {
			es.Add(path+".pathPrefix", "must start with /")
		}
		p.routes = append(p.routes, compileRoute(&es, path, rs, p.def))
	}
	if err := es.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

// lower is strings.ToLower for ASCII, without allocating when s is already lower case.
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
