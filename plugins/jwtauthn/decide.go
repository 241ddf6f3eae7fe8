package jwtauthn

import (
	"errors"
	"time"

	"github.com/wasmward/wasmward/shared/policy"
)

// OnRequest strips every configured output header, finds the first matching rule and evaluates
// its requirement. No matching rule: the request passes without a token (only stripped). Rules
// match the normalized path and host; a path that cannot be normalized safely is denied with
// 400 (policy.PathRejected) before any rule.
func (pol *Policy) OnRequest(req *policy.Request) policy.Decision {
	path, err := req.NormalizedPath()
	if err != nil {
		d := policy.PathRejected(err)
		d.RemoveHeaders = pol.strip // applied even when the deny is shadowed
		return d
	}
	d := policy.Decision{RemoveHeaders: pol.strip}
	var host string // normalized only for rules that match hosts (a few percent of a warm request in Go on Wasm)
	if pol.hostRules {
		host = req.NormalizedHost()
	}
	fold := req.PathOptions().FoldCase
	var r *rule
	for _, cand := range pol.rules {
		if cand.matches(req.Method, host, path, fold) {
			r = cand
			break
		}
	}
	if r == nil {
		return d
	}
	d.Rule = r.id
	if r.requires == nil {
		return d
	}
	e := &pol.scratch // zero between requests (reset)
	e.req, e.now, e.mayWait = req, pol.host.Now(), !req.Awaited
	e.headers = pol.sources.pick(req.Headers, e.hbuf[:0])
	defer e.reset() // keep nothing of the request (its tokens)
	o := r.requires.eval(e)
	if !o.ok && len(e.pending) > 0 {
		return policy.Decision{Verdict: policy.Defer, Rule: r.id, Await: pol.awaitKeys(e.pending, e.now)}
	}
	if !o.ok {
		return pol.deny(r, o)
	}
	var id *policy.Identity
	if len(o.results) > 0 {
		id = o.results[0].v.identity
	}
	if len(r.scopes) > 0 {
		if id == nil {
			return pol.deny(r, &missingOutcome)
		}
		for _, s := range r.scopes {
			if !id.HasScope(s) {
				d := policy.Denied(403, r.id, reasonInsufficientScope, replyInsufficientScope.body, replyInsufficientScope.headers...)
				d.RemoveHeaders = pol.strip // applied even when the deny is shadowed
				return d
			}
		}
	}
	d.Identity = id
	var vbuf [2]string // the tokens verified, for strip: no allocation for the usual few
	verified := vbuf[:0]
	for i := range o.results {
		res := &o.results[i]
		verified = append(verified, res.raw)
		if i == 0 {
			d.SetHeaders = res.v.headers // read-only, shared with the cache entry
		} else {
			d.SetHeaders = append(d.SetHeaders[:len(d.SetHeaders):len(d.SetHeaders)], res.v.headers...)
		}
		if res.p.removeAuthz {
			d.RemoveHeaders = pol.stripAuthz
		}
	}
	pol.sources.strip(req, e.headers, verified, &d)
	return d
}

// deny turns a failed or missing outcome into the reply.
func (pol *Policy) deny(r *rule, o *outcome) policy.Decision {
	if o.missing {
		d := policy.Denied(401, r.id, reasonMissingToken, replyMissing.body, replyMissing.headers...)
		d.RemoveHeaders = pol.strip // applied even when the deny is shadowed
		return d
	}
	reason := reasonOf(o.err)
	var d policy.Decision
	if reason == reasonNoKeys && pol.noKeysStatus != 401 { // a 401 must carry WWW-Authenticate
		d = policy.Denied(pol.noKeysStatus, r.id, reason, replyNoKeys.body, replyNoKeys.headers...)
	} else if reason == reasonMultipleTokens {
		d = policy.Denied(401, r.id, reason, replyInvalidRequest.body, replyInvalidRequest.headers...)
	} else if reason == reasonNoKeys {
		d = policy.Denied(401, r.id, reason, replyInvalid.body, replyInvalid.headers...)
	} else {
		d = policy.Denied(401, r.id, reason, replyInvalid.body, replyInvalid.headers...)
	}
	if o.failed != nil {
		d.Details = map[string]string{"provider": o.failed.id}
	}
	d.RemoveHeaders = pol.strip // applied even when the deny is shadowed
	return d
}

// evalCtx memoizes each provider's result within one request. The Policy keeps one (scratch),
// reused by every request: the glue calls a policy for one request at a time.
type evalCtx struct {
	req     *policy.Request
	headers []policy.Header // the request's headers a token source reads (tokenSources.pick)
	hbuf    [2]policy.Header
	now     time.Time
	memo    []memo
	buf     [4]memo   // backs memo for the usual few providers
	results [4]result // backs each of those providers' results (see check)
	mayWait bool      // the request may wait for keys (not yet waited)
	pending []*provider
}

// reset zeroes what a request set, leaving e as new. Only the entries it used are cleared: the
// whole struct is a few hundred bytes, which wasm zeroes and copies by host call. memo is buf,
// cleared here, or an array an append past buf made, which is dropped (nothing refers to it).
func (e *evalCtx) reset() {
	n := len(e.memo)
	for i := range min(n, len(e.buf)) {
		e.buf[i] = memo{}
	}
	for i := range min(n, len(e.results)) {
		e.results[i] = result{}
	}
	for i := range min(len(e.headers), len(e.hbuf)) {
		e.hbuf[i] = policy.Header{}
	}
	e.req, e.headers, e.now, e.memo, e.mayWait, e.pending = nil, nil, time.Time{}, nil, false, nil
}

// awaitKeys is a Defer decision's Await: the request waits for the fetch of every provider in
// ps it can wait for, and is ready when all have answered.
func (pol *Policy) awaitKeys(ps []*provider, now time.Time) func(ready func()) bool {
	return func(ready func()) bool {
		waiting := 0
		done := func() {
			if waiting--; waiting == 0 {
				ready()
			}
		}
		for _, p := range ps {
			if p.remote.wait(now, done) {
				waiting++
			}
		}
		return waiting > 0
	}
}

type memo struct {
	p *provider
	o outcome
}

// outcome of a requirement: ok (with the verified tokens, none when relaxed), missing (no token
// where one was required) or failed (err, from provider failed). Outcomes are passed by pointer
// and read-only once made: in Go on Wasm a copy of a struct this size is a host call
// (memory.copy), and each requirement level copied one or two per request.
type outcome struct {
	ok      bool
	missing bool
	err     error
	failed  *provider
	results []result
}

type result struct {
	p   *provider
	v   *verified
	raw string // the token, to tell it from unverified ones (sources.strip)
}

// okOutcome and missingOutcome are shared outcomes, never modified.
var (
	okOutcome      = outcome{ok: true}
	missingOutcome = outcome{missing: true}
)

// check extracts and verifies p's token. The outcome is p's memo entry, made in place.
func (e *evalCtx) check(p *provider) *outcome {
	for i := range e.memo { // by index: copying a memo is a host call (memory.copy) in Go on Wasm
		if e.memo[i].p == p {
			return &e.memo[i].o
		}
	}
	k := len(e.memo)
	if e.memo == nil {
		e.memo = e.buf[:0]
	}
	if k < cap(e.memo) { // the entry is zero (reset), and extended in place: no memo copied
		e.memo = e.memo[:k+1]
	} else {
		e.memo = append(e.memo, memo{})
	}
	e.memo[k].p = p
	o := &e.memo[k].o
	raw, err := extract(e.req, e.headers, p.sources)
	switch {
	case err != nil:
		o.err, o.failed = err, p
	case raw == "":
		o.missing = true
	default:
		if v, err := p.verify(raw, e.now, e.mayWait); errors.Is(err, errKeysPending) {
			o.err, o.failed = errNoKeys, p
			e.pending = append(e.pending, p)
		} else if err != nil {
			o.err, o.failed = err, p
		} else {
			o.ok = true
			if k < len(e.results) { // capped: an append copies (requirement.eval)
				e.results[k] = result{p, v, raw}
				o.results = e.results[k : k+1 : k+1]
			} else {
				o.results = []result{{p, v, raw}}
			}
		}
	}
	return o
}

// eval evaluates the requirement: provider, anyOf (the first success wins; all missing is
// missing; else the first failure) or allOf (every one must succeed), then the relaxations.
// The outcome is read-only: a provider's (check), a shared one, or one an allOf made.
func (r *requirement) eval(e *evalCtx) *outcome {
	var o *outcome
	switch {
	case r.provider != nil:
		o = e.check(r.provider)
	case r.anyOf != nil:
		o = &missingOutcome
		for _, sub := range r.anyOf {
			so := sub.eval(e)
			if so.ok {
				o = so
				break
			}
			if o.missing && !so.missing {
				o = so
			}
		}
	default:
		all := &outcome{ok: true}
		o = all
		for _, sub := range r.allOf {
			so := sub.eval(e)
			if !so.ok {
				o = so
				break
			}
			all.results = append(all.results, so.results...)
		}
	}
	if !o.ok && (r.allowMissingOrFailed || r.allowMissing && o.missing) {
		return &okOutcome
	}
	return o
}
