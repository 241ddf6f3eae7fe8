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
	// RLS is the cluster-wide rate limit service (Envoy's github.com/envoyproxy/ratelimit) that
	// limits with backend "rls" ask; see rls.go and docs/ratelimit.md.
	RLS *RLSSpec `json:"rls,omitempty"`
}

// RLSSpec is where and how the rate limit service is called.
type RLSSpec struct {
	// Cluster is the callout target: an Envoy cluster name, or host:port on nginx.
	Cluster   string `json:"cluster"`
	Authority string `json:"authority,omitempty"` // default "ratelimit"
	Path      string `json:"path,omitempty"`      // default "/json"
	Domain    string `json:"domain,omitempty"`    // default "wasmward"
	Scheme    string `json:"scheme,omitempty"`    // "http" (default) or "https"
	// Breaker stops calling a failing service for a while (per VM).
	Breaker BreakerSpec `json:"breaker,omitzero"`
}

// BreakerSpec is the circuit breaker in front of the service.
type BreakerSpec struct {
	Failures int    `json:"failures,omitempty"` // consecutive failures that open it; default 5
	OpenFor  string `json:"openFor,omitempty"`  // back-off before one probe; default "5s"
}

// LimitRLSSpec is a limit enforced by the rate limit service ("limits[i].rls").
type LimitRLSSpec struct {
	RequestsPerUnit int64  `json:"requestsPerUnit"`
	Unit            string `json:"unit"`              // second, minute, hour, day
	Timeout         string `json:"timeout,omitempty"` // callout timeout; default "200ms"
	// FailureMode: "deny" (default: 503) or "allow" (through the local fallback bucket).
	FailureMode string `json:"failureMode,omitempty"`
	// Fallback is the local bucket used while the service fails with failureMode "allow";
	// default requestsPerUnit tokens per unit, capacity requestsPerUnit (per proxy instance).
	Fallback *BucketSpec `json:"fallback,omitempty"`
	// PreBucket is an optional local bucket in front of the service: a request it refuses is
	// denied without a callout.
	PreBucket *BucketSpec `json:"preBucket,omitempty"`
}

// LimitSpec is one token bucket per descriptor value ("limits[i]").
type LimitSpec struct {
	ID         string         `json:"id"`
	Descriptor []EntrySpec    `json:"descriptor"`
	Bucket     BucketSpec     `json:"bucket,omitzero"`
	Overrides  []OverrideSpec `json:"overrides,omitempty"`
	// OnMissing: "skip" (default) or "unknown" (one shared bucket for requests missing a part).
	OnMissing string `json:"onMissing,omitempty"`
	// Shadow records this limit's denies without enforcing them.
	Shadow bool `json:"shadow,omitempty"`
	// Backend: "local" (default: token buckets in shared data) or "rls" (the rate limit service,
	// configured by RLS and the spec's rls).
	Backend string        `json:"backend,omitempty"`
	RLS     *LimitRLSSpec `json:"rls,omitempty"`
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
	// Backend "rls" makes a started ban cluster-wide through the rate limit service (rls.go);
	// "local" (default) keeps it in this proxy instance's shared data.
	Backend string      `json:"backend,omitempty"`
	RLS     *BanRLSSpec `json:"rls,omitempty"`
}

// BanRLSSpec tunes a ban's calls to the rate limit service.
type BanRLSSpec struct {
	Timeout string `json:"timeout,omitempty"` // default "200ms"
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
	backendLocal     = "local"
	backendRLS       = "rls"
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
