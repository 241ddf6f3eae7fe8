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

// maxMultipartDepth bounds multipart parts nested in parts (multipart/mixed in a form field).
const maxMultipartDepth = 2

// inspectMultipart parses a multipart body with mime/multipart (quoted-printable parts are
// decoded by it, base64 parts here) and inspects every part at "form.<name>": the part name, each
// Content-Disposition parameter ("form.<name>.filename" and others; RFC 2231 "filename*" is
// decoded by mime.ParseMediaType), every other part header ("form.<name>.header.<header>") and
// the content. A part that is multipart itself is parsed the same way, its parts at
// "form.<name>.<subname>", up to maxMultipartDepth levels. A file part (a filename parameter)
// whose content is binary (a NUL byte, and a part type that is not text/*) is not run through
// the detectors; its name, file name and headers are. Text before the first boundary and after
// the last (the preamble and epilogue parsers skip) is inspected at "multipart.preamble" and
// "multipart.epilogue".
//
// It fails closed: a body without a boundary, one that does not parse, a part whose
// Content-Disposition does not parse or is repeated, and a body with no part at all are
// multipart_malformed, and it returns false so that the caller inspects the body as what it
// looks like; more than maxParts parts is multipart_limits. Multipart findings cannot be
// sanitized (the body is not rewritten): they are rejected.
func (s *scan) inspectMultipart(req *policy.Request, maxParts int) bool {
	boundary := multipartBoundary(req)
	if boundary == "" {
		s.limit(RuleMultipartMalformed, "multipart")
		return false
	}
	parts := 0
	return s.inspectParts(req.Body, boundary, "form", 1, &parts, maxParts)
}

// inspectParts inspects the parts of body (boundary) at prefix.<name>, depth levels deep, and
// reports whether it parsed. parts counts the parts of the whole body against maxParts.
func (s *scan) inspectParts(body []byte, boundary, prefix string, depth int, parts *int, maxParts int) bool {
	s.multipartFrame(body, boundary)
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) && n > 0 {
			return true
		}
		if err != nil {
			s.limit(RuleMultipartMalformed, "multipart")
			return false
		}
		if *parts++; *parts > maxParts {
			s.limit(RuleMultipartLimits, "multipart")
			return true
		}
		if !s.inspectPart(part, prefix, depth, parts, maxParts) || s.exhausted {
			return !s.exhausted
		}
	}
}

// multipartFrame inspects the preamble (before the first boundary) and the epilogue (after the
// closing one) of a multipart body when they hold more than white space.
func (s *scan) multipartFrame(body []byte, boundary string) {
	delim := []byte("--" + boundary)
	if i := bytes.Index(body, delim); i > 0 {
		if pre := bytes.TrimSpace(body[:i]); len(pre) > 0 {
			s.value(string(pre), encNone, "multipart.preamble", "value", target{})
		}
	}
	if i := bytes.LastIndex(body, append(delim, '-', '-')); i >= 0 {
		if epi := bytes.TrimSpace(body[i+len(delim)+2:]); len(epi) > 0 {
			s.value(string(epi), encNone, "multipart.epilogue", "value", target{})
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

// inspectPart inspects one part at prefix.<name> and reports whether the body may be read on.
func (s *scan) inspectPart(part *multipart.Part, prefix string, depth int, parts *int, maxParts int) bool {
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
	loc := prefix + "." + name
	s.value(name, encNone, loc, "name", target{})
	for _, k := range sortedKeys(params) {
		if k != "name" {
			s.value(params[k], encNone, loc+"."+lower(k), "value", target{})
		}
	}
	if ambiguousPartName(name, params["filename"]) {
		s.limit(RuleMultipartMalformed, loc)
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
	mt, ps, err := mime.ParseMediaType(part.Header.Get("Content-Type"))
	if cs, ok := ps["charset"]; ok && !allowedCharset(cs) || name == "_charset_" && !allowedCharset(string(data)) {
		s.limit(RuleMultipartCharset, loc)
	}
	if err == nil && strings.HasPrefix(mt, "multipart/") && ps["boundary"] != "" && depth < maxMultipartDepth {
		if s.inspectParts(data, ps["boundary"], loc, depth+1, parts, maxParts) {
			return true
		}
	}
	if file && !strings.HasPrefix(ct, "text/") && bytes.IndexByte(data, 0) >= 0 {
		return true
	}
	s.value(string(data), encNone, loc, "value", target{})
	return true
}

// ambiguousPartName reports a part name or file name that multipart parsers read differently
// (CRS 920120): a field name holding ';', '=', '"' or '\' ("name=\";zzz\"" is one parameter
// to one parser and two to another; HTML forms never name fields so), a file name holding an
// escaped quote, or a backslash other than in the Windows path old browsers send
// ("C:\Users\a\cv.pdf"): "1.j\s\p" is "1.jsp" once a parser drops the escapes. Apostrophes,
// ';' and '=' in file names are left alone: users name files so.
func ambiguousPartName(name, filename string) bool {
	if strings.ContainsAny(name, ";=\"\\") || strings.IndexByte(filename, '"') >= 0 {
		return true
	}
	if strings.IndexByte(filename, '\\') < 0 {
		return false
	}
	windows := len(filename) > 3 && filename[1] == ':' && filename[2] == '\\' || strings.HasPrefix(filename, `\\`)
	return !windows
}

// allowedCharset reports a charset every backend decodes the same way as the detectors read the
// bytes: UTF-8, ASCII and the Latin-1 family (CRS 922100/922110's default list). A part in
// UTF-7, UTF-16, Shift_JIS or EUC-JP (or a form whose "_charset_" field names one) is read by
// the backend as text the detectors never saw: "+ADw-script+AD4-" is "<script>" in UTF-7.
func allowedCharset(cs string) bool {
	switch lower(strings.Trim(strings.TrimSpace(cs), `"`)) {
	case "utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "iso-8859-15", "latin1", "windows-1252":
		return true
	}
	return false
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
