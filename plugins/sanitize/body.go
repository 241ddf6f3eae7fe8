package sanitize

import (
	"bytes"
	"strings"

	"github.com/wasmward/wasmward/shared/policy"
)

// bodyKind is how a body is inspected.
type bodyKind uint8

const (
	bodyText       bodyKind = iota // raw text: the whole body is one value at "body"
	bodyBinary                     // declared non-text type and a NUL byte: not run through the detectors
	bodyJSON                       // application/json, text/json, */*+json, or sniffed
	bodyForm                       // application/x-www-form-urlencoded, or sniffed
	bodyMultipart                  // multipart/*
	bodyXML                        // application/xml, text/xml, */*+xml, or sniffed
	bodyCompressed                 // Content-Encoding gzip or deflate: decompressed, then sniffed
)

// declaredType is the request's media type read leniently: lower case, without parameters,
// whatever the parameters look like ("application/json; charset" and "application/json;;" are
// application/json), "" when absent.
func declaredType(req *policy.Request) string {
	ct, _ := req.Headers.Get("content-type")
	mt, _, _ := strings.Cut(ct, ";")
	return lower(strings.TrimSpace(mt))
}

// kindOf decides how body is inspected: by its declared type when that is a structured one
// (JSON, form, multipart, XML), otherwise by what the body looks like (sniffBody).
func kindOf(mt string, body []byte) bodyKind {
	switch {
	case mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json"):
		return bodyJSON
	case mt == "application/x-www-form-urlencoded":
		return bodyForm
	case strings.HasPrefix(mt, "multipart/"):
		return bodyMultipart
	case mt == "application/xml" || mt == "text/xml" || strings.HasSuffix(mt, "+xml"):
		return bodyXML
	}
	k := sniffBody(body)
	if k == bodyText && mt != "" && !strings.HasPrefix(mt, "text/") && bytes.IndexByte(body, 0) >= 0 {
		return bodyBinary
	}
	return k
}

// sniffBody classifies a body whose type is absent, unstructured or lying: a JSON object or
// array (well-formed) is JSON, "name=value&…" in printable ASCII is a form, a body starting with
// an XML declaration or markup declaration ("<?xml", "<!") is XML, anything else raw text.
func sniffBody(body []byte) bodyKind {
	b := bytes.TrimLeft(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")), " \t\r\n")
	switch {
	case len(b) == 0:
		return bodyText
	case (b[0] == '{' || b[0] == '[') && validJSON(b):
		return bodyJSON
	case bytes.HasPrefix(b, []byte("<?")) || bytes.HasPrefix(b, []byte("<!")):
		return bodyXML
	case isFormLike(b):
		return bodyForm
	}
	return bodyText
}

// isFormLike reports printable ASCII without spaces containing a name=value pair.
func isFormLike(b []byte) bool {
	for _, c := range b {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return bytes.IndexByte(b, '=') > 0
}

// WantsRequestBody asks for every request body: each is inspected by what it is.
func (p *Policy) WantsRequestBody(*policy.Request) bool { return true }

// RequestBodyLimit is the route's limits.maxBodyBytes; the glue answers 413 past it.
func (p *Policy) RequestBodyLimit(req *policy.Request) int { return p.route(req).limits.MaxBodyBytes }

// OnRequestBody validates and inspects the body by its kind (kindOf): JSON, form, multipart,
// XML or raw text. A declared type the body does not match never hides it: a body declared as
// JSON that is not, or as multipart that does not parse, is reported (json_malformed,
// multipart_malformed) and inspected as what it looks like; a body declared as a form or as
// XML that looks like JSON or XML is inspected as that too. Only JSON strings and form fields
// can be sanitized; a sanitize finding elsewhere is rejected. A compressed body (gzip,
// deflate) is inspected decompressed, as what it looks like, and cannot be sanitized.
func (p *Policy) OnRequestBody(req *policy.Request) policy.Decision {
	s := newScan(p.route(req), p.norm, p.clean)
	defer s.release()
	s.foreignReferer = foreignReferer(req)
	apply := func(*policy.Decision, []target) {}
	s.checkBodyType(req)
	kind := kindOf(declaredType(req), req.Body)
	body, compressed := s.decompressed(req)
	if compressed {
		kind = bodyCompressed
	}
	switch kind {
	case bodyCompressed:
		s.inspectAs(sniffBody(body), body)
	case bodyJSON:
		if !validJSON(req.Body) {
			s.limit(RuleJSONMalformed, "json")
			s.inspectAs(sniffBody(req.Body), req.Body)
			break
		}
		s.walkJSON(req.Body)
		if s.r.schema != nil && s.count == 0 {
			s.checkSchema(req.Body)
		}
		apply = func(d *policy.Decision, drop []target) { d.ReplaceBody = blankStrings(req.Body, drop) }
	case bodyForm:
		fields := s.inspectForm(req.Body, true)
		s.inspectLookalike(kind, req.Body)
		apply = func(d *policy.Decision, drop []target) {
			dropped := map[int]bool{}
			for _, t := range drop {
				dropped[t.index] = true
			}
			body := joinPairs(fields, dropped, "&")
			d.ReplaceBody = []byte(body)
		}
	case bodyMultipart:
		if !s.inspectMultipart(req, p.maxParts) {
			s.inspectAs(sniffBody(req.Body), req.Body)
		}
	case bodyXML:
		s.inspectXML(req.Body)
		s.inspectLookalike(kind, req.Body)
	case bodyText:
		s.inspectText(req.Body)
	}
	if s.count == 0 {
		return policy.Allowed()
	}
	return s.decide(apply)
}

// inspectAs inspects body as kind, read-only (no finding can be sanitized): the second look
// at a body whose declared type it does not match.
func (s *scan) inspectAs(kind bodyKind, body []byte) {
	switch kind {
	case bodyJSON:
		s.walkJSON(body)
	case bodyForm:
		s.inspectForm(body, false)
	case bodyXML:
		s.inspectXML(body)
	default:
		s.inspectText(body)
	}
}

// inspectText inspects a raw text body as one value at "body" and, when it holds a '+' and no
// whitespace, once more with '+' read as a space: a body sent without a content type is parsed
// as a form by many backends (and by ModSecurity and Coraza), which read "union+select" as
// "union select". Percent escapes are undone by normalization either way; the body is not
// decoded as a form in the first step, so a lone '%' in text is no bad_encoding finding.
// A text body that starts like a form ("name=" with a token as the name) but holds white space
// ("cmd=ls -la /tmp\n", which isFormLike refuses) is inspected as a form too: those backends
// read its fields the same, and a detector that looks at a value's start must see "ls -la".
func (s *scan) inspectText(body []byte) {
	s.value(string(body), encNone, "body", "value", target{})
	if bytes.IndexByte(body, '+') >= 0 && !bytes.ContainsAny(body, " \t\r\n") {
		s.value(strings.ReplaceAll(string(body), "+", " "), encNone, "body", "value", target{})
	}
	if name, _, ok := bytes.Cut(body, []byte("=")); ok && len(name) <= 256 && isToken(string(name)) {
		s.inspectForm(body, false)
	}
}

// inspectLookalike inspects a body declared as declared (form or XML) once more when it looks
// like JSON or XML instead ("application/x-www-form-urlencoded" holding {"q": …}): a lenient
// backend may parse it as what it is. Bodies that cannot be JSON or XML (the first byte is not
// '{', '[' or '<') are not sniffed again.
func (s *scan) inspectLookalike(declared bodyKind, body []byte) {
	b := bytes.TrimLeft(body, " \t\r\n")
	if len(b) == 0 || b[0] != '{' && b[0] != '[' && b[0] != '<' {
		return
	}
	if k := sniffBody(body); k != declared && (k == bodyJSON || k == bodyXML) {
		s.inspectAs(k, body)
	}
}

// inspectForm parses an urlencoded form body into fields and inspects each ("form.<name>").
// With sanitizable, findings target their field (sanitize mode rebuilds the body without it).
func (s *scan) inspectForm(body []byte, sanitizable bool) []pair {
	fields := splitPairs(string(body), '&', false)
	for i, f := range fields {
		t := target{}
		if sanitizable {
			t = target{kind: inForm, index: i}
		}
		s.field("form", encQuery, f.name, f.value, t)
	}
	return fields
}
