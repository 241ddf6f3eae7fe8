// Package probe is a test-only plugin that exercises every feature of the glue, driven by request
// headers, so that the glue itself is tested in native and wasm mode (dist/test/probe.wasm). It
// is never shipped.
//
// Spec: {"role": "producer"|"consumer"|"headerfree"|"" , "failStart": bool, "bodyLimit": int}.
// The role headerfree is a request-only policy deciding on the source address alone
// (policy.HeaderFreeDecider; see headerFree).
// Request header x-probe selects the behaviour: deny, panic, panic-value, shadow, mutate,
// identity (producer), clock, ticks, shared (a counter in shared data: "probe.counter", or the
// key in x-probe-key), shared-cas0 (a write with cas 0 at x-probe-key), fetch (a callout on the
// next tick), fetch-result, audit, unlisted (a deny its Outcomes leave out). x-probe-body asks for the request body (denied if it
// contains "evil", else upper-cased). Upstream header x-probe-resp: deny replaces the response
// with 502; x-probe-mask asks for the response body, which becomes {"masked":true}.
package probe

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/policy"
)

// Definition registers the probe.
var Definition = policy.Definition{Name: "probe", Schema: []byte(`{}`), Parse: Parse}

// Spec is the probe's settings.
type Spec struct {
	Role      string `json:"role,omitempty"`
	FailStart bool   `json:"failStart,omitempty"`
	BodyLimit int    `json:"bodyLimit,omitempty"`
}

// Parse parses the probe spec.
func Parse(data []byte) (policy.Policy, error) {
	var s Spec
	if err := config.DecodeStrict(data, &s); err != nil {
		return nil, err
	}
	var es config.Errors
	switch s.Role {
	case "", "producer", "consumer", "headerfree":
	default:
		es.Add("role", "must be producer, consumer, headerfree or empty")
	}
	if s.BodyLimit == 0 {
		s.BodyLimit = 64
	}
	if err := es.Err(); err != nil {
		return nil, err
	}
	switch s.Role {
	case "producer":
		return &producer{probe{spec: s}}, nil
	case "headerfree":
		return headerFree{}, nil
	}
	return &probe{spec: s}, nil
}

type probe struct {
	spec        Spec
	host        policy.Host
	ticks       int
	fetchResult string
}

// producer is the probe in the identity-producer role.
type producer struct{ probe }

func (*producer) ProducesIdentity() {}

func (p *probe) Start(h policy.Host) error {
	if p.spec.FailStart {
		return errors.New("probe: told to fail")
	}
	p.host = h
	return nil
}

func (p *probe) TickPeriod() time.Duration { return time.Second }

// Tick counts ticks and dispatches the callout a "fetch" request asked for.
func (p *probe) Tick(time.Time) {
	p.ticks++
	if p.fetchResult != "wanted" {
		return
	}
	p.fetchResult = "pending"
	err := p.host.Fetch(policy.FetchRequest{Cluster: "probe_cluster", Path: "/probe", Authority: "probe"},
		func(resp policy.FetchResponse, err error) {
			if err != nil {
				p.fetchResult = "error"
				return
			}
			p.fetchResult = strconv.Itoa(resp.Status) + ":" + string(resp.Body)
		})
	if err != nil {
		p.fetchResult = "dispatch-error"
	}
}

func (p *probe) OnRequest(req *policy.Request) policy.Decision {
	mode, _ := req.Header("x-probe")
	var d policy.Decision
	if p.spec.Role == "consumer" {
		subject := "none"
		if id := req.Identity(); id != nil {
			subject = id.Subject
		}
		d.SetHeaders = append(d.SetHeaders, [2]string{"x-probe-subject", subject})
	}
	switch mode {
	case "deny":
		return policy.Denied(403, "probe-rule", "probe_deny", []byte("denied by probe\n"), [2]string{"x-probe-reply", "1"})
	case "unlisted":
		return policy.Denied(403, "probe-rule", "probe_unlisted", []byte("denied by probe\n"))
	case "panic":
		var s []int
		_ = s[len(req.Path)] // index out of range: a runtime error
	case "panic-value":
		panic("secret-token-value")
	case "shadow":
		d.Verdict, d.Shadow, d.Rule, d.Reason = policy.Deny, true, "probe-rule", "probe_shadow"
	case "mutate":
		d.SetHeaders = append(d.SetHeaders, [2]string{"x-probe-set", "yes"})
		d.RemoveHeaders = append(d.RemoveHeaders, "x-remove-me")
	case "identity":
		d.Identity = &policy.Identity{Subject: "alice", Issuer: "https://issuer.example", Scopes: []string{"read"}}
	case "identity-cached": // one pointer for every request, as jwtauthn's verified-token cache
		d.Identity = cachedIdentity
	case "clock":
		d.SetHeaders = append(d.SetHeaders, [2]string{"x-probe-now", p.host.Now().UTC().Format(time.RFC3339)})
	case "ticks":
		d.SetHeaders = append(d.SetHeaders, [2]string{"x-probe-ticks", strconv.Itoa(p.ticks)})
	case "shared":
		key, ok := req.Header("x-probe-key")
		if !ok {
			key = "probe.counter"
		}
		d.SetHeaders = append(d.SetHeaders, [2]string{"x-probe-shared", p.bump(key)})
	case "shared-cas0":
		key, _ := req.Header("x-probe-key")
		d.SetHeaders = append(d.SetHeaders, [2]string{"x-probe-shared", p.writeCASZero(key)})
	case "fetch":
		p.fetchResult = "wanted" // dispatched on the next tick
	case "fetch-result":
		d.SetHeaders = append(d.SetHeaders, [2]string{"x-probe-fetch", p.fetchResult})
	case "headers": // the request's header names, as the policy sees them
		names := make([]string, 0, len(req.Headers))
		for _, h := range req.Headers {
			names = append(names, h.Name)
		}
		d.SetHeaders = append(d.SetHeaders, [2]string{"x-probe-headers", strings.Join(names, ",")})
	case "audit":
		d.Audit, d.Rule, d.Reason = true, "probe-rule", "probe_audit"
		d.Details = map[string]string{"location": "header.x-probe"}
	}
	return d
}

// writeCASZero writes "cas0" at key with cas 0 and returns the outcome ("ok", "cas_mismatch"
// or "error") and the value then read, joined by ":".
func (p *probe) writeCASZero(key string) string {
	store, err := p.host.Shared()
	if err != nil {
		return "unsupported"
	}
	outcome := "ok"
	switch err := store.CompareAndSwap(key, []byte("cas0"), 0); {
	case errors.Is(err, policy.ErrCASMismatch):
		outcome = "cas_mismatch"
	case err != nil:
		outcome = "error"
	}
	v, _, _ := store.Get(key)
	return outcome + ":" + string(v)
}

// bump increments the shared counter at key with CAS and returns the new value, or the error's
// text.
func (p *probe) bump(key string) string {
	store, err := p.host.Shared()
	if err != nil {
		return "unsupported"
	}
	for i := 0; i < 8; i++ {
		v, cas, err := store.Get(key)
		if err != nil && !errors.Is(err, policy.ErrNotFound) {
			return "error"
		}
		n, _ := strconv.Atoi(string(v))
		n++
		err = store.CompareAndSwap(key, []byte(strconv.Itoa(n)), cas)
		if err == nil {
			return strconv.Itoa(n)
		}
		if !errors.Is(err, policy.ErrCASMismatch) {
			return "error"
		}
	}
	return "contended"
}

// Outcomes implements policy.OutcomeLister: every labelled decision but mode unlisted's.
func (p *probe) Outcomes() []policy.Outcome {
	deny := func(rule, reason string) policy.Outcome {
		return policy.Outcome{Rule: rule, Reason: reason, Verdict: policy.Deny}
	}
	return []policy.Outcome{
		deny("probe-rule", "probe_deny"),
		{Rule: "probe-rule", Reason: "probe_shadow", Verdict: policy.Deny, Shadow: true},
		{Rule: "probe-rule", Reason: "probe_audit"},
		deny("probe-body", "probe_body"),
		deny("probe-resp", "probe_response"),
		deny("probe-resp", "body_too_large"),
	}
}

func (p *probe) WantsRequestBody(req *policy.Request) bool {
	_, ok := req.Header("x-probe-body")
	return ok
}

func (p *probe) RequestBodyLimit(*policy.Request) int { return p.spec.BodyLimit }

func (p *probe) OnRequestBody(req *policy.Request) policy.Decision {
	if strings.Contains(string(req.Body), "evil") {
		return policy.Denied(400, "probe-body", "probe_body", []byte("bad body\n"))
	}
	return policy.Decision{ReplaceBody: []byte(strings.ToUpper(string(req.Body)))}
}

func (p *probe) OnResponse(req *policy.Request, resp *policy.Response) policy.Decision {
	if v, _ := resp.Headers.Get("x-probe-resp"); v == "deny" {
		return policy.Denied(502, "probe-resp", "probe_response", []byte("response blocked\n"))
	}
	return policy.Decision{SetHeaders: [][2]string{{"x-probe-seen", strconv.Itoa(resp.Status)}}, RemoveHeaders: []string{"server"}}
}

func (p *probe) WantsResponseBody(req *policy.Request, resp *policy.Response) bool {
	_, ok := resp.Headers.Get("x-probe-mask")
	return ok
}

func (p *probe) ResponseBodyLimit() int { return 1024 }

func (p *probe) OnResponseBody(req *policy.Request, resp *policy.Response) policy.Decision {
	return policy.Decision{ReplaceBody: []byte(`{"masked":true}`)}
}

func (p *probe) OverLimit(req *policy.Request, resp *policy.Response) policy.Decision {
	return policy.Denied(502, "probe-resp", "body_too_large", nil)
}

// cachedIdentity is the identity mode "identity-cached" hands off on every request.
var cachedIdentity = &policy.Identity{Subject: "alice", Issuer: "https://issuer.example", Scopes: []string{"read"}}

// headerFree is the probe in the role headerfree: it decides on the source address alone, so it
// says it needs no request header (policy.HeaderFreeDecider), and it has no other phase. From
// 192.0.2.1 it denies; from 192.0.2.2 it sets x-probe-set and removes x-remove-me; from
// 192.0.2.3 it allows with no edit; from any other address it allows, setting x-probe-saw to
// what it saw of the request: the number of headers, the method and the path ("0  " when the
// glue read nothing before it).
type headerFree struct{}

func (headerFree) DecidesWithoutHeaders() bool { return true }

func (headerFree) OnRequest(req *policy.Request) policy.Decision {
	addr, _, _ := strings.Cut(req.SourceAddress(), ":")
	switch addr {
	case "192.0.2.1":
		return policy.Denied(403, "probe-rule", "probe_deny", []byte("denied by probe\n"))
	case "192.0.2.2":
		return policy.Decision{SetHeaders: [][2]string{{"x-probe-set", "yes"}}, RemoveHeaders: []string{"x-remove-me"}}
	case "192.0.2.3":
		return policy.Decision{}
	}
	saw := strconv.Itoa(len(req.Headers)) + " " + req.Method + " " + req.Path
	return policy.Decision{SetHeaders: [][2]string{{"x-probe-saw", saw}}}
}

// Outcomes implements policy.OutcomeLister.
func (headerFree) Outcomes() []policy.Outcome {
	return []policy.Outcome{{Rule: "probe-rule", Reason: "probe_deny", Verdict: policy.Deny}}
}
