package sanitize

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"io"
	"strings"

	"github.com/wasmward/wasmward/shared/policy"
)

// decompressed returns the body as a backend that honours the request's Content-Encoding reads
// it, and whether it is compressed at all: gzip (x-gzip) and deflate (zlib, or raw deflate as
// some clients send it) are decompressed with the standard library, at most the route's
// limits.maxBodyBytes (more is body_too_large: a small compressed body must not unpack into a
// large one), the decompressed bytes charged to the inspection budget. A body that does not
// decompress, or another coding (br, zstd), is inspected as it is (its binary bytes are NUL
// findings, or the body is malformed for its declared type).
func (s *scan) decompressed(req *policy.Request) ([]byte, bool) {
	ce, _ := req.Headers.Get("content-encoding")
	var open func(io.Reader) (io.Reader, error)
	switch lower(strings.TrimSpace(ce)) {
	case "gzip", "x-gzip":
		open = func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }
	case "deflate":
		open = func(r io.Reader) (io.Reader, error) {
			if z, err := zlib.NewReader(r); err == nil {
				return z, nil
			}
			return flate.NewReader(bytes.NewReader(req.Body)), nil
		}
	default:
		return nil, false
	}
	r, err := open(bytes.NewReader(req.Body))
	if err != nil {
		return req.Body, true
	}
	limit := s.r.limits.MaxBodyBytes
	body, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	switch {
	case len(body) > limit:
		s.limit(RuleBodySize, "body")
		return nil, true
	case err != nil:
		return req.Body, true
	case !s.spend(len(body), "body"):
		return nil, true
	}
	return body, true
}
