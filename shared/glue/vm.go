package glue

import (
	"time"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/policy"
)

// Main makes def the plugin of this Wasm VM. Call it from an init function in main.go.
func Main(def policy.Definition) {
	proxywasm.SetVMContext(NewVM(def))
}

// NewVM returns the VM context serving def. Tests pass it to proxytest.
func NewVM(def policy.Definition) types.VMContext {
	return &vmContext{def: def, clock: hostClock}
}

// Headless test hosts (proxytest) cannot give a VM environment variables, nor a native one
// (proxytest running the glue as Go, not Wasm) a clock tests drive. A VM configured with
// {"testHost": true} therefore reads environment variables from the properties
// TestEnvProperty+name, before the process environment, and the time as testClock reads it: in a
// native build from the property TestClockProperty (Unix nanoseconds, 8 bytes little-endian); in
// Wasm from the WASI wall clock, as on a real host, which the test host sets (shared/harness gives
// wazero its clock). Production VM configurations never set testHost; properties are set by the
// host, never by clients.
var (
	TestClockProperty = []string{"wasmward_test_clock"}
	TestEnvProperty   = "wasmward_test_env"
)

type vmContext struct {
	types.DefaultVMContext
	def      policy.Definition
	clock    func() time.Time
	testHost bool
}

// vmConfig is the VM-wide configuration (vm_config.configuration); all fields optional.
type vmConfig struct {
	TestHost bool `json:"testHost,omitempty"`
}

func (vm *vmContext) OnVMStart(size int) types.OnVMStartStatus {
	if size == 0 {
		return types.OnVMStartStatusOK
	}
	data, err := proxywasm.GetVMConfiguration()
	if err != nil {
		proxywasm.LogCriticalf("wasmward %s: refusing to start: cannot read VM configuration: %v", vm.def.Name, err)
		return types.OnVMStartStatusFailed
	}
	var cfg vmConfig
	if err := config.DecodeStrict(data, &cfg); err != nil {
		proxywasm.LogCriticalf("wasmward %s: refusing to start: VM configuration: %v", vm.def.Name, err)
		return types.OnVMStartStatusFailed
	}
	if cfg.TestHost {
		vm.testHost, vm.clock = true, testClock
	}
	return types.OnVMStartStatusOK
}

func (vm *vmContext) NewPluginContext(id uint32) types.PluginContext {
	return newPluginContext(vm)
}
