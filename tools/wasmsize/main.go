// Command wasmsize prints where a Go-built .wasm module's bytes go: its code and data section
// sizes, and the code per Go package (the function bodies, attributed by the module's name
// section). A worker's memory follows the code size (docs/performance.md, "Where the memory goes"),
// so this is the tool to see what a change adds or removes.
//
//	go run ./tools/wasmsize [-top N] dist/chain.wasm [dist/other.wasm ...]
//
// With several modules it prints one column per module, packages ordered by the first one.
// Hand-written: the format parsing needed is about sixty lines (sections, LEB128 integers, the
// name section's function names) and no well-kept Go library exposes a wasm decoder
// (wazero's is internal).
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
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
	r := &reader{b: b, off: 8}
	for r.off < len(b) {
		id := r.byte()
		size := r.uint()
		if r.err != nil || size > uint64(len(b)-r.off) {
			return nil, fmt.Errorf("truncated section at %d", r.off)
		}
		sec := &reader{b: b[r.off : r.off+int(size)]}
		switch id {
		case 0: // custom
			if sec.name() == "name" {
				m.names = int64(len(sec.b))
				readFunctionNames(sec, names)
			}
		case 2: // imports: they take the first function indices
			for n := sec.uint(); n > 0 && sec.err == nil; n-- {
				sec.name()
				sec.name()
				switch sec.byte() {
				case 0:
					imported++
					sec.uint()
				case 1: // table: element type, limits
					sec.byte()
					sec.limits()
				case 2:
					sec.limits()
				case 3: // global: type, mutability
					sec.byte()
					sec.byte()
				}
			}
		case 10: // code
			m.code = int64(len(sec.b))
			for n := sec.uint(); n > 0 && sec.err == nil; n-- {
				l := sec.uint()
				bodies = append(bodies, int64(l))
				sec.skip(l)
			}
		case 11:
			m.data = int64(len(sec.b))
		}
		if sec.err != nil {
			return nil, fmt.Errorf("section %d: %w", id, sec.err)
		}
		r.off += len(sec.b)
	}
	for i, l := range bodies {
		m.perPackage[goPackage(names[imported+i])] += l
	}
	return m, nil
}

// readFunctionNames reads the name section's function-name subsection (id 1) into names.
func readFunctionNames(r *reader, names map[int]string) {
	for r.off < len(r.b) && r.err == nil {
		id := r.byte()
		size := r.uint()
		if r.err != nil || size > uint64(len(r.b)-r.off) {
			return
		}
		sub := &reader{b: r.b[r.off : r.off+int(size)]}
		if id == 1 {
			for n := sub.uint(); n > 0 && sub.err == nil; n-- {
				idx := int(sub.uint())
				names[idx] = sub.name()
			}
		}
		r.off += len(sub.b)
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

// reader decodes the wasm binary format's integers and names; the first error sticks.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) byte() byte {
	if r.err != nil || r.off >= len(r.b) {
		r.err = fmt.Errorf("unexpected end at %d", r.off)
		return 0
	}
	r.off++
	return r.b[r.off-1]
}

// uint reads an unsigned LEB128 integer.
func (r *reader) uint() uint64 {
	var v uint64
	for shift := 0; shift < 64; shift += 7 {
		c := r.byte()
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v
		}
	}
	r.err = fmt.Errorf("integer too long at %d", r.off)
	return 0
}

func (r *reader) name() string {
	n := r.uint()
	start := r.off
	if !r.skip(n) {
		return ""
	}
	return string(r.b[start:r.off])
}

// skip moves past n bytes; it fails, and reports false, when fewer remain.
func (r *reader) skip(n uint64) bool {
	if r.err == nil && n > uint64(len(r.b)-r.off) {
		r.err = fmt.Errorf("%d bytes past the end at %d", n, r.off)
	}
	if r.err != nil {
		return false
	}
	r.off += int(n)
	return true
}

func (r *reader) limits() {
	if r.byte()&1 == 1 {
		r.uint()
	}
	r.uint()
}
