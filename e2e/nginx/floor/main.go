// Command floor is the smallest Go proxy-wasm filter: the SDK with empty VM, plugin and HTTP
// contexts, built like every plugin (dist/test/floor.wasm, Makefile WASM_BUILD). bench-nginx
// runs it as a row of its own: what ngx_wasm_module and the Go runtime cost per request before
// any wasmward code runs, the floor under the pass-through plugin. For tests only.
//
// With `"readRequestHeaders":true` in its configuration (any JSON object holding that member,
// as the generated configs write it) its request-headers callback reads the request's header
// list through the SDK and drops it: the floor of a filter that decides on the request's
// headers, which every wasmward policy does (bench-nginx's second floor row).
package main

import (
	"errors"
	"strings"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

func init() { proxywasm.SetVMContext(&vm{}) }

func main() {}

type vm struct{ types.DefaultVMContext }

func (*vm) NewPluginContext(uint32) types.PluginContext { return &plugin{} }

type plugin struct {
	types.DefaultPluginContext
	readHeaders bool
}

// readHeadersMember turns the header read on.
const readHeadersMember = `"readRequestHeaders":true`

func (p *plugin) OnPluginStart(int) types.OnPluginStartStatus {
	cfg, err := proxywasm.GetPluginConfiguration()
	if err != nil && !errors.Is(err, types.ErrorStatusNotFound) {
		proxywasm.LogCriticalf("floor: reading the configuration: %v", err)
		return types.OnPluginStartStatusFailed
	}
	p.readHeaders = strings.Contains(string(cfg), readHeadersMember)
	proxywasm.LogInfof("floor: reads the request headers: %t", p.readHeaders)
	return types.OnPluginStartStatusOK
}

func (p *plugin) NewHttpContext(uint32) types.HttpContext {
	if p.readHeaders {
		return &headerReader{}
	}
	return &types.DefaultHttpContext{}
}

// headerReader reads the request's header list and drops it.
type headerReader struct{ types.DefaultHttpContext }

func (*headerReader) OnHttpRequestHeaders(int, bool) types.Action {
	if _, err := proxywasm.GetHttpRequestHeaders(); err != nil {
		proxywasm.LogErrorf("floor: reading the request headers: %v", err)
	}
	return types.ActionContinue
}
