package ratelimit

import (
	"strconv"
	"time"

	"github.com/wasmward/wasmward/shared/policy"
)

// policyHeader is the bucket's RateLimit-Policy member (draft-ietf-httpapi-ratelimit-headers-10,
// a Structured Fields list item): the limit id as a quoted string, q the quota (the bucket's
// capacity) and w the window in seconds (the time to refill from empty).
func policyHeader(id string, b *bucket) string {
	return strconv.Quote(id) + ";q=" + strconv.FormatInt(b.capacity, 10) + ";w=" + strconv.FormatInt(b.windowSeconds(), 10)
}

// denyLimit is the reply for a refused token: status, Retry-After, RateLimit-Policy and
// RateLimit ("<id>";r=0;t=<seconds until a token>), optionally X-RateLimit-*.
func (p *Policy) denyLimit(l *limit, b *bucket, reason string, wait time.Duration, owner uint64) policy.Decision {
	retry := strconv.FormatInt(max(1, ceilSeconds(wait)), 10)
	headers := make([][2]string, 0, 7)
	headers = append(headers,
		[2]string{"content-type", p.reply.contentType},
		[2]string{"retry-after", retry},
		[2]string{"ratelimit-policy", b.policyHeader},
		[2]string{"ratelimit", strconv.Quote(l.id) + ";r=0;t=" + retry},
	)
	if p.reply.legacy {
		headers = append(headers,
			[2]string{"x-ratelimit-limit", strconv.FormatInt(b.capacity, 10)},
			[2]string{"x-ratelimit-remaining", "0"},
			[2]string{"x-ratelimit-reset", retry},
		)
	}
	d := policy.Denied(p.reply.status, l.id, reason, p.reply.body, headers...)
	d.Shadow = l.shadow
	d.Details = map[string]string{"key": keyLabel(owner)}
	return d
}

// denyBan is the reply for a banned key: status and Retry-After until the ban ends.
func (p *Policy) denyBan(b *ban, until, now int64, owner uint64) policy.Decision {
	retry := strconv.FormatInt(max(1, ceilSeconds(time.Duration(until-now))), 10)
	d := policy.Denied(p.reply.status, b.id, ReasonBanned, p.reply.body,
		[2]string{"content-type", p.reply.contentType}, [2]string{"retry-after", retry})
	d.Shadow = b.shadow
	d.Details = map[string]string{"key": keyLabel(owner)}
	return d
}

// failure is the deny when the store cannot be used (onConflict "deny").
func (p *Policy) failure(rule, reason string) policy.Decision {
	return policy.Denied(p.reply.status, rule, reason, p.reply.body,
		[2]string{"content-type", p.reply.contentType}, [2]string{"retry-after", "1"})
}

// keyLabel is the audit form of a key: its keyed hash, which correlates repeated offenders
// without revealing the address, header or claim it was computed from.
func keyLabel(owner uint64) string {
	return "h:" + strconv.FormatUint(owner, 16)
}
