package ratelimit

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/policy"
)

// Cluster-wide limits on Envoy's rate limit service (github.com/envoyproxy/ratelimit), over its
// HTTP JSON endpoint (POST /json: a RateLimitRequest in, a RateLimitResponse out, protojson), so
// the same callout works on Envoy and on nginx + ngx_wasm_module.
//
// A request whose limits include "rls" ones is decided in two steps: first the local rules
// (bans, local limits, each rls limit's over-limit cache and optional pre-bucket); then, if no
// rule refused it, one callout carrying one descriptor per rls limit the request has, for which
// the request pauses (Decision Defer; only its own callout: nginx resumes nothing else). The
// glue asks again with Request.Awaited when the answer (or the failure) is in.
//
// Failures (refused dispatch, timeout, a status other than 200/429, an unparsable answer) follow
// each limit's failureMode: deny (503) or allow through a local fallback bucket, counted and
// audited with reason rls_unavailable. A per-VM circuit breaker, driven by the host clock, stops
// calling after breaker.failures consecutive failures for breaker.openFor, then lets one request
// probe.

// Reasons of the rls backend.
const (
	ReasonRLSUnavailable = "rls_unavailable" // the service failed: failureMode applied
)

// Defaults of the rls backend.
const (
	DefaultRLSAuthority   = "ratelimit"
	DefaultRLSPath        = "/json"
	DefaultRLSDomain      = "wasmward"
	DefaultRLSTimeout     = 200 * time.Millisecond
	DefaultBreakerFails   = 5
	DefaultBreakerOpenFor = 5 * time.Second
	// RLSLimitEntry is the first entry of every descriptor sent: the limit id, so that two limits
	// with the same entries never share a counter in the service.
	RLSLimitEntry = "wasmward_limit"
	maxRLSBody    = 64 << 10
	// pendingTTL bounds how long a paused request's state is kept if the host never resumes it
	// (the client went away): pruned on the tick.
	pendingTTL = time.Minute
)

// rlsUnits are the service's units (RateLimitResponse.RateLimit.Unit) the config may name.
var rlsUnits = map[string]time.Duration{"second": time.Second, "minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}

// rlsService is the compiled "rls" object.
type rlsService struct {
	cluster, authority, path, domain string
	scheme                           string
	breakFails                       int
	openFor                          time.Duration
}

// rlsLimit is the compiled "limits[i].rls".
type rlsLimit struct {
	perUnit  int64
	unit     string // upper case, as the service names it
	unitDur  time.Duration
	timeout  time.Duration
	allow    bool
	fallback bucket
	pre      *bucket
	// policyHeader is the RateLimit-Policy member: q requestsPerUnit, w the unit in seconds.
	policyHeader string
}

func compileRLSService(es *config.Errors, s *RLSSpec) *rlsService {
	if s == nil {
		return nil
	}
	r := &rlsService{cluster: s.Cluster, authority: s.Authority, path: s.Path, domain: s.Domain,
		breakFails: s.Breaker.Failures}
	if r.cluster == "" {
		es.Add("rls.cluster", "is required (the cluster, or host:port on nginx, of the rate limit service)")
	}
	r.scheme = oneOf(es, "rls.scheme", s.Scheme, "http", "http", "https")
	if r.authority == "" {
		r.authority = DefaultRLSAuthority
	}
	if r.path == "" {
		r.path = DefaultRLSPath
	} else if !strings.HasPrefix(r.path, "/") {
		es.Add("rls.path", "must start with /")
	}
	if r.domain == "" {
		r.domain = DefaultRLSDomain
	} else {
		es.CheckID("rls.domain", r.domain)
	}
	if r.breakFails == 0 {
		r.breakFails = DefaultBreakerFails
	} else if r.breakFails < 1 || r.breakFails > 1000 {
		es.Add("rls.breaker.failures", "must be 1 to 1000")
	}
	r.openFor = duration(es, "rls.breaker.openFor", s.Breaker.OpenFor, DefaultBreakerOpenFor, 100*time.Millisecond)
	if r.openFor > 10*time.Minute {
		es.Add("rls.breaker.openFor", "must be at most 10m")
	}
	return r
}

// compileRLSLimit checks "limits[i].rls" at path (backend rls).
func compileRLSLimit(es *config.Errors, path, id string, s *LimitRLSSpec) *rlsLimit {
	if s == nil {
		es.Add(path, "is required with backend \"rls\" (requestsPerUnit and unit)")
		return &rlsLimit{perUnit: 1, unit: "SECOND", unitDur: time.Second, timeout: DefaultRLSTimeout}
	}
	r := &rlsLimit{perUnit: s.RequestsPerUnit}
	if s.RequestsPerUnit < 0 || s.RequestsPerUnit > 1e9 {
		es.Add(path+".requestsPerUnit", "must be 0 to 1000000000")
	}
	d, ok := rlsUnits[s.Unit]
	if !ok {
		es.Add(path+".unit", "must be one of \"second\", \"minute\", \"hour\", \"day\"")
		d = time.Second
	}
	r.unitDur, r.unit = d, strings.ToUpper(s.Unit)
	r.timeout = duration(es, path+".timeout", s.Timeout, DefaultRLSTimeout, 10*time.Millisecond)
	if r.timeout > 10*time.Second {
		es.Add(path+".timeout", "must be at most 10s")
	}
	r.allow = oneOf(es, path+".failureMode", s.FailureMode, conflictDeny, conflictDeny, conflictAllow) == conflictAllow
	if s.Fallback != nil {
		if !r.allow {
			es.Add(path+".fallback", "applies only with failureMode \"allow\"")
		}
		r.fallback = compileBucket(es, path+".fallback", *s.Fallback)
	} else {
		n := max(1, r.perUnit)
		r.fallback = compileBucket(es, path+".fallback", BucketSpec{Capacity: n, TokensPerFill: n, FillInterval: d.String()})
	}
	r.fallback.policyHeader = policyHeader(id, &r.fallback)
	if s.PreBucket != nil {
		b := compileBucket(es, path+".preBucket", *s.PreBucket)
		b.policyHeader = policyHeader(id, &b)
		r.pre = &b
	}
	r.policyHeader = strconv.Quote(id) + ";q=" + strconv.FormatInt(r.perUnit, 10) + ";w=" + strconv.FormatInt(int64(d/time.Second), 10)
	return r
}

// breaker is the per-VM circuit breaker in front of the service, on the host clock.
type breaker struct {
	fails     int
	openUntil int64 // 0: closed
	probing   bool  // half-open: one request's callout is the probe
	probeAt   int64
}

// allow reports whether a callout may go out at now. Open: no, until openUntil; then one probe
// at a time (a probe not answered within a minute no longer blocks).
func (p *Policy) breakerAllows(now int64) bool {
	b := &p.brk
	if b.openUntil == 0 {
		return true
	}
	if now < b.openUntil || b.probing && now-b.probeAt < int64(time.Minute) {
		return false
	}
	b.probing, b.probeAt = true, now
	return true
}

func (p *Policy) breakerSuccess() {
	if p.brk.openUntil != 0 {
		p.host.Log(policy.LogInfo, "rate limit service answers again: circuit breaker closed")
	}
	p.brk = breaker{}
}

func (p *Policy) breakerFailure(now int64, cause string) {
	b := &p.brk
	b.fails++
	b.probing = false
	if b.fails >= p.rls.breakFails {
		if b.openUntil == 0 || now >= b.openUntil {
			p.host.Log(policy.LogWarn, "rate limit service failing ("+cause+", "+strconv.Itoa(b.fails)+
				" in a row): circuit breaker open for "+p.rls.openFor.String())
		}
		b.openUntil = now + int64(p.rls.openFor)
	}
}

// rlsCall is one rls limit of a paused request: the limit, its descriptor values and its key.
type rlsCall struct {
	kind  int
	l     *limit // callLimit
	b     *ban   // ban calls
	vals  []string
	owner uint64
	end   int64 // callBanPublish: the ban's end, Unix seconds
}

func (c *rlsCall) timeout() time.Duration {
	if c.b != nil {
		return c.b.rls.timeout
	}
	return c.l.rls.timeout
}

func (c *rlsCall) rule() string {
	if c.b != nil {
		return c.b.id
	}
	return c.l.id
}

// pending is a paused request's state between its two decisions.
type pending struct {
	calls  []rlsCall
	out    outcome
	deny   *policy.Decision // decided before the callout (a ban being published)
	sentAt int64
	done   bool
	cause  string // why the service failed ("" when it answered)
	answer rlsAnswer
}

// rlsAnswer is the part of RateLimitResponse (protojson) the plugin reads.
type rlsAnswer struct {
	OverallCode string `json:"overallCode"`
	Statuses    []struct {
		Code               string `json:"code"`
		DurationUntilReset string `json:"durationUntilReset"`
	} `json:"statuses"`
}

// prepareRLS is the local half of an rls limit: the over-limit cache (the service said
// OVER_LIMIT until its window resets: a fixed window only fills until then, so answering locally
// grants nothing the service would not) and the pre-bucket. It returns a deny, or a call to make.
func (p *Policy) prepareRLS(l *limit, req *policy.Request, clock *lazyNow) (policy.Decision, bool, *rlsCall) {
	vals, ok := l.desc.eval(req, p.vals[:0])
	p.vals = vals
	if !ok {
		return policy.Decision{}, false, nil
	}
	now := clock.get()
	owner := p.rlsOwner(l, vals, 1)
	var overUntil int64
	preOK := true
	var wait time.Duration
	err := p.buckets.update(owner, now, func(rec *record, fresh bool) bool {
		if !fresh && rec.B > now {
			overUntil = rec.B
			return false
		}
		overUntil = 0
		if l.rls.pre == nil {
			return false
		}
		var next int64
		next, preOK, wait = l.rls.pre.take(rec.A, now, fresh)
		if !preOK && !fresh {
			return false
		}
		rec.A = next
		rec.IdleAt = max(now+int64(p.keys.idle), l.rls.pre.fullAt(next), rec.B)
		return true
	})
	switch {
	case err != nil && !isAtCap(err):
		// The local cache is an optimization: without it, ask the service.
	case overUntil > now:
		return p.denyRLS(l, time.Duration(overUntil-now), owner), true, nil
	case !preOK:
		return p.denyLimit(l, l.rls.pre, ReasonLimited, wait, owner), true, nil
	}
	return policy.Decision{}, false, &rlsCall{l: l, vals: append([]string(nil), vals...), owner: owner}
}

func isAtCap(err error) bool { return err == errAtCap }

// rlsOwner is the slot key of an rls limit's local state: 1 the over-limit cache and
// pre-bucket, 2 the fallback bucket.
func (p *Policy) rlsOwner(l *limit, vals []string, kind byte) uint64 {
	p.buf = appendKey(p.buf[:0], l.id, &l.desc, vals)
	p.buf = append(p.buf, 0xff, kind)
	return p.hash.sum(p.buf)
}

// deferRLS pauses the request for one callout carrying every call, or applies the failure
// modes at once when the breaker is open.
func (p *Policy) deferRLS(req *policy.Request, calls []rlsCall, out outcome, deny *policy.Decision, now int64) policy.Decision {
	st := &pending{calls: calls, out: out, deny: deny, sentAt: now}
	if !p.breakerAllows(now) {
		st.done, st.cause = true, "breaker_open"
		return p.finishRLS(st)
	}
	return policy.Decision{Verdict: policy.Defer, Rule: calls[0].rule(),
		Await: func(ready func()) bool { return p.sendRLS(req, st, ready) }}
}

// sendRLS dispatches the callout. When the host refuses it, the request is decided at once
// (the glue asks again with Awaited) with the failure recorded.
func (p *Policy) sendRLS(req *policy.Request, st *pending, ready func()) bool {
	if p.pending == nil {
		p.pending = map[*policy.Request]*pending{}
	}
	p.pending[req] = st
	timeout := st.calls[0].timeout()
	for _, c := range st.calls[1:] {
		timeout = min(timeout, c.timeout())
	}
	host := p.host
	err := host.Fetch(policy.FetchRequest{Cluster: p.rls.cluster, Scheme: p.rls.scheme, Method: "POST", Authority: p.rls.authority,
		Path: p.rls.path, Headers: [][2]string{{"content-type", "application/json"}, {"accept", "application/json"}},
		Body: p.rlsBody(st.calls, st.sentAt), Timeout: timeout, MaxBody: maxRLSBody},
		func(resp policy.FetchResponse, err error) {
			if st.done {
				return
			}
			st.done = true
			now := host.Now().UnixNano()
			st.cause = parseRLS(resp, err, len(st.calls), &st.answer)
			if st.cause == "" {
				p.breakerSuccess()
			} else {
				p.breakerFailure(now, st.cause)
			}
			ready()
		})
	if err != nil {
		st.done, st.cause = true, "refused"
		p.breakerFailure(p.host.Now().UnixNano(), st.cause)
		return false
	}
	return true
}

// rlsBody is the RateLimitRequest: the domain and one descriptor per call, each with the limit
// id entry, the limit's entries and the limit itself (the service's per-descriptor override, so
// the plugin config is the source of truth; the service config must still declare the domain).
func (p *Policy) rlsBody(calls []rlsCall, now int64) []byte {
	b := append([]byte(`{"domain":`), strconv.Quote(p.rls.domain)...)
	b = append(b, `,"descriptors":[`...)
	for i, c := range calls {
		if i > 0 {
			b = append(b, ',')
		}
		if c.kind != callLimit {
			b = appendBanDescriptor(b, c, now/int64(time.Second))
			continue
		}
		b = appendEntries(b, RLSLimitEntry, c.l.id, c.l.desc.entries, c.vals)
		b = append(b, `,"limit":{"requestsPerUnit":`...)
		b = strconv.AppendInt(b, c.l.rls.perUnit, 10)
		b = append(b, `,"unit":"`+c.l.rls.unit+`"}}`...)
	}
	return append(b, `]}`...)
}

func appendJSONString(b []byte, s string) []byte {
	q, err := json.Marshal(s)
	if err != nil {
		return append(b, `""`...)
	}
	return append(b, q...)
}

// parseRLS reads the service's answer into a; it returns "" or the failure cause.
func parseRLS(resp policy.FetchResponse, err error, n int, a *rlsAnswer) string {
	switch {
	case err != nil:
		return "callout_failed"
	case resp.Status != 200 && resp.Status != 429:
		return "status_" + strconv.Itoa(resp.Status)
	}
	if json.Unmarshal(resp.Body, a) != nil || len(a.Statuses) != n {
		return "bad_answer"
	}
	if a.OverallCode != "OK" && a.OverallCode != "OVER_LIMIT" {
		return "bad_answer"
	}
	for _, s := range a.Statuses {
		if s.Code != "OK" && s.Code != "OVER_LIMIT" {
			return "bad_answer"
		}
	}
	return ""
}

// resumeRLS is the second decision of a paused request.
func (p *Policy) resumeRLS(req *policy.Request) policy.Decision {
	st := p.pending[req]
	delete(p.pending, req)
	if st == nil || !st.done {
		return policy.Denied(503, "", ReasonRLSUnavailable, []byte("service unavailable\n"),
			[2]string{"content-type", p.reply.contentType}, [2]string{"retry-after", "1"})
	}
	return p.finishRLS(st)
}

// finishRLS applies the service's answer (or the failure modes) to every call.
func (p *Policy) finishRLS(st *pending) policy.Decision {
	now := p.host.Now().UnixNano()
	out := st.out
	for i, c := range st.calls {
		var d policy.Decision
		var denied bool
		if c.kind != callLimit {
			var code, reset string
			if st.cause == "" {
				code, reset = st.answer.Statuses[i].Code, st.answer.Statuses[i].DurationUntilReset
			}
			d, denied = p.finishBanCall(c, st.cause, code, reset, now)
		} else if st.cause != "" {
			d, denied = p.rlsFailed(c, st.cause, now)
		} else if s := st.answer.Statuses[i]; s.Code == "OVER_LIMIT" {
			reset := c.l.rls.unitDur
			if v, err := time.ParseDuration(s.DurationUntilReset); err == nil && v > 0 && v <= c.l.rls.unitDur {
				reset = v
			}
			p.cacheOver(c, now+int64(reset))
			d, denied = p.denyRLS(c.l, reset, c.owner), true
		}
		if st.deny == nil && out.add(d, denied) {
			return out.enforced
		}
	}
	if st.deny != nil {
		return *st.deny
	}
	return out.result()
}

// cacheOver remembers that the service refuses c's key until its window resets.
func (p *Policy) cacheOver(c rlsCall, until int64) {
	now := p.host.Now().UnixNano()
	_ = p.buckets.update(c.owner, now, func(rec *record, fresh bool) bool {
		if fresh && c.l.rls.pre != nil {
			rec.A = now - c.l.rls.pre.full
		}
		rec.B = max(rec.B, until)
		rec.IdleAt = max(rec.IdleAt, now+int64(p.keys.idle), until)
		return true
	})
}

// rlsFailed applies failureMode for one call: deny 503, or allow through the fallback bucket.
func (p *Policy) rlsFailed(c rlsCall, cause string, now int64) (policy.Decision, bool) {
	details := map[string]string{"cause": cause, "key": keyLabel(c.owner)}
	if !c.l.rls.allow {
		d := policy.Denied(503, c.l.id, ReasonRLSUnavailable, []byte("service unavailable\n"),
			[2]string{"content-type", p.reply.contentType}, [2]string{"retry-after", "1"})
		d.Shadow, d.Details = c.l.shadow, details
		return d, true
	}
	fb := &c.l.rls.fallback
	owner := p.rlsOwner(c.l, c.vals, 2)
	var granted bool
	var wait time.Duration
	err := p.buckets.update(owner, now, func(rec *record, fresh bool) bool {
		var next int64
		next, granted, wait = fb.take(rec.A, now, fresh)
		if !granted && !fresh {
			return false
		}
		rec.A = next
		rec.IdleAt = max(now+int64(p.keys.idle), fb.fullAt(next))
		return true
	})
	switch {
	case err != nil && !isAtCap(err):
		return p.conflict(c.l.id, ReasonStoreError)
	case err == nil && !granted:
		d := p.denyLimit(c.l, fb, ReasonLimited, wait, owner)
		d.Details["cause"] = cause
		return d, true
	}
	return policy.Decision{Rule: c.l.id, Reason: ReasonRLSUnavailable, Audit: true, Details: details}, false
}

// denyRLS is the reply for a key the service refuses: the same headers as a local limit, with
// the service's figures (q requestsPerUnit, w the unit, t the time until its window resets).
func (p *Policy) denyRLS(l *limit, reset time.Duration, owner uint64) policy.Decision {
	retry := strconv.FormatInt(max(1, ceilSeconds(reset)), 10)
	headers := [][2]string{
		{"content-type", p.reply.contentType},
		{"retry-after", retry},
		{"ratelimit-policy", l.rls.policyHeader},
		{"ratelimit", strconv.Quote(l.id) + ";r=0;t=" + retry},
	}
	if p.reply.legacy {
		headers = append(headers,
			[2]string{"x-ratelimit-limit", strconv.FormatInt(l.rls.perUnit, 10)},
			[2]string{"x-ratelimit-remaining", "0"},
			[2]string{"x-ratelimit-reset", retry})
	}
	d := policy.Denied(p.reply.status, l.id, ReasonLimited, p.reply.body, headers...)
	d.Shadow = l.shadow
	d.Details = map[string]string{"key": keyLabel(owner), "backend": "rls"}
	return d
}

// prunePending drops the state of paused requests the host never resumed.
func (p *Policy) prunePending(now int64) {
	for req, st := range p.pending {
		if now-st.sentAt > int64(pendingTTL) {
			delete(p.pending, req)
		}
	}
}

// appendEntries writes a descriptor's "entries" member: the entry naming the limit or ban
// (key: value id), then each configured entry with this request's value.
func appendEntries(b []byte, key, id string, entries []entry, vals []string) []byte {
	b = append(b, `{"entries":[{"key":"`+key+`","value":`...)
	b = appendJSONString(b, id)
	b = append(b, '}')
	for j, e := range entries {
		b = append(b, `,{"key":`...)
		b = appendJSONString(b, e.key)
		b = append(b, `,"value":`...)
		b = appendJSONString(b, vals[j])
		b = append(b, '}')
	}
	return append(b, ']')
}
