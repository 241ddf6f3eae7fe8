package harness

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/policy"
)

// SoakResult is what a Soak run saw.
type SoakResult struct {
	// Requests served before the run ended (at the target, or at the first trap).
	Requests int
	// Mismatches lists wrong outcomes ("<case file> <case>: <difference>"), at most 20.
	Mismatches []string
	// Stats is what the strict host recorded: WASI calls that failed, traps, host calls.
	Stats StrictStats
	// GCCycles is how many garbage collections the guest completed; HeapBytes its heap at the
	// end (both as the glue samples them, see metrics.GCMetric).
	GCCycles, HeapBytes uint64
}

// Soak serves at least n requests through the module of def in a new strict-host VM with
// opts.Profile: the cases of every set in order, pass after pass. Each pass of a set runs on a
// new plugin context of the same VM (a host re-reading its config), so case files written as
// sequences hold on every pass, while the guest heap and runtime live on and collect garbage
// many times. The run stops at the first trap: a trapped instance serves nothing more.
func Soak(def policy.Definition, sets []CaseSet, n int, opts Options) (SoakResult, error) {
	var out SoakResult
	if len(sets) == 0 {
		return out, errors.New("soak: no case sets")
	}
	opts.Profile = opts.profile()
	vm, err := strictVMFor(opts.wasmPath(def.Name), opts.Profile, true)
	if err != nil {
		return out, err
	}
	defer vm.Close()
	opts.vm = vm
	configs := map[string][]byte{}
	for _, s := range sets {
		cfg, err := os.ReadFile(s.Config)
		if err != nil {
			return out, err
		}
		if opts.Profile.Nginx {
			cfg = config.ForNginx(cfg)
		}
		configs[s.Config] = cfg
	}
	for out.Requests < n && !vm.trapped() {
		for _, s := range sets {
			if err := soakPass(def, s, configs[s.Config], opts, &out); err != nil {
				return out, err
			}
		}
	}
	if !vm.trapped() {
		h, err := NewHost(Strict, def, configs[sets[0].Config], opts)
		if err != nil {
			return out, err
		}
		out.GCCycles, out.HeapBytes = h.GCCycles(), h.HeapBytes()
		h.Close()
	}
	out.Stats = vm.Stats()
	return out, nil
}

// soakPass runs one set's cases on a new plugin context; a trap ends it early.
func soakPass(def policy.Definition, s CaseSet, cfg []byte, opts Options, out *SoakResult) (err error) {
	defer func() {
		if r := recover(); r != nil && !isTrap(r) {
			panic(r)
		}
	}()
	h, err := NewHost(Strict, def, cfg, opts)
	if err != nil {
		return err
	}
	defer h.Close()
	if !h.Status {
		return fmt.Errorf("soak: %s refused %s: %s", def.Name, s.Config, strings.Join(h.CriticalLogs(), "; "))
	}
	name := filepath.Base(s.File)
	if h.TickPeriod() > 0 { // the periodic work (sweeps, key refreshes) runs in the same VM
		h.Tick()
	}
	for _, c := range s.Cases {
		res := h.Do(c.Request)
		out.Requests++
		for _, d := range c.WantFor(opts.Profile.Name).Check(res) {
			if m := name + " " + c.Name + ": " + d; len(out.Mismatches) < 20 && !slices.Contains(out.Mismatches, m) {
				out.Mismatches = append(out.Mismatches, m)
			}
		}
	}
	return nil
}

// isTrap reports whether a recovered panic is the strict host reporting a guest trap.
func isTrap(r any) bool {
	err, ok := r.(error)
	return ok && errors.Is(err, errTrap)
}
