package rbac

import "encoding/json"

// Spec is the plugin's "spec" object. Every field is documented with its default in
// docs/rbac.md and schema.json.
type Spec struct {
	// DefaultAction applies when no enforced ALLOW or DENY rule matches: "ALLOW" or "DENY"
	// (default "DENY").
	DefaultAction string `json:"defaultAction,omitempty"`
	// Deny is the reply sent to denied requests (status 403).
	Deny DenySpec `json:"deny,omitzero"`
	// TrustedProxyHops is how many proxies in front of this one append trusted X-Forwarded-For
	// entries; remoteIp matchers use the client address they report (default 0: XFF ignored).
	TrustedProxyHops int `json:"trustedProxyHops,omitempty"`
	// TrustedProxies are the CIDRs of the proxies in front of this one. Only a request whose
	// direct peer is in them has trusted X-Forwarded-For entries (up to TrustedProxyHops) and a
	// trusted device header; trustedProxyHops > 0 requires them.
	TrustedProxies []string `json:"trustedProxies,omitempty"`
	// Device says how a request's device class is found, for "device" conditions.
	Device DeviceSpec `json:"device,omitzero"`
	// Roles maps role names to who holds them and what they may do.
	Roles map[string]RoleSpec `json:"roles,omitempty"`
	// Rules are evaluated as described in docs/rbac.md ("Evaluation order").
	Rules []RuleSpec `json:"rules"`
}

// DenySpec configures the deny reply. It must never describe the policy.
type DenySpec struct {
	Body        *string `json:"body,omitempty"`        // default "access denied\n"
	ContentType string  `json:"contentType,omitempty"` // default "text/plain; charset=utf-8"
}

// DeviceSpec says where a request's device class comes from: the Header's value when it is
// one of Classes, else the first UserAgent rule whose substring occurs in User-Agent, else
// "unknown".
type DeviceSpec struct {
	Header    string        `json:"header,omitempty"` // default "x-device-class"
	Classes   []string      `json:"classes,omitempty"`
	UserAgent []UAClassSpec `json:"userAgent,omitempty"`
}

// UAClassSpec assigns Class when User-Agent contains any of Contains (case-sensitive).
type UAClassSpec struct {
	Class    string   `json:"class"`
	Contains []string `json:"contains"`
}

// RoleSpec is a role: the principals that hold it (any of GrantedBy) and the operations it
// allows (any of Permissions).
type RoleSpec struct {
	GrantedBy   []Matcher `json:"grantedBy"`
	Permissions []Matcher `json:"permissions"`
}

// RuleSpec is one named rule. It matches when (any principal and any permission match, or the
// caller holds one of Roles and the request is one of that role's permissions) and every
// condition holds.
type RuleSpec struct {
	ID          string    `json:"id"`
	Action      string    `json:"action"` // ALLOW, DENY or LOG
	Shadow      bool      `json:"shadow,omitempty"`
	Roles       []string  `json:"roles,omitempty"`
	Principals  []Matcher `json:"principals,omitempty"`
	Permissions []Matcher `json:"permissions,omitempty"`
	Conditions  []Matcher `json:"conditions,omitempty"`
}

// Matcher is one JSON matcher object with exactly one member set. Which members are allowed
// depends on where it appears (principals, permissions or conditions; see kinds.go).
type Matcher struct {
	Any            *bool       `json:"any,omitempty"`
	And            []Matcher   `json:"and,omitempty"`
	Or             []Matcher   `json:"or,omitempty"`
	Not            *Matcher    `json:"not,omitempty"`
	Authenticated  *AuthnSpec  `json:"authenticated,omitempty"`
	Claim          *ClaimSpec  `json:"claim,omitempty"`
	Scope          *string     `json:"scope,omitempty"`
	Role           *string     `json:"role,omitempty"`
	Peer           *PeerSpec   `json:"peer,omitempty"`
	DirectRemoteIP []string    `json:"directRemoteIp,omitempty"`
	RemoteIP       []string    `json:"remoteIp,omitempty"`
	Header         *HeaderSpec `json:"header,omitempty"`
	Method         []string    `json:"method,omitempty"`
	Path           *StringSpec `json:"path,omitempty"`
	Host           *StringSpec `json:"host,omitempty"`
	Port           []int       `json:"port,omitempty"`
	Time           *TimeSpec   `json:"time,omitempty"`
	Device         []string    `json:"device,omitempty"`
	StepUp         *StepUpSpec `json:"stepUp,omitempty"`
}

// StringSpec matches a string: exactly one of Exact, Prefix, Suffix, Contains, Regex (RE2) or,
// for paths only, Template ("/users/*/orders", "/files/**").
type StringSpec struct {
	Exact      *string `json:"exact,omitempty"`
	Prefix     *string `json:"prefix,omitempty"`
	Suffix     *string `json:"suffix,omitempty"`
	Contains   *string `json:"contains,omitempty"`
	Regex      *string `json:"regex,omitempty"`
	Template   *string `json:"template,omitempty"`
	IgnoreCase bool    `json:"ignoreCase,omitempty"`
}

// HeaderSpec matches a request header by lower-case Name: Present, or a string match on its
// value (repeated headers are joined with ",", as Envoy does).
type HeaderSpec struct {
	Name    string `json:"name"`
	Present *bool  `json:"present,omitempty"`
	StringSpec
}

// AuthnSpec matches an authenticated caller (an identity with a non-empty subject), optionally
// narrowed by subject, issuer and provider.
type AuthnSpec struct {
	Subject  *StringSpec `json:"subject,omitempty"`
	Issuer   *StringSpec `json:"issuer,omitempty"`
	Provider []string    `json:"provider,omitempty"`
}

// ClaimSpec matches the JWT claim at Path (gjson dotted path) with exactly one operator.
type ClaimSpec struct {
	Path     string          `json:"path"`
	Equals   json.RawMessage `json:"equals,omitempty"`
	Contains json.RawMessage `json:"contains,omitempty"`
	AnyOf    []string        `json:"anyOf,omitempty"`
	Prefix   *string         `json:"prefix,omitempty"`
	Suffix   *string         `json:"suffix,omitempty"`
	Exists   *bool           `json:"exists,omitempty"`
}

// PeerSpec matches the mTLS peer certificate: exactly one of URISAN (SPIFFE ID), DNSSAN or
// Subject. A SAN matches when any of the certificate's SANs does.
type PeerSpec struct {
	URISAN  *StringSpec `json:"uriSan,omitempty"`
	DNSSAN  *StringSpec `json:"dnsSan,omitempty"`
	Subject *StringSpec `json:"subject,omitempty"`
}

// TimeSpec is a weekly time window in an IANA time zone. From/To are "HH:MM"; To may be
// "24:00"; From > To wraps past midnight (the day is the day the window starts).
type TimeSpec struct {
	Days     []string `json:"days,omitempty"` // default every day
	From     string   `json:"from,omitempty"` // default "00:00"
	To       string   `json:"to,omitempty"`   // default "24:00"
	TimeZone string   `json:"timeZone,omitempty"`
}

// StepUpSpec requires a strong authentication: the acr claim is one of ACR, or the amr claim
// array holds one of AMR; with MaxAge > 0 the auth_time claim must be at most MaxAge seconds old.
type StepUpSpec struct {
	ACR    []string `json:"acr,omitempty"`
	AMR    []string `json:"amr,omitempty"`
	MaxAge int      `json:"maxAge,omitempty"`
}
