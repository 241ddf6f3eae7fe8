package mask

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"io"
	"strings"

	"github.com/wasmward/wasmward/shared/policy"
)

// Compressed responses. On routes with response rules the plugin asks the upstream for an
// uncompressed body (Accept-Encoding: identity, set in OnRequest). A body that arrives
// compressed anyway is masked through its encoding when the standard library reads it (gzip,
// x-gzip, deflate): decoded within response.maxBodyBytes, masked, encoded again the same way,
// so Content-Encoding stays true. Any other encoding (br, zstd, compress, a chain of several),
// or one that does not decode within the budget, never passes unread: it is blocked with 502
// (reason compressed_unreadable), unless response.compressed is "pass" (counted as
// skipped_encoded, an explicit choice).

const (
	reasonCompressedBlocked = "compressed_unreadable" // a compressed JSON response that could not be masked, blocked
	compressedBlock         = "block"
	compressedPass          = "pass"
)

var compressedBody = []byte(`{"error":"response withheld: compressed body could not be masked"}`)

// codec is a Content-Encoding the plugin can read and write again.
type codec string

const (
	codecNone    codec = ""
	codecGzip    codec = "gzip"
	codecDeflate codec = "deflate"
	codecOther   codec = "other"
)

// codecOf returns the response's Content-Encoding as a codec.
func codecOf(h policy.Headers) codec {
	vs := h.Values("content-encoding")
	var parts []string
	for _, v := range vs {
		for _, p := range strings.Split(v, ",") {
			if p = strings.ToLower(strings.TrimSpace(p)); p != "" && p != "identity" {
				parts = append(parts, p)
			}
		}
	}
	switch {
	case len(parts) == 0:
		return codecNone
	case len(parts) > 1:
		return codecOther
	case parts[0] == "gzip" || parts[0] == "x-gzip":
		return codecGzip
	case parts[0] == "deflate":
		return codecDeflate
	}
	return codecOther
}

// decode returns body decoded, or false when it does not decode within limit bytes.
func (c codec) decode(body []byte, limit int) ([]byte, bool) {
	var r io.Reader
	switch c {
	case codecNone:
		return body, true
	case codecGzip:
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, false
		}
		r = zr
	case codecDeflate:
		r = flate.NewReader(bytes.NewReader(body))
	default:
		return nil, false
	}
	out, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil || len(out) > limit {
		return nil, false
	}
	return out, true
}

// encode returns body in c's encoding.
func (c codec) encode(body []byte) []byte {
	if c != codecGzip && c != codecDeflate {
		// Before the buffer exists: it escapes to the heap, an allocation on every masked
		// identity body otherwise (costly in Go on Wasm).
		return body
	}
	var b bytes.Buffer
	if c == codecGzip {
		zw := gzip.NewWriter(&b)
		zw.Write(body)
		zw.Close()
	} else {
		zw, _ := flate.NewWriter(&b, flate.DefaultCompression)
		zw.Write(body)
		zw.Close()
	}
	return b.Bytes()
}

// blockCompressed is the decision for a compressed JSON response the plugin cannot read.
func (p *Policy) blockCompressed() policy.Decision {
	if p.compressedPass {
		return policy.Decision{Reason: reasonSkippedEncoded}
	}
	return policy.Denied(502, "", reasonCompressedBlocked, compressedBody, [2]string{"content-type", "application/json"})
}
