package jwtauthn

import (
	"encoding/json"
	"net/url"
	"strings"

	"github.com/wasmward/wasmward/shared/config"
)

// Spec is the plugin's settings (the envelope's "spec"). docs/jwtauthn.md describes every key.
type Spec struct {
	Providers []ProviderSpec `json:"providers"`
	Rules     []RuleSpec     `json:"rules"`
	Cache     *CacheSpec     `json:"cache,omitempty"`
	// NoKeysStatus is the reply status while a provider has no usable keys (default 503).
	NoKeysStatus int `json:"noKeysStatus,omitempty"`
}

// ProviderSpec is one token issuer and how its tokens are found, verified and forwarded.
type ProviderSpec struct {
	ID                string       `json:"id"`
	Issuer            string       `json:"issuer"`
	Audiences         []string     `json:"audiences"`
	Algorithms        []string     `json:"algorithms"`
	ClockSkewSeconds  *int         `json:"clockSkewSeconds,omitempty"`
	RequireExpiration *bool        `json:"requireExpiration,omitempty"`
	MaxTokenBytes     int          `json:"maxTokenBytes,omitempty"`
	Sources           []SourceSpec `json:"sources,omitempty"`
	// Typ lists the accepted JOSE typ header values ("" for none); it replaces the default
	// ["", "JWT", "at+jwt"].
	Typ []string `json:"typ,omitempty"`
	// Exactly one key source: jwks (inline), remote (JWKS URI or OIDC discovery) or hmac.
	JWKS   json.RawMessage `json:"jwks,omitempty"`
	Remote *RemoteSpec     `json:"remote,omitempty"`
	HMAC   *HMACSpec       `json:"hmac,omitempty"`
	// Outputs.
	ClaimHeaders        []ClaimHeaderSpec `json:"claimHeaders,omitempty"`
	PayloadHeader       string            `json:"payloadHeader,omitempty"`
	RemoveAuthorization bool              `json:"removeAuthorization,omitempty"`
}

// SourceSpec is one place a token is read from: exactly one of header, query or cookie.
type SourceSpec struct {
	Header string `json:"header,omitempty"`
	// Prefix is stripped from the header value (matched case-insensitively), e.g. "Bearer ".
	Prefix string `json:"prefix,omitempty"`
	Query  string `json:"query,omitempty"`
	Cookie string `json:"cookie,omitempty"`
}

// RemoteSpec fetches keys over an HTTP callout to Cluster: from JWKSURI, or by OIDC discovery
// (issuer + "/.well-known/openid-configuration" → jwks_uri).
type RemoteSpec struct {
	Cluster           string `json:"cluster"`
	JWKSURI           string `json:"jwksUri,omitempty"`
	Discovery         bool   `json:"discovery,omitempty"`
	CacheSeconds      int    `json:"cacheSeconds,omitempty"`
	MinRefetchSeconds int    `json:"minRefetchSeconds,omitempty"`
	RetrySeconds      int    `json:"retrySeconds,omitempty"`
	StaleSeconds      *int   `json:"staleSeconds,omitempty"`
	TimeoutMillis     int    `json:"timeoutMillis,omitempty"`
	// WaitForKeys (default true): a request that finds no keys yet, or a kid the keys lack,
	// starts the fetch and waits for it instead of failing until the next tick's fetch.
	WaitForKeys *bool `json:"waitForKeys,omitempty"`
}

// HMACSpec reads an HS* secret from a host environment variable at start.
type HMACSpec struct {
	Env string `json:"env"`
	Kid string `json:"kid,omitempty"`
	// Encoding of the variable's value: "raw" (default) or "base64url".
	Encoding string `json:"encoding,omitempty"`
}

// ClaimHeaderSpec copies a verified claim to a request header.
type ClaimHeaderSpec struct {
	Claim  string `json:"claim"`
	Header string `json:"header"`
}

// RuleSpec says which requests need which tokens. The first matching rule applies.
type RuleSpec struct {
	ID       string           `json:"id"`
	Match    MatchSpec        `json:"match"`
	Requires *RequirementSpec `json:"requires,omitempty"`
	Scopes   []string         `json:"scopes,omitempty"`
}

// MatchSpec selects requests; empty fields match everything.
type MatchSpec struct {
	Hosts   []string  `json:"hosts,omitempty"`
	Path    *PathSpec `json:"path,omitempty"`
	Methods []string  `json:"methods,omitempty"`
}

// PathSpec is exactly one of exact, prefix (segment-aligned) or template ("*" one segment,
// a final "**" any rest).
type PathSpec struct {
	Exact    string `json:"exact,omitempty"`
	Prefix   string `json:"prefix,omitempty"`
	Template string `json:"template,omitempty"`
}

// RequirementSpec is exactly one of provider, anyOf or allOf, optionally relaxed by
// allowMissing or allowMissingOrFailed.
type RequirementSpec struct {
	Provider             string            `json:"provider,omitempty"`
	AnyOf                []RequirementSpec `json:"anyOf,omitempty"`
	AllOf                []RequirementSpec `json:"allOf,omitempty"`
	AllowMissing         bool              `json:"allowMissing,omitempty"`
	AllowMissingOrFailed bool              `json:"allowMissingOrFailed,omitempty"`
}

// CacheSpec bounds the verified-token cache. MaxEntries 0 disables it.
type CacheSpec struct {
	MaxEntries *int `json:"maxEntries,omitempty"`
	TTLSeconds int  `json:"ttlSeconds,omitempty"`
}

// maxRequirementDepth bounds nested anyOf/allOf.
const maxRequirementDepth = 4

// checkHeaderName records an error unless name is a lower-case header name this plugin may set.
func checkHeaderName(es *config.Errors, path, name string) {
	if name == "" || strings.ToLower(name) != name || strings.ContainsFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) {
		es.Add(path, "must be a lower-case header name (a-z, 0-9, '-', '_')")
		return
	}
	switch name {
	case "authorization", "cookie", "host", "content-length", "transfer-encoding", "connection", "x-wasmward-identity":
		es.Add(path, "must not be %q", name)
	}
}

// splitURL checks an https URL and returns its authority and path (with query).
func splitURL(es *config.Errors, path, raw string) (authority, reqPath string) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Fragment != "" {
		es.Add(path, "must be an https URL without user info or fragment")
		return "", ""
	}
	reqPath = u.EscapedPath()
	if reqPath == "" {
		reqPath = "/"
	}
	if u.RawQuery != "" {
		reqPath += "?" + u.RawQuery
	}
	return u.Host, reqPath
}
