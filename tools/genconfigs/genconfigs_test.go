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

// TestRatelimitFitsShmKV: every generated nginx conf's shm_kv zone (gen.ShmKVSize) holds the
// shared data of the ratelimit configs it runs, so ngx_wasm_module never evicts their slots
// (docs/ratelimit.md "Sizing the shm_kv zone").
func TestRatelimitFitsShmKV(t *testing.T) {
	mib, err := strconv.Atoi(strings.TrimSuffix(gen.ShmKVSize, "m"))
	if err != nil {
		t.Fatalf("gen.ShmKVSize %q: %v", gen.ShmKVSize, err)
	}
	plugins, err := gen.Load(harness.RepoRoot())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range plugins {
		if p.Def.Name != "ratelimit" {
			continue
		}
		for _, c := range p.Configs {
			parsed, err := ratelimit.Parse(c.Env.Spec)
			if err != nil {
				t.Fatalf("%s: %v", c.Path, err)
			}
			core, ok := parsed.(*ratelimit.Policy)
			if !ok {
				core = parsed.(ratelimit.BanningPolicy).Policy
			}
			if need := core.ZoneBytes(); need > mib<<20 {
				t.Errorf("%s needs %d bytes of shm_kv zone, the generated confs give %s: lower keys.max", c.Path, need, gen.ShmKVSize)
			}
		}
	}
}
