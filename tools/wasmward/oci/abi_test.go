package oci

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestCheckModule(t *testing.T) {
	for _, tc := range []struct {
		name string
		bin  []byte
		want error
	}{
		{"empty file", nil, ErrNotWasm},
		{"text", []byte("hello"), ErrNotWasm},
		{"wasm version 2", []byte{0, 'a', 's', 'm', 2, 0, 0, 0}, ErrNotWasm},
		{"truncated section", []byte{0, 'a', 's', 'm', 1, 0, 0, 0, 1, 9}, ErrNotWasm},
		{"no exports", []byte{0, 'a', 's', 'm', 1, 0, 0, 0}, ErrNotProxyWasm},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := CheckModule(tc.bin); !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestCheckModuleFindsTheABI(t *testing.T) {
	bin, err := os.ReadFile(filepath.Join("..", "..", "..", "dist", "passthrough.wasm"))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip("dist/passthrough.wasm not built (run make build)")
	}
	abis, err := CheckModule(bin)
	if err != nil || len(abis) == 0 || !slices.ContainsFunc(abis, func(v string) bool { return v[:2] == "0_" }) {
		t.Errorf("abis %v, err %v", abis, err)
	}
}
