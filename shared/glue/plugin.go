package glue

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/tidwall/gjson"

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
	statusOnly bool // response reads only the status (policy.StatusOnlyResponse), respBody nil
	ticker     policy.Ticker
	producer   bool
	// headerFree: the policy decides without the request's headers (policy.HeaderFreeDecider),
	// and nothing else of the plugin needs them before its decision: see readRequestHeaders.
	headerFree bool
	handoffKey []byte
	verifier   *identity.Verifier // the handoff header's, when handoffKey is set

	counters        map[counterKey]counter
	serving         bool             // the start's counters are defined (defineOutcomes)
	recent          recentCounters   // the counters counted last: see count
	lastIdentity    *policy.Identity // see encodeIdentity
	lastEncoded     []byte
	signed          signedCache   // see signIdentity
	idCache         identityCache // see loadIdentity
	warnedNoHandoff bool
	auditEncoder    audit.Encoder
	lastPrincipal   principalMemo // see principal
	heap, gc        proxywasm.MetricGauge
	allocs          allocCounters
	heapName        string // kept alive: see count
	gcName          string
	streams         uint32
	freeStreams     []*httpContext // ended streams' contexts, for reuse (streams.go)
	handles         []streamHandle // the rest of the batch stream handles are cut from (streams.go)
	responsePairs   [][2]string    // storage for the response headers InitResponse reads
}

func newPluginContext(vm *vmContext) *pluginContext {
	return &pluginContext{
		def:      vm.def,
		host:     &host{plugin: vm.def.Name, vm: vm},
		counters: map[counterKey]counter{},
	}
}

// OnPluginStart loads the config. Any problem refuses the start with one critical log line that
// names the field; the plugin never runs on defaults it was not given. How a refusal shows
// depends on the host (see refuse).
func (p *pluginContext) OnPluginStart(size int) (status types.OnPluginStartStatus) {
	startGC.tighten()
	defer startGC.started()
	defer func() {
		if r := recover(); r != nil {
			status = p.refuse("internal error while starting: " + panicText(r))
		}
	}()
	var data []byte
	if size > 0 {
		var err error
		if data, err = proxywasm.GetPluginConfiguration(); err != nil {
			return p.refuse("cannot read plugin configuration: " + err.Error())
		}
	}
	data, err := p.resolveConfig(data)
	p.host.caps = detectCapabilities(hostHint(data)) // before any refusal: see refuse
	if err != nil {
		return p.refuse(err.Error())
	}
	env, pol, err := config.Load(data, p.def.Name, p.def.Parse)
	if err != nil {
		return p.refuse(err.Error())
	}
	p.env, p.policy = env, pol
	if key, ok := p.host.Env(identity.KeyEnv); ok {
		if len(key) < identity.MinKeyLen {
			return p.refuse(fmt.Sprintf("environment variable %s: must be at least %d bytes", identity.KeyEnv, identity.MinKeyLen))
		}
		p.handoffKey = []byte(key)
		if p.verifier, err = identity.NewVerifier(p.handoffKey); err != nil {
			return p.refuse(fmt.Sprintf("environment variable %s: %v", identity.KeyEnv, err))
		}
	}
	p.body, _ = pol.(policy.RequestBodyPolicy)
	p.response, _ = pol.(policy.ResponsePolicy)
	p.respBody, _ = pol.(policy.ResponseBodyPolicy)
	_, statusOnly := pol.(policy.StatusOnlyResponse)
	p.statusOnly = statusOnly && p.response != nil && p.respBody == nil
	_, p.producer = pol.(policy.IdentityProducer)
	hf, ok := pol.(policy.HeaderFreeDecider)
	// A status-only response phase keeps the policy header-free where the request's headers can
	// still be read then, for its audit lines (Capabilities.RequestHeadersInResponse).
	p.headerFree = ok && hf.DecidesWithoutHeaders() && !p.producer && p.body == nil && p.respBody == nil &&
		(p.response == nil || p.statusOnly && p.host.caps.RequestHeadersInResponse)
	if s, ok := pol.(policy.Starter); ok {
		if err := s.Start(p.host); err != nil {
			return p.refuse(err.Error())
		}
	}
	if t, ok := pol.(policy.Ticker); ok && t.TickPeriod() > 0 {
		p.ticker = t
		if err := proxywasm.SetTickPeriodMilliSeconds(uint32(t.TickPeriod() / time.Millisecond)); err != nil {
			return p.refuse("cannot set tick period: " + err.Error())
		}
	}
	p.heapName = metrics.Name(p.def.Name, metrics.HeapMetric)
	p.heap = proxywasm.DefineGaugeMetric(p.heapName)
	p.gcName = metrics.Name(p.def.Name, metrics.GCMetric)
	p.gc = proxywasm.DefineGaugeMetric(p.gcName)
	p.allocs.define(p.def.Name)
	p.defineOutcomes()
	p.sampleHeap()
	mode := "enforcing"
	if env.Shadow {
		mode = "shadow mode (decisions recorded, never enforced)"
	}
	p.host.Log(policy.LogInfo, "started on "+p.host.caps.Kind+", "+mode+", failure mode "+env.FailureMode)
	if limits := p.limits(); len(limits) > 0 {
		p.host.Log(policy.LogWarn, "cannot fully enforce on "+p.host.caps.Kind+": "+strings.Join(limits, "; "))
	}
	if !runtimePatched() {
		p.host.Log(policy.LogWarn, unpatchedRuntime)
	}
	return types.OnPluginStartStatusOK
}

// unpatchedRuntime is the start's warning for a module built without wasmward's runtime patch.
const unpatchedRuntime = "module built without wasmward's Go runtime patch (tools/runtimepatch, `make build`): " +
	"on hosts whose WASI lacks poll_oneoff (ngx_wasm_module, Envoy before 1.39) the Go runtime traps after its first collections"

// hostHint reads the host settings of a configuration leniently, before it is parsed, so that a
// configuration refused later is refused the way its host needs (see refuse).
func hostHint(data []byte) config.HostConfig {
	h := gjson.GetBytes(data, "host")
	return config.HostConfig{Kind: h.Get("kind").String(), SharedData: h.Get("sharedData").Bool()}
}

// EnvConfigPrefix, followed by a variable name, is a plugin configuration that names the host
// environment variable holding the real one: nginx limits a directive's argument to 4,096 bytes,
// an environment variable holds up to MaxEnvConfig bytes (Linux limits one to 128 KiB).
const EnvConfigPrefix = "env:"

// MaxEnvConfig is the largest configuration read from an environment variable.
const MaxEnvConfig = 128<<10 - 1

// resolveConfig returns the configuration itself, reading it from the environment when data is
// EnvConfigPrefix + a variable name. On error it returns data unchanged.
func (p *pluginContext) resolveConfig(data []byte) ([]byte, error) {
	trimmed := bytes.TrimSpace(data)
	if !bytes.HasPrefix(trimmed, []byte(EnvConfigPrefix)) {
		return data, nil
	}
	name := string(trimmed[len(EnvConfigPrefix):])
	v, ok := p.host.Env(name)
	switch {
	case name == "":
		return data, fmt.Errorf("configuration %q names no environment variable", EnvConfigPrefix)
	case !ok:
		return data, fmt.Errorf("configuration from environment variable %s: not set for this VM (nginx: add `env %s;` at the top level)", name, name)
	case len(v) > MaxEnvConfig:
		return data, fmt.Errorf("configuration from environment variable %s: %d bytes, more than %d", name, len(v), MaxEnvConfig)
	}
	return []byte(v), nil
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

// refuse logs why the plugin cannot start, in one critical line, and returns the start status
// the host needs. Envoy rejects the configuration when a plugin fails to start, and keeps
// serving with the previous one. ngx_wasm_module instead exits the worker for good (fatal code
// 2, never respawned: one bad filter leaves nginx with no workers), so there the plugin starts
// and answers every request with 503 (refusedContext): failed closed, visibly.
func (p *pluginContext) refuse(reason string) types.OnPluginStartStatus {
	p.policy = nil
	if p.host.caps.Kind == policy.HostNginx {
		proxywasm.LogCritical("wasmward " + p.def.Name + ": refusing to start: " + reason + "; every request gets 503")
		return types.OnPluginStartStatusOK
	}
	proxywasm.LogCritical("wasmward " + p.def.Name + ": refusing to start: " + reason)
	return types.OnPluginStartStatusFailed
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

// startGCPercent is the collector's target (GOGC) while a plugin starts. Linear memory never
// shrinks and every page the Go heap touches stays resident for the worker's life, so the heap's
// peak, not its steady size, is what a VM costs. Parsing and compiling a config makes garbage
// (JSON trees, schema and regexp compilers) that the default target (GOGC=100: twice the live
// heap, at least 4 MiB) lets pile up before a collection completes, and the first target after
// start is twice a heap still holding it. A tight target collects it as it goes; it is kept only
// until a collection has run wholly after the start, so the extra collections are few.
const startGCPercent = 10

// steadyGCPercent is the collector's target once the start's collections are done, unless the
// VM's environment sets GOGC (nginx's `env GOGC=...;`), which is then kept. Go's default, 100,
// lets the heap reach twice the live heap, and at least 4 MiB: every VM's steady heap sat at
// that floor, resident for the worker's life. At 50 the floor is 2 MiB and the heap 1.5 times
// the live one: measured in nginx (docs/performance.md, "The steady collector target"), 1.5-2 MiB
// less anonymous memory per worker and VM (one-VM chain 64.8 → 63.2-63.7 MiB RSS), with worker
// CPU per request within the runs' spread.
const steadyGCPercent = 50

// startGC is the VM's collector target around plugin starts. The target is per VM, and per
// process in native tests, whose VMs may run on several goroutines: hence the lock, and the
// atomic tight that lets relax, which streams call, return without it once relaxed.
var startGC gcTarget

// gcTarget holds the collector's target at startGCPercent from the first plugin start until a
// collection has run wholly after the last one. debug.SetGCPercent arms no timer and forces no
// collection (the Go-on-Wasm rules): collections run as allocation triggers them.
type gcTarget struct {
	mu      sync.Mutex
	tight   atomic.Bool // written under mu
	prev    int         // the target after the start (steadyTarget)
	relaxAt uint32      // restore once this many collections have completed
}

// tighten sets the target to startGCPercent, to be relaxed to steadyTarget's. A target the
// operator set lower, or off (GOGC=off), is left alone.
func (g *gcTarget) tighten() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.tight.Load() {
		return
	}
	prev := debug.SetGCPercent(startGCPercent)
	if prev <= startGCPercent { // GOGC=off is -1
		debug.SetGCPercent(prev)
		return
	}
	g.prev = steadyTarget(prev)
	g.tight.Store(true)
}

// steadyTarget is the target after a start, given the one before it: the operator's when the
// environment sets GOGC, else steadyGCPercent (a target some other code set meanwhile, lower
// than that, is kept).
func steadyTarget(prev int) int {
	if os.Getenv("GOGC") != "" {
		return prev
	}
	return min(prev, steadyGCPercent)
}

// started notes the end of a plugin start: the collection under way may have marked the start's
// garbage live, the one after it starts after the start.
func (g *gcTarget) started() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.tight.Load() {
		g.relaxAt = gcCycles() + 2
	}
}

// relax sets the steady target once the collections noted by started have completed; streams
// call it as they end (every relaxEvery streams). Once relaxed it only loads tight: no lock, no
// deferred call.
func (g *gcTarget) relax() {
	if !g.tight.Load() {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.tight.Load() || gcCycles() < g.relaxAt {
		return
	}
	debug.SetGCPercent(g.prev)
	g.tight.Store(false)
}

// gcCycles is the number of collections completed in this VM.
func gcCycles() uint32 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.NumGC
}

// yieldEvery is how many stream ends pass between yields (streamEnded). A yield used to run the
// scheduler whether or not a collection was under way, and on every stream it was the largest
// part of the glue's own cost at stream end (in nginx); since it is skipped when there is
// nothing to run (yield_wasip1.go) that cost is a collection's only. A mark worker, once
// scheduled, marks until the work runs out or it has had its share of the time since the cycle
// began (GOMAXPROCS is 1 and nothing preempts it), and allocations meanwhile assist the marking:
// yielding every few streams delays a collection's end by a few streams. Measured
// (docs/performance-history.md, "gluecut"): as many collections as before over the strict host's
// soak, and the nginx workers' RSS over 100,000 requests where yielding on every stream kept it.
const yieldEvery = 8

// streamEnds counts the streams ended in this VM (in native tests, in this process).
var streamEnds atomic.Uint32

// streamEnded yields to the runtime every yieldEvery stream ends.
func streamEnded() {
	if streamEnds.Add(1)%yieldEvery == 0 {
		yieldToRuntime()
	}
}

func (p *pluginContext) NewHttpContext(id uint32) types.HttpContext {
	if p.policy == nil { // start refused (see refuse), or the host ignored a failed start
		return &refusedContext{}
	}
	return p.newStream(id)
}

// counterKey is what a decision counter is defined for; looking one up builds no name.
type counterKey struct{ rule, reason, decision string }

// counter is a defined decision counter and its name.
type counter struct {
	id   proxywasm.MetricCounter
	name string
}

// count increments the decision counter for (rule, reason, decision), defining it on first use
// when the start did not (defineOutcomes; a warning then says so): the metric name is built once
// per distinct key, not per request. Metric names stay referenced (in the map) for the VM's
// life: proxytest's wasm host keeps the name's guest memory without copying it, so a name the
// guest freed would be corrupted there. A host that refuses a metric must not fail the request:
// a refused increment is ignored (incrementCounter), a refused definition's panic dropped
// (define).
func (p *pluginContext) count(rule, reason, decision string) {
	raw := counterKey{rule, reason, decision}
	// Most requests count the same few decisions as the ones before (a plain allow; a plugin
	// with a labelled response-phase decision counts two per request): those counters again,
	// without building their labels or hashing them.
	c, ok := p.recent.find(raw)
	if !ok {
		if c, ok = p.define(raw); !ok {
			return
		}
	}
	incrementCounter(c.id)
}

// define returns the counter for raw, defining its metric on first use, and remembers it among
// the recent ones. ok is false when the host refused the definition.
func (p *pluginContext) define(raw counterKey) (c counter, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	// The labels as the name carries them: a label that is not one ("invalid") keys as such, so
	// the map holds no more entries than there are distinct names.
	k := counterKey{metrics.Label(raw.rule), metrics.Label(raw.reason), metrics.Label(raw.decision)}
	c, ok = p.counters[k]
	if !ok {
		if p.serving {
			p.host.Log(policy.LogWarn, LateCounterWarning+" (the policy's Outcomes leave it out): rule="+k.rule+
				" reason="+k.reason+" decision="+k.decision)
		}
		c.name = metrics.DecisionName(p.def.Name, raw.rule, raw.reason, raw.decision)
		c.id = proxywasm.DefineCounterMetric(c.name)
		p.counters[k] = c
	}
	p.recent.add(raw, c)
	return c, true
}

// defineOutcomes defines, while the plugin starts, the decision counter of every decision the
// glue and the policy (policy.OutcomeLister) can count, each under the decision label apply
// gives it in this plugin's mode (see policy.OutcomeLister for why they are defined before the
// worker serves).
func (p *pluginContext) defineOutcomes() {
	deny := func(shadow bool) string {
		if shadow || p.env.Shadow {
			return metrics.ShadowDeny
		}
		return metrics.Deny
	}
	keys := []counterKey{{"", "", metrics.Allow}, {"", "internal_error", metrics.Error}}
	if p.ticker != nil {
		keys = append(keys, counterKey{"", "tick_panic", metrics.Error})
	}
	if p.handoffKey != nil && !p.producer {
		keys = append(keys, counterKey{"", "handoff_rejected", metrics.Error})
	}
	if p.host.caps.MarksRemovedHeaders {
		keys = append(keys, counterKey{"", "duplicate_header", metrics.Deny}) // never shadowed: see apply
	}
	if p.body != nil {
		keys = append(keys, counterKey{"", "body_too_large", deny(false)}, counterKey{"", "body_unreadable", deny(false)})
	}
	if l, ok := p.policy.(policy.OutcomeLister); ok {
		for _, o := range l.Outcomes() {
			switch o.Verdict {
			case policy.Allow:
				keys = append(keys, counterKey{o.Rule, o.Reason, metrics.Allow})
			case policy.Deny:
				keys = append(keys, counterKey{o.Rule, o.Reason, deny(o.Shadow)})
			case policy.Defer:
				keys = append(keys, counterKey{o.Rule, "awaiting_callout", metrics.Allow},
					counterKey{o.Rule, "callout_unavailable", deny(false)})
			}
		}
	}
	for _, k := range keys {
		p.define(k)
	}
	p.serving = true
}

// LateCounterWarning starts the warning logged, once per counter, when a decision counter is
// defined while the plugin serves: on ngx_wasm_module that definition can trap another worker's
// increment (policy.OutcomeLister). Its labels are config ids and vocabulary words, never
// request data. Tests on every host look for it (harness.RunCases, e2e/nginx's Problems).
const LateCounterWarning = "decision counter defined while serving"

// recentCounters remembers the last few distinct counters counted, keyed as count was given
// them (before labelling). A handful of entries, scanned in order: no hashing, no allocation.
type recentCounters struct {
	keys     [4]counterKey
	counters [4]counter
	next     int // the entry add overwrites next (the oldest)
}

// find returns the counter remembered for k.
func (r *recentCounters) find(k counterKey) (counter, bool) {
	for i := range r.keys {
		if r.counters[i].name != "" && sameCounterKey(&r.keys[i], &k) {
			return r.counters[i], true
		}
	}
	return counter{}, false
}

// sameCounterKey is *a == *b. The strings of a counted decision are most often the very strings
// counted before (a rule's id from the config, a reason constant): equal data pointers and
// lengths answer without the comparison, which in Go on Wasm is a call per string.
func sameCounterKey(a, b *counterKey) bool {
	return sameString(a.rule, b.rule) && sameString(a.reason, b.reason) && sameString(a.decision, b.decision)
}

// sameString is a == b, answered without comparing bytes when the two share their data.
func sameString(a, b string) bool {
	return len(a) == len(b) && (unsafe.StringData(a) == unsafe.StringData(b) || a == b)
}

// add remembers c for k in place of the oldest entry.
func (r *recentCounters) add(k counterKey, c counter) {
	r.keys[r.next], r.counters[r.next] = k, c
	r.next = (r.next + 1) % len(r.keys)
}

// relaxEvery is how many finished streams pass between checks of the collector's start target
// (startGC.relax): while the target is tight each check reads the collection count
// (runtime.ReadMemStats, which stops the world: about 7 µs in wazero), and a request that
// allocates little (pass-through: 184 bytes) runs a thousand or more streams before two
// collections complete. Checked on every stream, that doubled pass-through's emulator p50 on a
// VM started again (harness.Alternate's blocks, each a plugin start).
const relaxEvery = 64

// streamDone relaxes the collector's start target (startGC) when due, checked every relaxEvery
// streams, and samples the VM heap every metrics.HeapSampleEvery streams.
func (p *pluginContext) streamDone() {
	p.streams++
	if p.streams%relaxEvery == 0 {
		startGC.relax()
	}
	if p.streams%metrics.HeapSampleEvery == 0 {
		p.sampleHeap()
	}
}

// sampleHeap records the Go heap in use and the garbage collections so far. Each VM sets the
// gauges to its own figures (the last VM to sample wins where stats are process-wide, as in
// Envoy): ngx_wasm_module traps on incrementing a gauge, so gauges are only ever set.
func (p *pluginContext) sampleHeap() {
	defer func() { _ = recover() }()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	setGauge(p.heap, ms.HeapAlloc)
	setGauge(p.gc, uint64(ms.NumGC))
	p.allocs.add(&ms)
}

// allocCounters count the heap objects and bytes the VM's Go code allocated (metrics.AllocsMetric,
// metrics.AllocBytesMetric). Counters, not gauges: every VM of a plugin adds its own, so the
// host's sum over workers and its rate per request stay meaningful.
type allocCounters struct {
	objects, bytes         proxywasm.MetricCounter
	objectsName, bytesName string // kept alive: see count
	lastObjects, lastBytes uint64 // the figures already counted
}

func (a *allocCounters) define(plugin string) {
	a.objectsName = metrics.Name(plugin, metrics.AllocsMetric)
	a.objects = proxywasm.DefineCounterMetric(a.objectsName)
	a.bytesName = metrics.Name(plugin, metrics.AllocBytesMetric)
	a.bytes = proxywasm.DefineCounterMetric(a.bytesName)
}

// add counts what was allocated since the last call.
func (a *allocCounters) add(ms *runtime.MemStats) {
	a.objects.Increment(ms.Mallocs - a.lastObjects)
	a.bytes.Increment(ms.TotalAlloc - a.lastBytes)
	a.lastObjects, a.lastBytes = ms.Mallocs, ms.TotalAlloc
}

// principalMemo is the last subject's audit.Principal.
type principalMemo struct{ issuer, subject, label string }

// principal is audit.Principal(issuer, subject), remembered for the last subject: a caller's
// requests come in runs, and each audited line would hash it again.
func (p *pluginContext) principal(issuer, subject string) string {
	if m := &p.lastPrincipal; m.label == "" || m.issuer != issuer || m.subject != subject {
		*m = principalMemo{issuer, subject, audit.Principal(issuer, subject)}
	}
	return p.lastPrincipal.label
}

// writeAudit logs one audit line.
func (p *pluginContext) writeAudit(line *audit.Line) {
	line.Time = p.host.Now()
	line.Plugin = p.def.Name
	proxywasm.LogInfo(string(p.auditEncoder.Encode(line)))
}

// panicText describes a recovered panic without request data: runtime errors (index out of range,
// nil dereference) carry none; other panic values might, so only their type is named.
func panicText(r any) string {
	if err, ok := r.(runtime.Error); ok {
		return err.Error()
	}
	return fmt.Sprintf("panic of type %T", r)
}

// refusedContext answers every request with 503 when the plugin refused to start but the host
// still routes requests to it.
type refusedContext struct {
	types.DefaultHttpContext
}

func (*refusedContext) OnHttpRequestHeaders(int, bool) types.Action {
	_ = proxywasm.SendHttpResponse(503, nil, []byte("policy unavailable\n"), -1)
	return types.ActionPause
}

// setGauge sets a gauge with proxy_record_metric. The SDK's MetricGauge only offers Add
// (proxy_increment_metric), which ngx_wasm_module refuses for gauges with a trap; its histogram
// handle records through the same metric id, and every host sets a gauge recorded that way.
func setGauge(g proxywasm.MetricGauge, v uint64) {
	proxywasm.MetricHistogram(g).Record(v)
}
