// Command floor is the smallest Go proxy-wasm filter: the SDK with empty VM, plugin and HTTP
// contexts, built like every plugin (dist/test/floor.wasm, Makefile WASM_BUILD). bench-nginx
// runs it as a row of its own: what ngx_wasm_module and the Go runtime cost per request before
// any wasmward code runs, the floor under the pass-through plugin. For tests only.
package main

import (
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

func init() { proxywasm.SetVMContext(&vm{}) }

func main() {}

type vm struct{ types.DefaultVMContext }

func (*vm) NewPluginContext(uint32) types.PluginContext { return &plugin{} }

type plugin struct{ types.DefaultPluginContext }

func (*plugin) NewHttpContext(uint32) types.HttpContext { return &types.DefaultHttpContext{} }
