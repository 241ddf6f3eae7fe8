package glue

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/policy"
)

// host implements policy.Host over proxy-wasm hostcalls.
type host struct {
	plugin string
	vm     *vmContext // its clock is chosen at VM start, possibly after this host was created
	caps   policy.Capabilities
	strs   propertyStrings // the requests' string properties (hostProperties.PropertyString)
}

func (h *host) Now() time.Time { return h.vm.clock() }

// Env reads an environment variable; on a test host (see TestEnvProperty) a property first.
func (h *host) Env(name string) (string, bool) {
	if h.vm.testHost {
		if v, err := proxywasm.GetProperty([]string{TestEnvProperty, name}); err == nil {
			return string(v), true
		}
	}
	return os.LookupEnv(name)
}

func (h *host) Log(level policy.LogLevel, msg string) {
	msg = "wasmward " + h.plugin + ": " + msg
	switch level {
	case policy.LogDebug:
		proxywasm.LogDebug(msg)
	case policy.LogInfo:
		proxywasm.LogInfo(msg)
	case policy.LogWarn:
		proxywasm.LogWarn(msg)
	default:
		proxywasm.LogError(msg)
	}
}

// Shared returns the host's shared data, or ErrUnsupported where the host has none: then no
// shared-data call is ever made (on ngx_wasm_module without an shm_kv zone it would trap).
func (h *host) Shared() (policy.SharedStore, error) {
	if !h.caps.SharedData {
		return nil, fmt.Errorf("%w: shared data (on nginx: declare an shm_kv zone and set host.sharedData)", policy.ErrUnsupported)
	}
	return sharedStore{}, nil
}

func (h *host) Capabilities() policy.Capabilities { return h.caps }

// detectCapabilities takes the host kind from the config (host.kind) or, when it is absent, tells
// Envoy from ngx_wasm_module by the property plugin_vm_id, which Envoy answers in every context
// and ngx_wasm_module reports not found after one NYI alert line (neither traps). What cannot be
// probed safely comes from the config.
func detectCapabilities(host config.HostConfig) policy.Capabilities {
	switch host.Kind {
	case config.HostEnvoy:
		return policy.FullCapabilities
	case config.HostNginx:
		return policy.NginxCapabilities(host.SharedData)
	}
	if _, err := proxywasm.GetProperty([]string{"plugin_vm_id"}); err == nil {
		return policy.FullCapabilities
	}
	return policy.NginxCapabilities(host.SharedData)
}

type sharedStore struct{}

func (sharedStore) Get(key string) ([]byte, uint32, error) { return getSharedData(key) }

func (sharedStore) CompareAndSwap(key string, value []byte, cas uint32) error {
	return setSharedData(key, value, cas)
}

// mapStatus turns the SDK's errors for a missing key and a stale compare-and-swap value into
// the policy's (policy.ErrNotFound, policy.ErrCASMismatch).
func mapStatus(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, types.ErrorStatusNotFound):
		return policy.ErrNotFound
	case errors.Is(err, types.ErrorStatusCasMismatch):
		return policy.ErrCASMismatch
	}
	return err
}

// ErrCalloutFailed is passed to a Fetch callback when the host reports no response (timeout,
// connection failure, unknown cluster at dispatch time).
var ErrCalloutFailed = errors.New("http callout failed")

func (h *host) Fetch(req policy.FetchRequest, done func(policy.FetchResponse, error)) error {
	if h.caps.Kind == policy.HostNginx {
		if err := policy.CheckHostPort(req.Cluster); err != nil {
			return err // dispatching would trap the VM there
		}
	}
	method := req.Method
	if method == "" {
		method = "GET"
	}
	scheme := req.Scheme
	if scheme == "" {
		scheme = "https"
	}
	headers := append([][2]string{
		{":method", method}, {":path", req.Path}, {":authority", req.Authority}, {":scheme", scheme},
	}, req.Headers...)
	timeout := uint32(req.Timeout / time.Millisecond)
	if timeout == 0 {
		timeout = 5000
	}
	_, err := proxywasm.DispatchHttpCall(req.Cluster, headers, req.Body, nil, timeout,
		func(numHeaders, bodySize, numTrailers int) {
			defer func() {
				if r := recover(); r != nil {
					h.Log(policy.LogError, "internal error in a callout callback: "+panicText(r))
				}
			}()
			if numHeaders == 0 {
				done(policy.FetchResponse{}, ErrCalloutFailed)
				return
			}
			pairs, err := proxywasm.GetHttpCallResponseHeaders()
			if err != nil {
				done(policy.FetchResponse{}, fmt.Errorf("%w: headers: %v", ErrCalloutFailed, err))
				return
			}
			resp := policy.NewResponse(pairs)
			if req.MaxBody > 0 && bodySize > req.MaxBody {
				done(policy.FetchResponse{Status: resp.Status, Headers: resp.Headers},
					fmt.Errorf("%w: %d bytes, limit %d", policy.ErrBodyTooLarge, bodySize, req.MaxBody))
				return
			}
			if bodySize > 0 {
				if resp.Body, err = proxywasm.GetHttpCallResponseBody(0, bodySize); err != nil {
					done(policy.FetchResponse{}, fmt.Errorf("%w: body: %v", ErrCalloutFailed, err))
					return
				}
			}
			done(policy.FetchResponse{Status: resp.Status, Headers: resp.Headers, Body: resp.Body}, nil)
		})
	return err
}

func (h *host) Property(path ...string) ([]byte, bool) {
	return hostProperties{h}.Property(path...)
}

// hostProperties implements policy.Properties with proxy_get_property. Properties the host is
// known to lack are answered "absent" without a call: ngx_wasm_module logs an error or an alert
// for each read of them (route_name, the peer-certificate properties).
// One pointer, so that a request's Properties interface value allocates nothing.
type hostProperties struct{ h *host }

// PropertyString is Property as a string (policy.Properties): in Go on Wasm the host's bytes as
// they are (hostString), which allocates nothing; natively the value answered last for the same
// path when the bytes are the same, so a repeated one does not allocate (propertyStrings).
func (hp hostProperties) PropertyString(path ...string) (string, bool) {
	v, ok := hp.Property(path...)
	if !ok {
		return "", false
	}
	return hp.h.strs.str(path, v), true
}

func (hp hostProperties) Property(path ...string) ([]byte, bool) {
	if hp.h.caps.Kind == policy.HostNginx {
		if nginxLacks(path) {
			return nil, false
		}
		path = nginxPath(path)
	}
	return readProperty(path)
}

// nginxPath maps a property to what ngx_wasm_module answers for it: its destination.address and
// .port are the PROXY protocol's (empty without it); the address and port the request came in
// on are nginx's $server_addr and $server_port.
func nginxPath(path []string) []string {
	if len(path) == 2 && path[0] == "destination" {
		switch path[1] {
		case "address":
			return []string{"ngx", "server_addr"}
		case "port":
			return []string{"ngx", "server_port"}
		}
	}
	return path
}

// nginxLacks reports whether ngx_wasm_module answers path with "not supported" or "NYI" (the
// table in its ngx_proxy_wasm_properties.c, commit 3bed2783): Envoy's xDS properties, gRPC
// and certificate details it does not implement. Policies read properties on every request:
// switches on the path's parts build no string and hash nothing (Go on Wasm hashes slowly;
// the maps this replaced were most of a property read's cost in the glue, measured).
func nginxLacks(path []string) bool {
	if len(path) == 0 || nginxMissingRoot(path[0]) {
		return true
	}
	switch len(path) {
	case 1: // "response.flags" as one part
		root, leaf, ok := strings.Cut(path[0], ".")
		return ok && nginxMissingProperty(root, leaf)
	case 2:
		return nginxMissingProperty(path[0], path[1])
	}
	return false
}

// nginxMissingRoot reports whether ngx_wasm_module has no property under root.
func nginxMissingRoot(root string) bool {
	switch root {
	case "node", "cluster_name", "cluster_metadata", "listener_direction", "listener_metadata",
		"route_name", "route_metadata", "upstream_host_metadata", "plugin_vm_id", "xds":
		return true
	}
	return false
}

// nginxMissingProperty reports whether ngx_wasm_module lacks the property root.leaf.
func nginxMissingProperty(root, leaf string) bool {
	switch root {
	case "response":
		switch leaf {
		case "grpc_status", "trailers", "code_details", "flags":
			return true
		}
	case "connection":
		switch leaf {
		case "termination_details", "subject_peer_certificate", "dns_san_local_certificate",
			"dns_san_peer_certificate", "uri_san_local_certificate", "uri_san_peer_certificate",
			"sha256_peer_certificate_digest":
			return true
		}
	case "upstream":
		switch leaf {
		case "tls_version", "subject_local_certificate", "subject_peer_certificate",
			"dns_san_local_certificate", "dns_san_peer_certificate", "uri_san_local_certificate",
			"uri_san_peer_certificate", "sha256_peer_certificate_digest", "local_address",
			"transport_failure_reason":
			return true
		}
	}
	return false
}
