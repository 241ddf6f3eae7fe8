package policy

import (
	"encoding/json"
	"strings"
)

// Identity is a verified caller identity, produced by an authentication plugin (jwtauthn) and
// consumed by later ones (rbac, ratelimit). Claims is the verified JWT payload, kept raw so that
// consumers query it with gjson paths without a second decode.
type Identity struct {
	// Subject is the authenticated principal (the JWT "sub").
	Subject string `json:"sub,omitempty"`
	// Issuer is the token issuer ("iss").
	Issuer string `json:"iss,omitempty"`
	// Provider is the id of the configured provider that verified the token.
	Provider string `json:"provider,omitempty"`
	// Scopes are the OAuth2 scopes ("scope" split on spaces, or "scp").
	Scopes []string `json:"scopes,omitempty"`
	// Claims is the verified JWT payload (a JSON object).
	Claims json.RawMessage `json:"claims,omitempty"`
}

// HasScope reports whether s is one of the identity's scopes. A nil identity has none.
func (id *Identity) HasScope(s string) bool {
	if id == nil {
		return false
	}
	for _, have := range id.Scopes {
		if have == s {
			return true
		}
	}
	return false
}

// PeerIdentity is the mTLS client certificate identity as the host reports it.
type PeerIdentity struct {
	URISANs []string // e.g. SPIFFE IDs
	DNSSANs []string
	Subject string
}

// Empty reports whether no peer certificate identity is present.
func (p PeerIdentity) Empty() bool {
	return len(p.URISANs) == 0 && len(p.DNSSANs) == 0 && p.Subject == ""
}

// readPeer reads Envoy's connection.* peer certificate attributes. Envoy reports the first URI and
// DNS SAN as strings; some builds report lists serialized as proxy-wasm string lists. Both are read.
func readPeer(props Properties) PeerIdentity {
	var p PeerIdentity
	if v, ok := props.Property("connection", "uri_san_peer_certificate"); ok {
		p.URISANs = splitList(v)
	}
	if v, ok := props.Property("connection", "dns_san_peer_certificate"); ok {
		p.DNSSANs = splitList(v)
	}
	if v, ok := props.Property("connection", "subject_peer_certificate"); ok {
		p.Subject = string(v)
	}
	return p
}

// splitList splits a NUL-separated property value into its non-empty items.
func splitList(v []byte) []string {
	var out []string
	for _, s := range strings.Split(string(v), "\x00") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
