// Package mask keeps personal data and secrets from leaving services: it rewrites JSON response
// bodies (and, per rule, request bodies) so that fields chosen by gjson path or found by a
// detector (email, payment card with Luhn check, phone, IBAN with mod-97 check, configured
// regular expressions) are redacted, partially masked, replaced by a keyed HMAC token, or
// dropped; and it removes or overwrites headers that reveal internals (Server, X-Powered-By).
//
// Bodies that cannot be rewritten safely pass untouched and are counted: compressed
// (Content-Encoding), non-JSON, invalid JSON, and bodies over the size cap (or are blocked, per
// config). On ngx_wasm_module, whose response headers cannot be paused, the response body is
// buffered by pausing its body phase (Start); "unsupportedHost": "requestOnly" turns response
// masking off there on purpose, counting JSON responses as unprotected_host.
//
// Field selection uses github.com/tidwall/gjson (paths, and the byte offsets of the selected
// values, and validation); the walk, the JSON writer and the detectors are hand-written because
// they must track those offsets and keep the output valid JSON for any input (FuzzRewrite,
// FuzzWalk). See docs/mask.md.
package mask

import (
	_ "embed"
	"strings"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/policy"
)

//go:embed schema.json
var schema []byte

// Definition registers the plugin.
var Definition = policy.Definition{Name: "mask", Schema: schema, Parse: Parse}

// Reasons (metric and audit labels) this plugin uses.
const (
	reasonMasked          = "masked"           // a response body was rewritten
	reasonMaskedRequest   = "masked_request"   // a request body was rewritten
	reasonSkippedEncoded  = "skipped_encoded"  // a JSON response with Content-Encoding passed untouched
	reasonSkippedNotJSON  = "skipped_not_json" // a non-JSON response passed untouched
	reasonInvalidJSON     = "invalid_json"     // a body declared JSON did not parse; passed untouched
	reasonOverLimit       = "over_limit"       // a response body over maxBodyBytes (passed or blocked)
	reasonUnprotectedHost = "unprotected_host" // requestOnly on a host that cannot mask responses
	reasonRequestEncoded  = "request_skipped_encoded"
	reasonRequestNotJSON  = "request_skipped_not_json"
	reasonRequestInvalid  = "request_invalid_json"
)

// overLimitBody is the reply when response.overLimit is "block".
var overLimitBody = []byte("response too large to inspect\n")

// Parse strictly parses and compiles the spec.
func Parse(data []byte) (policy.Policy, error) {
	var s Spec
	if err := config.DecodeStrict(data, &s); err != nil {
		return nil, err
	}
	return compile(&s)
}

// Policy is a compiled mask config. Its tokenizer is set at Start (the key comes from the host).
type Policy struct {
	resp, req             *ruleSet // nil when no rule applies in that direction
	nrules                int
	respLimit             int
	reqLimit              int
	overLimitBlock        bool
	compressedPass        bool // response.compressed "pass"
	respRemove, reqRemove []string
	respSet, reqSet       [][2]string
	reqSetIdentity        [][2]string // reqSet and Accept-Encoding: identity, built once (OnRequest)
	keyEnv, tokenPrefix   string
	needsKey              bool
	tok                   *tokenizer
	unsupported           string
	auditMasking          bool
	// respOff is set at Start on a host that cannot pause the response phase (requestOnly).
	respOff bool
	host    string // policy.HostEnvoy or policy.HostNginx, from the host's capabilities
}

// OnRequest applies request header hygiene and labels request bodies that request rules cannot
// read (compressed, not JSON).
func (p *Policy) OnRequest(req *policy.Request) policy.Decision {
	d := policy.Decision{RemoveHeaders: p.reqRemove, SetHeaders: p.reqSet}
	if p.resp != nil && !p.respOff { // masked responses come uncompressed (encoding.go)
		d.SetHeaders = p.reqSetIdentity
	}
	if p.req != nil {
		switch ct, ok := req.Headers.Get("content-type"); {
		case !ok:
		case !isJSON(ct):
			d.Reason = reasonRequestNotJSON
		case encoded(req.Headers):
			d.Reason = reasonRequestEncoded
		}
	}
	return d
}

// WantsRequestBody is true for uncompressed JSON bodies when request rules exist.
func (p *Policy) WantsRequestBody(req *policy.Request) bool {
	return p.req != nil && wantsBody(req.Headers)
}

// RequestBodyLimit is request.maxBodyBytes.
func (p *Policy) RequestBodyLimit(*policy.Request) int { return p.reqLimit }

// OnRequestBody masks the request body with the request rules.
func (p *Policy) OnRequestBody(req *policy.Request) policy.Decision {
	return p.maskBody(p.req, req.Body, reasonMaskedRequest, reasonRequestInvalid)
}

// OnResponse applies response header hygiene and labels responses the response rules cannot
// read: compressed, not JSON, or on a host that cannot pause the response phase.
func (p *Policy) OnResponse(req *policy.Request, resp *policy.Response) policy.Decision {
	d := policy.Decision{RemoveHeaders: p.respRemove, SetHeaders: p.respSet}
	if p.resp == nil {
		return d
	}
	switch ct, ok := resp.Headers.Get("content-type"); {
	case !ok:
	case !isJSON(ct):
		d.Reason = reasonSkippedNotJSON
	case p.respOff:
		d.Reason = reasonUnprotectedHost
	case codecOf(resp.Headers) == codecOther:
		return withHygiene(p.blockCompressed(), d)
	}
	return d
}

// withHygiene adds the header hygiene of hygiene to d.
func withHygiene(d, hygiene policy.Decision) policy.Decision {
	d.RemoveHeaders, d.SetHeaders = hygiene.RemoveHeaders, hygiene.SetHeaders
	return d
}

// WantsResponseBody is true for JSON bodies, uncompressed or in an encoding the plugin reads,
// when response rules exist and the host can pause the response phase.
func (p *Policy) WantsResponseBody(req *policy.Request, resp *policy.Response) bool {
	if p.resp == nil || p.respOff {
		return false
	}
	ct, ok := resp.Headers.Get("content-type")
	return ok && isJSON(ct) && codecOf(resp.Headers) != codecOther
}

// ResponseBodyLimit is response.maxBodyBytes.
func (p *Policy) ResponseBodyLimit() int { return p.respLimit }

// OverLimit passes an oversized body unmasked (counted) or blocks it with 502, per
// response.overLimit.
func (p *Policy) OverLimit(*policy.Request, *policy.Response) policy.Decision {
	if p.overLimitBlock {
		return policy.Denied(502, "", reasonOverLimit, overLimitBody)
	}
	return policy.Decision{Reason: reasonOverLimit}
}

// OnResponseBody masks the response body with the response rules, through its encoding.
func (p *Policy) OnResponseBody(req *policy.Request, resp *policy.Response) policy.Decision {
	c := codecOf(resp.Headers)
	body, ok := c.decode(resp.Body, p.respLimit)
	if !ok {
		return p.blockCompressed()
	}
	d := p.maskBody(p.resp, body, reasonMasked, reasonInvalidJSON)
	if d.ReplaceBody != nil {
		d.ReplaceBody = c.encode(d.ReplaceBody)
	}
	return d
}

// maskBody rewrites body with set. The decision's Rule is the first rule (in config order) that
// changed something; the audit detail "rules" lists them all.
func (p *Policy) maskBody(set *ruleSet, body []byte, masked, invalid string) policy.Decision {
	if set == nil {
		return policy.Allowed()
	}
	out, fired, changed, err := set.rewrite(body, p.nrules)
	if err != nil {
		return policy.Decision{Reason: invalid}
	}
	if !changed {
		return policy.Allowed()
	}
	rule, details := set.labels(fired)
	return policy.Decision{Rule: rule, Reason: masked, ReplaceBody: out, Audit: p.auditMasking, Details: details}
}

// wantsBody reports an uncompressed JSON body.
func wantsBody(h policy.Headers) bool {
	ct, ok := h.Get("content-type")
	return ok && isJSON(ct) && !encoded(h)
}

// isJSON reports a JSON media type: application/json or any "+json" suffix type
// (application/problem+json), parameters ignored.
func isJSON(contentType string) bool {
	if contentType == "application/json" || contentType == "application/json; charset=utf-8" {
		return true // the usual spellings by comparison: the general case is calls in Go on Wasm
	}
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.TrimSpace(mt)
	// Compared in ASCII case without lower-casing a copy (this runs on every response), which
	// answers as strings.ToLower would: a non-ASCII byte never matches. strings.EqualFold would
	// not: it folds "ſ" (U+017F) to "s".
	const app, suffix = "application/", "+json"
	return policy.ASCIIEqualFold(mt, "application/json") ||
		len(mt) >= len(app)+len(suffix) && policy.ASCIIEqualFold(mt[:len(app)], app) &&
			policy.ASCIIEqualFold(mt[len(mt)-len(suffix):], suffix)
}

// encoded reports a Content-Encoding other than identity: the bytes are not the JSON text.
func encoded(h policy.Headers) bool {
	for _, v := range h.Values("content-encoding") {
		if v = strings.TrimSpace(v); v != "" && !strings.EqualFold(v, "identity") {
			return true
		}
	}
	return false
}
