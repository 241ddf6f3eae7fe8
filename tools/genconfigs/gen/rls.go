package gen

import (
	"fmt"
	"path/filepath"
	"slices"

	"github.com/wasmward/wasmward/plugins/ratelimit"
)

// Cluster-wide rate limits (ratelimit's backend "rls"): the examples under RLSExampleDir get an
// Envoy bootstrap (envoy/ratelimit/rls/<name>.yaml), an nginx config
// (nginx/ratelimit/rls/<name>.conf) and the rate limit service's config generated from the same
// plugin config (RLSServiceDir/<name>.yaml, ratelimit.ServiceConfig). They are not testdata/valid
// configs: every request of theirs waits for the service, which the case-file soaks do not run.
const (
	RLSExampleDir = "plugins/ratelimit/testdata/rls"
	RLSServiceDir = "ratelimit-service"
	// RLSCluster is the callout cluster the examples name; Envoy's cluster and nginx's host:port
	// point at RLSHost:RLSPort (the service's HTTP port; its JSON endpoint is POST /json).
	RLSCluster = "ratelimit"
	RLSHost    = "ratelimit"
	RLSPort    = 8080
)

// calloutTarget is where a generated config's callout cluster points.
func calloutTarget(cluster string) (string, int) {
	if cluster == RLSCluster {
		return RLSHost, RLSPort
	}
	return JWKSHost, JWKSPort
}

func rlsFiles(root string, out map[string][]byte) error {
	paths, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(RLSExampleDir), "*.json"))
	if err != nil {
		return err
	}
	slices.Sort(paths)
	def, _ := Lookup("ratelimit")
	for _, path := range paths {
		c, err := loadConfig(root, def, path)
		if err != nil {
			return err
		}
		b, err := marshal(c.Path, envoyBootstrap([]filterSpec{{"ratelimit", c}}))
		if err != nil {
			return err
		}
		out["envoy/ratelimit/rls/"+c.Name+".yaml"] = b
		nf, err := NginxFilterFor("ratelimit", c)
		if err != nil {
			return err
		}
		target := fmt.Sprintf("%s:%d", RLSHost, RLSPort)
		nf.Config = WithCallouts(c, target)
		conf := NginxConf{Note: c.Path, WasmDir: WasmDir, Upstream: fmt.Sprintf("%s:%d", UpstreamHost, UpstreamPort),
			Wasm:    []string{"resolver 127.0.0.11 valid=30s; # Docker's DNS, for callouts to " + target},
			Servers: []NginxServer{{Listen: fmt.Sprint(NginxPort), Filters: []NginxFilter{nf}}}}
		out["nginx/ratelimit/rls/"+c.Name+".conf"] = conf.Render()
		svc, err := ratelimit.ServiceConfig(c.Data)
		if err != nil {
			return fmt.Errorf("%s: %w", c.Path, err)
		}
		out[RLSServiceDir+"/"+c.Name+".yaml"] = append(fmt.Appendf(nil, generatedNote,
			c.Path+" (the rate limit service's config: put it in its runtime config directory)"), svc...)
	}
	return nil
}
