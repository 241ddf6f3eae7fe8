package jwtauthn

import "time"

// Defaults of the config keys (also in schema.json and docs/jwtauthn.md).
const (
	defaultMaxTokenBytes     = 8 << 10
	defaultClockSkew         = 60 * time.Second
	defaultCacheSeconds      = 300  // remote.cacheSeconds
	defaultRefetchSeconds    = 30   // remote.minRefetchSeconds (unknown kid)
	defaultRetrySeconds      = 5    // remote.retrySeconds (first retry after a failure)
	defaultStaleSeconds      = 3600 // remote.staleSeconds (stale-if-error limit)
	defaultTimeoutMillis     = 5000 // remote.timeoutMillis
	defaultNoKeysStatus      = 503
	defaultTokenCacheEntries = 4096
	defaultTokenCacheSeconds = 300
	tickPeriod               = time.Second
)
