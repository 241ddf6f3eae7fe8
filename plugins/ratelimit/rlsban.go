package ratelimit

import (
	"math"
	"strconv"
	"time"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/policy"
)

// Cluster-wide bans (bans[i].backend "rls"). Counting stays per proxy instance (the response
// phase cannot call out on nginx); a ban, once started, is published to the rate limit service
// and every instance asks the service about the keys it has not banned itself.
//
// Encoding in the service, which only has fixed-window counters: the descriptor
// (wasmward_ban=<id>, <entries>) with unit DAY. Publishing adds the ban's end (Unix seconds) to
// the counter (hits_addend = end); a check adds nothing (hits_addend 0) and sends the limit
// requests_per_unit = now (Unix seconds), so the service answers OVER_LIMIT exactly while the
// stored end is in the future. The counter lives until the service's day window ends (UTC
// midnight): a ban crossing midnight is republished by the instance that started it when the key
// comes back to it. Two instances publishing the same key the same day add up, which holds the
// ban until midnight (over-banning, never under-banning). The service's own local cache
// (LOCAL_CACHE_SIZE_IN_BYTES) must stay off for this domain: it would hold an OVER_LIMIT key for
// the whole window.
//
// An instance that learns of a ban from the service denies the key locally for learnedBanTTL
// (at most the ban's duration), then asks again.

// Descriptor entry and unit of ban calls.
const (
	RLSBanEntry   = "wasmward_ban"
	learnedBanTTL = 10 * time.Second
	banUnit       = "DAY"
	// publishedLearned marks a ban learned from the service: never republished from here.
	publishedLearned = math.MaxInt64
)

// banRLS is the compiled "bans[i].rls".
type banRLS struct {
	timeout time.Duration
}

func compileBanRLS(es *config.Errors, path string, s *BanRLSSpec, dur time.Duration) *banRLS {
	r := &banRLS{timeout: DefaultRLSTimeout}
	if s != nil {
		r.timeout = duration(es, path+".rls.timeout", s.Timeout, DefaultRLSTimeout, 10*time.Millisecond)
		if r.timeout > 10*time.Second {
			es.Add(path+".rls.timeout", "must be at most 10s")
		}
	}
	if dur > 24*time.Hour {
		es.Add(path+".duration", "must be at most 24h with backend \"rls\" (the service keeps a ban for one day window)")
	}
	return r
}

// Kinds of rls calls.
const (
	callLimit = iota
	callBanCheck
	callBanPublish
)

// checkBanRLS is a cluster-wide ban's part of a request: a key banned here is denied (and, if
// this instance started the ban and has not published it in the service's current window,
// published: the request then waits for that callout and is denied after it); any other key is
// asked about in the request's callout.
func (p *Policy) checkBanRLS(b *ban, req *policy.Request, clock *lazyNow) (policy.Decision, bool, *rlsCall) {
	owner, ok := p.banKey(b, req)
	if !ok {
		return policy.Decision{}, false, nil
	}
	vals := append([]string(nil), p.vals...)
	now := clock.get()
	s, found, err := p.banned.find(owner, now)
	if err != nil {
		d, denied := p.conflict(b.id, ReasonStoreError)
		return d, denied, nil
	}
	if found && s.rec.B > now {
		d := p.denyBan(b, s.rec.B, now, owner)
		if s.rec.N <= now {
			return d, true, &rlsCall{kind: callBanPublish, b: b, vals: vals, owner: owner,
				end: (s.rec.B + int64(time.Second) - 1) / int64(time.Second)}
		}
		return d, true, nil
	}
	return policy.Decision{}, false, &rlsCall{kind: callBanCheck, b: b, vals: vals, owner: owner}
}

// finishBanCall applies the service's answer to a ban call.
func (p *Policy) finishBanCall(c rlsCall, cause, code, reset string, now int64) (policy.Decision, bool) {
	b := c.b
	switch {
	case cause != "" && c.kind == callBanCheck:
		// Not known to be banned elsewhere; bans started here still apply.
		return policy.Decision{Rule: b.id, Reason: ReasonRLSUnavailable, Audit: true,
			Details: map[string]string{"cause": cause, "key": keyLabel(c.owner)}}, false
	case cause != "":
		return policy.Decision{}, false // published on a later request
	case c.kind == callBanPublish:
		until := now + int64(24*time.Hour)
		if v, err := time.ParseDuration(reset); err == nil && v > 0 {
			until = now + int64(v)
		}
		_ = p.banned.update(c.owner, now, func(rec *record, fresh bool) bool {
			if fresh || rec.B <= now {
				return false
			}
			rec.N = until
			return true
		})
		return policy.Decision{}, false
	case code != "OVER_LIMIT":
		return policy.Decision{}, false
	}
	ttl := min(b.duration, learnedBanTTL)
	end := now + int64(ttl)
	_ = p.banned.update(c.owner, now, func(rec *record, fresh bool) bool {
		if !fresh && rec.B > end {
			return false
		}
		rec.A, rec.B, rec.N = now, end, publishedLearned
		rec.IdleAt = max(now+int64(p.keys.idle), end)
		return true
	})
	d := p.denyBan(b, end, now, c.owner)
	d.Details["backend"] = "rls"
	return d, true
}

// appendBanDescriptor writes a ban call's descriptor (see the file comment).
func appendBanDescriptor(b []byte, c rlsCall, nowSec int64) []byte {
	b = appendEntries(b, RLSBanEntry, c.b.id, c.b.desc.entries, c.vals)
	b = append(b, `,"limit":{"requestsPerUnit":`...)
	b = strconv.AppendInt(b, min(max(nowSec, 0), math.MaxUint32), 10)
	b = append(b, `,"unit":"`+banUnit+`"},"hitsAddend":`...)
	if c.kind == callBanPublish {
		b = strconv.AppendInt(b, max(c.end, nowSec+1), 10)
	} else {
		b = append(b, '0')
	}
	return append(b, '}')
}
