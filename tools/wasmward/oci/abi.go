package oci

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tetratelabs/wazero"
)

// Sentinel errors for modules pack refuses, checked with errors.Is.
var (
	// ErrNotWasm: the file is not a WebAssembly binary module.
	ErrNotWasm = errors.New("not a WebAssembly module")
	// ErrNotProxyWasm: the module lacks the proxy-wasm ABI exports a host calls.
	ErrNotProxyWasm = errors.New("not a proxy-wasm module")
)

// wasmMagic is the binary module preamble: "\0asm" and version 1.
var wasmMagic = []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}

// RequiredExports are the functions every proxy-wasm host calls first; a module must export all
// of them and one proxy_abi_version_* marker.
var RequiredExports = []string{"proxy_on_vm_start", "proxy_on_context_create"}

// ABIPrefix starts the export that names the proxy-wasm ABI version a module speaks.
const ABIPrefix = "proxy_abi_version_"

// CheckModule verifies that bin is a valid WebAssembly module exporting the proxy-wasm ABI and
// returns its ABI versions (e.g. "0_2_1"). The module is decoded and validated by wazero's
// compiler (interpreter mode: no machine code is generated), never instantiated.
func CheckModule(bin []byte) ([]string, error) {
	if !bytes.HasPrefix(bin, wasmMagic) {
		return nil, fmt.Errorf("%w: no \\0asm version 1 header", ErrNotWasm)
	}
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer rt.Close(ctx)
	mod, err := rt.CompileModule(ctx, bin)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotWasm, err)
	}
	exports := mod.ExportedFunctions()
	var missing, abis []string
	for _, name := range RequiredExports {
		if _, ok := exports[name]; !ok {
			missing = append(missing, name)
		}
	}
	for name := range exports {
		if v, ok := strings.CutPrefix(name, ABIPrefix); ok {
			abis = append(abis, v)
		}
	}
	if len(abis) == 0 {
		missing = append(missing, ABIPrefix+"*")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: missing exports %s", ErrNotProxyWasm, strings.Join(missing, ", "))
	}
	slices.Sort(abis)
	return abis, nil
}
