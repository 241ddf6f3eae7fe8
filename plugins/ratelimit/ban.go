package ratelimit

import (
	"errors"
	"strconv"
	"time"

	"github.com/wasmward/wasmward/shared/policy"
)

// ban is one compiled "bans[i]": Threshold matching upstream responses for one descriptor value
// within Window ban that value for Duration.
//
// Its slot record: A is the start of the current counting window, N the matching responses in
// it, B the end of the ban (0: none).
type ban struct {
	id        string
	desc      descriptor
	statuses  [600]bool
	classes   uint8 // bit c: status class cxx
	threshold int64
	window    time.Duration
	duration  time.Duration
	shadow    bool
	rls       *banRLS // backend "rls"; nil: local
}

func (b *ban) matches(status int) bool {
	if status < 100 || status > 599 {
		return false
	}
	return b.statuses[status] || b.classes&(1<<(status/100)) != 0
}

// checkBan denies the request when its key is banned, recording the deny (maybe shadow) or a
// store error's labelled allow in out, as checkLimit; it returns true when out now holds an
// enforced deny. Looking up only reads shared data: the ban horizon, and the key's slots unless
// the horizon says no local ban is live. A ban keyed by address alone applies to nearly every
// request, which reads the horizon anyway: it is read first, and while no ban is live the key
// (the address parsed, hashed) is never made. Other bans make the key first: a request it does
// not apply to (no such header or claim) reads no shared data.
func (p *Policy) checkBan(b *ban, req *policy.Request, clock *lazyNow, noBans *lazyHorizon, out *outcome) bool {
	if b.desc.addressOnly() && noBans.get(p.horizon, clock.get()) {
		return false
	}
	owner, ok := p.banKey(b, req)
	if !ok {
		return false
	}
	now := clock.get()
	if noBans.get(p.horizon, now) {
		return false
	}
	s, found, err := p.banned.find(owner, now)
	if err != nil {
		return out.add(p.conflict(b.id, ReasonStoreError))
	}
	if !found || s.rec.B <= now {
		return false
	}
	return out.add(p.denyBan(b, s.rec.B, now, owner), true)
}

func (p *Policy) banKey(b *ban, req *policy.Request) (uint64, bool) {
	vals, ok := b.desc.eval(req, p.vals[:0])
	p.vals = vals
	if !ok {
		return 0, false
	}
	p.buf = appendKey(p.buf[:0], b.id, &b.desc, vals)
	return p.hash.sum(p.buf), true
}

// BanningPolicy is the policy when bans are configured: only then does it implement
// policy.ResponsePolicy, so that configs without bans cost nothing in the response phase.
type BanningPolicy struct{ *Policy }

// ResponseStatusOnly implements policy.StatusOnlyResponse: OnResponse reads the status alone, so
// the glue reads no other response header.
func (BanningPolicy) ResponseStatusOnly() {}

// OnResponse counts responses whose status a ban matches against the request's key, and starts a
// ban at the threshold. The response itself always passes; a started ban is an allowed decision
// labelled ban_started and audited, so it is counted and logged once per ban.
func (bp BanningPolicy) OnResponse(req *policy.Request, resp *policy.Response) policy.Decision {
	p := bp.Policy
	if p.host == nil {
		return policy.Decision{}
	}
	var now int64 // read when a ban first counts this status: most responses match none
	clockRead := false
	var out policy.Decision
	for _, b := range p.bans {
		if !b.matches(resp.Status) {
			continue
		}
		if !clockRead {
			now, clockRead = p.host.Now().UnixNano(), true
		}
		owner, ok := p.banKey(b, req)
		if !ok {
			continue
		}
		started := false
		err := p.banned.update(owner, now, func(rec *record, fresh bool) bool {
			started = false
			if rec.B > now {
				return false // already banned
			}
			if fresh || now-rec.A >= int64(b.window) || rec.B != 0 { // rec.B != 0: a ban just ended
				rec.A, rec.N, rec.B = now, 0, 0
			}
			rec.N++
			if rec.N >= b.threshold {
				rec.A, rec.N, rec.B = now, 0, now+int64(b.duration)
				started = true
			}
			rec.IdleAt = max(now+int64(p.keys.idle), rec.A+int64(b.window), rec.B)
			return true
		})
		if err == nil && started { // the slot first, then the horizon (see horizon)
			err = p.horizon.raise(now + int64(b.duration))
		}
		switch {
		case errors.Is(err, errAtCap):
			out = labelled(out, b.id, ReasonKeyCap)
		case errors.Is(err, errContention):
			out = labelled(out, b.id, ReasonContention)
		case err != nil:
			out = labelled(out, b.id, ReasonStoreError)
		case started:
			out = policy.Decision{Rule: b.id, Reason: ReasonBanStarted, Audit: true,
				Details: map[string]string{"key": keyLabel(owner), "banSeconds": strconv.FormatInt(ceilSeconds(b.duration), 10)}}
		}
	}
	return out
}

// labelled records a counted, audited allow unless a more important outcome is already set.
func labelled(cur policy.Decision, rule, reason string) policy.Decision {
	if cur.Reason == ReasonBanStarted {
		return cur
	}
	return policy.Decision{Rule: rule, Reason: reason, Audit: true}
}
