// Package harness runs a wasmward plugin headlessly, without a proxy: natively (the plugin's Go
// code on proxytest's emulated host) or as the built dist/<plugin>.wasm inside wazero, through
// the same emulated host. Tests, `make demo`, benchmarks and the policy test runner all use it.
//
// proxytest keeps its host in process-global state, so one Host exists at a time: NewHost
// blocks until the previous Host is closed. Tests using the harness must not run in parallel.
package harness

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/glue"
	"github.com/wasmward/wasmward/shared/identity"
	"github.com/wasmward/wasmward/shared/policy"
)

// Mode selects how the plugin runs.
type Mode string

const (
	// Native runs the plugin's Go code directly against the emulated host.
	Native Mode = "native"
	// Wasm runs dist/<plugin>.wasm in wazero against the same emulated host.
	Wasm Mode = "wasm"
	// Strict runs dist/<plugin>.wasm in the strict host (see strict.go) with Options.Profile:
	// a WASI without poll_oneoff and sched_yield, and the profile's host gaps.
	Strict Mode = "strict"
)

// Modes lists the modes benchmarks compare, native first.
var Modes = []Mode{Native, Wasm}

// TestModes lists the modes every case table runs in: Strict runs the module in the strict
// host with the OldEnvoy profile (a WASI without poll_oneoff and sched_yield).
var TestModes = []Mode{Native, Wasm, Strict}

// StartTime is the clock's value when a Host starts.
var StartTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// ErrNoWasm is returned when dist/<plugin>.wasm has not been built.
var ErrNoWasm = errors.New("wasm module not built (run make build)")

// Options configure a Host beyond the plugin config.
type Options struct {
	// Env is the VM's environment (Envoy vm_config.environment_variables), passed in both modes
	// through the glue's test-host properties (glue.TestEnvProperty).
	Env map[string]string
	// WasmPath overrides dist/<plugin>.wasm.
	WasmPath string
	// FreshVM compiles and instantiates the module anew instead of sharing the process-wide
	// VM, so the guest heap holds only this Host's state (benchmarks measuring memory).
	FreshVM bool
	// Profile is the host the Strict mode emulates; the zero value means OldEnvoy.
	Profile HostProfile
	// BareLocation, on a profile with RemovedRequestHeadersForwarded, emulates a location that
	// re-sets no request header (a hand-written nginx config). By default the location re-sets
	// what the generated configs do: the handoff header and the policy's ProxyNeeds.
	BareLocation bool

	vm *strictVM // Strict mode: run on this VM (Soak) instead of the cached one
}

// profile is Profile, OldEnvoy when unset.
func (o Options) profile() HostProfile {
	if o.Profile.Name == "" {
		return OldEnvoy
	}
	return o.Profile
}

// wasmPath is WasmPath, dist/<plugin>.wasm when unset.
func (o Options) wasmPath(plugin string) string {
	if o.WasmPath == "" {
		return WasmPath(plugin)
	}
	return o.WasmPath
}

var (
	hostMu   sync.Mutex // one proxytest host per process at a time: see lockHost
	vmMu     sync.Mutex
	vmCache         = map[string]types.VMContext{} // compiled wasm VMs by path, compiled once per process
	nextRoot uint32 = 1 << 24
)

// Host is one started plugin.
type Host struct {
	Mode   Mode
	plugin string
	emu    proxytest.HostEmulator
	reset  func()
	now    time.Time
	// Status is the plugin's start status; a refused config leaves it false.
	Status types.OnPluginStartStatus
	strict *strictVM // Strict mode only
	root   *rootRemap
	absent []string // properties the emulated host never has
	// refused are the properties the emulated host answers NotFound (HostProfile.RefusedProperties);
	// handoffKey is the VM's identity.KeyEnv, with which Do hands a refused identity property off.
	refused    []string
	handoffKey []byte
	// resetHeaders are the request headers the emulated nginx location re-sets from their
	// variables (HostProfile.RemovedRequestHeadersForwarded).
	resetHeaders []string
}

// NewHost starts def with cfg in mode. The returned Host must be closed. A refused start is
// not an error: check Status and StartLogs.
func NewHost(mode Mode, def policy.Definition, cfg []byte, opts Options) (*Host, error) {
	h := &Host{Mode: mode, plugin: def.Name, now: StartTime}
	profile, path := opts.profile(), opts.wasmPath(def.Name)
	if mode == Strict {
		h.absent, h.refused = profile.Absent, profile.RefusedProperties
		h.handoffKey = []byte(opts.Env[identity.KeyEnv])
		if err := checkConfigSize(cfg, profile); err != nil {
			return nil, err
		}
		if profile.RemovedRequestHeadersForwarded && !opts.BareLocation {
			h.resetHeaders = resetHeaders(def, cfg)
		}
	}
	var vm types.VMContext
	switch mode {
	case Native:
		vm = glue.NewVM(def)
	case Wasm:
		inner, err := wasmVM(path, opts.FreshVM)
		if err != nil {
			return nil, err
		}
		h.root = &rootRemap{inner: inner, id: newRootID()}
		vm = h.root
	case Strict:
		inner := opts.vm
		if inner == nil {
			var err error
			if inner, err = strictVMFor(path, profile, opts.FreshVM); err != nil {
				return nil, err
			}
		}
		h.strict, h.root = inner, &rootRemap{inner: inner, id: newRootID()}
		vm = h.root
	default:
		return nil, fmt.Errorf("harness: unknown mode %q", mode)
	}
	lockHost(openedBy(def.Name, mode), hostWaitWarning, os.Stderr)
	if os.Getenv("WASMWARD_HOST_LOG") == "" {
		log.SetOutput(io.Discard) // proxytest logs every hostcall
	}
	opt := proxytest.NewEmulatorOption().WithVMContext(vm).
		WithPluginConfiguration(cfg).
		WithVMConfiguration([]byte(`{"testHost":true}`)).
		WithProperty(glue.TestClockProperty, clockValue(h.now))
	guestClock.Store(h.now.UnixNano())
	if mode != Strict || !profile.Nginx {
		opt = opt.WithProperty([]string{"plugin_vm_id"}, []byte("harness")) // Envoy's, see glue
	}
	for k, v := range opts.Env {
		opt = opt.WithProperty([]string{glue.TestEnvProperty, k}, []byte(v))
	}
	h.emu, h.reset = proxytest.NewHostEmulator(opt)
	defer func() {
		if r := recover(); r != nil { // a trap while starting (strict host): release the host
			h.Close()
			panic(r)
		}
	}()
	if h.emu.StartVM() != types.OnVMStartStatusOK {
		h.Close()
		return nil, errors.New("harness: VM refused to start")
	}
	h.Status = h.emu.StartPlugin()
	return h, nil
}

// ErrConfigTooLong is returned by NewHost when the emulated host's config file cannot hold the
// plugin configuration (HostProfile.MaxConfigBytes).
var ErrConfigTooLong = errors.New("plugin configuration too long for the host's config file")

func checkConfigSize(cfg []byte, profile HostProfile) error {
	var line bytes.Buffer
	if json.Compact(&line, cfg) != nil {
		line.Write(cfg)
	}
	if profile.MaxConfigBytes > 0 && line.Len() > profile.MaxConfigBytes {
		return fmt.Errorf("%w: %d bytes on one line, %s takes %d (nginx: too long parameter); pass it as %s<variable>",
			ErrConfigTooLong, line.Len(), profile.Name, profile.MaxConfigBytes, glue.EnvConfigPrefix)
	}
	return nil
}

// resetHeaders are the request headers a generated nginx location re-sets for def with cfg:
// the identity handoff header and the policy's policy.ProxyNeeds.
func resetHeaders(def policy.Definition, cfg []byte) []string {
	out := []string{identity.HeaderName}
	if _, pol, err := config.Load(cfg, def.Name, def.Parse); err == nil {
		if pn, ok := pol.(policy.ProxyNeeder); ok {
			out = append(out, pn.ProxyNeeds().EditedRequestHeaders...)
		}
	}
	return out
}

// Close releases the host. In the Wasm and Strict modes it deletes the plugin context in the
// guest, as a host does when its configuration goes (a trapped instance takes no calls). It is
// safe to call twice.
func (h *Host) Close() {
	if h.reset == nil {
		return
	}
	if h.root != nil {
		if p, ok := h.root.plugin.(interface{ close() }); ok && (h.strict == nil || !h.strict.trapped()) {
			p.close()
		}
	}
	h.reset()
	h.reset = nil
	log.SetOutput(os.Stderr)
	hostMu.Unlock()
}

// StrictStats returns what the strict host saw the module do so far (Strict mode only; the VM
// and its stats are shared by every Host on the same module and profile).
func (h *Host) StrictStats() StrictStats {
	if h.strict == nil {
		return StrictStats{}
	}
	return h.strict.Stats()
}

// Emulator exposes the underlying proxytest host for what the harness does not wrap.
func (h *Host) Emulator() proxytest.HostEmulator { return h.emu }

// Now returns the host clock.
func (h *Host) Now() time.Time { return h.now }

// SetTime sets the host clock the plugin reads.
func (h *Host) SetTime(t time.Time) {
	h.now = t
	guestClock.Store(t.UnixNano())
	if err := h.emu.SetProperty(glue.TestClockProperty, clockValue(t)); err != nil {
		panic(err)
	}
}

// Advance moves the host clock forward by d.
func (h *Host) Advance(d time.Duration) { h.SetTime(h.now.Add(d)) }

// Tick runs the plugin's OnTick once.
func (h *Host) Tick() { h.emu.Tick() }

// TickPeriod is the tick period the plugin asked for, 0 if none.
func (h *Host) TickPeriod() time.Duration {
	return time.Duration(h.emu.GetTickPeriod()) * time.Millisecond
}

// Counter returns a counter's value by its full name (see package metrics), 0 if undefined.
func (h *Host) Counter(name string) uint64 {
	v, _ := h.emu.GetCounterMetric(name)
	return v
}

// Logs returns the log lines written at info level and above, in level order.
func (h *Host) Logs() []string {
	var all []string
	all = append(all, h.emu.GetInfoLogs()...)
	all = append(all, h.emu.GetWarnLogs()...)
	all = append(all, h.emu.GetErrorLogs()...)
	all = append(all, h.emu.GetCriticalLogs()...)
	return all
}

// LateCounters returns the warnings of decision counters the glue defined while serving
// (glue.LateCounterWarning: a decision the policy's Outcomes leave out), one per counter.
func (h *Host) LateCounters() []string {
	var out []string
	for _, l := range h.emu.GetWarnLogs() {
		if strings.Contains(l, glue.LateCounterWarning) {
			out = append(out, l)
		}
	}
	return out
}

// CriticalLogs returns critical log lines (start refusals).
func (h *Host) CriticalLogs() []string { return h.emu.GetCriticalLogs() }

// AuditLines returns the JSON audit lines logged so far.
func (h *Host) AuditLines() []string {
	var out []string
	for _, l := range h.emu.GetInfoLogs() {
		if strings.HasPrefix(l, `{"time":`) {
			out = append(out, l)
		}
	}
	return out
}

// Callouts returns the HTTP callouts the plugin context dispatched so far, answered ones
// included (proxytest keeps them, and reuses an answered callout's id): track answers yourself.
func (h *Host) Callouts() []proxytest.HttpCalloutAttribute {
	return h.emu.GetCalloutAttributesFromContext(proxytest.PluginContextID)
}

// RespondCallout delivers a callout response. headers should include ":status".
func (h *Host) RespondCallout(id uint32, headers [][2]string, body []byte) {
	h.emu.CallOnHttpCallResponse(id, headers, nil, body)
}

// guestClock is the current host's clock (Unix nanoseconds) as a Wasm guest reads it, by WASI's
// wall clock (guestWalltime): one host at a time runs (hostMu), and the VMs that hosts share read
// whichever is running. A native guest reads TestClockProperty instead (see glue.TestClockProperty).
var guestClock atomic.Int64

// guestWalltime is the wall clock wazero gives every Wasm guest: the running host's clock.
func guestWalltime() (sec int64, nsec int32) {
	ns := guestClock.Load()
	return ns / 1e9, int32(ns % 1e9)
}

func clockValue(t time.Time) []byte {
	return binary.LittleEndian.AppendUint64(nil, uint64(t.UnixNano()))
}

// WasmPath returns dist/<plugin>.wasm under the repository root.
func WasmPath(plugin string) string {
	return filepath.Join(RepoRoot(), "dist", plugin+".wasm")
}

// RepoRoot finds the directory holding go.mod, walking up from the working directory.
func RepoRoot() string {
	dir, _ := os.Getwd()
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

// wasmVM compiles the module at path once per process (every time when fresh).
func wasmVM(path string, fresh bool) (types.VMContext, error) {
	vmMu.Lock()
	defer vmMu.Unlock()
	if vm, ok := vmCache[path]; ok && !fresh {
		return vm, nil
	}
	bin, err := readModule(path)
	if err != nil {
		return nil, err
	}
	vm, err := newWasmGuest(bin)
	if err != nil {
		return nil, fmt.Errorf("harness: load %s: %w", path, err)
	}
	if !fresh {
		vmCache[path] = vm
	}
	return vm, nil
}

// readModule reads a built module; a missing one is ErrNoWasm.
func readModule(path string) ([]byte, error) {
	bin, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNoWasm, path)
	}
	return bin, err
}

func newRootID() uint32 {
	vmMu.Lock()
	defer vmMu.Unlock()
	nextRoot++
	return nextRoot
}

// rootRemap lets one compiled wasm VM serve many Hosts: proxytest always creates plugin context
// 1, which the guest would reject as a duplicate after the first Host, so each Host gets a
// fresh root context id inside the guest (a real proxy also runs many plugin contexts per VM).
type rootRemap struct {
	inner  types.VMContext
	id     uint32
	plugin types.PluginContext
}

func (r *rootRemap) OnVMStart(size int) types.OnVMStartStatus { return r.inner.OnVMStart(size) }

func (r *rootRemap) NewPluginContext(uint32) types.PluginContext {
	r.plugin = r.inner.NewPluginContext(r.id)
	return r.plugin
}
