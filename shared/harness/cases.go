package harness

import (
	"fmt"
	"strings"
)

// Case is one request and what must come of it: a row of a plugin's test table, and one entry
// of a policy test case file (`wasmward test`).
type Case struct {
	Name    string  `json:"name"`
	Request Request `json:"request"`
	Want    Expect  `json:"want"`
	// WantOn overrides Want on a host profile by name ("nginx"), where the host lacks what the
	// case needs and the plugin fails closed (the strict-host soak uses it).
	WantOn map[string]Expect `json:"wantOn,omitempty"`
}

// WantFor is what the case expects on the host profile named profile.
func (c Case) WantFor(profile string) Expect {
	if e, ok := c.WantOn[profile]; ok {
		return e
	}
	return c.Want
}

// Expect is what a Case checks. Zero fields check nothing, except Status.
type Expect struct {
	// Status the client sees (the local reply's or the upstream's). Required.
	Status int `json:"status"`
	// Headers the client's reply must carry, with these exact values.
	Headers map[string]string `json:"headers,omitempty"`
	// BodyContains must appear in the reply body.
	BodyContains string `json:"bodyContains,omitempty"`
	// BodyExcludes must not appear in the reply body (e.g. the token that was sent).
	BodyExcludes []string `json:"bodyExcludes,omitempty"`
	// Forwarded headers the upstream must receive with these exact values.
	Forwarded map[string]string `json:"forwarded,omitempty"`
	// ForwardedAbsent headers the upstream must not receive.
	ForwardedAbsent []string `json:"forwardedAbsent,omitempty"`
	// ForwardedNot headers the upstream may receive, but never with these values (a client's
	// forged value the plugin must have replaced with its own).
	ForwardedNot map[string]string `json:"forwardedNot,omitempty"`
	// ForwardedBody, when set, is the exact body the upstream must receive.
	ForwardedBody *string `json:"forwardedBody,omitempty"`
}

// Check compares a result with the expectation and returns one line per mismatch.
func (e Expect) Check(res Result) []string {
	var diffs []string
	add := func(format string, args ...any) { diffs = append(diffs, fmt.Sprintf(format, args...)) }
	if res.Reply.Status != e.Status {
		who := "upstream"
		if res.LocalReply {
			who = "plugin"
		}
		add("status: want %d, got %d (from the %s; body %q)", e.Status, res.Reply.Status, who, clip(res.Reply.Body))
	}
	for name, want := range e.Headers {
		got, ok := res.Reply.Header(name)
		if !ok {
			add("reply header %s: want %q, absent", name, want)
		} else if got != want {
			add("reply header %s: want %q, got %q", name, want, got)
		}
	}
	if e.BodyContains != "" && !strings.Contains(res.Reply.Body, e.BodyContains) {
		add("reply body: want it to contain %q, got %q", e.BodyContains, clip(res.Reply.Body))
	}
	for _, s := range e.BodyExcludes {
		if s != "" && strings.Contains(res.Reply.Body, s) {
			add("reply body: must not contain %q", clip(s))
		}
	}
	if len(e.Forwarded) > 0 || len(e.ForwardedAbsent) > 0 || len(e.ForwardedNot) > 0 || e.ForwardedBody != nil {
		if res.Forwarded == nil {
			add("forwarded: the request did not reach the upstream")
			return diffs
		}
	}
	for name, want := range e.Forwarded {
		got, ok := res.Forwarded.Header(name)
		if !ok {
			add("forwarded header %s: want %q, absent", name, want)
		} else if got != want {
			add("forwarded header %s: want %q, got %q", name, want, got)
		}
	}
	for _, name := range e.ForwardedAbsent {
		if got, ok := res.Forwarded.Header(name); ok {
			add("forwarded header %s: want absent, got %q", name, clip(got))
		}
	}
	for name, bad := range e.ForwardedNot {
		if got, ok := res.Forwarded.Header(name); ok && got == bad {
			add("forwarded header %s: must not be %q", name, clip(bad))
		}
	}
	if e.ForwardedBody != nil && res.Forwarded.Body != *e.ForwardedBody {
		add("forwarded body: want %q, got %q", clip(*e.ForwardedBody), clip(res.Forwarded.Body))
	}
	return diffs
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
