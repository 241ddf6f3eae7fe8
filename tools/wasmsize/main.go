// Command wasmsize prints where a Go-built .wasm module's bytes go: its code and data section
// sizes, and the code per Go package (the function bodies, attributed by the module's name
// section). A worker's memory follows the code size (docs/performance.md, "Where the memory goes"),
// so this is the tool to see what a change adds or removes.
//
//	go run ./tools/wasmsize [-top N] dist/chain.wasm [dist/other.wasm ...]
//
// With several modules it prints one column per module, packages ordered by the first one.
// Hand-written: the format parsing needed is the sections and the name section's function names
// (tools/internal/wasmbin reads the integers); no well-kept Go library exposes a wasm decoder
// (wazero's is internal).
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/wasmward/wasmward/tools/internal/wasmbin"
)

func main() {
	top := flag.Int("top", 40, "packages to list (0: all)")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: wasmsize [-top N] module.wasm ...")
		os.Exit(2)
	}
	var mods []*module
	for _, path := range flag.Args() {
		b, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		m, err := parse(b)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
			os.Exit(1)
		}
		mods = append(mods, m)
	}
	printTable(os.Stdout, flag.Args(), mods, *top)
}

// module holds the sizes wasmsize reports for one .wasm file.
type module struct {
	file, code, data, names int64
	perPackage              map[string]int64 // code bytes per Go package
}

// parse reads a wasm binary's sections. Function bodies without a name count as "(unnamed)".
func parse(b []byte) (*module, error) {
	if len(b) < 8 || string(b[:4]) != "\x00asm" {
		return nil, fmt.Errorf("not a wasm module")
	}
	m := &module{file: int64(len(b)), perPackage: map[string]int64{}}
	var imported int
	var bodies []int64
	names := map[int]string{}
	r := &wasmbin.Reader{B: b, Off: 8}
	for r.Off < len(b) {
		id, content := r.Section()
		if r.Err != nil {
			return nil, r.Err
		}
		sec := &wasmbin.Reader{B: content}
		switch id {
		case 0: // custom
			if sec.Name() == "name" {
				m.names = int64(len(sec.B))
				readFunctionNames(sec, names)
			}
		case 2: // imports: they take the first function indices
			for n := sec.Uint(); n > 0 && sec.Err == nil; n-- {
				sec.Name()
				sec.Name()
				switch sec.Byte() {
				case 0:
					imported++
					sec.Uint()
				case 1: // table: element type, limits
					sec.Byte()
					sec.Limits()
				case 2:
					sec.Limits()
				case 3: // global: type, mutability
					sec.Byte()
					sec.Byte()
				}
			}
		case 10: // code
			m.code = int64(len(sec.B))
			for n := sec.Uint(); n > 0 && sec.Err == nil; n-- {
				l := sec.Uint()
				bodies = append(bodies, int64(l))
				sec.Skip(l)
			}
		case 11:
			m.data = int64(len(sec.B))
		}
		if sec.Err != nil {
			return nil, fmt.Errorf("section %d: %w", id, sec.Err)
		}
	}
	for i, l := range bodies {
		m.perPackage[goPackage(names[imported+i])] += l
	}
	return m, nil
}

// readFunctionNames reads the name section's function-name subsection (id 1) into names.
func readFunctionNames(r *wasmbin.Reader, names map[int]string) {
	for r.Off < len(r.B) && r.Err == nil {
		id, content := r.Section()
		if r.Err != nil {
			return
		}
		sub := &wasmbin.Reader{B: content}
		if id == 1 {
			for n := sub.Uint(); n > 0 && sub.Err == nil; n-- {
				idx := int(sub.Uint())
				names[idx] = sub.Name()
			}
		}
	}
}

// goPackage returns the package of a Go function's name as the wasm linker writes it: the import
// path with "/" and "-" turned into "_" ("github.com_santhosh_tekuri_jsonschema_v6.__Schema_.M"
// → "github.com_santhosh_tekuri_jsonschema_v6"): the text up to the first dot that is not in a
// leading domain name (github.com, golang.org, gopkg.in, go.yaml.in).
func goPackage(sym string) string {
	if sym == "" {
		return "(unnamed)"
	}
	start := 0
	if u := strings.IndexByte(sym, '_'); u > 0 {
		domain := sym[:u]
		for _, tld := range []string{".com", ".org", ".in", ".io", ".net", ".dev"} {
			if strings.HasSuffix(domain, tld) {
				start = u
				break
			}
		}
	}
	if dot := strings.IndexByte(sym[start:], '.'); dot >= 0 {
		return sym[:start+dot]
	}
	return sym
}

func printTable(w *os.File, files []string, mods []*module, top int) {
	mb := func(n int64) string { return fmt.Sprintf("%.3f", float64(n)/1e6) }
	row := func(label string, f func(*module) int64) {
		fmt.Fprintf(w, "| %s |", label)
		for _, m := range mods {
			fmt.Fprintf(w, " %s |", mb(f(m)))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "| MB | %s |\n|---|%s\n", strings.Join(files, " | "), strings.Repeat("---:|", len(files)))
	row("file", func(m *module) int64 { return m.file })
	row("code section", func(m *module) int64 { return m.code })
	row("data section", func(m *module) int64 { return m.data })
	row("name section", func(m *module) int64 { return m.names })
	pkgs := map[string]bool{}
	for _, m := range mods {
		for p := range m.perPackage {
			pkgs[p] = true
		}
	}
	order := make([]string, 0, len(pkgs))
	for p := range pkgs {
		order = append(order, p)
	}
	first := mods[0].perPackage
	sort.Slice(order, func(i, j int) bool {
		if first[order[i]] != first[order[j]] {
			return first[order[i]] > first[order[j]]
		}
		return order[i] < order[j]
	})
	if top > 0 && len(order) > top {
		order = order[:top]
	}
	for _, p := range order {
		row(p, func(m *module) int64 { return m.perPackage[p] })
	}
}
