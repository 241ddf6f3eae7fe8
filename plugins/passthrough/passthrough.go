// Package passthrough is the plugin with all of wasmward's glue and no policy: every request is
// allowed untouched. It is the hello-world example (copy it to start a plugin) and the baseline
// every benchmark is measured against.
//
// Config: the envelope (package config) with an empty spec:
//
//	{"apiVersion": "wasmward/v1", "plugin": "passthrough", "spec": {}}
package passthrough

import (
	_ "embed"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/policy"
)

//go:embed schema.json
var schema []byte

// Definition registers the plugin.
var Definition = policy.Definition{Name: "passthrough", Schema: schema, Parse: Parse}

// Spec is the plugin's settings: none.
type Spec struct{}

// Parse accepts only an empty object.
func Parse(data []byte) (policy.Policy, error) {
	var spec Spec
	if err := config.DecodeStrict(data, &spec); err != nil {
		return nil, err
	}
	return Policy{}, nil
}

// Policy allows everything.
type Policy struct{}

// OnRequest allows the request.
func (Policy) OnRequest(*policy.Request) policy.Decision { return policy.Allowed() }

// Outcomes implements policy.OutcomeLister: pass-through returns only the plain allow, whose
// counter the glue defines itself.
func (Policy) Outcomes() []policy.Outcome { return nil }
