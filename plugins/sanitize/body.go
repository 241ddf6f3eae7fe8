package sanitize

import (
	"encoding/json"
	"strings"

	"github.com/wasmward/wasmward/shared/policy"
)

// bodyKind is how a body is parsed.
type bodyKind uint8

const (
	bodyOther bodyKind = iota // not inspected (multipart, binary, text)
	bodyJSON                  // application/json, application/*+json
	bodyForm                  // application/x-www-form-urlencoded
)

func kindOf(req *policy.Request) bodyKind {
	mt := mediaType(req)
	switch {
	case mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"):
		return bodyJSON
	case mt == "application/x-www-form-urlencoded":
		return bodyForm
	}
	return bodyOther
}

// WantsRequestBody asks for JSON and form bodies.
func (p *Policy) WantsRequestBody(req *policy.Request) bool { return kindOf(req) != bodyOther }

// RequestBodyLimit is the route's limits.maxBodyBytes; the glue answers 413 past it.
func (p *Policy) RequestBodyLimit(req *policy.Request) int { return p.route(req).limits.MaxBodyBytes }

// OnRequestBody validates and inspects a JSON or form body.
func (p *Policy) OnRequestBody(req *policy.Request) policy.Decision {
	s := scan{r: p.route(req), n: p.norm}
	var apply func(d *policy.Decision, drop []target)
	switch kindOf(req) {
	case bodyJSON:
		if !json.Valid(req.Body) {
			s.limit(RuleJSONMalformed, "json")
			break
		}
		s.walkJSON(req.Body)
		if s.r.schema != nil && len(s.findings) == 0 {
			s.checkSchema(req.Body)
		}
		apply = func(d *policy.Decision, drop []target) { d.ReplaceBody = blankStrings(req.Body, drop) }
	case bodyForm:
		fields := s.inspectForm(req.Body)
		apply = func(d *policy.Decision, drop []target) {
			dropped := map[int]bool{}
			for _, t := range drop {
				dropped[t.index] = true
			}
			body := joinPairs(fields, dropped, "&")
			d.ReplaceBody = []byte(body)
		}
	}
	if len(s.findings) == 0 {
		return policy.Allowed()
	}
	return s.decide(apply)
}

// inspectForm parses an urlencoded form body into fields and inspects each ("form.<name>").
func (s *scan) inspectForm(body []byte) []pair {
	fields := splitPairs(string(body), '&', false)
	for i, f := range fields {
		s.field("form", encQuery, f.name, f.value, target{kind: inForm, index: i})
	}
	return fields
}
