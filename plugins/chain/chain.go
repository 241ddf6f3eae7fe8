// Package chain is the one-VM chain: an ordered list of wasmward policies run inside one Wasm VM
// from one config, so a proxy worker carries one Go heap instead of one per plugin.
//
// Config (spec):
//
//	{"policies": [
//	  {"plugin": "jwtauthn", "spec": {…}},
//	  {"plugin": "rbac", "spec": {…}},
//	  {"plugin": "ratelimit", "spec": {…}}
//	]}
//
// Each entry names a plugin from plugins/registry (every plugin but chain itself) and carries that
// plugin's spec, parsed by the plugin's own strict parser (errors are reported under
// "policies[i].spec"). The envelope (shadow, failureMode, audit) is the chain's and applies to
// every policy in it.
//
// Semantics, phase by phase (see run.go): policies run in config order; the first deny wins and
// stops the chain; allowed mutations accumulate and are applied in memory to the request (or
// response) the next policy sees, exactly as a later filter would see them; an identity produced
// by one policy is set on the request (policy.Request.SetIdentity) before the next one runs, with
// nothing serialized. Optional phases (Starter, Ticker, RequestBodyPolicy, ResponsePolicy,
// ResponseBodyPolicy, IdentityProducer) are delegated to the policies that implement them; the
// tick period is the smallest one asked for and each policy still ticks at its own period.
//
// Metrics and audit lines carry plugin="chain" with the deciding policy's rule and reason; the
// audit details name the deciding policy ("policy": "<plugin>").
package chain

import (
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/wasmward/wasmward/plugins/registry"
	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/policy"
)

//go:embed schema.json
var schemaJSON []byte

// Name is the chain plugin's name.
const Name = "chain"

// MaxPolicies bounds the number of policies in one chain.
const MaxPolicies = 32

// Definition registers the plugin. It is deliberately not in registry.All (the chain takes its
// policies from there; the CLI adds it separately), which keeps the import graph acyclic.
var Definition = policy.Definition{Name: Name, Schema: schemaJSON, Parse: Parse}

// Spec is the chain's settings.
type Spec struct {
	// Policies run in this order. Required, 1 to MaxPolicies entries.
	Policies []Entry `json:"policies"`
}

// Entry is one policy of the chain: a registered plugin and its spec.
type Entry struct {
	Plugin string          `json:"plugin"`
	Spec   json.RawMessage `json:"spec"`
}

// Parse parses a chain spec, looking plugins up in registry.All.
func Parse(data []byte) (policy.Policy, error) {
	return parseWith(data, registry.Lookup)
}

// parseWith is Parse with an injectable plugin lookup (tests chain fake policies).
func parseWith(data []byte, lookup func(string) (policy.Definition, bool)) (policy.Policy, error) {
	var spec Spec
	if err := config.DecodeStrict(data, &spec); err != nil {
		return nil, err
	}
	var es config.Errors
	switch {
	case len(spec.Policies) == 0:
		es.Add("policies", "must list at least one policy")
	case len(spec.Policies) > MaxPolicies:
		es.Add("policies", "must list at most %d policies", MaxPolicies)
	}
	steps := make([]step, 0, len(spec.Policies))
	for i, e := range spec.Policies {
		path := config.Index("policies", i)
		if e.Plugin == Name {
			es.Add(path+".plugin", "a chain cannot contain a chain")
			continue
		}
		def, ok := lookup(e.Plugin)
		if !ok {
			es.Add(path+".plugin", "unknown plugin %q (known: %v)", e.Plugin, registry.Names())
			continue
		}
		if len(e.Spec) == 0 || string(e.Spec) == "null" {
			es.Add(path+".spec", "is required (use {} for no settings)")
			continue
		}
		p, err := def.Parse(e.Spec)
		if err != nil {
			es.Merge(path+".spec", err)
			continue
		}
		steps = append(steps, newStep(def.Name, p))
	}
	if err := es.Err(); err != nil {
		return nil, err
	}
	return newChain(steps), nil
}

// errStart wraps a policy's start error with its position and plugin.
func errStart(i int, name string, err error) error {
	return fmt.Errorf("%s (%s): %w", config.Index("policies", i), name, err)
}
