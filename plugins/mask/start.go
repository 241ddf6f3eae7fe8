package mask

import (
	"fmt"

	"github.com/wasmward/wasmward/shared/policy"
)

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
	p.host = h.Capabilities().Kind
	// nginx buffers a response body when on_response_body pauses (up to the location's
	// wasm_response_body_buffers, which generated configs size from maxBodyBytes): response
	// rules run there too, unless the config asks for request rules only.
	if p.host == policy.HostNginx && p.resp != nil && p.unsupported == unsupportedRequestOnly {
		p.respOff = true
		h.Log(policy.LogWarn, "host is "+p.host+": response bodies are NOT masked (unsupportedHost requestOnly); "+
			"JSON responses are counted as "+reasonUnprotectedHost)
		return nil
	}
	h.Log(policy.LogInfo, "host "+p.host+": masking "+p.coverage())
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
