package policy

// Verdict is what the glue does with a request. The zero value is Allow.
type Verdict uint8

const (
	// Allow lets the request or response continue, with the decision's mutations applied.
	Allow Verdict = iota
	// Deny stops the request with the decision's Reply (or the response, in a response phase).
	Deny
	// Defer holds the request until an HTTP callout the policy needs (keys to verify a token)
	// answers: the glue pauses it and calls Decision.Await; when the policy calls ready, the
	// glue decides again with Request.Awaited set, and a policy must not defer then. Only the
	// request-headers phase may defer.
	Defer
)

func (v Verdict) String() string {
	switch v {
	case Deny:
		return "deny"
	case Defer:
		return "defer"
	}
	return "allow"
}

// Reply is a local reply sent instead of forwarding the request. Body must never echo request
// data (tokens, input values): it is read by whoever sent the request.
type Reply struct {
	Status  int
	Headers [][2]string
	Body    []byte
}

// Decision is a policy's answer for one phase of one request.
//
// Rule and Reason label metrics and audit lines: Rule is an id from the plugin's config (or ""),
// Reason a word from the plugin's fixed vocabulary ("expired", "bad_signature", "rate_limited").
// Both must match [A-Za-z0-9_-]{0,64}; the glue replaces anything else with "invalid".
type Decision struct {
	Verdict Verdict
	Rule    string
	Reason  string
	// Reply is sent when Verdict is Deny. A zero Status means 403.
	Reply Reply
	// Shadow marks a Deny as advisory: recorded like a deny, enforced like an allow. The plugin's
	// "shadow" config setting does the same for every decision.
	Shadow bool
	// Audit asks for an audit line even when the request is allowed (denies always get one).
	Audit bool
	// Details are extra audit fields (e.g. "location": "query.q"). Values must be labels or
	// excerpts passed through audit.Excerpt, never raw request data. The map is read-only once
	// returned (the glue and the chain copy before adding), so a policy may share one between
	// decisions.
	Details map[string]string

	// Mutations, applied only when the request continues (allowed, or shadow-denied: no).
	// In the request phases they apply to request headers, in response phases to response headers.
	SetHeaders    [][2]string
	RemoveHeaders []string
	// ReplaceBody, when non-nil, replaces the buffered body of the current phase.
	ReplaceBody []byte
	// Identity, when non-nil, is handed off to later plugins (docs/identity-handoff.md). It must
	// not be modified afterwards: the glue may reuse its encoding when handed the same pointer.
	Identity *Identity

	// Await, for a Defer decision, registers the request with what it waits for; it is called
	// once, on the request's own context (a callout it starts belongs to that request). It calls
	// ready exactly once, later, from a callout's callback, and returns true; or returns false
	// without calling ready when the request cannot wait (the glue then decides again at once).
	Await func(ready func()) bool
}

// Allowed is the plain allow decision.
func Allowed() Decision { return Decision{} }

// Denied returns a deny decision with a reply.
func Denied(status int, rule, reason string, body []byte, headers ...[2]string) Decision {
	return Decision{
		Verdict: Deny, Rule: rule, Reason: reason,
		Reply: Reply{Status: status, Body: body, Headers: headers},
	}
}
