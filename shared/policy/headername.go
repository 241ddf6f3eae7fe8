package policy

import (
	"strings"
	"unsafe"
)

// lowerName returns a header name in lower case, as strings.ToLower does. Hosts that pass the
// client's spelling on (ngx_wasm_module: "Host", "User-Agent", an upstream's "Content-Type")
// would make strings.ToLower allocate a new string for most headers of most requests, and each
// allocation is a measurable share of a request's cost in Go on Wasm; the common names come
// from commonNames instead, without allocating. Any other ASCII name with capitals (a browser's
// Sec-Fetch-Mode and Sec-Fetch-Site, an API's X-Tenant-Id) is lowered into *arena, which the
// names of one message share: one allocation for most messages (nameArenaSize), where
// strings.ToLower makes one per name. Hand-written: a few lines, no library interns strings
// without a map lookup that costs as much.
func lowerName(name string, arena *[]byte) string {
	upper := false
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c >= 0x80: // Unicode rules (and invalid UTF-8 replaced) are strings.ToLower's
			return strings.ToLower(name)
		case c >= 'A' && c <= 'Z':
			upper = true
		}
	}
	if !upper {
		return name
	}
	if len(name) < len(commonByLength) {
		for _, common := range commonByLength[len(name)] {
			if ASCIIEqualFold(name, common) {
				return common
			}
		}
	}
	return lowerInto(arena, name)
}

// nameArenaSize is the size of a message's first arena (lowerName): room for a browser's
// uncommon names (its Sec-Fetch-* and Sec-Ch-Ua-* headers, about a hundred bytes), small enough
// that a message with one allocates no more than a few headers' worth (the collector runs by
// bytes allocated). Measured on nginx with six uncommon names: one arena of 256 bytes took the
// module's share of the workers' samples from 12.4 to 11.2 %, two of 64 and 128 bytes to 12.1 %:
// the allocation, not its size, is the cost there.
const nameArenaSize = 128

// lowerInto appends ASCII name, its capitals lowered, to *arena and returns the appended bytes as
// a string. Bytes a returned string points to are never written again: appends go past them, and
// an arena without room is replaced by a new one twice as large, the old array staying with the
// names over it.
func lowerInto(arena *[]byte, name string) string {
	a := *arena
	if cap(a)-len(a) < len(name) {
		a = make([]byte, 0, max(nameArenaSize, 2*cap(a), len(name)))
	}
	start := len(a)
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		a = append(a, c)
	}
	*arena = a
	return unsafe.String(&a[start], len(name))
}

// commonByLength is commonNames by length (the longest has 25 bytes): a name is compared with
// the few of its own length only, not with every one.
var commonByLength = func() (t [26][]string) {
	for _, n := range commonNames {
		t[len(n)] = append(t[len(n)], n)
	}
	return t
}()

// commonNames are the request and response header names most messages carry, lower case.
var commonNames = [...]string{
	"host", "user-agent", "accept", "accept-encoding", "accept-language", "connection",
	"content-type", "content-length", "cookie", "authorization", "referer", "origin",
	"cache-control", "x-forwarded-for", "x-forwarded-proto", "x-request-id", "x-real-ip",
	"date", "server", "transfer-encoding", "content-encoding", "etag", "last-modified",
	"location", "set-cookie", "vary", "keep-alive", "pragma", "if-none-match",
	"if-modified-since", "upgrade-insecure-requests", "x-powered-by",
}

// ASCIIEqualFold reports whether s, in any ASCII case, is lower (an all-lower-case ASCII
// string). Non-ASCII bytes never match: the answer is strings.ToLower(s) == lower's except where
// s holds a character that lower-cases to ASCII (the Kelvin sign to "k"), which it refuses.
func ASCIIEqualFold(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}
