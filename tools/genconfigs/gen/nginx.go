package gen

import (
	"fmt"
	"strings"

	"github.com/wasmward/wasmward/shared/identity"
)

// nginx settings of the generated ngx_wasm_module configs.
const (
	NginxPort = 9000
	// ShmKVSize backs proxy-wasm shared data ("*": every key namespace); without an shm_kv zone
	// ngx_wasm_module has no shared data (the calls trap), so each config declares it with
	// host.sharedData.
	ShmKVSize = "4m"
)

// NginxQuote renders s as an nginx single-quoted string: nginx unescapes \\ and \' inside quotes.
func NginxQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// nginxConf is a whole nginx.conf running the modules in order on one location.
func nginxConf(source string, filters []filterSpec) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, generatedNote, source)
	b.WriteString("# Kong ngx_wasm_module; see nginx/README.md for what this host lacks.\n")
	fmt.Fprintf(&b, "env %s;\n", identity.KeyEnv)
	seen := map[string]bool{identity.KeyEnv: true}
	for _, f := range filters {
		_, envs := scan(f.cfg.Env.Spec)
		for _, e := range envs {
			if !seen[e] {
				seen[e] = true
				fmt.Fprintf(&b, "env %s;\n", e)
			}
		}
	}
	b.WriteString("\nevents {}\n\nwasm {\n")
	for _, f := range filters {
		fmt.Fprintf(&b, "    module %s %s/%s.wasm;\n", f.plugin, WasmDir, f.plugin)
	}
	fmt.Fprintf(&b, "    shm_kv * %s;\n}\n\n", ShmKVSize)
	b.WriteString("http {\n")
	fmt.Fprintf(&b, "    upstream app {\n        server %s:%d;\n    }\n\n", UpstreamHost, UpstreamPort)
	fmt.Fprintf(&b, "    server {\n        listen %d;\n\n        location / {\n", NginxPort)
	for _, f := range filters {
		fmt.Fprintf(&b, "            proxy_wasm %s %s;\n", f.plugin, NginxQuote(withSharedData(f.cfg)))
	}
	b.WriteString("            proxy_pass http://app;\n        }\n    }\n}\n")
	return []byte(b.String())
}

// withSharedData is the config as one line, declaring (host.sharedData) the shm_kv zone every
// generated nginx.conf has: ngx_wasm_module cannot be probed for it without trapping.
func withSharedData(c Config) string {
	compact := c.Compact()
	if c.Env == nil || c.Env.Host.SharedData || !strings.HasPrefix(compact, "{") {
		return compact
	}
	return `{"host":{"sharedData":true},` + compact[1:]
}

// nginxFiles generates nginx/<plugin>/<config>.conf for every valid config and the full chain,
// as separate filters (nginx/full-chain.conf) and in one VM (nginx/full-chain-onevm.conf).
func nginxFiles(plugins []Plugin, out map[string][]byte) {
	for _, p := range plugins {
		for _, c := range p.Configs {
			out["nginx/"+p.Def.Name+"/"+c.Name+".conf"] = nginxConf(c.Path, []filterSpec{{p.Def.Name, c}})
		}
	}
	chainPlugins := fullChain(plugins)
	var filters []filterSpec
	var sources string
	for _, p := range chainPlugins {
		filters = append(filters, filterSpec{p.Def.Name, p.Preferred})
		sources += " " + p.Preferred.Path
	}
	out["nginx/full-chain.conf"] = nginxConf("the full chain:"+sources, filters)
	out["nginx/full-chain-onevm.conf"] = nginxConf("the full chain in one VM (plugins/chain):"+sources,
		[]filterSpec{{"chain", chainConfig(chainPlugins)}})
}
