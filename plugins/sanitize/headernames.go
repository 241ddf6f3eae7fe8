package sanitize

import (
	"strings"
	"sync/atomic"
)

// headerName is what the headers phase needs of a header name, worked out once per name rather
// than on every request: in Go-on-Wasm each "header."+name is an allocation and each keyword
// scan of the name (skipHeader, the clean-value cache's credential check) a loop of calls, for
// the same few names on every request (User-Agent, Accept, Content-Type, Referer).
type headerName struct {
	name string
	// loc is the name's location, "header.<name>".
	loc string
	// skip is skipHeader(name): "*" does not inspect the header.
	skip bool
	// secret reports a credential's location (secretNames in loc): its values are never
	// remembered clean (cleancache.go).
	secret bool
	// urlQuery is the locations' prefix of the query parameters of the URL the header names
	// (Referer, Origin: inspectURLQuery), or "".
	urlQuery string
}

// headerNames remembers the headerName of the names seen, direct-mapped (a slot per hash, the
// newest name wins): bounded memory, and a name that collides only costs working it out again.
// Slots are atomic pointers to immutable entries: native hosts share a policy between
// goroutines.
type headerNames struct {
	slots [headerNameSlots]atomic.Pointer[headerName]
}

const headerNameSlots = 64

// get returns the headerName of name.
func (hn *headerNames) get(name string) *headerName {
	h := uint32(2166136261) // FNV-1a: the table only needs a spread
	for i := 0; i < len(name); i++ {
		h = (h ^ uint32(name[i])) * 16777619
	}
	slot := &hn.slots[h%headerNameSlots]
	if e := slot.Load(); e != nil && e.name == name {
		return e
	}
	e := newHeaderName(strings.Clone(name))
	slot.Store(e)
	return e
}

func newHeaderName(name string) *headerName {
	loc := "header." + name
	return &headerName{name: name, loc: loc, skip: skipHeader(name), secret: secretNames.in(loc), urlQuery: urlQueryHeaders[name]}
}
