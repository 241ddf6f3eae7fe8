package glue

import (
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/wasmward/wasmward/shared/audit"
	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/identity"
	"github.com/wasmward/wasmward/shared/metrics"
	"github.com/wasmward/wasmward/shared/policy"
)

// pluginContext is one plugin configuration on one VM: the parsed envelope, the compiled policy
// and the per-VM caches the glue keeps (metric ids).
type pluginContext struct {
	types.DefaultPluginContext
	def    policy.Definition
	host   *host
	env    *config.Envelope
	policy policy.Policy

	// Optional phases, resolved once at start.
	body       policy.RequestBodyPolicy
	response   policy.ResponsePolicy
	respBody   policy.ResponseBodyPolicy
	ticker     policy.Ticker
	producer   bool
	handoffKey []byte

	counters        map[string]proxywasm.MetricCounter
	lastIdentity    *policy.Identity // see encodeIdentity
	lastEncoded     []byte
	warnedNoHandoff bool
	heap, gc        proxywasm.MetricGauge
	heapName        string // kept alive: see count
	gcName          string
	heapRecorded    int64
	gcRecorded      int64
	streams         uint32
}

func newPluginContext(vm *vmContext) *pluginContext {
	return &pluginContext{
		def:      vm.def,
		host:     &host{plugin: vm.def.Name, vm: vm},
		counters: map[string]proxywasm.MetricCounter{},
	}
}

// OnPluginStart loads the config. Any problem refuses the start with one critical log line that
// names the field; the plugin never runs on defaults it was not given.
func (p *pluginContext) OnPluginStart(size int) (status types.OnPluginStartStatus) {
	defer func() {
		if r := recover(); r != nil {
			p.refuse("internal error while starting: " + panicText(r))
			status = types.OnPluginStartStatusFailed
		}
	}()
	var data []byte
	if size > 0 {
		var err error
		if data, err = proxywasm.GetPluginConfiguration(); err != nil {
			p.refuse("cannot read plugin configuration: " + err.Error())
			return types.OnPluginStartStatusFailed
		}
	}
	env, pol, err := config.Load(data, p.def.Name, p.def.Parse)
	if err != nil {
		p.refuse(err.Error())
		return types.OnPluginStartStatusFailed
	}
	p.env, p.policy = env, pol
	p.host.caps = detectCapabilities(env)
	if key, ok := p.host.Env(identity.KeyEnv); ok {
		if len(key) < identity.MinKeyLen {
			p.refuse(fmt.Sprintf("environment variable %s: must be at least %d bytes", identity.KeyEnv, identity.MinKeyLen))
			return types.OnPluginStartStatusFailed
		}
		p.handoffKey = []byte(key)
	}
	p.body, _ = pol.(policy.RequestBodyPolicy)
	p.response, _ = pol.(policy.ResponsePolicy)
	p.respBody, _ = pol.(policy.ResponseBodyPolicy)
	_, p.producer = pol.(policy.IdentityProducer)
	if s, ok := pol.(policy.Starter); ok {
		if err := s.Start(p.host); err != nil {
			p.refuse(err.Error())
			return types.OnPluginStartStatusFailed
		}
	}
	if t, ok := pol.(policy.Ticker); ok && t.TickPeriod() > 0 {
		p.ticker = t
		if err := proxywasm.SetTickPeriodMilliSeconds(uint32(t.TickPeriod() / time.Millisecond)); err != nil {
			p.refuse("cannot set tick period: " + err.Error())
			return types.OnPluginStartStatusFailed
		}
	}
	p.heapName = metrics.Name(p.def.Name, metrics.HeapMetric)
	p.heap = proxywasm.DefineGaugeMetric(p.heapName)
	p.gcName = metrics.Name(p.def.Name, metrics.GCMetric)
	p.gc = proxywasm.DefineGaugeMetric(p.gcName)
	p.sampleHeap()
	mode := "enforcing"
	if env.Shadow {
		mode = "shadow mode (decisions recorded, never enforced)"
	}
	p.host.Log(policy.LogInfo, "started on "+p.host.caps.Kind+", "+mode+", failure mode "+env.FailureMode)
	if limits := p.limits(); len(limits) > 0 {
		p.host.Log(policy.LogWarn, "cannot fully enforce on "+p.host.caps.Kind+": "+strings.Join(limits, "; "))
	}
	return types.OnPluginStartStatusOK
}

// limits lists what this plugin cannot enforce on the detected host: the policy's own
// (policy.Limited) and the glue's, for response-phase decisions.
func (p *pluginContext) limits() []string {
	var out []string
	if l, ok := p.policy.(policy.Limited); ok {
		out = l.Limits(p.host.caps)
	}
	if !p.host.caps.ResponseReplies && (p.response != nil || p.respBody != nil) {
		out = append(out, "response headers may already be sent when a response-phase rule denies: the body is replaced and the status change asked for, never the upstream body let through")
	}
	return out
}

func (p *pluginContext) refuse(reason string) {
	proxywasm.LogCritical("wasmward " + p.def.Name + ": refusing to start: " + reason)
}

func (p *pluginContext) OnTick() {
	defer func() {
		if r := recover(); r != nil {
			p.host.Log(policy.LogError, "internal error on tick: "+panicText(r))
			p.count("", "tick_panic", metrics.Error)
		}
	}()
	if p.ticker != nil {
		p.ticker.Tick(p.host.Now())
	}
	yieldToRuntime()
}

// yieldToRuntime lets the Go runtime's other goroutines run before control returns to the host.
// In a wasip1 module the host calls in and out on one thread, and the garbage collector's
// background mark workers are goroutines: without a yield they rarely run and the heap grows far
// past its target. Gosched only runs what is runnable; it never sleeps or arms a timer.
func yieldToRuntime() { runtime.Gosched() }

func (p *pluginContext) NewHttpContext(id uint32) types.HttpContext {
	if p.policy == nil { // start failed: hosts should not get here; fail closed if they do
		return &refusingContext{}
	}
	return &httpContext{p: p}
}

// count increments the decision counter for (rule, reason, decision), defining it on first use.
// Metric names stay referenced (map keys) for the VM's life: proxytest's wasm host keeps the
// name's guest memory without copying it, so a name the guest freed would be corrupted there.
// A host that refuses a metric must not fail the request, so its panic is dropped here.
func (p *pluginContext) count(rule, reason, decision string) {
	defer func() { _ = recover() }()
	name := metrics.DecisionName(p.def.Name, rule, reason, decision)
	c, ok := p.counters[name]
	if !ok {
		c = proxywasm.DefineCounterMetric(name)
		p.counters[name] = c
	}
	c.Increment(1)
}

// streamDone samples the VM heap every metrics.HeapSampleEvery streams.
func (p *pluginContext) streamDone() {
	p.streams++
	if p.streams%metrics.HeapSampleEvery == 0 {
		p.sampleHeap()
	}
}

// sampleHeap records the Go heap in use and the garbage collections so far. Envoy's stats are
// process-wide, so each VM adds the change since its last sample: the gauges are sums over the
// workers' VMs running this plugin.
func (p *pluginContext) sampleHeap() {
	defer func() { _ = recover() }()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	p.heap.Add(int64(ms.HeapAlloc) - p.heapRecorded)
	p.heapRecorded = int64(ms.HeapAlloc)
	p.gc.Add(int64(ms.NumGC) - p.gcRecorded)
	p.gcRecorded = int64(ms.NumGC)
}

// writeAudit logs one audit line.
func (p *pluginContext) writeAudit(line *audit.Line) {
	line.Time = p.host.Now()
	line.Plugin = p.def.Name
	proxywasm.LogInfo(string(line.Encode()))
}

// panicText describes a recovered panic without request data: runtime errors (index out of range,
// nil dereference) carry none; other panic values might, so only their type is named.
func panicText(r any) string {
	if err, ok := r.(runtime.Error); ok {
		return err.Error()
	}
	return fmt.Sprintf("panic of type %T", r)
}

// refusingContext answers every request with 500 when the plugin failed to start but the host
// still routes requests to it.
type refusingContext struct {
	types.DefaultHttpContext
}

func (*refusingContext) OnHttpRequestHeaders(int, bool) types.Action {
	_ = proxywasm.SendHttpResponse(500, nil, []byte("policy unavailable\n"), -1)
	return types.ActionPause
}
