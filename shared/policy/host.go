package policy

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// Sentinel errors of host services, checked with errors.Is.
var (
	// ErrNotFound: the shared-data key does not exist.
	ErrNotFound = errors.New("not found")
	// ErrCASMismatch: the shared-data value changed since it was read; read again and retry.
	ErrCASMismatch = errors.New("cas mismatch")
	// ErrUnsupported: the host does not provide this feature (e.g. shared data without shm_kv).
	ErrUnsupported = errors.New("unsupported by host")
	// ErrBodyTooLarge: a callout's response body is larger than FetchRequest.MaxBody; it was
	// not read into the VM.
	ErrBodyTooLarge = errors.New("response body larger than the limit")
)

// Clock tells the time. Policies never read the global clock: the host clock is injected, and
// tests drive it.
type Clock interface {
	Now() time.Time
}

// SharedStore is the proxy's key/value store shared by every VM (worker) of a plugin.
// Get returns ErrNotFound for a missing key. CompareAndSwap writes value only if the key's
// version is still cas and returns ErrCASMismatch otherwise. cas 0 creates a missing key; on an
// existing one Envoy writes unconditionally, while ngx_wasm_module (and proxytest) return
// ErrCASMismatch and keep the value (e2e/nginx TestShmKVCASZeroOnExistingKey): write with cas 0
// only to create, treating ErrCASMismatch as "another worker created it". Values are copied;
// keys must never contain raw credentials or personal data (hash them).
type SharedStore interface {
	Get(key string) (value []byte, cas uint32, err error)
	CompareAndSwap(key string, value []byte, cas uint32) error
}

// FetchRequest is an HTTP callout made by the host on the policy's behalf.
type FetchRequest struct {
	// Cluster is the upstream the host sends the request to (Envoy cluster name).
	Cluster string
	// Scheme is the callout's :scheme, "https" when empty. ngx_wasm_module connects over TLS
	// for https; a plain-HTTP service (the rate limit service's JSON endpoint) needs "http".
	Scheme    string
	Method    string
	Authority string
	Path      string
	Headers   [][2]string
	Body      []byte
	Timeout   time.Duration
	// MaxBody, when > 0, is the largest response body accepted: the host reports the body's
	// size before it is read, and a larger one fails the callout with ErrBodyTooLarge without
	// being copied into the VM.
	MaxBody int
}

// FetchResponse is the callout's result. Status is 0 when the host gave no :status.
type FetchResponse struct {
	Status  int
	Headers Headers
	Body    []byte
}

// LogLevel orders log lines.
type LogLevel uint8

const (
	LogDebug LogLevel = iota
	LogInfo
	LogWarn
	LogError
)

// Host is what a policy may ask of the proxy outside a request: time, shared data, callouts,
// environment and logging. The glue implements it over proxy-wasm; tests use a fake.
type Host interface {
	Clock
	// Shared returns the cross-worker store, or ErrUnsupported if the host has none.
	Shared() (SharedStore, error)
	// Fetch dispatches an HTTP callout; done runs later, on the host's event loop, with the
	// response or an error (timeout, reset). Fetch itself fails if the host refused the call.
	Fetch(req FetchRequest, done func(FetchResponse, error)) error
	// Env reads a host environment variable (Envoy vm_config.environment_variables). Values are
	// secrets: never log them.
	Env(name string) (string, bool)
	// Log writes one line to the host log, prefixed with the plugin name.
	Log(level LogLevel, msg string)
	// Property reads a host property outside a request (e.g. to detect the host kind).
	Property(path ...string) ([]byte, bool)
	// Capabilities is what the host offers, as the glue detected it at start.
	Capabilities() Capabilities
}

// Host kinds (Capabilities.Kind).
const (
	HostEnvoy = "envoy"
	HostNginx = "nginx" // Kong's ngx_wasm_module, and any host without Envoy's properties
)

// Capabilities is what the host proxy offers beyond the common proxy-wasm calls. The glue
// detects the host at start (Envoy answers the property plugin_vm_id; ngx_wasm_module does not)
// and takes what cannot be probed without trapping from the config (config.HostConfig). Calls
// a host lacks are never made: docs/hosts.md lists them.
type Capabilities struct {
	Kind string
	// SharedData: cross-worker shared data (always on Envoy; on nginx only with an shm_kv zone,
	// declared by config host.sharedData, since probing it without one traps).
	SharedData bool
	// PeerCertificate: the mTLS peer-certificate properties (connection.uri_san_peer_certificate
	// and friends); absent on ngx_wasm_module.
	PeerCertificate bool
	// ResponseReplies: a local reply can replace a response in its headers or body phase. On
	// nginx the response headers may already be sent: a response-phase deny there replaces the
	// body (and asks for the status), and a pause in the response-headers phase is ignored.
	ResponseReplies bool
	// RequestHeadersPause: a request paused in its headers phase resumes when a later callback
	// (its body) continues it. ngx_wasm_module resumes such a request only after an HTTP callout:
	// there the glue continues the headers and decides on the whole body in the body callback,
	// which this host runs before it builds the upstream request.
	RequestHeadersPause bool
	// RouteName: the route_name property (Envoy). ngx_wasm_module logs an error per read.
	RouteName bool
	// MarksRemovedHeaders: the host only marks a removed request header, and its proxy still
	// sends it upstream (ngx_wasm_module with proxy_pass); the glue edits request headers
	// differently there (shared/glue/headers.go).
	MarksRemovedHeaders bool
	// DecodesPath: the host's :path is its own percent-decoded, normalized URI (nginx's r->uri);
	// the raw request target is the property request.path. A :path set without a query keeps
	// the old one there. Its :authority is the server's name and port; the client's host is the
	// Host header.
	DecodesPath bool
	// ResumesOtherRequests: a callout's callback may resume any paused request (Envoy, with
	// proxy_set_effective_context). ngx_wasm_module resumes a paused request only after its own
	// callouts: there only the request that started a callout may wait for it.
	ResumesOtherRequests bool
	// TickCallouts: HTTP callouts may be dispatched from on_tick. On ngx_wasm_module a TLS
	// callout dispatched there crashes the worker (SIGSEGV, measured): callouts go out from
	// requests only.
	TickCallouts bool
	// ResponseBodyPausesOnce: the host buffers a response body once, when on_response_body
	// first pauses, up to its buffers (nginx: wasm_response_body_buffers), then calls again
	// with what it has, eof or not, and ignores a second pause: a body not complete then is
	// over the limit.
	ResponseBodyPausesOnce bool
	// RequestHeadersInResponse: the request's headers can still be read in the response phase
	// (ngx_wasm_module). Envoy lets go of them once on_request_headers lets the request go on
	// (Context::decodeHeaders), as the proxy-wasm spec allows: a read of them in a response
	// callback is an empty list there.
	RequestHeadersInResponse bool
}

// FullCapabilities is Envoy's set.
var FullCapabilities = Capabilities{Kind: HostEnvoy, SharedData: true, PeerCertificate: true, ResponseReplies: true,
	RequestHeadersPause: true, RouteName: true, ResumesOtherRequests: true, TickCallouts: true}

// NginxCapabilities is ngx_wasm_module's set; sharedData says whether an shm_kv zone was declared.
func NginxCapabilities(sharedData bool) Capabilities {
	return Capabilities{Kind: HostNginx, SharedData: sharedData, MarksRemovedHeaders: true, DecodesPath: true, ResponseBodyPausesOnce: true,
		RequestHeadersInResponse: true}
}

// Limited is implemented by a policy that cannot enforce everything on some hosts. Limits
// returns one short phrase per thing the host prevents, saying how the policy fails closed for
// it ("peer certificate identity unavailable: rules that need it deny"); nil when nothing is
// missing. The glue logs them at start in one line. Start has already run.
type Limited interface {
	Limits(caps Capabilities) []string
}

// ErrBadCluster: a callout cluster that ngx_wasm_module cannot dispatch to.
var ErrBadCluster = errors.New("callout cluster must be host:port on nginx")

// CheckHostPort reports whether a callout cluster names an address as ngx_wasm_module needs it:
// host:port with a numeric port, or unix:path. That host connects to the cluster argument
// itself (a name needs a resolver in its wasm{} block) and traps the VM on anything else.
func CheckHostPort(cluster string) error {
	if strings.HasPrefix(cluster, "unix:") {
		return nil
	}
	host, port, err := net.SplitHostPort(cluster)
	if err != nil || host == "" || port == "" || strings.Trim(port, "0123456789") != "" {
		return fmt.Errorf("%w: %q", ErrBadCluster, cluster)
	}
	return nil
}
