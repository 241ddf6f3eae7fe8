package glue

import (
	"encoding/binary"
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

// Headless test hosts (proxytest) cannot give a wasm module a real clock (wazero's WASI clock is
// fake) or environment variables. A VM configured with {"testHost": true} therefore reads the
// time from the property TestClockProperty (Unix nanoseconds, 8 bytes little-endian: read on
// every request that looks at the clock, it costs about what a host's clock_time_get does) and
// environment variables from the properties TestEnvProperty+name, before the process
// environment. Production VM configurations never set testHost; properties are set by the host,
// never by clients.
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
		vm.testHost, vm.clock = true, propertyClock
	}
	return types.OnVMStartStatusOK
}

func (vm *vmContext) NewPluginContext(id uint32) types.PluginContext {
	return newPluginContext(vm)
}

// testClockPath is TestClockProperty, serialized once (getProperty).
var testClockPath = newPropertyPath(TestClockProperty...)

// propertyClock reads TestClockProperty; it returns the zero time when the property is absent
// or not 8 bytes long.
func propertyClock() time.Time {
	v, ok := getProperty(testClockPath)
	if !ok || len(v) != 8 {
		return time.Time{}
	}
	return time.Unix(0, int64(binary.LittleEndian.Uint64(v)))
}
