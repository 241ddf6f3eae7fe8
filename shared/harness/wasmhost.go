package harness

import (
	"bytes"
	"context"
	"fmt"
	"hash/crc32"
	"os"
	"slices"
	"unsafe"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// The wasm hosts of the harness (Wasm and Strict modes) run a module against proxytest's
// emulator, as proxytest's own wasm host (NewWasmVMContext) does, but with a host ABI of their
// own: each "env" function below forwards to the same emulator function proxytest's does
// (go:linkname into the SDK's internal package, where the emulator registers itself), with the
// same copies in and out of guest memory, so the guest sees the same host. Two costs of
// proxytest's version are gone, which were the emulator's and not the plugin's: it called every
// host function through reflection, and every call returning bytes (properties, headers, shared
// data, bodies) looked the guest's allocator up anew (api.Module.ExportedFunction), for which
// wazero builds a new call engine with a stack of its own, allocated and zeroed on each call.
// They made up about half of a request's host-side time in the emulator, more the more host
// calls a plugin makes (docs/performance.md, "Emulator (make bench)").

//go:linkname proxyLog github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/internal.ProxyLog
func proxyLog(level uint32, data *byte, size int32) uint32

//go:linkname proxySetProperty github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/internal.ProxySetProperty
func proxySetProperty(path *byte, pathSize int32, value *byte, valueSize int32) uint32

//go:linkname proxyGetProperty github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/internal.ProxyGetProperty
func proxyGetProperty(path *byte, pathSize int32, ret unsafe.Pointer, retSize *int32) uint32

//go:linkname proxySendLocalResponse github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/internal.ProxySendLocalResponse
func proxySendLocalResponse(status uint32, details *byte, detailsSize int32, body *byte, bodySize int32, headers *byte, headersSize int32, grpcStatus int32) uint32

//go:linkname proxyGetSharedData github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/internal.ProxyGetSharedData
func proxyGetSharedData(key *byte, keySize int32, ret unsafe.Pointer, retSize *int32, retCas *uint32) uint32

//go:linkname proxySetSharedData github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/internal.ProxySetSharedData
func proxySetSharedData(key *byte, keySize int32, value *byte, valueSize int32, cas uint32) uint32

//go:linkname proxyRegisterSharedQueue github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/internal.ProxyRegisterSharedQueue
func proxyRegisterSharedQueue(name *byte, nameSize int32, retID *uint32) uint32

//go:linkname proxyResolveSharedQueue github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/internal.ProxyResolveSharedQueue
func proxyResolveSharedQueue(vmID *byte, vmIDSize int32, name *byte, nameSize int32, retID *uint32) uint32

//go:linkname proxyDequeueSharedQueue github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/internal.ProxyDequeueSharedQueue
func proxyDequeueSharedQueue(queueID uint32, ret unsafe.Pointer, retSize *int32) uint32

//go:linkname proxyEnqueueSharedQueue github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/internal.ProxyEnqueueSharedQueue
func proxyEnqueueSharedQueue(queueID uint32, value *byte, valueSize int32) uint32

//go:linkname proxyGetHeaderMapValue github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/internal.ProxyGetHeaderMapValue
func proxyGetHeaderMapValue(mapType uint32, key *byte, keySize int32, ret unsafe.Pointer, retSize *int32) uint32

//go:linkname proxyAddHeaderMapValue github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/internal.ProxyAddHeaderMapValue
func proxyAddHeaderMapValue(mapType uint32, key *byte, keySize int32, value *byte, valueSize int32) uint32

//go:linkname proxyReplaceHeaderMapValue github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/internal.ProxyReplaceHeaderMapValue
func proxyReplaceHeaderMapValue(mapType uint32, key *byte, keySize int32, value *byte, valueSize int32) uint32

//go:linkname proxyContinueStream github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/internal.ProxyContinueStream
func proxyContinueStream(streamType uint32) uint32

//go:linkname proxyCloseStream github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/internal.ProxyCloseStream
func proxyCloseStream(streamType uint32) uint32

//go:linkname proxyRemoveHeaderMapValue github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/internal.ProxyRemoveHeaderMapValue
func proxyRemoveHeaderMapValue(mapType uint32, key *byte, keySize int32) uint32

//go:linkname proxyGetHeaderMapPairs github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/internal.ProxyGetHeaderMapPairs
func proxyGetHeaderMapPairs(mapType uint32, ret unsafe.Pointer, retSize *int32) uint32

//go:linkname proxySetHeaderMapPairs github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/internal.ProxySetHeaderMapPairs
func proxySetHeaderMapPairs(mapType uint32, data *byte, size int32) uint32

//go:linkname proxyGetBufferBytes github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/internal.ProxyGetBufferBytes
func proxyGetBufferBytes(bufferType uint32, start int32, maxSize int32, ret unsafe.Pointer, retSize *int32) uint32

//go:linkname proxySetBufferBytes github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/internal.ProxySetBufferBytes
func proxySetBufferBytes(bufferType uint32, start int32, maxSize int32, data *byte, size int32) uint32

//go:linkname proxyHttpCall github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/internal.ProxyHttpCall
func proxyHttpCall(upstream *byte, upstreamSize int32, headers *byte, headersSize int32, body *byte, bodySize int32, trailers *byte, trailersSize int32, timeout uint32, calloutID *uint32) uint32

//go:linkname registerHttpCallout github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/internal.RegisterHttpCallout
func registerHttpCallout(calloutID uint32, callback func(numHeaders, bodySize, numTrailers int))

//go:linkname proxyCallForeignFunction github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/internal.ProxyCallForeignFunction
func proxyCallForeignFunction(name *byte, nameSize int32, params *byte, paramsSize int32, ret unsafe.Pointer, retSize *int32) uint32

//go:linkname proxySetTickPeriodMilliseconds github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/internal.ProxySetTickPeriodMilliseconds
func proxySetTickPeriodMilliseconds(period uint32) uint32

//go:linkname proxySetEffectiveContext github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/internal.ProxySetEffectiveContext
func proxySetEffectiveContext(contextID uint32) uint32

//go:linkname proxyDone github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/internal.ProxyDone
func proxyDone() uint32

//go:linkname proxyDefineMetric github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/internal.ProxyDefineMetric
func proxyDefineMetric(metricType uint32, name *byte, nameSize int32, retID *uint32) uint32

//go:linkname proxyIncrementMetric github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/internal.ProxyIncrementMetric
func proxyIncrementMetric(metricID uint32, offset int64) uint32

//go:linkname proxyRecordMetric github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/internal.ProxyRecordMetric
func proxyRecordMetric(metricID uint32, value uint64) uint32

//go:linkname proxyGetMetric github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/internal.ProxyGetMetric
func proxyGetMetric(metricID uint32, ret *uint64) uint32

//go:linkname getPluginContextID github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/proxytest.getPluginContextID
func getPluginContextID(ctx context.Context) uint32

// guestMemory is one host call's view of the calling module.
type guestMemory struct {
	mod api.Module
	env *envHost
}

// ptr is the address of size bytes at off in guest memory, nil when size is 0.
func (g guestMemory) ptr(off, size uint64) *byte {
	if uint32(size) == 0 {
		return nil
	}
	buf, ok := g.mod.Memory().Read(uint32(off), uint32(size))
	mustAccess(ok)
	return &buf[0]
}

// result is where proxytest writes a host call's result (its address, size and, for shared data,
// cas): the env host's, not the host function's locals, which would each be allocated on every
// call (their addresses are passed on). Host functions never run nested: out's call into the
// guest's allocator makes no host call.
type result struct {
	data *byte
	size int32
	cas  uint32
}

// result returns the env host's result, cleared.
func (g guestMemory) result() *result {
	r := &g.env.res
	*r = result{}
	return r
}

// out copies the result's bytes into memory the guest allocates, writes their address and size
// where the guest asked, and clears r (which must not keep proxytest's bytes alive).
func (g guestMemory) out(ctx context.Context, r *result, ptrAt, sizeAt uint64) {
	hostPtr, size := r.data, r.size
	r.data = nil
	if size == 0 {
		return
	}
	stack := g.env.stack[:]
	stack[0] = uint64(size)
	if err := g.env.alloc(g.mod).CallWithStack(ctx, stack); err != nil { // Call would allocate its results
		panic(err)
	}
	at := uint32(stack[0])
	buf, ok := g.mod.Memory().Read(at, uint32(size))
	mustAccess(ok)
	copy(buf, unsafe.Slice(hostPtr, size))
	mustAccess(g.mod.Memory().WriteUint32Le(uint32(ptrAt), at))
	mustAccess(g.mod.Memory().WriteUint32Le(uint32(sizeAt), uint32(size)))
}

func (g guestMemory) u32(at uint64, v uint32) {
	mustAccess(g.mod.Memory().WriteUint32Le(uint32(at), v))
}

func mustAccess(ok bool) {
	if !ok {
		panic("could not access memory")
	}
}

// envHost is the "env" module of one runtime, whose one guest module calls it.
type envHost struct {
	allocFor api.Module
	allocFn  api.Function
	res      result    // see result
	stack    [1]uint64 // the allocator's parameter and result (out)
	// refused are the property paths (segments joined by "/") whose get and set this host
	// answers NotFound (HostProfile.RefusedProperties).
	refused []string
	// byCRC32, when not nil, makes shared data keyed by the key's CRC-32 alone
	// (HostProfile.SharedDataKeyedByCRC32): each CRC-32 seen and the key that first had it,
	// which stands for every key with that CRC-32. Held for the host's life: proxytest keeps
	// the key it is given without copying it.
	byCRC32 map[uint32][]byte
	// requestHeadersGone, when not nil, says whether the request's headers are gone for the
	// callback running now (HostProfile.RequestHeadersGoneInResponse).
	requestHeadersGone func() bool
}

// headersGone reports whether a read of header map mapType finds the map gone.
func (g guestMemory) headersGone(mapType uint64) bool {
	return uint32(mapType) == mapRequestHeaders && g.env.requestHeadersGone != nil && g.env.requestHeadersGone()
}

// emptyMap is a serialized header map without pairs: its count, 0.
var emptyMap [4]byte

// sharedKey is the shared-data key at off as the host stores it: itself, or on a host keyed by
// CRC-32 the first key seen with the same CRC-32.
func (g guestMemory) sharedKey(off, size uint64) (*byte, int32) {
	if g.env.byCRC32 == nil || uint32(size) == 0 {
		return g.ptr(off, size), int32(size)
	}
	key, ok := g.mod.Memory().Read(uint32(off), uint32(size))
	mustAccess(ok)
	sum := crc32.ChecksumIEEE(key)
	first, seen := g.env.byCRC32[sum]
	if !seen {
		first = bytes.Clone(key)
		g.env.byCRC32[sum] = first
	}
	return &first[0], int32(len(first))
}

// refuses reports whether the host answers NotFound for the property path at off.
func (g guestMemory) refuses(off, size uint64) bool {
	return len(g.env.refused) > 0 && slices.Contains(g.env.refused, readPath(g.mod, off, size))
}

// alloc is the guest's allocator, looked up once: its `malloc` export when it has one, else
// proxy_on_memory_allocate, the order in which Envoy (proxy-wasm-cpp-host) and ngx_wasm_module
// look them up. It never runs nested in itself (the guest's allocator calls no host function
// that returns bytes), so one call engine serves.
func (e *envHost) alloc(mod api.Module) api.Function {
	if e.allocFor != mod {
		e.allocFor, e.allocFn = mod, mod.ExportedFunction("malloc")
		if e.allocFn == nil {
			e.allocFn = mod.ExportedFunction("proxy_on_memory_allocate")
		}
	}
	return e.allocFn
}

// hostFunc is one "env" function: its name, its parameter count (all i32, but the i64s listed)
// and its body, which gets the parameters and returns the call's status.
type hostFunc struct {
	name   string
	params int
	i64    []int
	body   func(ctx context.Context, g guestMemory, p []uint64) uint32
}

var i32, i64 = api.ValueTypeI32, api.ValueTypeI64

// exportEnv instantiates the proxy-wasm host ABI (the "env" module) in r; see the file comment.
// The host answers NotFound to a get or set of the refused property paths, and with keysByCRC32
// keys shared data by the key's CRC-32 (HostProfile.SharedDataKeyedByCRC32).
func exportEnv(ctx context.Context, r wazero.Runtime, refused []string, keysByCRC32 bool, requestHeadersGone func() bool) error {
	env := &envHost{refused: refused, requestHeadersGone: requestHeadersGone}
	if keysByCRC32 {
		env.byCRC32 = map[uint32][]byte{}
	}
	b := r.NewHostModuleBuilder("env")
	for _, f := range envFuncs {
		params := make([]api.ValueType, f.params)
		for i := range params {
			params[i] = i32
		}
		for _, i := range f.i64 {
			params[i] = i64
		}
		body := f.body
		b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, mod api.Module, stack []uint64) {
			stack[0] = uint64(body(ctx, guestMemory{mod: mod, env: env}, stack))
		}), params, []api.ValueType{i32}).Export(f.name)
	}
	_, err := b.Instantiate(ctx)
	return err
}

// envFuncs are the host functions proxytest's wasm host exports, each as it does it.
var envFuncs = []hostFunc{
	{"proxy_log", 3, nil, func(_ context.Context, g guestMemory, p []uint64) uint32 {
		return proxyLog(uint32(p[0]), g.ptr(p[1], p[2]), int32(p[2]))
	}},
	{"proxy_set_property", 4, nil, func(_ context.Context, g guestMemory, p []uint64) uint32 {
		if g.refuses(p[0], p[1]) {
			return statusNotFound
		}
		return proxySetProperty(g.ptr(p[0], p[1]), int32(p[1]), g.ptr(p[2], p[3]), int32(p[3]))
	}},
	{"proxy_get_property", 4, nil, func(ctx context.Context, g guestMemory, p []uint64) uint32 {
		if g.refuses(p[0], p[1]) {
			return statusNotFound
		}
		r := g.result()
		ret := proxyGetProperty(g.ptr(p[0], p[1]), int32(p[1]), unsafe.Pointer(&r.data), &r.size)
		g.out(ctx, r, p[2], p[3])
		return ret
	}},
	{"proxy_send_local_response", 8, nil, func(_ context.Context, g guestMemory, p []uint64) uint32 {
		return proxySendLocalResponse(uint32(p[0]), g.ptr(p[1], p[2]), int32(p[2]), g.ptr(p[3], p[4]), int32(p[4]),
			g.ptr(p[5], p[6]), int32(p[6]), int32(p[7]))
	}},
	{"proxy_get_shared_data", 5, nil, func(ctx context.Context, g guestMemory, p []uint64) uint32 {
		r := g.result()
		key, size := g.sharedKey(p[0], p[1])
		ret := proxyGetSharedData(key, size, unsafe.Pointer(&r.data), &r.size, &r.cas)
		g.out(ctx, r, p[2], p[3])
		g.u32(p[4], r.cas)
		return ret
	}},
	{"proxy_set_shared_data", 5, nil, func(_ context.Context, g guestMemory, p []uint64) uint32 {
		key, size := g.sharedKey(p[0], p[1])
		return proxySetSharedData(key, size, g.ptr(p[2], p[3]), int32(p[3]), uint32(p[4]))
	}},
	{"proxy_register_shared_queue", 3, nil, func(_ context.Context, g guestMemory, p []uint64) uint32 {
		var id uint32
		ret := proxyRegisterSharedQueue(g.ptr(p[0], p[1]), int32(p[1]), &id)
		g.u32(p[2], id)
		return ret
	}},
	{"proxy_resolve_shared_queue", 5, nil, func(_ context.Context, g guestMemory, p []uint64) uint32 {
		var id uint32
		ret := proxyResolveSharedQueue(g.ptr(p[0], p[1]), int32(p[1]), g.ptr(p[2], p[3]), int32(p[3]), &id)
		g.u32(p[4], id)
		return ret
	}},
	{"proxy_dequeue_shared_queue", 3, nil, func(ctx context.Context, g guestMemory, p []uint64) uint32 {
		r := g.result()
		ret := proxyDequeueSharedQueue(uint32(p[0]), unsafe.Pointer(&r.data), &r.size)
		g.out(ctx, r, p[1], p[2])
		return ret
	}},
	{"proxy_enqueue_shared_queue", 3, nil, func(_ context.Context, g guestMemory, p []uint64) uint32 {
		return proxyEnqueueSharedQueue(uint32(p[0]), g.ptr(p[1], p[2]), int32(p[2]))
	}},
	{"proxy_get_header_map_value", 5, nil, func(ctx context.Context, g guestMemory, p []uint64) uint32 {
		if g.headersGone(p[0]) {
			return statusNotFound
		}
		r := g.result()
		ret := proxyGetHeaderMapValue(uint32(p[0]), g.ptr(p[1], p[2]), int32(p[2]), unsafe.Pointer(&r.data), &r.size)
		g.out(ctx, r, p[3], p[4])
		return ret
	}},
	{"proxy_add_header_map_value", 5, nil, func(_ context.Context, g guestMemory, p []uint64) uint32 {
		return proxyAddHeaderMapValue(uint32(p[0]), g.ptr(p[1], p[2]), int32(p[2]), g.ptr(p[3], p[4]), int32(p[4]))
	}},
	{"proxy_replace_header_map_value", 5, nil, func(_ context.Context, g guestMemory, p []uint64) uint32 {
		return proxyReplaceHeaderMapValue(uint32(p[0]), g.ptr(p[1], p[2]), int32(p[2]), g.ptr(p[3], p[4]), int32(p[4]))
	}},
	{"proxy_continue_stream", 1, nil, func(_ context.Context, _ guestMemory, p []uint64) uint32 {
		return proxyContinueStream(uint32(p[0]))
	}},
	{"proxy_close_stream", 1, nil, func(_ context.Context, _ guestMemory, p []uint64) uint32 {
		return proxyCloseStream(uint32(p[0]))
	}},
	{"proxy_remove_header_map_value", 3, nil, func(_ context.Context, g guestMemory, p []uint64) uint32 {
		return proxyRemoveHeaderMapValue(uint32(p[0]), g.ptr(p[1], p[2]), int32(p[2]))
	}},
	{"proxy_get_header_map_pairs", 3, nil, func(ctx context.Context, g guestMemory, p []uint64) uint32 {
		r := g.result()
		if g.headersGone(p[0]) {
			r.data, r.size = &emptyMap[0], int32(len(emptyMap))
			g.out(ctx, r, p[1], p[2])
			return 0 // OK
		}
		ret := proxyGetHeaderMapPairs(uint32(p[0]), unsafe.Pointer(&r.data), &r.size)
		g.out(ctx, r, p[1], p[2])
		return ret
	}},
	{"proxy_set_header_map_pairs", 3, nil, func(_ context.Context, g guestMemory, p []uint64) uint32 {
		return proxySetHeaderMapPairs(uint32(p[0]), g.ptr(p[1], p[2]), int32(p[2]))
	}},
	{"proxy_get_buffer_bytes", 5, nil, func(ctx context.Context, g guestMemory, p []uint64) uint32 {
		r := g.result()
		ret := proxyGetBufferBytes(uint32(p[0]), int32(p[1]), int32(p[2]), unsafe.Pointer(&r.data), &r.size)
		g.out(ctx, r, p[3], p[4])
		return ret
	}},
	{"proxy_set_buffer_bytes", 5, nil, func(_ context.Context, g guestMemory, p []uint64) uint32 {
		return proxySetBufferBytes(uint32(p[0]), int32(p[1]), int32(p[2]), g.ptr(p[3], p[4]), int32(p[4]))
	}},
	{"proxy_http_call", 10, nil, func(ctx context.Context, g guestMemory, p []uint64) uint32 {
		var id uint32
		ret := proxyHttpCall(g.ptr(p[0], p[1]), int32(p[1]), g.ptr(p[2], p[3]), int32(p[3]), g.ptr(p[4], p[5]), int32(p[5]),
			g.ptr(p[6], p[7]), int32(p[7]), uint32(p[8]), &id)
		g.u32(p[9], id)
		// The answer comes through a callback, not a lifecycle call: it goes back into the guest.
		mod := g.mod
		registerHttpCallout(id, func(numHeaders, bodySize, numTrailers int) {
			_, err := mod.ExportedFunction("proxy_on_http_call_response").Call(ctx, uint64(getPluginContextID(ctx)),
				uint64(id), uint64(numHeaders), uint64(bodySize), uint64(numTrailers))
			if err != nil {
				panic(err)
			}
		})
		return ret
	}},
	{"proxy_call_foreign_function", 6, nil, func(ctx context.Context, g guestMemory, p []uint64) uint32 {
		r := g.result()
		ret := proxyCallForeignFunction(g.ptr(p[0], p[1]), int32(p[1]), g.ptr(p[2], p[3]), int32(p[3]), unsafe.Pointer(&r.data), &r.size)
		g.out(ctx, r, p[4], p[5])
		return ret
	}},
	{"proxy_set_tick_period_milliseconds", 1, nil, func(_ context.Context, _ guestMemory, p []uint64) uint32 {
		return proxySetTickPeriodMilliseconds(uint32(p[0]))
	}},
	{"proxy_set_effective_context", 1, nil, func(_ context.Context, _ guestMemory, p []uint64) uint32 {
		return proxySetEffectiveContext(uint32(p[0]))
	}},
	{"proxy_done", 0, nil, func(context.Context, guestMemory, []uint64) uint32 { return proxyDone() }},
	{"proxy_define_metric", 4, nil, func(_ context.Context, g guestMemory, p []uint64) uint32 {
		var id uint32
		ret := proxyDefineMetric(uint32(p[0]), g.ptr(p[1], p[2]), int32(p[2]), &id)
		g.u32(p[3], id)
		return ret
	}},
	{"proxy_increment_metric", 2, []int{1}, func(_ context.Context, _ guestMemory, p []uint64) uint32 {
		return proxyIncrementMetric(uint32(p[0]), int64(p[1]))
	}},
	{"proxy_record_metric", 2, []int{1}, func(_ context.Context, _ guestMemory, p []uint64) uint32 {
		return proxyRecordMetric(uint32(p[0]), p[1])
	}},
	{"proxy_get_metric", 2, nil, func(_ context.Context, g guestMemory, p []uint64) uint32 {
		var v uint64
		ret := proxyGetMetric(uint32(p[0]), &v)
		mustAccess(g.mod.Memory().WriteUint64Le(uint32(p[1]), v))
		return ret
	}},
}

// wasmGuest is the Wasm mode's types.VMContext: one module instance in wazero behind exportEnv,
// driven as proxytest's NewWasmVMContext drives it (a permissive WASI), except that each stream
// context is deleted when the stream is over (guestStream.OnHttpStreamDone), as real hosts do and
// proxytest does not.
type wasmGuest struct {
	runtime wazero.Runtime // the module's runtime, for as long as the VM lives (never closed, as proxytest's)
	ctx     context.Context
	calls   map[string]api.Function // the guest's exports, looked up once
}

// newWasmGuest compiles and instantiates bin.
func newWasmGuest(bin []byte) (*wasmGuest, error) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, r); err != nil {
		return nil, err
	}
	if err := exportEnv(ctx, r, nil, false, nil); err != nil {
		return nil, err
	}
	compiled, err := r.CompileModule(ctx, bin)
	if err != nil {
		return nil, err
	}
	cfg := wazero.NewModuleConfig().WithStartFunctions("_initialize", "_start", "main").
		WithStdout(os.Stderr).WithStderr(os.Stderr).
		WithWalltime(guestWalltime, 1)
	mod, err := r.InstantiateModule(ctx, compiled, cfg)
	if err != nil {
		return nil, err
	}
	g := &wasmGuest{runtime: r, ctx: ctx, calls: map[string]api.Function{}}
	for _, name := range guestCallbacks {
		if f := mod.ExportedFunction(name); f != nil {
			g.calls[name] = f
		}
	}
	return g, nil
}

// guestCallbacks are the exports the emulator calls.
var guestCallbacks = []string{"proxy_on_vm_start", "proxy_on_context_create", "proxy_on_configure", "proxy_on_done",
	"proxy_on_queue_ready", "proxy_on_tick", "proxy_on_request_headers", "proxy_on_request_body",
	"proxy_on_request_trailers", "proxy_on_response_headers", "proxy_on_response_body",
	"proxy_on_response_trailers", "proxy_on_log", "proxy_on_delete"}

// call runs a guest export with ctx; a trap panics, as in proxytest (the emulator has no other
// way to report it).
func (g *wasmGuest) call(ctx context.Context, name string, params ...uint64) uint64 {
	f := g.calls[name]
	if f == nil {
		panic(fmt.Errorf("harness: the module does not export %s", name))
	}
	res, err := f.Call(ctx, params...)
	if err != nil {
		panic(err)
	}
	if len(res) == 0 {
		return 0
	}
	return res[0]
}

func (g *wasmGuest) OnVMStart(size int) types.OnVMStartStatus {
	return g.call(g.ctx, "proxy_on_vm_start", 0, uint64(size)) == 1
}

func (g *wasmGuest) NewPluginContext(id uint32) types.PluginContext {
	g.call(g.ctx, "proxy_on_context_create", uint64(id), 0)
	return &wasmPlugin{g: g, id: uint64(id), ctx: withPluginContextID(g.ctx, id)}
}

type wasmPlugin struct {
	g   *wasmGuest
	id  uint64
	ctx context.Context
}

func (p *wasmPlugin) OnPluginStart(size int) types.OnPluginStartStatus {
	return p.g.call(p.ctx, "proxy_on_configure", p.id, uint64(size)) == 1
}

func (p *wasmPlugin) OnPluginDone() bool { return p.g.call(p.ctx, "proxy_on_done", p.id) == 1 }

func (p *wasmPlugin) OnQueueReady(queueID uint32) {
	p.g.call(p.ctx, "proxy_on_queue_ready", p.id, uint64(queueID))
}

func (p *wasmPlugin) OnTick() { p.g.call(p.ctx, "proxy_on_tick", p.id) }

// close deletes the plugin context in the guest, as a host does when its configuration goes.
func (p *wasmPlugin) close() { p.g.call(p.ctx, "proxy_on_delete", p.id) }

func (p *wasmPlugin) NewTcpContext(uint32) types.TcpContext { return nil }

func (p *wasmPlugin) NewHttpContext(id uint32) types.HttpContext {
	p.g.call(p.ctx, "proxy_on_context_create", uint64(id), p.id)
	return &guestStream{p: p, id: uint64(id)}
}

// callGuest implements streamCaller.
func (p *wasmPlugin) callGuest(name string, params ...uint64) uint64 {
	return p.g.call(p.ctx, name, params...)
}

// streamCaller runs a guest export for a stream's plugin context.
type streamCaller interface {
	callGuest(name string, params ...uint64) uint64
}

// guestStream is one HTTP stream in the guest: each callback is the export of the same name,
// called with the stream's id first (Wasm mode; the Strict mode's strictStream adds its host's
// rules).
type guestStream struct {
	p       streamCaller
	id      uint64
	deleted bool // proxy_on_delete was called: the guest knows the context no more
}

func (s *guestStream) call(name string, params ...uint64) types.Action {
	return types.Action(s.p.callGuest(name, append([]uint64{s.id}, params...)...))
}

func (s *guestStream) OnHttpRequestHeaders(n int, end bool) types.Action {
	return s.call("proxy_on_request_headers", uint64(n), wasmBool(end))
}

func (s *guestStream) OnHttpRequestBody(n int, end bool) types.Action {
	return s.call("proxy_on_request_body", uint64(n), wasmBool(end))
}

func (s *guestStream) OnHttpRequestTrailers(n int) types.Action {
	return s.call("proxy_on_request_trailers", uint64(n))
}

func (s *guestStream) OnHttpResponseHeaders(n int, end bool) types.Action {
	return s.call("proxy_on_response_headers", uint64(n), wasmBool(end))
}

func (s *guestStream) OnHttpResponseBody(n int, end bool) types.Action {
	return s.call("proxy_on_response_body", uint64(n), wasmBool(end))
}

func (s *guestStream) OnHttpResponseTrailers(n int) types.Action {
	return s.call("proxy_on_response_trailers", uint64(n))
}

// OnHttpStreamDone logs the stream and deletes its context, as Envoy and nginx do once a
// stream is over: the guest's per-stream state (the SDK's map entries, the glue's request) is
// freed, so the guest heap and its collections are those of a real host.
func (s *guestStream) OnHttpStreamDone() {
	if s.deleted {
		panic(fmt.Sprintf("harness: stream %d ended twice", s.id))
	}
	s.call("proxy_on_log")
	s.call("proxy_on_delete")
	s.deleted = true
}
