package main

import (
	"bytes"
	"io"
	"log"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/wasmward/wasmward/tools/wasmward/oci"
)

// emptyModule is a valid WebAssembly module with no exports at all.
var emptyModule = []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}

// TestPackPushPull packs dist/passthrough.wasm in both formats, as a layout directory and as a tar
// archive, pushes each to an in-process registry, pulls it back and checks digests, media types
// and the module bytes.
func TestPackPushPull(t *testing.T) {
	skipWithoutWasm(t, "passthrough")
	module := filepath.Join("..", "..", "dist", "passthrough.wasm")
	bin, err := os.ReadFile(module)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)

	for _, tc := range []struct {
		format            oci.Format
		layer, configType types.MediaType
	}{
		{oci.FormatCompat, oci.CompatLayerType, oci.CompatConfigType},
		{oci.FormatWasm, oci.WasmLayerType, oci.WasmConfigType},
	} {
		for _, out := range []string{"layout", "layout.tar"} {
			t.Run(string(tc.format)+"/"+out, func(t *testing.T) {
				out := filepath.Join(t.TempDir(), out)
				if code, _, errOut := runCLI("pack", "-format", string(tc.format), "-tag", "v1", "-o", out, module); code != exitOK {
					t.Fatalf("pack: exit %d: %s", code, errOut)
				}
				images, cleanup, err := oci.ReadLayout(out)
				if err != nil {
					t.Fatal(err)
				}
				defer cleanup()
				if len(images) != 1 || images[0].Ref != "passthrough:v1" {
					t.Fatalf("layout holds %+v", images)
				}
				packed, _ := images[0].Image.Digest()

				ref := u.Host + "/wasmward/passthrough:" + string(tc.format)
				code, stdout, errOut := runCLI("push", "-insecure", out, ref)
				if code != exitOK {
					t.Fatalf("push: exit %d: %s", code, errOut)
				}
				if !strings.Contains(stdout, packed.String()) {
					t.Errorf("push printed %q, want the digest %s", stdout, packed)
				}

				r, _ := name.ParseReference(ref, name.Insecure)
				pulled, err := remote.Image(r)
				if err != nil {
					t.Fatal(err)
				}
				if d, _ := pulled.Digest(); d != packed {
					t.Errorf("pulled digest %s, packed %s", d, packed)
				}
				m, err := pulled.Manifest()
				if err != nil {
					t.Fatal(err)
				}
				if m.MediaType != types.OCIManifestSchema1 || m.Config.MediaType != tc.configType {
					t.Errorf("manifest %s, config %s", m.MediaType, m.Config.MediaType)
				}
				if len(m.Layers) != 1 || m.Layers[0].MediaType != tc.layer {
					t.Fatalf("layers %+v, want one %s", m.Layers, tc.layer)
				}
				layers, _ := pulled.Layers()
				rc, err := layers[0].Compressed()
				if err != nil {
					t.Fatal(err)
				}
				got, _ := io.ReadAll(rc)
				rc.Close()
				if !bytes.Equal(got, bin) {
					t.Error("pulled layer differs from the module")
				}
			})
		}
	}
}

// TestPushModuleDirectly pushes a .wasm without a layout.
func TestPushModuleDirectly(t *testing.T) {
	skipWithoutWasm(t, "passthrough")
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	ref := u.Host + "/wasmward/passthrough:direct"
	if code, _, errOut := runCLI("push", "-insecure", "-format", "wasm", filepath.Join("..", "..", "dist", "passthrough.wasm"), ref); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r, _ := name.ParseReference(ref, name.Insecure)
	if _, err := remote.Head(r); err != nil {
		t.Fatal(err)
	}
}

// TestPackRefusesBadModules: a non-Wasm file or a module without the proxy-wasm ABI exports is a
// clear error, and nothing is written, even when other modules in the same call are good.
func TestPackRefusesBadModules(t *testing.T) {
	dir := t.TempDir()
	notWasm := filepath.Join(dir, "notes.wasm")
	noABI := filepath.Join(dir, "plain.wasm")
	os.WriteFile(notWasm, []byte("#!/bin/sh\necho hi\n"), 0o644)
	os.WriteFile(noABI, emptyModule, 0o644)
	for _, tc := range []struct{ name, module, want string }{
		{"not wasm", notWasm, "not a WebAssembly module"},
		{"truncated wasm", writeFile(t, dir, "cut.wasm", append(append([]byte{}, emptyModule...), 0x07, 0x05)), "not a WebAssembly module"},
		{"no proxy-wasm exports", noABI, "not a proxy-wasm module: missing exports proxy_on_vm_start, proxy_on_context_create, proxy_abi_version_*"},
	} {
		for _, out := range []string{"out", "out.tar"} {
			t.Run(tc.name+"/"+out, func(t *testing.T) {
				out := filepath.Join(dir, out)
				code, _, errOut := runCLI("pack", "-o", out, tc.module)
				if code != exitInvalid || !strings.Contains(errOut, tc.want) {
					t.Errorf("exit %d, stderr %q; want exit 1 saying %q", code, errOut, tc.want)
				}
				if _, err := os.Stat(out); !os.IsNotExist(err) {
					t.Errorf("%s was written", out)
				}
			})
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("pack left files behind: %v", entries)
	}
}

func TestPackUsage(t *testing.T) {
	for _, args := range [][]string{
		{"pack"},
		{"pack", "x.wasm"},
		{"pack", "-format", "docker", "-o", "out", "x.wasm"},
		{"push", "x.wasm"},
	} {
		if code, _, _ := runCLI(args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
