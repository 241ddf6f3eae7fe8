package gen

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/identity"
	"github.com/wasmward/wasmward/shared/policy"
)

// nginx settings of the generated ngx_wasm_module configs.
const (
	NginxPort = 9000
	// ShmKVSize backs proxy-wasm shared data ("*": every key namespace); without an shm_kv zone
	// ngx_wasm_module has no shared data (the calls trap), so each config declares it with
	// host.sharedData. It is the smallest zone a generated config declares: one whose filters'
	// shared data needs more gets that, rounded up to MiB (ShmKVZone).
	ShmKVSize = "4m"
	// ShmKVOthers is what ShmKVZone adds to the filters' SharedDataBytes for the shared data
	// no policy reports (JWKS caches, the identity key): a few KiB in all.
	ShmKVOthers = 64 << 10
	// NginxMaxArgument is nginx's limit on one directive argument ("too long parameter"): a
	// longer plugin config is passed through an environment variable (NginxConfigEnv).
	NginxMaxArgument = 4096
	// MinBodyBuffer is the smallest client_body_buffer_size a generated location sets: nginx's
	// own default (16k on 64-bit) would spill bodies the plugins read to a temp file.
	MinBodyBuffer = 1 << 20
)

// NginxQuote renders s as an nginx single-quoted string: nginx unescapes \\ and \' inside quotes.
func NginxQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// NginxConfigEnv is the environment variable carrying a plugin config when it is too long for
// an nginx argument ("env:" + this name is then the proxy_wasm argument; glue.EnvConfigPrefix):
// WASMWARD_CONFIG_<PLUGIN>_<CONFIG NAME>.
func NginxConfigEnv(plugin string, c Config) string {
	name := strings.ToUpper(plugin + "_" + c.Name)
	return "WASMWARD_CONFIG_" + strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, name)
}

// NginxConf is one nginx.conf running wasmward plugins on ngx_wasm_module: the generated example
// files and the real-host e2e render through it, so both run what is documented.
type NginxConf struct {
	Note     string   // the generated-from line's source
	Main     []string // extra top-level directives (the e2e's pid, error_log, worker_processes)
	HTTP     []string // extra http-level directives
	Wasm     []string // extra wasm-block directives (the e2e's Wasmtime compilation cache)
	WasmDir  string   // where the .wasm modules are
	Upstream string   // host:port of the upstream
	ShmKV    string   // the shm_kv zone's size; empty: ShmKVSize
	Servers  []NginxServer
}

// NginxServer is one server block with one location running the filters in order.
type NginxServer struct {
	Listen  string
	Filters []NginxFilter
	// BodyBuffer overrides the body buffer size the filters need (tests of a body nginx keeps
	// in a temp file).
	BodyBuffer int
}

// NginxFilter is one proxy_wasm line: the plugin's module and its config.
type NginxFilter struct {
	Plugin string
	Config Config
	// Needs is what the config asks of nginx (body buffering, re-set headers); see ProxyNeedsOf.
	Needs policy.ProxyNeeds
	// Module is the .wasm file when it is not WasmDir/<Plugin>.wasm (bench-nginx's test modules).
	Module string
}

// NginxFilterFor builds the filter for a config, reading its needs.
func NginxFilterFor(plugin string, c Config) (NginxFilter, error) {
	needs, err := ProxyNeedsOf(plugin, c)
	return NginxFilter{Plugin: plugin, Config: c, Needs: needs}, err
}

// ProxyNeedsOf parses c and returns what its policy needs of the proxy (policy.ProxyNeeder).
func ProxyNeedsOf(plugin string, c Config) (policy.ProxyNeeds, error) {
	def, ok := Lookup(plugin)
	if !ok {
		return policy.ProxyNeeds{}, fmt.Errorf("unknown plugin %q", plugin)
	}
	_, pol, err := config.Load(c.Data, plugin, def.Parse)
	if err != nil {
		return policy.ProxyNeeds{}, fmt.Errorf("%s: %w", c.Path, err)
	}
	if pn, ok := pol.(policy.ProxyNeeder); ok {
		return pn.ProxyNeeds(), nil
	}
	return policy.ProxyNeeds{}, nil
}

// NginxCallouts is where the generated nginx examples send callouts: ngx_wasm_module connects
// to a callout's cluster argument itself, so a cluster name becomes this host:port (the e2e
// JWKS server, resolved by the wasm block's resolver).
var NginxCallouts = fmt.Sprintf("%s:%d", JWKSHost, UpstreamPort)

// WithCallouts returns c with every callout cluster pointed at addr.
func WithCallouts(c Config, addr string) Config {
	clusters, _ := scan(c.Data)
	data := string(c.Data)
	for _, name := range clusters {
		for _, sep := range []string{`":"`, `": "`} {
			data = strings.ReplaceAll(data, `"cluster`+sep+name+`"`, `"cluster`+sep+addr+`"`)
		}
	}
	c.Data = []byte(data)
	return c
}

// NginxArgument is the proxy_wasm argument for c: the config as one line declaring the host
// (host.kind nginx, host.sharedData for the shm_kv zone every generated conf has), or
// "env:<variable>" when that line is longer than nginx accepts. long reports the latter.
func NginxArgument(plugin string, c Config) (arg, line string, long bool) {
	line = string(config.ForNginx(c.Data))
	if len(NginxQuote(line)) > NginxMaxArgument {
		return "env:" + NginxConfigEnv(plugin, c), line, true
	}
	return line, line, false
}

// ShmKVZone is the shm_kv zone size for filters whose shared data takes need bytes in all:
// ShmKVSize, or need plus ShmKVOthers rounded up to MiB when that is more. A smaller zone would
// evict rate-limit slots, silently resetting their buckets and bans (docs/ratelimit.md).
func ShmKVZone(need int) string {
	floor, _ := strconv.Atoi(strings.TrimSuffix(ShmKVSize, "m"))
	return strconv.Itoa(max(floor, (need+ShmKVOthers+1<<20-1)>>20)) + "m"
}

// Render writes the whole nginx.conf.
func (n NginxConf) Render() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, generatedNote, n.Note)
	b.WriteString("# Kong ngx_wasm_module; see nginx/README.md for what this host lacks and needs.\n")
	for _, line := range n.Main {
		b.WriteString(line + "\n")
	}
	env := []string{identity.KeyEnv}
	var modules []string
	files := map[string]string{}
	for _, s := range n.Servers {
		for _, f := range s.Filters {
			_, envs := scan(f.Config.Env.Spec)
			env = append(env, envs...)
			if _, _, long := NginxArgument(f.Plugin, f.Config); long {
				env = append(env, NginxConfigEnv(f.Plugin, f.Config))
			}
			modules = append(modules, f.Plugin)
			if f.Module != "" {
				files[f.Plugin] = f.Module
			}
		}
	}
	for _, e := range uniq(env) {
		fmt.Fprintf(&b, "env %s;\n", e)
	}
	b.WriteString("\nevents {}\n\nwasm {\n")
	for _, m := range uniq(modules) {
		file, ok := files[m]
		if !ok {
			file = n.WasmDir + "/" + m + ".wasm"
		}
		fmt.Fprintf(&b, "    module %s %s;\n", m, file)
	}
	zone := n.ShmKV
	if zone == "" {
		var need int
		for _, s := range n.Servers {
			for _, f := range s.Filters {
				need += f.Needs.SharedDataBytes
			}
		}
		zone = ShmKVZone(need)
	}
	fmt.Fprintf(&b, "    shm_kv * %s;\n", zone)
	for _, line := range n.Wasm {
		b.WriteString("    " + line + "\n")
	}
	b.WriteString("}\n\n")
	b.WriteString("http {\n")
	for _, line := range n.HTTP {
		b.WriteString("    " + line + "\n")
	}
	// keepalive: nginx opens a connection to the upstream per request unless the upstream
	// block keeps some (with HTTP/1.1 and no Connection header, set in each location); on
	// loopback that connect and close was about 70 % of plain nginx's CPU per request
	// (docs/performance.md, "Upstream keepalive").
	fmt.Fprintf(&b, "    upstream app {\n        server %s;\n        keepalive 32;\n    }\n", n.Upstream)
	for _, s := range n.Servers {
		s.render(&b)
	}
	b.WriteString("}\n")
	return []byte(b.String())
}

// render writes one server. Its location:
//   - runs the filters in order (a config too long for an nginx argument comes from its
//     environment variable, named in a comment with the file to export);
//   - buffers request bodies in memory up to the largest body a filter reads (a body nginx keeps
//     in a temp file cannot be read through proxy-wasm; a larger one gets nginx's 413);
//   - re-sets every request header a filter may remove or replace from its variable, which
//     skips the entries ngx_wasm_module removed (proxy_pass alone would still send them), plus
//     Host as the client sent it;
//   - passes with a URI part ("/"), so that nginx sends the path the filters leave in r->uri
//     (a :path rewrite) instead of the client's original request line;
//   - speaks HTTP/1.1 to the upstream without a Connection header, so that the upstream
//     block's keepalive connections are reused.
func (s NginxServer) render(b *strings.Builder) {
	fmt.Fprintf(b, "\n    server {\n        listen %s;\n\n        location / {\n", s.Listen)
	body, respBody := MinBodyBuffer, 0
	headers := []string{identity.HeaderName}
	for _, f := range s.Filters {
		arg, _, long := NginxArgument(f.Plugin, f.Config)
		if long {
			fmt.Fprintf(b, "            # %s: export %s=\"$(cat %s)\" before starting nginx (over %d bytes)\n",
				f.Plugin, NginxConfigEnv(f.Plugin, f.Config), f.Config.Path, NginxMaxArgument)
		}
		fmt.Fprintf(b, "            proxy_wasm %s %s;\n", f.Plugin, NginxQuote(arg))
		body = max(body, f.Needs.MaxRequestBody)
		respBody = max(respBody, f.Needs.MaxResponseBody)
		headers = append(headers, f.Needs.EditedRequestHeaders...)
	}
	buffer := body
	if s.BodyBuffer > 0 {
		buffer = s.BodyBuffer
	}
	fmt.Fprintf(b, "            client_body_buffer_size %d;\n            client_max_body_size %d;\n", buffer, body)
	if respBody > 0 { // buffers for the response bodies a filter reads, in 64 KiB buffers
		fmt.Fprintf(b, "            wasm_response_body_buffers %d 64k;\n", (respBody+64<<10-1)/(64<<10)+1)
	}
	b.WriteString("            proxy_http_version 1.1;\n            proxy_set_header Connection \"\";\n")
	b.WriteString("            proxy_set_header Host $http_host;\n")
	for _, h := range uniq(headers) {
		fmt.Fprintf(b, "            proxy_set_header %s $http_%s;\n", h, strings.ReplaceAll(h, "-", "_"))
	}
	b.WriteString("            proxy_pass http://app/;\n        }\n    }\n")
}

func uniq(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

// exampleNginxConf is a generated example: the filters on one location of port NginxPort,
// modules under WasmDir, the e2e compose upstream.
func exampleNginxConf(source string, filters []filterSpec) ([]byte, error) {
	srv := NginxServer{Listen: fmt.Sprint(NginxPort)}
	for _, f := range filters {
		nf, err := NginxFilterFor(f.plugin, f.cfg)
		if err != nil {
			return nil, err
		}
		srv.Filters = append(srv.Filters, nf)
	}
	conf := NginxConf{Note: source, WasmDir: WasmDir, Upstream: fmt.Sprintf("%s:%d", UpstreamHost, UpstreamPort),
		Servers: []NginxServer{srv}}
	for i, f := range srv.Filters {
		if clusters, _ := scan(f.Config.Env.Spec); len(clusters) > 0 {
			srv.Filters[i].Config = WithCallouts(f.Config, NginxCallouts)
			conf.Wasm = []string{"resolver 127.0.0.11 valid=30s; # Docker's DNS, for callouts to " + NginxCallouts}
		}
	}
	return conf.Render(), nil
}

// nginxFiles generates nginx/<plugin>/<config>.conf for every valid config and the full chain,
// as separate filters (nginx/full-chain.conf) and in one VM (nginx/full-chain-onevm.conf, with
// its config, as the one line its environment variable must hold, in nginx/full-chain-onevm.json:
// it is too long for an nginx argument).
func nginxFiles(plugins []Plugin, out map[string][]byte) error {
	add := func(path, source string, filters []filterSpec) error {
		conf, err := exampleNginxConf(source, filters)
		out[path] = conf
		return err
	}
	for _, p := range plugins {
		for _, c := range p.Configs {
			if err := add("nginx/"+p.Def.Name+"/"+c.Name+".conf", c.Path, []filterSpec{{p.Def.Name, c}}); err != nil {
				return err
			}
		}
	}
	chainPlugins := fullChain(plugins)
	var filters []filterSpec
	var sources string
	for _, p := range chainPlugins {
		filters = append(filters, filterSpec{p.Def.Name, p.Preferred})
		sources += " " + p.Preferred.Path
	}
	if err := add("nginx/full-chain.conf", "the full chain:"+sources, filters); err != nil {
		return err
	}
	onevm := chainConfig(chainPlugins)
	onevm.Path = OneVMConfigPath
	_, line, _ := NginxArgument("chain", WithCallouts(onevm, NginxCallouts))
	out[OneVMConfigPath] = []byte(line + "\n")
	return add("nginx/full-chain-onevm.conf", "the full chain in one VM (plugins/chain):"+sources,
		[]filterSpec{{"chain", onevm}})
}

// OneVMConfigPath is the generated one-VM full chain config.
const OneVMConfigPath = "nginx/full-chain-onevm.json"
