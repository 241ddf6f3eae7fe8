package policy

import "time"

// Definition registers a plugin with the glue, the CLI and the test harness.
type Definition struct {
	// Name is the plugin's name: its directory under plugins/, its dist/<name>.wasm, and the
	// "plugin" field its config must carry.
	Name string
	// Schema is the plugin's JSON Schema (the whole config, envelope included).
	Schema []byte
	// Parse strictly parses and compiles the plugin's "spec" object. It is pure (no host access)
	// so the CLI can run it offline; errors name the field (see package config).
	Parse func(spec []byte) (Policy, error)
}

// Policy decides on requests. It is built once per plugin configuration and used for every
// request on that worker; the glue calls it from one thread at a time.
type Policy interface {
	// OnRequest decides on the request headers.
	OnRequest(req *Request) Decision
}

// Starter is implemented by policies that need the host after parsing: to read secrets from
// the environment, probe shared data, or start fetches. An error refuses the plugin start.
type Starter interface {
	Start(host Host) error
}

// Ticker is implemented by policies with periodic work (refreshing keys, sweeping buckets).
// Tick runs on the host's timer at TickPeriod, never on a request.
type Ticker interface {
	TickPeriod() time.Duration
	Tick(now time.Time)
}

// RequestBodyPolicy is implemented by policies that inspect request bodies. After OnRequest
// allowed the headers, the glue buffers the body (up to RequestBodyLimit bytes; more is a 413)
// when WantsRequestBody is true and calls OnRequestBody with req.Body set.
type RequestBodyPolicy interface {
	WantsRequestBody(req *Request) bool
	RequestBodyLimit(req *Request) int
	OnRequestBody(req *Request) Decision
}

// ResponsePolicy is implemented by policies that act on response headers (ban counting,
// header hygiene). A Deny here replaces the response with the decision's reply.
type ResponsePolicy interface {
	OnResponse(req *Request, resp *Response) Decision
}

// StatusOnlyResponse is implemented by a ResponsePolicy whose OnResponse reads nothing of the
// response but its status (ratelimit's ban accounting). Unless the policy also reads response
// bodies (ResponseBodyPolicy), the glue then reads the status alone from the host, one header
// instead of the whole map, and OnResponse gets a Response with Status set and Headers nil.
type StatusOnlyResponse interface {
	ResponseStatusOnly()
}

// ResponseBodyPolicy is implemented by policies that rewrite or inspect response bodies. The glue
// buffers the body up to ResponseBodyLimit bytes; past it, OverLimit decides (pass untouched or
// deny). Hosts that cannot pause the response phase are reported at start (glue.Capabilities).
type ResponseBodyPolicy interface {
	WantsResponseBody(req *Request, resp *Response) bool
	ResponseBodyLimit() int
	OnResponseBody(req *Request, resp *Response) Decision
	// OverLimit is the decision when the body exceeds ResponseBodyLimit.
	OverLimit(req *Request, resp *Response) Decision
}

// HeaderFreeDecider is implemented by a policy that can tell, for its config, that OnRequest,
// and OnResponse when it is a StatusOnlyResponse, read nothing the request's header list
// carries: not Method, Scheme, Authority, Path, Headers, ID nor Identity, only what the host
// answers as properties (the source address, the peer, the route), the clock and shared data.
// When DecidesWithoutHeaders is true the glue does not read the request's headers before
// OnRequest: those fields are empty then. It reads them only when the request needs them
// afterwards: an audit line, or a decision that edits request headers. Reading the header list
// is the largest part of a filter's cost on nginx (docs/performance.md, "Header-free
// decisions"). The glue reads the headers first in any case for identity producers, policies
// with a body phase or a response phase that reads more than the status, and policies with a
// status-only response phase on a host where the request's headers are gone by then
// (Capabilities.RequestHeadersInResponse: Envoy), where that phase's audit lines need them.
type HeaderFreeDecider interface {
	DecidesWithoutHeaders() bool
}

// IdentityProducer is implemented by authentication policies. The glue strips any incoming
// handoff header before calling them, so a client can never inject an identity.
type IdentityProducer interface {
	ProducesIdentity()
}

// ProxyNeeds is what a policy needs from the proxy's own configuration, which it cannot ask for
// at run time. Generated proxy configs read it (tools/genconfigs); docs/hosts.md says why.
type ProxyNeeds struct {
	// MaxRequestBody is the largest request body the policy reads: nginx must buffer bodies that
	// size in memory (client_body_buffer_size), proxy-wasm cannot read a body kept in a file.
	MaxRequestBody int
	// MaxResponseBody is the largest response body the policy buffers: nginx must have that
	// much in wasm_response_body_buffers.
	MaxResponseBody int
	// EditedRequestHeaders are the request headers (lower case) the policy may remove or
	// replace. ngx_wasm_module only marks a removed request header; nginx's proxy_pass still
	// sends it upstream (and a replace after a remove adds a second value) unless the location
	// re-sets the header from its variable, which skips removed entries.
	EditedRequestHeaders []string
	// SharedDataBytes is what the policy's shared data takes of an ngx_wasm_module shm_kv zone
	// with every key it may write present (ratelimit's tables). A zone smaller than the sum over
	// a host's filters evicts entries (Envoy's shared data has no size).
	SharedDataBytes int
}

// ProxyNeeder is implemented by policies with ProxyNeeds. The glue's own needs (the identity
// handoff header) are added by whoever renders the proxy config.
type ProxyNeeder interface {
	ProxyNeeds() ProxyNeeds
}
