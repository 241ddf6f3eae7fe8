package mask

import (
	"fmt"

	"github.com/wasmward/wasmward/shared/policy"
)

// hostKind is the proxy the plugin runs in, as far as its properties tell.
type hostKind string

const (
	hostEnvoy   hostKind = "envoy"
	hostNgx     hostKind = "ngx_wasm_module"
	hostUnknown hostKind = "unknown"
)

// detectHost tells Envoy from ngx_wasm_module by their properties. Envoy answers "node" (its
// bootstrap node) everywhere; ngx_wasm_module declines "node" but answers "plugin_name" and the
// "ngx.*" nginx variables. Other hosts (test emulators) are unknown and assumed to honour
// response-phase pauses, as the proxy-wasm ABI requires.
func detectHost(h policy.Host) hostKind {
	if _, ok := h.Property("node"); ok {
		return hostEnvoy
	}
	for _, probe := range [][]string{{"ngx", "pid"}, {"ngx", "hostname"}} {
		if _, ok := h.Property(probe...); ok {
			return hostNgx
		}
	}
	if _, ok := h.Property("plugin_name"); ok {
		return hostNgx
	}
	return hostUnknown
}

// Start reads the HMAC key (when a rule uses hmac) and checks that the host can enforce the
// response rules. The key is never logged; only its variable's name appears in errors.
func (p *Policy) Start(h policy.Host) error {
	if p.needsKey {
		key, ok := h.Env(p.keyEnv)
		if !ok || key == "" {
			return fmt.Errorf("environment variable %s is not set: rules with action hmac need a key", p.keyEnv)
		}
		if len(key) < minKeyLen {
			return fmt.Errorf("environment variable %s: the HMAC key must be at least %d bytes", p.keyEnv, minKeyLen)
		}
		p.tok = newTokenizer(p.tokenPrefix, []byte(key))
	}
	p.host = detectHost(h)
	if p.host == hostNgx && p.resp != nil {
		if p.unsupported != unsupportedRequestOnly {
			return fmt.Errorf("host is %s, which cannot pause the response phase: response rules cannot be enforced "+
				"(set unsupportedHost to %q to run request rules and header hygiene only)", hostNgx, unsupportedRequestOnly)
		}
		p.respOff = true
		h.Log(policy.LogWarn, "host is "+string(hostNgx)+": response bodies are NOT masked (unsupportedHost requestOnly); "+
			"JSON responses are counted as "+reasonUnprotectedHost)
		return nil
	}
	h.Log(policy.LogInfo, "host "+string(p.host)+": masking "+p.coverage())
	return nil
}

// coverage describes which bodies the plugin masks, for the start log line.
func (p *Policy) coverage() string {
	switch {
	case p.resp != nil && p.req != nil:
		return "request and response bodies"
	case p.resp != nil:
		return "response bodies"
	case p.req != nil:
		return "request bodies"
	}
	return "no bodies (header hygiene only)"
}
