// Command guestprof reads a perf profile of the emulator's Wasm guests (wazero built with the
// perfmap tag: docs/performance.md, "Profiling the emulator") and groups its samples by module,
// by the export each ran under, and by guest function, self and inclusive; -under lists the
// direct callees of one function instead.
//
//	perf script -F ip,sym -i perf.data | go run ./tools/guestprof [-top 25] [-module 3932] [-under OnRequest]
//
// wazero names a guest frame "[index/count]name:::::Lblock", the count being its module's number
// of functions: that tells a benchmark's modules apart (pass-through's from the plugin's). A
// stack is cut at its outermost proxy_on_* or malloc frame (a frame above it is wazero's entry,
// at times named after the perf map's neighbouring entry), and stacks under a start
// (proxy_on_configure, proxy_on_vm_start, _initialize) are left out: every benchmark block is a
// host of its own, and the request path is what the rows measure. Samples outside the guest
// (the emulator's host functions, wazero) are not counted here: their frames do not unwind into
// the guest's.
package main

import (
	"bufio"
	"cmp"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
)

// guestFrame matches a guest frame's symbol: module's function count, then the function's name.
var guestFrame = regexp.MustCompile(`^\[\d+/(\d+)\]\.?(.*?)(?::::::L\d+)?$`)

// sample is one guest sample: its module (function count) and its guest frames, leaf first.
type sample struct {
	module string
	frames []string
}

// starts are the exports a plugin's start runs under.
var starts = map[string]bool{"proxy_on_configure": true, "proxy_on_vm_start": true, "_initialize": true}

// parse reads `perf script -F ip,sym` output: stacks separated by blank lines, a frame per line
// ("address symbol"). It keeps the samples whose leaf is a guest frame, cut at their export.
func parse(r io.Reader) ([]sample, error) {
	var out []sample
	var cur []string // the current stack's symbols, leaf first
	flush := func() {
		if s, ok := guestSample(cur); ok {
			out = append(out, s)
		}
		cur = cur[:0]
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			flush()
			continue
		}
		if _, sym, ok := strings.Cut(line, " "); ok {
			cur = append(cur, strings.TrimSpace(sym))
		}
	}
	flush()
	return out, sc.Err()
}

// guestSample is the sample of a stack whose leaf is in a guest, its frames cut at the outermost
// export; ok is false for other stacks and for a start's.
func guestSample(syms []string) (s sample, ok bool) {
	for i, sym := range syms {
		f := guestFrame.FindStringSubmatch(sym)
		switch {
		case f != nil:
			s.frames = append(s.frames, f[2])
			if i == 0 {
				s.module = f[1]
			}
		case i == 0:
			return s, false
		}
	}
	if len(s.frames) == 0 {
		return s, false
	}
	for i := len(s.frames) - 1; i >= 0; i-- {
		if name := s.frames[i]; strings.HasPrefix(name, "proxy_on") || name == "malloc" || starts[name] {
			s.frames = s.frames[:i+1]
			break
		}
	}
	return s, !starts[s.frames[len(s.frames)-1]]
}

// counts is samples by name.
type counts map[string]int

// ranked is c's names by count, most first (ties by name), at most top of them.
func (c counts) ranked(top int) []string {
	names := make([]string, 0, len(c))
	for n := range c {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Or(c[b]-c[a], strings.Compare(a, b)) })
	return names[:min(top, len(names))]
}

// ofModule is the samples of module (its function count), in place.
func ofModule(samples []sample, module string) []sample {
	return slices.DeleteFunc(samples, func(s sample) bool { return s.module != module })
}

// report writes, per module of samples (largest first), its samples by export and its functions by self and
// inclusive samples, top of each.
func report(w io.Writer, samples []sample, top int) {
	total, exports, self, incl := counts{}, map[string]counts{}, map[string]counts{}, map[string]counts{}
	for _, s := range samples {
		if exports[s.module] == nil {
			exports[s.module], self[s.module], incl[s.module] = counts{}, counts{}, counts{}
		}
		total[s.module]++
		exports[s.module][s.frames[len(s.frames)-1]]++
		self[s.module][s.frames[0]]++
		seen := map[string]bool{}
		for _, f := range s.frames {
			if !seen[f] {
				seen[f] = true
				incl[s.module][f]++
			}
		}
	}
	for _, m := range total.ranked(len(total)) {
		fmt.Fprintf(w, "module of %s functions: %d samples\n", m, total[m])
		for _, part := range []struct {
			title string
			c     counts
		}{{"by export", exports[m]}, {"self", self[m]}, {"inclusive", incl[m]}} {
			fmt.Fprintf(w, "  %s:\n", part.title)
			for _, n := range part.c.ranked(top) {
				fmt.Fprintf(w, "  %7d  %s\n", part.c[n], n)
			}
		}
	}
}

// callees writes the direct callees of the function whose name contains under: each sample that
// ran under it counted once, by the frame below its outermost occurrence ("(self)" when it is
// the leaf).
func callees(w io.Writer, samples []sample, under string, top int) {
	c, n := counts{}, 0
	for _, s := range samples {
		at := -1
		for i, f := range s.frames {
			if strings.Contains(f, under) {
				at = i
			}
		}
		if at < 0 {
			continue
		}
		n++
		if at == 0 {
			c["(self)"]++
		} else {
			c[s.frames[at-1]]++
		}
	}
	fmt.Fprintf(w, "%d samples under %q\n", n, under)
	for _, name := range c.ranked(top) {
		fmt.Fprintf(w, "  %7d  %s\n", c[name], name)
	}
}

func main() {
	top := flag.Int("top", 25, "functions listed per table")
	module := flag.String("module", "", "only the module of this many functions (as the report names it)")
	under := flag.String("under", "", "list the direct callees of the function whose name contains this")
	flag.Parse()
	samples, err := parse(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "guestprof:", err)
		os.Exit(1)
	}
	if *module != "" {
		samples = ofModule(samples, *module)
	}
	if *under != "" {
		callees(os.Stdout, samples, *under, *top)
		return
	}
	report(os.Stdout, samples, *top)
}
