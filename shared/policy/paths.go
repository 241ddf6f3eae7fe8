package policy

import (
	"errors"

	"github.com/wasmward/wasmward/shared/pathnorm"
)

// Reasons of PathRejected: the path cannot be matched safely (docs/security.md).
const (
	ReasonAmbiguousPath = "ambiguous_path" // pathnorm.ErrAmbiguous: an encoding upstreams read differently
	ReasonMalformedPath = "malformed_path" // pathnorm.ErrMalformed: no normalized form is safe
)

// badPathBody is the 400 reply's body. It never echoes the path.
var badPathBody = []byte("bad request path\n")

// SetPathOptions sets how NormalizedPath normalizes (the envelope's "paths" settings; the glue
// sets them on every request). Without a call, the zero pathnorm.Options apply: ambiguous
// encodings are refused and paths are case-sensitive.
func (r *Request) SetPathOptions(o pathnorm.Options) {
	r.pathOpts = o
	r.loaded &^= loadedNormPath
}

// PathOptions returns the options NormalizedPath applies. Matchers compare paths
// case-insensitively when FoldCase is set.
func (r *Request) PathOptions() pathnorm.Options { return r.pathOpts }

// NormalizedPath returns the path without its query, normalized by pathnorm.Path under the
// request's path options: the one form every policy matches path rules on. The error is
// pathnorm.ErrAmbiguous or pathnorm.ErrMalformed; a policy answers it with PathRejected. It is
// computed once per value of Path.
func (r *Request) NormalizedPath() (string, error) {
	if r.loaded&loadedNormPath == 0 || r.normFrom != r.Path {
		r.loaded |= loadedNormPath
		r.normFrom = r.Path
		r.normPath, r.normErr = pathnorm.Path(r.PathOnly(), r.pathOpts)
	}
	return r.normPath, r.normErr
}

// NormalizedHost returns the Authority lower-cased, without port and trailing dot
// (pathnorm.Host): the one form every policy matches host rules on. It is computed once per
// value of Authority (rbac's host conditions ask rule by rule).
func (r *Request) NormalizedHost() string {
	if r.loaded&loadedNormHost == 0 || r.hostFrom != r.Authority {
		r.loaded |= loadedNormHost
		r.hostFrom = r.Authority
		r.normHost = pathnorm.Host(r.Authority)
	}
	return r.normHost
}

// PathRejected is the decision on a request whose NormalizedPath failed with err: 400, rule "",
// reason ReasonAmbiguousPath or ReasonMalformedPath.
func PathRejected(err error) Decision {
	reason := ReasonMalformedPath
	if errors.Is(err, pathnorm.ErrAmbiguous) {
		reason = ReasonAmbiguousPath
	}
	return Denied(400, "", reason, badPathBody, [2]string{"content-type", "text/plain; charset=utf-8"})
}
