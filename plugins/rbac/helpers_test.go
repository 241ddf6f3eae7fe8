package rbac

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/wasmward/wasmward/shared/policy"
	"github.com/wasmward/wasmward/shared/policytest"
)

// mustParse parses and starts a spec on a fake host at clock now (zero: policytest.Start).
func mustParse(t testing.TB, spec string, now ...time.Time) *Policy {
	t.Helper()
	p, err := Parse([]byte(spec))
	if err != nil {
		t.Fatalf("Parse: %v\nspec: %s", err, spec)
	}
	h := policytest.NewHost()
	if len(now) > 0 {
		h.Clock = now[0]
	}
	if err := p.(*Policy).Start(h); err != nil {
		t.Fatal(err)
	}
	return p.(*Policy)
}

// rq describes a test request.
type rq struct {
	method, path, authority, scheme string
	headers                         [][2]string
	source                          string
	port                            int // destination port: 0 means 443, -1 unknown
	peer                            policy.PeerIdentity
	id                              *policy.Identity
}

func (r rq) build() *policy.Request {
	method, path, auth, scheme := r.method, r.path, r.authority, r.scheme
	if method == "" {
		method = "GET"
	}
	if path == "" {
		path = "/"
	}
	if auth == "" {
		auth = "api.example.com"
	}
	if scheme == "" {
		scheme = "https"
	}
	pairs := append([][2]string{{":method", method}, {":path", path}, {":authority", auth}, {":scheme", scheme}}, r.headers...)
	req := policy.NewRequest(pairs, nil, nil)
	req.SetSourceAddress(r.source)
	switch {
	case r.port == 0:
		req.SetDestinationPort(443)
	case r.port > 0:
		req.SetDestinationPort(r.port)
	}
	req.SetPeer(r.peer)
	req.SetIdentity(r.id)
	return req
}

// ident builds an identity with the given subject and claims JSON.
func ident(sub, claims string, scopes ...string) *policy.Identity {
	return &policy.Identity{Subject: sub, Issuer: "https://idp.example", Provider: "corp", Scopes: scopes,
		Claims: json.RawMessage(claims)}
}

// ruleWith returns a one-rule ALLOW spec (default deny) with m placed in slot.
func ruleWith(slot, m string, extra ...string) string {
	principals, permissions, conditions := `[{"any":true}]`, `[{"any":true}]`, ``
	switch slot {
	case "principal":
		principals = "[" + m + "]"
	case "permission":
		permissions = "[" + m + "]"
	case "condition":
		conditions = `,"conditions":[` + m + `]`
	}
	top := ""
	for _, e := range extra {
		top += e + ","
	}
	return `{` + top + `"rules":[{"id":"r","action":"ALLOW","principals":` + principals +
		`,"permissions":` + permissions + conditions + `}]}`
}
