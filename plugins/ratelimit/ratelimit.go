// Package ratelimit is wasmward's rate limiting plugin: token buckets keyed by descriptors built
// from the request (client IP, a header, a JWT claim, a path pattern, the route, the method, or
// several of these), shared by every proxy worker through proxy-wasm shared data with
// compare-and-swap, and temporary bans of keys whose requests keep failing upstream.
//
// Data layout (table.go): proxy-wasm shared data cannot delete keys nor list them, so each table
// (buckets, bans) is a fixed array of keys.max slots created at start; a descriptor value lives in
// one of 8 candidate slots chosen by its keyed hash (hash.go), and a slot's value carries the
// owner's hash, its last use, and when it may be reused. Shared data holds no raw value.
//
// Bucket arithmetic (bucket.go) is Envoy's atomic token bucket: one instant per bucket, so a
// consumption is one compare-and-swap. Contention (a lost swap) re-reads and retries
// shared.casRetries times, then follows shared.onConflict.
//
// Hand-written parts: the slot table (no library targets proxy-wasm shared data) and the path
// pattern matcher (a few lines; a glob library would accept far more syntax than documented).
// Keyed hashing is github.com/dchest/siphash, claim lookup github.com/tidwall/gjson.
package ratelimit

import (
	_ "embed"
	"errors"
	"fmt"
	"time"

	"github.com/wasmward/wasmward/shared/policy"
)

//go:embed schema.json
var schema []byte

// Definition registers the plugin.
var Definition = policy.Definition{Name: "ratelimit", Schema: schema, Parse: Parse}

// Reasons: the fixed vocabulary of metric and audit reasons.
const (
	ReasonLimited    = "rate_limited" // a bucket was empty
	ReasonBanned     = "banned"       // the key is banned
	ReasonBanStarted = "ban_started"  // a response started a ban (allowed, audited)
	ReasonKeyCap     = "key_cap"      // atCap "reject" refused a new key
	ReasonContention = "contention"   // casRetries lost swaps in a row
	ReasonStoreError = "store_error"  // the shared store failed
)

// Policy is the compiled config plus, after Start, the host and the tables.
type Policy struct {
	limits []*limit
	bans   []*ban
	keys   keySettings
	shared sharedSettings
	reply  replySettings
	rls    *rlsService // nil: no limit uses the rate limit service

	brk     breaker
	pending map[*policy.Request]*pending // paused requests (rls), by the glue's request

	host    policy.Host
	hash    hasher
	buckets *table
	banned  *table
	horizon *horizon // of the local bans (see horizon); nil without
	perVM   bool     // the store is per VM (no shared data): slots are not pre-created

	evictionLogged bool // checkEvicted has logged

	// Scratch buffers: the glue calls a policy from one thread at a time.
	vals []string
	buf  []byte
}

// limit is one compiled "limits[i]".
type limit struct {
	id        string
	desc      descriptor
	bucket    bucket
	overrides []override
	shadow    bool
	rls       *rlsLimit // backend "rls"; nil: local
}

type override struct {
	conds  []cond
	bucket bucket
}

// cond requires descriptor entry idx to have value.
type cond struct {
	idx   int
	value string
}

// bucketFor returns the first override's bucket whose conditions all hold, else the default.
func (l *limit) bucketFor(vals []string) *bucket {
	for i := range l.overrides {
		o := &l.overrides[i]
		match := true
		for _, c := range o.conds {
			if vals[c.idx] != c.value {
				match = false
				break
			}
		}
		if match {
			return &o.bucket
		}
	}
	return &l.bucket
}

// Limits implements policy.Limited: without shared data the counts are per worker.
func (p *Policy) Limits(caps policy.Capabilities) []string {
	if caps.SharedData {
		return nil
	}
	return []string{"no shared data (nginx: declare `shm_kv *` in the wasm{} block and set host.sharedData): buckets and bans are kept per worker, each worker enforcing the full limit"}
}

// Start stores the host, picks the store (shared data, or per-VM when the host has none) and
// creates the slot tables.
func (p *Policy) Start(h policy.Host) error {
	p.host = h
	if p.rls != nil && h.Capabilities().Kind == policy.HostNginx {
		if err := policy.CheckHostPort(p.rls.cluster); err != nil {
			return fmt.Errorf("rls.cluster: %w", err)
		}
	}
	secret := []byte(p.shared.namespace)
	if p.keys.hashKeyEnv != "" {
		v, ok := h.Env(p.keys.hashKeyEnv)
		if !ok || len(v) < minHashKey {
			return fmt.Errorf("keys.hashKeyEnv: environment variable %s must be set to at least %d bytes",
				p.keys.hashKeyEnv, minHashKey)
		}
		secret = []byte(v)
	}
	p.hash = newHasher(secret)
	store, err := h.Shared()
	perVM := errors.Is(err, policy.ErrUnsupported)
	if perVM {
		store = newLocalStore() // said at start by Limits
	} else if err != nil {
		return fmt.Errorf("shared data: %w", err)
	}
	prefix := "wasmward.ratelimit." + p.shared.namespace + "."
	if len(p.limits) > 0 {
		p.buckets = newTable(store, prefix+"b.", p.keys.max, p.shared.retries, p.keys.evict)
	}
	if len(p.bans) > 0 {
		p.banned = newTable(store, prefix+"x.", p.keys.max, p.shared.retries, p.keys.evict)
		p.horizon = newHorizon(store, prefix+"x.until", p.shared.retries)
		if err := p.horizon.create(); err != nil { // one key: per VM too
			return fmt.Errorf("creating shared ban horizon: %w", err)
		}
	}
	p.perVM = perVM
	if perVM { // a per-VM store needs no pre-created keys: one VM cannot race itself
		return nil
	}
	for _, t := range p.slotTables() {
		if err := t.create(); err != nil {
			return err
		}
	}
	// Only after every table is written: a store too small for them evicts the first slots
	// written, while the last ones are being created.
	missing := 0
	for _, t := range p.slotTables() {
		n, err := t.missing()
		if err != nil {
			return err
		}
		missing += n
	}
	p.checkEvicted(missing)
	return nil
}

// OnRequest denies a banned key, then takes one token from every limit whose descriptor the
// request has; all must grant. Tokens taken before a refusing limit are not given back (as with
// Envoy's rate limit service, where every descriptor's hits are counted).
func (p *Policy) OnRequest(req *policy.Request) policy.Decision {
	if p.host == nil {
		return p.failure("", ReasonStoreError)
	}
	if req.Awaited {
		return p.resumeRLS(req)
	}
	now := lazyNow{host: p.host}
	var noBans lazyHorizon
	var out outcome
	var calls []rlsCall
	for _, b := range p.bans {
		if b.rls != nil {
			d, denied, call := p.checkBanRLS(b, req, &now)
			if call != nil && call.kind == callBanPublish && !d.Shadow {
				return p.deferRLS(req, []rlsCall{*call}, out, &d, now.get())
			}
			if out.add(d, denied) {
				return out.enforced
			}
			if call != nil {
				calls = append(calls, *call)
			}
			continue
		}
		if p.checkBan(b, req, &now, &noBans, &out) {
			return out.enforced
		}
	}
	for _, l := range p.limits {
		if l.rls != nil {
			d, denied, call := p.prepareRLS(l, req, &now)
			if out.add(d, denied) {
				return out.enforced
			}
			if call != nil {
				calls = append(calls, *call)
			}
			continue
		}
		if p.checkLimit(l, req, &now, &out) {
			return out.enforced
		}
	}
	if len(calls) > 0 {
		return p.deferRLS(req, calls, out, nil, now.get())
	}
	return out.result()
}

// DecidesWithoutHeaders implements policy.HeaderFreeDecider: true when every limit and ban keys
// on the client's address, the route and literals alone (descriptor.headerFree) and none asks a
// rate limit service. Then a request's decision reads no header, and the glue does not read
// them for it: a limit per client address, the commonest limit (testdata/valid/minimal.json),
// costs no read of the request's headers, and on nginx neither does a ban on the client's
// address (testdata/valid/burst.json): the ban's response phase reads the status alone
// (BanningPolicy.ResponseStatusOnly) and keys on the same properties.
func (p *Policy) DecidesWithoutHeaders() bool {
	for _, l := range p.limits {
		if l.rls != nil || !l.desc.headerFree() {
			return false
		}
	}
	for _, b := range p.bans {
		if b.rls != nil || !b.desc.headerFree() {
			return false
		}
	}
	return true
}

// lazyNow reads the host clock at most once per request, and only when a rule applies: on
// some hosts reading the clock is a host call.
type lazyNow struct {
	host policy.Host
	ns   int64
	read bool
}

func (c *lazyNow) get() int64 {
	if !c.read {
		c.ns, c.read = c.host.Now().UnixNano(), true
	}
	return c.ns
}

// lazyHorizon reads the ban horizon at most once per request, and only when a ban applies.
type lazyHorizon struct{ read, passed bool }

func (l *lazyHorizon) get(h *horizon, now int64) bool {
	if !l.read {
		l.passed, l.read = h.passed(now), true
	}
	return l.passed
}

// outcome accumulates the checks of one request: the first enforced deny ends it; a shadow deny
// is kept and the checks go on; a labelled allow (onConflict "allow") is kept for the record.
type outcome struct {
	enforced, shadowed, note policy.Decision
	haveShadow               bool
}

// add records one check; it returns true when d is an enforced deny.
func (o *outcome) add(d policy.Decision, denied bool) bool {
	switch {
	case denied && !d.Shadow:
		o.enforced = d
		return true
	case denied && !o.haveShadow:
		o.shadowed, o.haveShadow = d, true
	case !denied && d.Reason != "" && o.note.Reason == "":
		o.note = d
	}
	return false
}

func (o *outcome) result() policy.Decision {
	if o.haveShadow {
		return o.shadowed
	}
	return o.note
}

// checkLimit takes a token for one limit and records a deny (maybe shadow) or a labelled allow
// in out; it returns true when out now holds an enforced deny. A granted token records nothing:
// no Decision is built or copied on the common path, a measurable cost per request in Go on Wasm.
func (p *Policy) checkLimit(l *limit, req *policy.Request, clock *lazyNow, out *outcome) bool {
	vals, ok := l.desc.eval(req, p.vals[:0])
	p.vals = vals
	if !ok {
		return false
	}
	now := clock.get()
	b := l.bucketFor(vals)
	p.buf = appendKey(p.buf[:0], l.id, &l.desc, vals)
	owner := p.hash.sum(p.buf)
	var granted bool
	var wait time.Duration
	err := p.buckets.update(owner, now, func(rec *record, fresh bool) bool {
		var next int64
		next, granted, wait = b.take(rec.A, now, fresh)
		if !granted && !fresh {
			return false // nothing changed: no write, no contention
		}
		rec.A = next
		rec.IdleAt = max(now+int64(p.keys.idle), b.fullAt(next))
		return true
	})
	switch {
	case err == nil && granted:
		return false
	case err == nil:
		return out.add(p.denyLimit(l, b, ReasonLimited, wait, owner), true)
	case errors.Is(err, errAtCap):
		return out.add(p.denyLimit(l, b, ReasonKeyCap, time.Duration(b.cost), owner), true)
	case errors.Is(err, errContention):
		return out.add(p.conflict(l.id, ReasonContention))
	}
	return out.add(p.conflict(l.id, ReasonStoreError))
}

// conflict is the outcome when the store could not be updated: shared.onConflict.
func (p *Policy) conflict(rule, reason string) (policy.Decision, bool) {
	if p.shared.allowConflict {
		return policy.Decision{Rule: rule, Reason: reason, Audit: true}, false
	}
	return p.failure(rule, reason), true
}

// TickPeriod is keys.sweepInterval.
func (p *Policy) TickPeriod() time.Duration { return p.keys.sweepEvery }

// Tick sweeps the next batch of slots of each table, freeing idle keys, and reports slots found
// evicted (checkEvicted). A batch is sized so that every slot is visited at least once per
// keys.idleTimeout.
func (p *Policy) Tick(now time.Time) {
	p.prunePending(now.UnixNano())
	batch := p.sweepBatch()
	for _, t := range p.slotTables() {
		missing, err := t.sweep(now.UnixNano(), batch)
		if err != nil {
			p.host.Log(policy.LogWarn, "sweep: "+err.Error())
		}
		if !p.perVM { // shared slots all exist after Start: a missing one was evicted since
			p.checkEvicted(missing)
		}
	}
}

// slotTables are the policy's slot tables after Start: the buckets' with limits, the bans' with
// bans.
func (p *Policy) slotTables() []*table {
	var out []*table
	for _, t := range []*table{p.buckets, p.banned} {
		if t != nil {
			out = append(out, t)
		}
	}
	return out
}

// sweepBatch is max(256, keys.max × sweepInterval / idleTimeout), at most keys.max.
func (p *Policy) sweepBatch() int {
	n := int(int64(p.keys.max) * int64(p.keys.sweepEvery) / int64(p.keys.idle))
	return min(max(256, n+1), p.keys.max)
}
