package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	_ "unsafe" // go:linkname, see exportHostABI

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// The strict host runs a plugin .wasm the way the least forgiving production hosts do, which
// proxytest's wasm host does not:
//
//   - its WASI poll_oneoff and sched_yield return ENOTSUP, as in stock ngx_wasm_module (and Envoy
//     before 1.39). A Go module that ever armed a runtime timer (crypto/rand, time.Sleep,
//     time.After, tickers, context timeouts) calls poll_oneoff at its next garbage collection and
//     traps there;
//   - the host functions a HostProfile lists trap, and the profile's other gaps are enforced
//     (a pause in the response-headers phase is ignored, a local reply from the response phase
//     is recorded as a violation: on nginx the client would hang);
//   - every context is deleted after use (proxy_on_delete), as Envoy and nginx do, so the guest
//     heap holds only live state.
//
// Every host call is recorded per callback (StrictStats.Calls), so a test can list what a plugin
// asks of the host in each phase.
//
// proxytest builds its wazero runtime inside NewWasmVMContext with the permissive WASI and no
// hook to replace it, so this file builds the runtime itself and borrows proxytest's host ABI
// (the "env" module, which forwards to the emulator the tests drive) through go:linkname.

// HostProfile names a real host's gaps for the strict host.
type HostProfile struct {
	// Name labels the profile in test names and reports.
	Name string
	// Nginx makes the host look like ngx_wasm_module: no plugin_vm_id property (the glue's
	// host detection), and the Absent properties missing.
	Nginx bool
	// Absent lists properties ("connection/uri_san_peer_certificate") the host never has: a
	// test request setting them is served without them.
	Absent []string
	// Trapping lists "env" host functions that trap when called.
	Trapping []string
	// IgnoresResponsePause makes a Pause returned from on_response_headers act as Continue.
	IgnoresResponsePause bool
	// NoResponseLocalReply records a local reply sent during a response callback as a violation.
	NoResponseLocalReply bool
}

// Host profiles the strict host enforces. Each profile's WASI lacks poll_oneoff and sched_yield.
var (
	// OldEnvoy is Envoy before 1.39: all of proxy-wasm, a WASI without poll_oneoff.
	OldEnvoy = HostProfile{Name: "envoy-1.33"}
	// Nginx is stock ngx_wasm_module with an shm_kv zone: the gaps measured on nginx 1.27.4 with
	// Wasmtime 25 (see nginx/README.md).
	Nginx = HostProfile{
		Name:                 "nginx",
		Nginx:                true,
		Absent:               peerCertificateProperties,
		Trapping:             []string{"proxy_done", "proxy_close_stream", "proxy_get_log_level", "proxy_dispatch_grpc_call", "proxy_grpc_call", "proxy_grpc_stream", "proxy_grpc_send", "proxy_grpc_cancel", "proxy_grpc_close", "proxy_register_shared_queue", "proxy_resolve_shared_queue", "proxy_enqueue_shared_queue", "proxy_dequeue_shared_queue"},
		IgnoresResponsePause: true,
		NoResponseLocalReply: true,
	}
	// NginxNoSharedMemory is Nginx without an shm_kv zone: shared data traps too.
	NginxNoSharedMemory = func() HostProfile {
		p := Nginx
		p.Name = "nginx-no-shm"
		p.Trapping = append(slices.Clone(Nginx.Trapping), "proxy_get_shared_data", "proxy_set_shared_data")
		return p
	}()
)

// peerCertificateProperties are Envoy's mTLS peer properties, absent on ngx_wasm_module.
var peerCertificateProperties = []string{
	"connection/uri_san_peer_certificate", "connection/dns_san_peer_certificate",
	"connection/subject_peer_certificate", "connection/sha256_peer_certificate_digest",
}

// StrictStats is what the strict host saw a module do.
type StrictStats struct {
	// PollOneoff and SchedYield count the WASI calls that returned ENOTSUP (each one a trap).
	PollOneoff, SchedYield int
	// RandomGet lists the guest stacks (innermost function first) of WASI random_get calls made
	// after the module's initialisation: crypto/rand and friends, which arm a runtime timer, and
	// whose randomness is predictable on ngx_wasm_module.
	RandomGet []string
	// Traps lists the guest traps, each with the callback it happened in.
	Traps []string
	// Violations lists what the profile forbids but the host could not make a trap.
	Violations []string
	// Calls counts host function calls per callback ("proxy_on_request_headers" →
	// "proxy_get_header_map_pairs" → n).
	Calls map[string]map[string]int
}

// CallList renders Calls one line per callback: "callback: call, call, ...".
func (s *StrictStats) CallList() []string {
	var out []string
	for cb, calls := range s.Calls {
		names := make([]string, 0, len(calls))
		for n := range calls {
			names = append(names, n)
		}
		sort.Strings(names)
		out = append(out, cb+": "+strings.Join(names, ", "))
	}
	sort.Strings(out)
	return out
}

// errTrap is the panic a trapping host function raises; wazero turns it into a call error.
var errTrap = errors.New("strict host: trap")

const wasiENOTSUP = 58 // WASI errno "not supported"

// strictVM is a types.VMContext running one module instance in the strict host.
type strictVM struct {
	profile  HostProfile
	runtime  wazero.Runtime
	mod      api.Module
	ctx      context.Context
	trapping map[string]bool

	mu       sync.Mutex // guards stats and callback (the host is single-threaded; tests read stats)
	stats    StrictStats
	callback string // the guest export running now, for Calls
}

//go:linkname exportHostABI github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/proxytest.exportHostABI
func exportHostABI(ctx context.Context, r wazero.Runtime) error

//go:linkname withPluginContextID github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/proxytest.withPluginContextID
func withPluginContextID(ctx context.Context, id uint32) context.Context

// newStrictVM compiles and instantiates bin in a strict host with profile.
func newStrictVM(bin []byte, profile HostProfile) (*strictVM, error) {
	vm := &strictVM{profile: profile, trapping: map[string]bool{},
		stats: StrictStats{Calls: map[string]map[string]int{}}}
	for _, name := range profile.Trapping {
		vm.trapping[name] = true
	}
	ctx := experimental.WithFunctionListenerFactory(context.Background(), vm)
	r := wazero.NewRuntime(ctx)
	wasi := r.NewHostModuleBuilder(wasi_snapshot_preview1.ModuleName)
	wasi_snapshot_preview1.NewFunctionExporter().ExportFunctions(wasi)
	wasi.NewFunctionBuilder().WithFunc(func(context.Context, uint32, uint32, uint32, uint32) uint32 {
		vm.note(func(s *StrictStats) { s.PollOneoff++ })
		return wasiENOTSUP
	}).Export("poll_oneoff")
	wasi.NewFunctionBuilder().WithFunc(func(context.Context) uint32 {
		vm.note(func(s *StrictStats) { s.SchedYield++ })
		return wasiENOTSUP
	}).Export("sched_yield")
	if _, err := wasi.Instantiate(ctx); err != nil {
		return nil, err
	}
	if err := exportHostABI(ctx, r); err != nil {
		return nil, err
	}
	compiled, err := r.CompileModule(ctx, bin)
	if err != nil {
		return nil, err
	}
	// A plain writer, not *os.File: wazero would report the test process's stderr flags, and a
	// non-blocking descriptor makes the guest's os package start its poller, which no real
	// host's stdio does.
	cfg := wazero.NewModuleConfig().WithStartFunctions("_initialize").
		WithStdout(stdioWriter{}).WithStderr(stdioWriter{})
	if vm.mod, err = r.InstantiateModule(ctx, compiled, cfg); err != nil {
		return nil, err
	}
	vm.runtime, vm.ctx = r, ctx
	return vm, nil
}

func (vm *strictVM) note(f func(*StrictStats)) {
	vm.mu.Lock()
	defer vm.mu.Unlock()
	f(&vm.stats)
}

// trapped reports whether the instance trapped: it then takes no more calls.
func (vm *strictVM) trapped() bool {
	vm.mu.Lock()
	defer vm.mu.Unlock()
	return len(vm.stats.Traps) > 0
}

// Stats returns a copy of what the host saw so far.
func (vm *strictVM) Stats() StrictStats {
	vm.mu.Lock()
	defer vm.mu.Unlock()
	s := vm.stats
	s.Traps, s.Violations = slices.Clone(s.Traps), slices.Clone(s.Violations)
	s.Calls = map[string]map[string]int{}
	for cb, calls := range vm.stats.Calls {
		s.Calls[cb] = map[string]int{}
		for n, c := range calls {
			s.Calls[cb][n] = c
		}
	}
	return s
}

// NewFunctionListener implements experimental.FunctionListenerFactory: it listens to the host
// ABI's functions only, so guest code runs at full speed.
func (vm *strictVM) NewFunctionListener(def api.FunctionDefinition) experimental.FunctionListener {
	if def.ModuleName() == wasi_snapshot_preview1.ModuleName && def.Name() == "random_get" {
		return experimental.FunctionListenerFunc(vm.noteRandom)
	}
	if def.ModuleName() != "env" || def.GoFunction() == nil {
		return nil
	}
	return experimental.FunctionListenerFunc(func(ctx context.Context, _ api.Module, def api.FunctionDefinition, _ []uint64, _ experimental.StackIterator) {
		name := def.Name()
		vm.note(func(s *StrictStats) {
			calls := s.Calls[vm.callback]
			if calls == nil {
				calls = map[string]int{}
				s.Calls[vm.callback] = calls
			}
			calls[name]++
			if name == "proxy_send_local_response" && vm.profile.NoResponseLocalReply && strings.HasPrefix(vm.callback, "proxy_on_response") {
				s.Violations = append(s.Violations, vm.callback+": local reply from the response phase")
			}
		})
		if vm.trapping[name] {
			panic(fmt.Errorf("%w: %s is not implemented by %s", errTrap, name, vm.profile.Name))
		}
	})
}

// noteRandom records the guest stack of a random_get call made by a callback.
func (vm *strictVM) noteRandom(_ context.Context, _ api.Module, _ api.FunctionDefinition, _ []uint64, stack experimental.StackIterator) {
	var frames []string
	for stack.Next() && len(frames) < 12 {
		frames = append(frames, stack.Function().Definition().DebugName())
	}
	vm.note(func(s *StrictStats) {
		if vm.callback != "" {
			s.RandomGet = append(s.RandomGet, vm.callback+": "+strings.Join(frames, " < "))
		}
	})
}

// call runs a guest export. A trap is recorded and returned as a panic, as proxytest does:
// the emulator has no other way to report it.
func (vm *strictVM) call(name string, params ...uint64) uint64 {
	vm.note(func(s *StrictStats) { vm.callback = name })
	res, err := vm.mod.ExportedFunction(name).Call(vm.ctx, params...)
	if err != nil {
		vm.note(func(s *StrictStats) { s.Traps = append(s.Traps, name+": "+err.Error()) })
		panic(fmt.Errorf("%w in %s: %v", errTrap, name, err))
	}
	if len(res) == 0 {
		return 0
	}
	return res[0]
}

func (vm *strictVM) callIn(ctx context.Context, name string, params ...uint64) uint64 {
	saved := vm.ctx
	vm.ctx = ctx
	defer func() { vm.ctx = saved }()
	return vm.call(name, params...)
}

func (vm *strictVM) OnVMStart(size int) types.OnVMStartStatus {
	return vm.call("proxy_on_vm_start", 0, uint64(size)) == 1
}

func (vm *strictVM) NewPluginContext(id uint32) types.PluginContext {
	vm.call("proxy_on_context_create", uint64(id), 0)
	return &strictPlugin{vm: vm, id: uint64(id), ctx: withPluginContextID(vm.ctx, id)}
}

// Close releases the runtime.
func (vm *strictVM) Close() error { return vm.runtime.Close(vm.ctx) }

type strictPlugin struct {
	types.DefaultPluginContext
	vm  *strictVM
	id  uint64
	ctx context.Context
}

func (p *strictPlugin) OnPluginStart(size int) types.OnPluginStartStatus {
	return p.vm.callIn(p.ctx, "proxy_on_configure", p.id, uint64(size)) == 1
}

func (p *strictPlugin) OnTick() { p.vm.callIn(p.ctx, "proxy_on_tick", p.id) }

func (p *strictPlugin) NewHttpContext(id uint32) types.HttpContext {
	p.vm.callIn(p.ctx, "proxy_on_context_create", uint64(id), p.id)
	return &strictStream{p: p, id: uint64(id)}
}

// close deletes the plugin context in the guest, as a host does when its configuration goes.
func (p *strictPlugin) close() { p.vm.callIn(p.ctx, "proxy_on_delete", p.id) }

type strictStream struct {
	p  *strictPlugin
	id uint64
}

func (s *strictStream) call(name string, params ...uint64) types.Action {
	return types.Action(s.p.vm.callIn(s.p.ctx, name, append([]uint64{s.id}, params...)...))
}

func (s *strictStream) OnHttpRequestHeaders(n int, end bool) types.Action {
	return s.call("proxy_on_request_headers", uint64(n), wasmBool(end))
}

func (s *strictStream) OnHttpRequestBody(n int, end bool) types.Action {
	return s.call("proxy_on_request_body", uint64(n), wasmBool(end))
}

func (s *strictStream) OnHttpRequestTrailers(n int) types.Action {
	return s.call("proxy_on_request_trailers", uint64(n))
}

func (s *strictStream) OnHttpResponseHeaders(n int, end bool) types.Action {
	a := s.call("proxy_on_response_headers", uint64(n), wasmBool(end))
	if a == types.ActionPause && s.p.vm.profile.IgnoresResponsePause {
		return types.ActionContinue
	}
	return a
}

func (s *strictStream) OnHttpResponseBody(n int, end bool) types.Action {
	return s.call("proxy_on_response_body", uint64(n), wasmBool(end))
}

func (s *strictStream) OnHttpResponseTrailers(n int) types.Action {
	return s.call("proxy_on_response_trailers", uint64(n))
}

// OnHttpStreamDone logs and then deletes the stream, as Envoy and nginx do.
func (s *strictStream) OnHttpStreamDone() {
	s.call("proxy_on_log")
	s.p.vm.callIn(s.p.ctx, "proxy_on_delete", s.id)
}

// stdioWriter forwards the guest's stdout and stderr to the test's stderr.
type stdioWriter struct{}

func (stdioWriter) Write(p []byte) (int, error) { return os.Stderr.Write(p) }

func wasmBool(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// strictVMs caches a strict VM per (path, profile): compiling takes seconds.
var strictVMs = map[string]*strictVM{}

// strictVMFor returns the cached strict VM for the module at path under profile, compiling it on
// first use.
func strictVMFor(path string, profile HostProfile, fresh bool) (*strictVM, error) {
	vmMu.Lock()
	defer vmMu.Unlock()
	key := path + "\x00" + profile.Name
	if vm, ok := strictVMs[key]; ok && !fresh {
		return vm, nil
	}
	bin, err := readModule(path)
	if err != nil {
		return nil, err
	}
	vm, err := newStrictVM(bin, profile)
	if err != nil {
		return nil, fmt.Errorf("harness: load %s in the strict host: %w", path, err)
	}
	if !fresh {
		strictVMs[key] = vm
	}
	return vm, nil
}
