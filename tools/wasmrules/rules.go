// Package wasmrules checks the Go-on-Wasm rules in source, dependencies included: nothing that a
// plugin module links from outside the standard library may call what arms a Go runtime timer
// or forces a collection: time.Sleep, time.After, time.AfterFunc, time.NewTimer, time.NewTicker,
// time.Tick, context.WithTimeout/WithDeadline (and their Cause forms), runtime.GC,
// runtime/debug.FreeOSMemory, or anything of crypto/rand. After the first timer, every garbage
// collection calls WASI poll_oneoff, which traps on hosts that lack it (see docs/hosts.md).
//
// The standard library is left to the strict-host soak test (plugins/registry), which runs the
// built modules and fails on any poll_oneoff or random_get call: crypto/ecdsa, for one, imports
// crypto/rand for signing, which verification never reaches.
package wasmrules

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// forbidden maps an import path to the names in it that must not be used; "*" means all.
var forbidden = map[string][]string{
	"time":          {"Sleep", "After", "AfterFunc", "NewTimer", "NewTicker", "Tick"},
	"context":       {"WithTimeout", "WithDeadline", "WithTimeoutCause", "WithDeadlineCause"},
	"runtime":       {"GC"},
	"runtime/debug": {"FreeOSMemory"},
	"crypto/rand":   {"*"},
}

// Finding is one forbidden use: "file:line: pkg.Name".
type Finding struct {
	Pos  string
	Name string
}

func (f Finding) String() string { return f.Pos + ": " + f.Name }

// Check loads the packages matching patterns for GOOS=wasip1 GOARCH=wasm from dir, with their
// dependencies, and returns every forbidden use in a non-standard package's non-test files.
func Check(dir string, patterns ...string) ([]Finding, error) {
	cmd := exec.Command("go", append([]string{"list", "-deps", "-json=ImportPath,Dir,GoFiles,Standard"}, patterns...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w", err)
	}
	var findings []Finding
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p struct {
			ImportPath, Dir string
			GoFiles         []string
			Standard        bool
		}
		if err := dec.Decode(&p); err != nil {
			return nil, err
		}
		if p.Standard {
			continue
		}
		for _, f := range p.GoFiles {
			fs, err := checkFile(filepath.Join(p.Dir, f))
			if err != nil {
				return nil, err
			}
			findings = append(findings, fs...)
		}
	}
	sort.Slice(findings, func(i, j int) bool { return findings[i].Pos < findings[j].Pos })
	return findings, nil
}

// checkFile returns the forbidden selectors used in one file.
func checkFile(path string) ([]Finding, error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	imported := map[string]string{} // local name → import path, for forbidden paths only
	for _, imp := range file.Imports {
		ip, _ := strconv.Unquote(imp.Path.Value)
		if _, ok := forbidden[ip]; !ok {
			continue
		}
		name := ip[strings.LastIndex(ip, "/")+1:]
		if imp.Name != nil {
			name = imp.Name.Name
		}
		imported[name] = ip
	}
	var out []Finding
	ast.Inspect(file, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok {
			return true
		}
		ip, ok := imported[id.Name]
		if !ok {
			return true
		}
		for _, name := range forbidden[ip] {
			if name == "*" || name == sel.Sel.Name {
				out = append(out, Finding{Pos: fset.Position(sel.Pos()).String(), Name: ip + "." + sel.Sel.Name})
			}
		}
		return true
	})
	return out, nil
}
