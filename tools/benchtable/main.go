// Command benchtable turns `go test -bench` output from harness.Bench benchmarks into the one
// table `make bench` prints: benchmark, mode, ns per request (mean, p50, p99), ratio to the
// pass-through baseline measured in the same run, allocations per request, VM heap after
// harness.HeapRequests requests, and each dist/*.wasm module's compile time in wazero.
//
//	go test -run '^$' -bench . -benchtime 20000x ./plugins/... | go run ./tools/benchtable
//
// Lines that are not harness.Bench results (plain Go benchmarks) are listed after the table.
package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/wasmward/wasmward/shared/harness"
)

// result is one benchmark line's metrics by unit.
type result map[string]float64

// benchLine matches "BenchmarkName/sub-2   1000   123 ns/op   4 p50-ns ...".
var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

func main() {
	rows, others := parse(os.Stdin)
	printTable(os.Stdout, rows)
	if len(others) > 0 {
		fmt.Println("\nother benchmarks:")
		for _, l := range others {
			fmt.Println("  " + l)
		}
	}
	printCompileTimes(os.Stdout)
}

// key identifies a harness.Bench result: benchmark name, mode, and baseline or plugin.
type key struct{ name, mode, role string }

func parse(r io.Reader) (map[key]result, []string) {
	rows := map[key]result{}
	var others []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		parts := strings.Split(m[1], "/")
		n := len(parts)
		if n < 3 || (parts[n-1] != "baseline" && parts[n-1] != "plugin") || (parts[n-2] != "native" && parts[n-2] != "wasm") {
			others = append(others, strings.Join(strings.Fields(line), " "))
			continue
		}
		res := result{}
		f := strings.Fields(m[2])
		for i := 0; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				res[f[i+1]] = v
			}
		}
		rows[key{strings.TrimPrefix(strings.Join(parts[:n-2], "/"), "Benchmark"), parts[n-2], parts[n-1]}] = res
	}
	return rows, others
}

func printTable(w io.Writer, rows map[key]result) {
	var keys []key
	for k := range rows {
		if k.role == "plugin" {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].name != keys[j].name {
			return keys[i].name < keys[j].name
		}
		return keys[i].mode < keys[j].mode
	})
	fmt.Fprintf(w, "%-44s %-6s %10s %10s %10s %10s %10s %8s %12s %12s %14s %14s\n",
		"benchmark", "mode", "ns/req", "p50 ns", "p99 ns", "×baseline", "×p50s", "allocs", "heap@100k", "base heap",
		"guest allocs", "base allocs")
	for _, k := range keys {
		p := rows[k]
		b := rows[key{k.name, k.mode, "baseline"}]
		ratio, pooled := "-", "-"
		if r, ok := p["block-ratio"]; ok {
			ratio = fmt.Sprintf("%.2f", r)
		}
		if base := p["base-p50-ns"]; base > 0 {
			pooled = fmt.Sprintf("%.2f", p["p50-ns"]/base)
		}
		fmt.Fprintf(w, "%-44s %-6s %10.0f %10.0f %10.0f %10s %10s %8.0f %12s %12s %14s %14s\n",
			k.name, k.mode, p["ns/op"], p["p50-ns"], p["p99-ns"], ratio, pooled, p["allocs/op"], mib(p["heap-B"]), mib(b["heap-B"]),
			guestAllocs(p), guestAllocs(b))
	}
	fmt.Fprintln(w, "\nns/req: mean time of one request through every phase of the emulated host (GC included);")
	fmt.Fprintln(w, "×baseline: p50 against plugins/passthrough with the same requests in the same process, the two")
	fmt.Fprintln(w, "run side by side in alternating blocks (harness.Alternate): the median over the pairs of blocks")
	fmt.Fprintln(w, "of the plugin block's p50 over the baseline block's; ×p50s: the plugin's p50 over the baseline's,")
	fmt.Fprintln(w, "all blocks pooled (the table's ratio before 2026-12-06, moved by a few slow blocks);")
	fmt.Fprintln(w, "allocs: host+guest in native mode, host side only in wasm mode; heap@100k: the guest's Go heap")
	fmt.Fprintln(w, "after 100k more requests in a VM of its own, each stream's context deleted when it ends (as")
	fmt.Fprintln(w, "Envoy and nginx do): what outlives streams, plus garbage not yet collected; guest allocs: the")
	fmt.Fprintln(w, "objects / bytes the guest's Go code allocated per request over those 100k (wasm mode), base")
	fmt.Fprintln(w, "allocs the baseline's.")
}

// guestAllocs is a row's guest allocations per request, "objects / bytes", or "-".
func guestAllocs(r result) string {
	if _, ok := r["guest-allocs/req"]; !ok {
		return "-"
	}
	return fmt.Sprintf("%.1f / %.0f", r["guest-allocs/req"], r["guest-B/req"])
}

func mib(b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f MiB", b/(1<<20))
}

// printCompileTimes compiles each built module once in a fresh wazero runtime.
func printCompileTimes(w io.Writer) {
	mods, _ := filepath.Glob(filepath.Join(harness.RepoRoot(), "dist", "*.wasm"))
	if len(mods) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%-20s %10s %14s\n", "module", "size", "compile time")
	ctx := context.Background()
	for _, m := range mods {
		bin, err := os.ReadFile(m)
		if err != nil {
			continue
		}
		r := wazero.NewRuntime(ctx)
		start := time.Now()
		_, err = r.CompileModule(ctx, bin)
		took := time.Since(start)
		_ = r.Close(ctx)
		if err != nil {
			fmt.Fprintf(w, "%-20s compile error: %v\n", filepath.Base(m), err)
			continue
		}
		fmt.Fprintf(w, "%-20s %8.1f MiB %12.0f ms\n", filepath.Base(m), float64(len(bin))/(1<<20), float64(took.Milliseconds()))
	}
}
