package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

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
