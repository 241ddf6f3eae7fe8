package policy

import (
	"errors"
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
)

// Clock tells the time. Policies never read the global clock: the host clock is injected, and
// tests drive it.
type Clock interface {
	Now() time.Time
}

// SharedStore is the proxy's key/value store shared by every VM (worker) of a plugin.
// Get returns ErrNotFound for a missing key. CompareAndSwap writes value only if the key's
// version is still cas and returns ErrCASMismatch otherwise; cas 0 writes unconditionally, as
// Envoy does (proxytest instead fails cas 0 on an existing key: design for Envoy). Values are
// copied; keys must never contain raw credentials or personal data (hash them).
type SharedStore interface {
	Get(key string) (value []byte, cas uint32, err error)
	CompareAndSwap(key string, value []byte, cas uint32) error
}

// FetchRequest is an HTTP callout made by the host on the policy's behalf.
type FetchRequest struct {
	// Cluster is the upstream the host sends the request to (Envoy cluster name).
	Cluster   string
	Method    string
	Authority string
	Path      string
	Headers   [][2]string
	Body      []byte
	Timeout   time.Duration
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
}
