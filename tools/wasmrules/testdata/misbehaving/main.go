// Command misbehaving is a deliberately bad plugin, built to dist/test/misbehaving.wasm only to
// prove that the strict host catches what real hosts die or hang of. Request header
// x-misbehave: "crypto-rand" reads crypto/rand once (which arms a runtime timer), "sleep" sleeps
// a millisecond, "panic" panics (the glue must recover), "gauge-increment" increments a gauge
// (ngx_wasm_module traps), "route-name" reads the route_name property (ngx_wasm_module logs an
// error for it), "body" asks for the request body, "remove-x-user" removes the x-user header,
// "deny" denies with a reason the policy does not list (it is no policy.OutcomeLister), so its
// counter is first defined while serving, "request-headers-in-response" reads the request's
// header list in the response phase and logs how many it got.
// The spec's "startProperty" is read while starting (ngx_wasm_module crashes on plugin_name
// there) and "refuse" refuses the start. Every request then allocates, so garbage collections
// keep coming. It lives under testdata so that `./...` (vet, the Go-on-Wasm rules) never sees
// it, beside the source fixture of tools/wasmrules.
package main

import (
	"crypto/rand"
	"errors"
	"time"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/glue"
	"github.com/wasmward/wasmward/shared/policy"
)

func init() {
	glue.Main(policy.Definition{Name: "misbehaving", Schema: []byte(`{}`), Parse: parse})
}

func main() {}

type spec struct {
	StartProperty string `json:"startProperty"`
	Refuse        bool   `json:"refuse"`
}

func parse(data []byte) (policy.Policy, error) {
	var s spec
	if err := config.DecodeStrict(data, &s); err != nil {
		return nil, err
	}
	return &misbehaving{spec: s}, nil
}

type misbehaving struct{ spec spec }

var sink [][]byte

func (m *misbehaving) Start(h policy.Host) error {
	if m.spec.StartProperty != "" {
		h.Property(m.spec.StartProperty)
	}
	if m.spec.Refuse {
		return errors.New("told to refuse")
	}
	return nil
}

func (*misbehaving) OnRequest(req *policy.Request) policy.Decision {
	v, _ := req.Header("x-misbehave")
	var d policy.Decision
	switch v {
	case "crypto-rand":
		var b [8]byte
		_, _ = rand.Read(b[:])
	case "sleep":
		time.Sleep(time.Millisecond)
	case "panic":
		panic("misbehaving: told to panic")
	case "gauge-increment":
		proxywasm.DefineGaugeMetric("misbehaving_gauge").Add(1)
	case "route-name":
		req.Route()
	case "remove-x-user":
		d.RemoveHeaders = []string{"x-user"}
	case "deny":
		d = policy.Denied(403, "", "misbehaved", nil)
	}
	sink = append(sink, make([]byte, 64<<10))
	if len(sink) > 64 {
		sink = sink[:0]
	}
	return d
}

func (*misbehaving) WantsRequestBody(req *policy.Request) bool {
	v, _ := req.Header("x-misbehave")
	return v == "body"
}

func (*misbehaving) RequestBodyLimit(*policy.Request) int { return 1 << 20 }

func (*misbehaving) OnRequestBody(*policy.Request) policy.Decision { return policy.Allowed() }

// ResponseStatusOnly: the response phase reads the status alone (policy.StatusOnlyResponse).
func (*misbehaving) ResponseStatusOnly() {}

// OnResponse reads the request's header list from the host when the request asks for it, as a
// response-phase audit line of a header-free policy would, and logs how many headers it got.
func (*misbehaving) OnResponse(req *policy.Request, _ *policy.Response) policy.Decision {
	if v, _ := req.Header("x-misbehave"); v == "request-headers-in-response" {
		pairs, err := proxywasm.GetHttpRequestHeaders()
		proxywasm.LogInfof("misbehaving: %d request headers in the response phase (error: %v)", len(pairs), err)
	}
	return policy.Decision{}
}

// ProxyNeeds: the location re-sets x-user, as generated configs do for the headers a policy edits.
func (*misbehaving) ProxyNeeds() policy.ProxyNeeds {
	return policy.ProxyNeeds{EditedRequestHeaders: []string{"x-user"}}
}
