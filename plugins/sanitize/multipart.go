package sanitize

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"sort"
	"strings"

	"github.com/wasmward/wasmward/shared/policy"
)

// inspectMultipart parses a multipart body with mime/multipart (quoted-printable parts are
// decoded by it, base64 parts here) and inspects every part at "form.<name>": the part name, each
// Content-Disposition parameter ("form.<name>.filename" and others), every other part header
// ("form.<name>.header.<header>") and the content. A file part (a filename parameter) whose
// content is binary (a NUL byte, and a part type that is not text/*) is not run through the
// detectors; its name, file name and headers are.
//
// It fails closed: a body without a boundary, one that does not parse, a part whose
// Content-Disposition does not parse or is repeated, and a body with no part at all are
// multipart_malformed; more than maxParts parts is multipart_limits. Multipart findings cannot
// be sanitized (the body is not rewritten): they are rejected.
func (s *scan) inspectMultipart(req *policy.Request, maxParts int) {
	boundary := multipartBoundary(req)
	if boundary == "" {
		s.limit(RuleMultipartMalformed, "multipart")
		return
	}
	mr := multipart.NewReader(bytes.NewReader(req.Body), boundary)
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) && n > 0 {
			return
		}
		if err != nil {
			s.limit(RuleMultipartMalformed, "multipart")
			return
		}
		if n == maxParts {
			s.limit(RuleMultipartLimits, "multipart")
			return
		}
		if !s.inspectPart(part) || s.exhausted {
			return
		}
	}
}

// multipartBoundary is the boundary parameter of the request's content type, read strictly
// when the header parses and leniently ("boundary=" up to ';') when it does not.
func multipartBoundary(req *policy.Request) string {
	ct, _ := req.Headers.Get("content-type")
	if _, params, err := mime.ParseMediaType(ct); err == nil {
		return params["boundary"]
	}
	i := strings.Index(lower(ct), "boundary=")
	if i < 0 {
		return ""
	}
	b, _, _ := strings.Cut(ct[i+len("boundary="):], ";")
	return strings.Trim(strings.TrimSpace(b), `"`)
}

// inspectPart inspects one part and reports whether the body may be read on.
func (s *scan) inspectPart(part *multipart.Part) bool {
	cds := part.Header.Values("Content-Disposition")
	var params map[string]string
	var err error
	if len(cds) == 1 {
		_, params, err = mime.ParseMediaType(cds[0])
	}
	if len(cds) != 1 || err != nil {
		s.limit(RuleMultipartMalformed, "multipart")
		params = nil
	}
	name := params["name"]
	loc := "form." + name
	s.value(name, encNone, loc, "name", target{})
	for _, k := range sortedKeys(params) {
		if k != "name" {
			s.value(params[k], encNone, loc+"."+lower(k), "value", target{})
		}
	}
	for _, k := range sortedKeys(part.Header) {
		if k == "Content-Disposition" {
			continue
		}
		for _, v := range part.Header[k] {
			s.value(v, encNone, loc+".header."+lower(k), "value", target{})
		}
	}
	data, err := io.ReadAll(part)
	if err != nil {
		s.limit(RuleMultipartMalformed, loc)
		return false
	}
	if strings.EqualFold(strings.TrimSpace(part.Header.Get("Content-Transfer-Encoding")), "base64") {
		clean := bytes.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, data)
		if dec, err := base64.StdEncoding.DecodeString(string(clean)); err == nil {
			data = dec
		}
	}
	_, file := params["filename"]
	ct := lower(part.Header.Get("Content-Type"))
	if file && !strings.HasPrefix(ct, "text/") && bytes.IndexByte(data, 0) >= 0 {
		return true
	}
	s.value(string(data), encNone, loc, "value", target{})
	return true
}

// sortedKeys returns the keys of m in order, so findings are reported deterministically.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
