package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wasmward/wasmward/plugins/ratelimit"
	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/shared/policy"
	"github.com/wasmward/wasmward/tools/genconfigs/gen"
)

// TestGeneratedFilesUpToDate fails when envoy/, nginx/ or examples/policy-tests/ differ from
// what the plugins' testdata generates: run `go run ./tools/genconfigs` and commit the result.
func TestGeneratedFilesUpToDate(t *testing.T) {
	root := harness.RepoRoot()
	files, err := gen.Files(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range gen.Sorted(files) {
		got, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(path)))
		switch {
		case os.IsNotExist(err):
			t.Errorf("%s is missing: run go run ./tools/genconfigs", path)
		case err != nil:
			t.Error(err)
		case !bytes.Equal(got, files[path]):
			t.Errorf("%s is out of date: run go run ./tools/genconfigs", path)
		}
	}
	stale, err := gen.Stale(root, files)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range stale {
		t.Errorf("%s is no longer generated: run go run ./tools/genconfigs (it removes it)", path)
	}
}

// TestEveryPluginIsCovered: each plugin with valid configs has a per-plugin Envoy config, an
// nginx config and an Istio manifest.
func TestEveryPluginIsCovered(t *testing.T) {
	root := harness.RepoRoot()
	plugins, err := gen.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	files, err := gen.Files(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range plugins {
		for _, want := range []string{
			"envoy/" + p.Def.Name + "/" + p.Preferred.Name + ".yaml",
			"nginx/" + p.Def.Name + "/" + p.Preferred.Name + ".conf",
			"envoy/istio/" + p.Def.Name + ".yaml",
		} {
			if _, ok := files[want]; !ok {
				t.Errorf("%s not generated", want)
			}
		}
	}
}

func TestNginxQuote(t *testing.T) {
	for in, want := range map[string]string{
		`{"a":"b"}`:      `'{"a":"b"}'`,
		`{"re":"\\d+"}`:  `'{"re":"\\\\d+"}'`,
		`{"msg":"it's"}`: `'{"msg":"it\'s"}'`,
	} {
		if got := gen.NginxQuote(in); got != want {
			t.Errorf("NginxQuote(%s) = %s, want %s", in, got, want)
		}
	}
}

// TestShmKVZoneFitsSharedData: every generated nginx conf's shm_kv zone holds the shared data of
// the ratelimit configs it runs (ProxyNeeds.SharedDataBytes, summed by NginxConf.Render through
// ShmKVZone), so ngx_wasm_module never evicts their slots (docs/ratelimit.md "Sizing the shm_kv
// zone"); a config without shared data keeps the default zone; the default keys.max with bans,
// 5.2 MB, gets a zone of its own size.
func TestShmKVZoneFitsSharedData(t *testing.T) {
	mib := func(zone string) int {
		n, err := strconv.Atoi(strings.TrimSuffix(zone, "m"))
		if err != nil {
			t.Fatalf("zone %q: %v", zone, err)
		}
		return n << 20
	}
	plugins, err := gen.Load(harness.RepoRoot())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range plugins {
		for _, c := range p.Configs {
			needs, err := gen.ProxyNeedsOf(p.Def.Name, c)
			if err != nil {
				t.Fatalf("%s: %v", c.Path, err)
			}
			zone := gen.ShmKVZone(needs.SharedDataBytes)
			if needs.SharedDataBytes+gen.ShmKVOthers > mib(zone) {
				t.Errorf("%s needs %d bytes of shm_kv zone, its generated conf gives %s", c.Path, needs.SharedDataBytes, zone)
			}
			if (p.Def.Name == "ratelimit" || p.Def.Name == "chain") && strings.Contains(string(c.Data), `"keys"`) && needs.SharedDataBytes == 0 {
				t.Errorf("%s: a ratelimit config with keys reports no shared data", c.Path)
			}
		}
	}
	for _, tc := range []struct {
		need int
		zone string
	}{
		{0, gen.ShmKVSize},
		{15001 * ratelimit.ZoneBytesPerSlot, "4m"}, // full.json: keys.max 7,500, limits and bans
		{20001 * ratelimit.ZoneBytesPerSlot, "6m"}, // the default keys.max 10,000, limits and bans
		{4<<20 - gen.ShmKVOthers + 1, "5m"},
	} {
		if got := gen.ShmKVZone(tc.need); got != tc.zone {
			t.Errorf("ShmKVZone(%d) = %s, want %s", tc.need, got, tc.zone)
		}
	}
	p, err := ratelimit.Parse([]byte(`{
		"limits": [{"id": "per-ip", "descriptor": [{"key": "remote_address", "type": "sourceIP"}],
			"bucket": {"capacity": 100, "fillInterval": "1s", "tokensPerFill": 10}}],
		"bans": [{"id": "scanners", "descriptor": [{"key": "remote_address", "type": "sourceIP"}],
			"statusClasses": ["4xx"], "threshold": 50, "window": "1m", "duration": "1h"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if need := p.(policy.ProxyNeeder).ProxyNeeds().SharedDataBytes; need != 20001*ratelimit.ZoneBytesPerSlot {
		t.Errorf("default keys.max with bans: SharedDataBytes = %d, want %d", need, 20001*ratelimit.ZoneBytesPerSlot)
	}
}
