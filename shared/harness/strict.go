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
	_ "unsafe" // go:linkname, see withPluginContextID

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/wasmward/wasmward/shared/identity"
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
//   - (as in the Wasm mode) every stream context is deleted after its log callback
//     (proxy_on_delete), as Envoy and nginx do, so the guest heap holds only live state.
//
// Every host call is recorded per callback (StrictStats.Calls), so a test can list what a plugin
// asks of the host in each phase.
//
// proxytest builds its wazero runtime inside NewWasmVMContext with the permissive WASI and no
// hook to replace it, so this file builds the runtime itself, with the harness's host ABI (the
// "env" module, which forwards to the emulator the tests drive; see wasmhost.go).

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
	// GaugeIncrementTraps: proxy_increment_metric on a gauge traps ("metric not a counter").
	GaugeIncrementTraps bool
	// NoisyProperties are answered with an error or alert line in the host's log ("route_name
	// property not supported", "NYI - plugin_vm_id property"): each read is a violation.
	NoisyProperties []string
	// RefusedProperties ("wasmward.identity") are answered NotFound to every get and set, whatever
	// the emulator holds: ngx_wasm_module keeps no property outside ngx.*, wasmx.* and the Envoy
	// attributes of its table (ngx_proxy_wasm_properties.c, 3bed2783), so a filter cannot hand
	// another one a property there. A test request's value for one is what an earlier filter
	// handed off: Host.Do delivers it the way such a host can (see handOffRefused).
	RefusedProperties []string
	// StartCrashProperties crash the worker when read while the plugin starts: a trap.
	StartCrashProperties []string
	// HeadersPauseHangs: a request paused in on_request_headers resumes only after an HTTP
	// callout; without one the client waits forever (Host.Do reports it and a violation).
	HeadersPauseHangs bool
	// RefusedStartIsFatal: a plugin whose on_configure fails makes its worker exit for good, and
	// nginx is left without workers: a violation.
	RefusedStartIsFatal bool
	// MaxConfigBytes is the longest plugin configuration the host's config file accepts (nginx:
	// one directive argument); NewHost refuses longer ones. 0: no limit.
	MaxConfigBytes int
	// RemovedRequestHeadersForwarded: removing a request header only marks it, and the upstream
	// still receives it with its old value (a replace after a remove adds a second value); a
	// replace marks every later duplicate, which the upstream receives too. A header left empty
	// reaches the upstream empty unless the location re-sets it from its variable (the generated
	// configs do for what a policy edits, policy.ProxyNeeds; Options.BareLocation: none).
	RemovedRequestHeadersForwarded bool
	// DecodesPath: the plugin's :path is the host's own URI (percent-decoded, slashes merged, dot
	// segments resolved; see nginxuri.go) and the raw target is the property request.path; the
	// host answers 400 itself for a path it cannot resolve and 405 for TRACE. A :path set without
	// a query keeps the old query. The upstream gets the URI re-escaped.
	DecodesPath bool
	// LocalReplyNewline: the host appends a newline to a local reply's non-empty body.
	LocalReplyNewline bool
	// AddressWithoutPort: source.address is the bare IP (nginx's $remote_addr), not ip:port.
	AddressWithoutPort bool
	// TickCalloutTraps: an HTTP callout dispatched from on_tick crashes the worker (a TLS one,
	// on ngx_wasm_module 3bed2783: SIGSEGV); the strict host traps on any.
	TickCalloutTraps bool
	// SharedDataKeyedByCRC32: the shared-data store finds a key by its CRC-32 alone
	// (ngx_wasm_module 3bed2783, src/common/shm/ngx_wa_shm_kv.c: the rbtree is keyed by
	// ngx_crc32_long of the key and the key's bytes are never compared), so two keys with the
	// same CRC-32 are one entry: a get of one reads the other's value and CAS, a set of one
	// replaces the other's. The strict host answers shared data so in wasm mode.
	SharedDataKeyedByCRC32 bool
	// MetricDefinedWhileServing: a metric defined outside the plugin's start whose name that start
	// did not define is a violation. ngx_wasm_module (3bed2783, src/common/metrics/ngx_wa_metrics.c)
	// inserts a new metric into its zone's tree under the zone's lock but increments without it,
	// so a worker incrementing while another inserts can miss its metric and trap its request
	// ("could not increment metric id ...: metric not found", one 500): a module must define
	// every metric it can use before its worker serves (policy.OutcomeLister). The names a start
	// defined count for that plugin context only, as if its configuration ran alone.
	MetricDefinedWhileServing bool
	// RequestHeadersGoneInResponse: in a response callback the request's headers are an empty
	// list (proxy_get_header_map_pairs) and none is found by name. Envoy lets go of them once
	// on_request_headers lets the request go on (Context::decodeHeaders sets request_headers_ to
	// nullptr, and getHeaderMapPairs answers an empty list for it), as the proxy-wasm spec
	// allows: request headers are readable in on_request_headers (and while it holds the
	// request) and in on_log. ngx_wasm_module still answers them (TestHeaderFreeBanOnNginx).
	RequestHeadersGoneInResponse bool
}

// Host profiles the strict host enforces. Each profile's WASI lacks poll_oneoff and sched_yield.
var (
	// OldEnvoy is Envoy before 1.39: all of proxy-wasm, a WASI without poll_oneoff.
	OldEnvoy = HostProfile{Name: "envoy-1.33", RequestHeadersGoneInResponse: true}
	// Nginx is stock ngx_wasm_module with an shm_kv zone: the gaps measured on nginx 1.27.4 with
	// Wasmtime 25 (see nginx/README.md).
	// Each field is a behaviour measured in the real host (shared/harness/nginx_profile_test.go
	// reproduces each; e2e/nginx checks the emulator against it).
	Nginx = HostProfile{
		Name:                 "nginx",
		Nginx:                true,
		Absent:               peerCertificateProperties,
		Trapping:             []string{"proxy_done", "proxy_close_stream", "proxy_get_log_level", "proxy_dispatch_grpc_call", "proxy_grpc_call", "proxy_grpc_stream", "proxy_grpc_send", "proxy_grpc_cancel", "proxy_grpc_close", "proxy_register_shared_queue", "proxy_resolve_shared_queue", "proxy_enqueue_shared_queue", "proxy_dequeue_shared_queue"},
		IgnoresResponsePause: true,
		NoResponseLocalReply: true,
		GaugeIncrementTraps:  true,
		NoisyProperties: append([]string{"plugin_vm_id", "node", "cluster_name", "cluster_metadata", "listener_direction",
			"listener_metadata", "route_name", "route_metadata", "upstream_host_metadata"}, peerCertificateProperties...),
		StartCrashProperties:           []string{"plugin_name"},
		RefusedProperties:              []string{identity.PropertyName},
		HeadersPauseHangs:              true,
		RefusedStartIsFatal:            true,
		MaxConfigBytes:                 4096 - 2, // the argument's quotes count
		RemovedRequestHeadersForwarded: true,
		DecodesPath:                    true,
		LocalReplyNewline:              true,
		AddressWithoutPort:             true,
		TickCalloutTraps:               true,
		SharedDataKeyedByCRC32:         true,
		MetricDefinedWhileServing:      true,
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

// stream is what the strict host tracks of the request being served.
type stream struct {
	removed  []string // request headers removed, in order
	replaced []string // request headers replaced, in order
	callouts int      // HTTP callouts dispatched
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

	mu        sync.Mutex // guards stats and callback (the host is single-threaded; tests read stats)
	stats     StrictStats
	callback  string          // the guest export running now, for Calls
	gauges    map[uint32]bool // metric ids of gauges
	gaugeIDAt uint32          // where the gauge being defined gets its id
	stream    stream
	exports   map[string]api.Function // the guest's exports called so far, looked up once
	// started are the metric names the last plugin start defined, and those reported since
	// (MetricDefinedWhileServing).
	started map[string]bool
}

//go:linkname withPluginContextID github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/proxytest.withPluginContextID
func withPluginContextID(ctx context.Context, id uint32) context.Context

// newStrictVM compiles and instantiates bin in a strict host with profile.
func newStrictVM(bin []byte, profile HostProfile) (*strictVM, error) {
	vm := &strictVM{profile: profile, trapping: map[string]bool{}, gauges: map[uint32]bool{}, exports: map[string]api.Function{},
		started: map[string]bool{},
		stats:   StrictStats{Calls: map[string]map[string]int{}}}
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
	var requestHeadersGone func() bool
	if profile.RequestHeadersGoneInResponse {
		requestHeadersGone = func() bool {
			vm.mu.Lock()
			defer vm.mu.Unlock()
			return strings.HasPrefix(vm.callback, "proxy_on_response")
		}
	}
	if err := exportEnv(ctx, r, profile.RefusedProperties, profile.SharedDataKeyedByCRC32, requestHeadersGone); err != nil {
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
		WithStdout(stdioWriter{}).WithStderr(stdioWriter{}).
		WithWalltime(guestWalltime, 1)
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
	return hostCall{vm}
}

// hostCall listens to the host ABI's calls: it counts them per callback and enforces the
// profile's rules.
type hostCall struct{ vm *strictVM }

func (l hostCall) Before(ctx context.Context, mod api.Module, def api.FunctionDefinition, params []uint64, _ experimental.StackIterator) {
	vm, name := l.vm, def.Name()
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
	switch name {
	case "proxy_increment_metric":
		if vm.profile.GaugeIncrementTraps && vm.gauges[uint32(params[0])] {
			panic(fmt.Errorf("%w: %s: metric not a counter (a gauge incremented)", errTrap, vm.profile.Name))
		}
	case "proxy_get_property":
		vm.checkProperty(readPath(mod, params[0], params[1]))
	case "proxy_remove_header_map_value", "proxy_replace_header_map_value":
		if uint32(params[0]) == mapRequestHeaders {
			key := strings.ToLower(readString(mod, params[1], params[2]))
			vm.note(func(*StrictStats) {
				if name == "proxy_remove_header_map_value" {
					vm.stream.removed = append(vm.stream.removed, key)
				} else {
					vm.stream.replaced = append(vm.stream.replaced, key)
				}
			})
		}
	case "proxy_http_call":
		if vm.profile.TickCalloutTraps && vm.callback == "proxy_on_tick" {
			panic(fmt.Errorf("%w: %s: an HTTP callout from on_tick crashes the worker", errTrap, vm.profile.Name))
		}
		vm.note(func(*StrictStats) { vm.stream.callouts++ })
	case "proxy_define_metric":
		if uint32(params[0]) == metricGauge {
			vm.gaugeIDAt = uint32(params[3])
		}
		if vm.profile.MetricDefinedWhileServing {
			vm.noteDefinition(readString(mod, params[1], params[2]))
		}
	}
}

// After records the id of each gauge defined (proxy_define_metric writes it to the address its
// Before saw), for GaugeIncrementTraps.
func (l hostCall) After(_ context.Context, mod api.Module, def api.FunctionDefinition, _ []uint64) {
	if def.Name() != "proxy_define_metric" || l.vm.gaugeIDAt == 0 {
		return
	}
	if id, ok := mod.Memory().ReadUint32Le(l.vm.gaugeIDAt); ok {
		l.vm.gauges[id] = true
	}
	l.vm.gaugeIDAt = 0
}

func (hostCall) Abort(context.Context, api.Module, api.FunctionDefinition, error) {}

// ABI constants the listener decodes (proxy-wasm ABI 0.2.1).
const (
	mapRequestHeaders = 0
	metricGauge       = 1
	statusNotFound    = 1 // a host call's result "not found" (ngx_wasm_module's NGX_PROXY_WASM_RESULT_NOT_FOUND)
)

// noteDefinition enforces MetricDefinedWhileServing for a metric definition.
func (vm *strictVM) noteDefinition(name string) {
	vm.note(func(s *StrictStats) {
		if vm.started[name] {
			return
		}
		vm.started[name] = true
		if vm.callback != "proxy_on_configure" && vm.callback != "proxy_on_vm_start" {
			s.Violations = append(s.Violations, vm.callback+": defines metric "+name+" while serving: "+
				"another worker's increment can then miss its metric and trap")
		}
	})
}

// checkProperty enforces NoisyProperties and StartCrashProperties for a property read.
func (vm *strictVM) checkProperty(path string) {
	if slices.Contains(vm.profile.StartCrashProperties, path) && (vm.callback == "proxy_on_configure" || vm.callback == "proxy_on_vm_start") {
		panic(fmt.Errorf("%w: %s: reading %q while starting crashes the worker", errTrap, vm.profile.Name, path))
	}
	if slices.Contains(vm.profile.NoisyProperties, path) {
		vm.note(func(s *StrictStats) {
			s.Violations = append(s.Violations, vm.callback+": reads "+path+", which this host answers with an error line in its log")
		})
	}
}

// readPath reads a property path from guest memory: segments separated by NUL, returned joined
// by "/" as HostProfile lists them.
func readPath(mod api.Module, ptr, size uint64) string {
	return strings.ReplaceAll(readString(mod, ptr, size), "\x00", "/")
}

func readString(mod api.Module, ptr, size uint64) string {
	b, _ := mod.Memory().Read(uint32(ptr), uint32(size))
	return string(b)
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
	f, ok := vm.exports[name]
	if !ok {
		f = vm.mod.ExportedFunction(name)
		vm.exports[name] = f
	}
	res, err := f.Call(vm.ctx, params...)
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

// beginStream forgets the previous request's stream state.
func (vm *strictVM) beginStream() { vm.note(func(*StrictStats) { vm.stream = stream{} }) }

// streamState returns what the host saw of the current request so far.
func (vm *strictVM) streamState() stream {
	vm.mu.Lock()
	defer vm.mu.Unlock()
	return stream{removed: slices.Clone(vm.stream.removed), replaced: slices.Clone(vm.stream.replaced), callouts: vm.stream.callouts}
}

// violate records a violation the harness found (not a host call).
func (vm *strictVM) violate(v string) {
	vm.note(func(s *StrictStats) { s.Violations = append(s.Violations, v) })
}

type strictPlugin struct {
	types.DefaultPluginContext
	vm  *strictVM
	id  uint64
	ctx context.Context
}

func (p *strictPlugin) OnPluginStart(size int) types.OnPluginStartStatus {
	p.vm.note(func(*StrictStats) { p.vm.started = map[string]bool{} })
	ok := p.vm.callIn(p.ctx, "proxy_on_configure", p.id, uint64(size)) == 1
	if !ok && p.vm.profile.RefusedStartIsFatal {
		p.vm.note(func(s *StrictStats) {
			s.Violations = append(s.Violations, "proxy_on_configure failed: the worker exits for good and nginx is left without workers")
		})
	}
	return types.OnPluginStartStatus(ok)
}

func (p *strictPlugin) OnTick() { p.vm.callIn(p.ctx, "proxy_on_tick", p.id) }

func (p *strictPlugin) NewHttpContext(id uint32) types.HttpContext {
	p.vm.callIn(p.ctx, "proxy_on_context_create", uint64(id), p.id)
	return &strictStream{guestStream: guestStream{p: p, id: uint64(id)}, p: p}
}

// close deletes the plugin context in the guest, as a host does when its configuration goes.
func (p *strictPlugin) close() { p.vm.callIn(p.ctx, "proxy_on_delete", p.id) }

// strictStream is a guest stream as the profile's host runs it: a pause of the response headers
// may be ignored, and the stream is deleted after its log callback.
type strictStream struct {
	guestStream
	p *strictPlugin
}

// callGuest implements streamCaller.
func (p *strictPlugin) callGuest(name string, params ...uint64) uint64 {
	return p.vm.callIn(p.ctx, name, params...)
}

func (s *strictStream) OnHttpResponseHeaders(n int, end bool) types.Action {
	a := s.guestStream.OnHttpResponseHeaders(n, end)
	if a == types.ActionPause && s.p.vm.profile.IgnoresResponsePause {
		return types.ActionContinue
	}
	return a
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
