package main

import (
	"encoding/json"
	"fmt"

	"github.com/wasmward/wasmward/plugins/chain"
	"github.com/wasmward/wasmward/plugins/registry"
	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/schema"
)

// chainSchemaErrors checks each policy of a chain config against its own plugin's JSON Schema
// (the chain's schema only says "spec is an object"), with paths under spec.policies[i]. Errors
// the chain's parser or schema already report (envelope, unknown plugin) are not repeated.
func chainSchemaErrors(data []byte) error {
	env, err := config.ParseEnvelope(data, chain.Name)
	if err != nil {
		return nil
	}
	var spec chain.Spec
	if json.Unmarshal(env.Spec, &spec) != nil {
		return nil
	}
	var es config.Errors
	for i, p := range spec.Policies {
		def, ok := registry.Lookup(p.Plugin)
		if !ok || len(p.Spec) == 0 {
			continue
		}
		wrapped := fmt.Appendf(nil, `{"apiVersion":%q,"plugin":%q,"spec":%s}`, config.APIVersion, p.Plugin, p.Spec)
		es.Merge(config.Index("spec.policies", i), schema.Validate(def, wrapped))
	}
	return es.Err()
}
