package ratelimit

import (
	"time"

	"github.com/wasmward/wasmward/shared/config"
)

// Spec is the plugin's settings (the config's "spec"). See docs/ratelimit.md for every key.
type Spec struct {
	Limits []LimitSpec `json:"limits"`
	Bans   []BanSpec   `json:"bans,omitempty"`
	Keys   KeysSpec    `json:"keys,omitzero"`
	Shared SharedSpec  `json:"shared,omitzero"`
	Reply  ReplySpec   `json:"reply,omitzero"`
	// TrustedProxies are the CIDRs of the proxies in front of this one that append to
	// X-Forwarded-For. sourceIP entries with trustedHops > 0 need them and read XFF only from
	// them; a ban never keys on an address inside them.
	TrustedProxies []string `json:"trustedProxies,omitempty"`
}

// LimitSpec is one token bucket per descriptor value ("limits[i]").
type LimitSpec struct {
	ID         string         `json:"id"`
	Descriptor []EntrySpec    `json:"descriptor"`
	Bucket     BucketSpec     `json:"bucket"`
	Overrides  []OverrideSpec `json:"overrides,omitempty"`
	// OnMissing: "skip" (default) or "unknown" (one shared bucket for requests missing a part).
	OnMissing string `json:"onMissing,omitempty"`
	// Shadow records this limit's denies without enforcing them.
	Shadow bool `json:"shadow,omitempty"`
}

// EntrySpec is one descriptor entry: an Envoy rate limit descriptor entry's key and where its
// value comes from ("type").
type EntrySpec struct {
	Key         string   `json:"key"`
	Type        string   `json:"type"`
	TrustedHops *int     `json:"trustedHops,omitempty"` // sourceIP
	Header      string   `json:"header,omitempty"`      // header
	Claim       string   `json:"claim,omitempty"`       // claim (gjson path)
	Patterns    []string `json:"patterns,omitempty"`    // path
	Value       string   `json:"value,omitempty"`       // literal
}

// BucketSpec is a token bucket as Envoy's local_ratelimit token_bucket defines it.
type BucketSpec struct {
	Capacity      int64  `json:"capacity"`
	TokensPerFill int64  `json:"tokensPerFill,omitempty"` // default 1
	FillInterval  string `json:"fillInterval"`
}

// OverrideSpec gives requests whose descriptor entries have these exact values another bucket.
type OverrideSpec struct {
	When   map[string]string `json:"when"`
	Bucket BucketSpec        `json:"bucket"`
}

// BanSpec counts matching upstream responses per descriptor value and bans the key for a while
// when Threshold of them arrive within Window.
type BanSpec struct {
	ID            string      `json:"id"`
	Descriptor    []EntrySpec `json:"descriptor"`
	OnMissing     string      `json:"onMissing,omitempty"`
	Statuses      []int       `json:"statuses,omitempty"`
	StatusClasses []string    `json:"statusClasses,omitempty"` // "4xx", "5xx"
	Threshold     int64       `json:"threshold"`
	Window        string      `json:"window"`
	Duration      string      `json:"duration"`
	Shadow        bool        `json:"shadow,omitempty"`
}

// KeysSpec bounds the number of keys kept (per table: buckets and bans each).
type KeysSpec struct {
	Max           int    `json:"max,omitempty"`           // default 10000
	AtCap         string `json:"atCap,omitempty"`         // "evictOldest" (default) or "reject"
	IdleTimeout   string `json:"idleTimeout,omitempty"`   // default "10m"
	SweepInterval string `json:"sweepInterval,omitempty"` // default "10s"
	HashKeyEnv    string `json:"hashKeyEnv,omitempty"`    // env var holding the key hashing secret
}

// SharedSpec tunes the cross-worker store.
type SharedSpec struct {
	Namespace  string `json:"namespace,omitempty"`  // default "default"
	CASRetries *int   `json:"casRetries,omitempty"` // default 8
	OnConflict string `json:"onConflict,omitempty"` // "deny" (default) or "allow"
}

// ReplySpec is the local reply for denied requests.
type ReplySpec struct {
	Status        int    `json:"status,omitempty"`        // default 429
	Body          string `json:"body,omitempty"`          // default "rate limited\n"
	ContentType   string `json:"contentType,omitempty"`   // default "text/plain"
	LegacyHeaders bool   `json:"legacyHeaders,omitempty"` // also X-RateLimit-*
}

// Defaults.
const (
	DefaultMaxKeys       = 10000
	MaxMaxKeys           = 1 << 20
	DefaultIdleTimeout   = 10 * time.Minute
	DefaultSweepInterval = 10 * time.Second
	DefaultCASRetries    = 8
	MaxCASRetries        = 64
	DefaultNamespace     = "default"
	DefaultStatus        = 429
	DefaultBody          = "rate limited\n"
	DefaultContentType   = "text/plain"
	// MaxFillSpan bounds capacity × time per token, so bucket arithmetic never overflows.
	MaxFillSpan = 100 * 365 * 24 * time.Hour
	// maxEntries bounds a descriptor's entries.
	maxEntries = 8
	minHashKey = 16
)

// Values of the enumerated settings.
const (
	onMissingSkip    = "skip"
	onMissingUnknown = "unknown"
	atCapEvict       = "evictOldest"
	atCapReject      = "reject"
	conflictDeny     = "deny"
	conflictAllow    = "allow"
)

// duration parses a Go duration string setting; def is used when s is empty.
func duration(es *config.Errors, path, s string, def, min time.Duration) time.Duration {
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil || s[0] < '0' || s[0] > '9' { // no sign: the schema's pattern has none either
		es.Add(path, "must be a duration such as \"1s\" or \"10m\"")
		return def
	}
	if d < min {
		es.Add(path, "must be at least %s", min)
		return def
	}
	return d
}

func oneOf(es *config.Errors, path, v, def string, allowed ...string) string {
	if v == "" {
		return def
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	es.Add(path, "must be one of %q", allowed)
	return def
}
