package gen

import (
	"github.com/goccy/go-yaml"

	"github.com/wasmward/wasmward/shared/identity"
)

// ImageRegistry is where the Istio manifests pull the images `wasmward pack`/`push` publish.
// Replace it with your registry (docs/deploy.md).
const ImageRegistry = "registry.example.com/wasmward"

// istioPhase places each plugin in Istio's filter chain: phase, then priority (higher first)
// within the phase, reproducing the full chain's order.
var istioPhase = map[string]struct {
	phase    string
	priority int
}{
	"jwtauthn":  {"AUTHN", 100},
	"chain":     {"AUTHN", 100},
	"rbac":      {"AUTHZ", 30},
	"ratelimit": {"AUTHZ", 20},
	"sanitize":  {"AUTHZ", 10},
}

// wasmPlugin is the Istio WasmPlugin pulling the plugin's compat image with cfg as pluginConfig.
func wasmPlugin(plugin string, cfg Config) (mapping, error) {
	var pluginConfig yaml.MapSlice
	if err := yaml.UnmarshalWithOptions(cfg.Data, &pluginConfig, yaml.UseOrderedMap()); err != nil {
		return nil, err
	}
	place, ok := istioPhase[plugin]
	if !ok {
		place.phase = "UNSPECIFIED_PHASE"
	}
	fail := "FAIL_CLOSE"
	if cfg.Env.FailOpen() {
		fail = "FAIL_OPEN"
	}
	_, envs := scan(cfg.Env.Spec)
	env := []mapping{m("name", identity.KeyEnv, "valueFrom", "HOST")}
	for _, e := range envs {
		if e != identity.KeyEnv {
			env = append(env, m("name", e, "valueFrom", "HOST"))
		}
	}
	spec := m(
		"selector", m("matchLabels", m("istio", "ingressgateway")),
		"url", "oci://"+ImageRegistry+"/"+plugin+":latest",
		"imagePullPolicy", "IfNotPresent",
		"phase", place.phase,
	)
	if place.priority != 0 {
		spec = append(spec, item{Key: "priority", Value: place.priority})
	}
	spec = append(spec, m(
		"failStrategy", fail,
		"vmConfig", m("env", env),
		"pluginConfig", pluginConfig,
	)...)
	return m(
		"apiVersion", "extensions.istio.io/v1alpha1",
		"kind", "WasmPlugin",
		"metadata", m("name", "wasmward-"+plugin, "namespace", "istio-system"),
		"spec", spec,
	), nil
}

// istioFiles generates envoy/istio/<plugin>.yaml (preferred config) for every plugin, and
// envoy/istio/full-chain.yaml: the full chain's plugins as one multi-document file.
func istioFiles(plugins []Plugin, out map[string][]byte) error {
	for _, p := range plugins {
		doc, err := wasmPlugin(p.Def.Name, p.Preferred)
		if err != nil {
			return err
		}
		b, err := marshal(p.Preferred.Path, doc)
		if err != nil {
			return err
		}
		out["envoy/istio/"+p.Def.Name+".yaml"] = b
	}
	var all []byte
	for i, p := range fullChain(plugins) {
		doc, err := wasmPlugin(p.Def.Name, p.Preferred)
		if err != nil {
			return err
		}
		b, err := marshal(p.Preferred.Path, doc)
		if err != nil {
			return err
		}
		if i > 0 {
			all = append(all, "---\n"...)
		}
		all = append(all, b...)
	}
	out["envoy/istio/full-chain.yaml"] = all
	return nil
}
