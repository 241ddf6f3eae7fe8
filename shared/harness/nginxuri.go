package harness

import (
	"strings"
)

// nginx's own request-target processing, which a plugin on ngx_wasm_module sees instead of the
// raw target (HostProfile.DecodesPath): nginx percent-decodes the path, merges slashes and
// resolves dot segments into r->uri, answers 400 itself for a path that climbs above the root
// or decodes to NUL, and gives the plugin r->uri + "?" + the raw query as :path. Proxying with
// a URI part (the generated configs' `proxy_pass http://app/;`), it sends r->uri re-escaped when
// the client's path had a percent sign, and the query as is.

// nginxServerName is the :authority ngx_wasm_module gives a plugin: the server block's name (or
// the machine's host name) and the local port, never the client's Host.
const nginxServerName = "nginx-host:9000"

// nginxURI returns nginx's r->uri for the raw path (without query), or false when nginx refuses
// the request with 400.
func nginxURI(raw string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '%' && i+2 < len(raw) && isHexDigit(raw[i+1]) && isHexDigit(raw[i+2]) {
			c = unhexByte(raw[i+1])<<4 | unhexByte(raw[i+2])
			i += 2
			if c == 0 {
				return "", false
			}
		}
		b.WriteByte(c)
	}
	var out []string
	for _, seg := range strings.Split(b.String(), "/")[1:] {
		switch seg {
		case "", ".":
			continue
		case "..":
			if len(out) == 0 {
				return "", false
			}
			out = out[:len(out)-1]
		default:
			out = append(out, seg)
		}
	}
	decoded, uri := b.String(), "/"+strings.Join(out, "/")
	if uri != "/" && (strings.HasSuffix(decoded, "/") || strings.HasSuffix(decoded, "/.") || strings.HasSuffix(decoded, "/..")) {
		uri += "/"
	}
	return uri, true
}

// nginxForwarded is the request target nginx sends upstream for a :path (r->uri and query as a
// plugin left them), given whether the client's path had a percent sign (r->quoted_uri).
func nginxForwarded(path string, quoted bool) string {
	uri, query, hasQuery := strings.Cut(path, "?")
	if quoted {
		uri = escapeURI(uri)
	}
	if hasQuery && query != "" {
		return uri + "?" + query
	}
	return uri
}

// escapeURI is nginx's ngx_escape_uri(NGX_ESCAPE_URI): controls, space, '"', '#', '%', '?',
// and bytes over 0x7e are escaped.
func escapeURI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c == '"' || c == '#' || c == '%' || c == '?' || c >= 0x7f {
			b.WriteString("%" + strings.ToUpper(string("0123456789abcdef"[c>>4])+string("0123456789abcdef"[c&15])))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhexByte(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
