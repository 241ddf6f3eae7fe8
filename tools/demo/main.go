// Command demo runs every plugin's scripted requests (plugins/<name>/testdata/cases) through its
// built dist/<name>.wasm in the embedded wazero host — no proxy — and prints each request, the
// decision and the audit line it produced. `make demo` builds the plugins and runs it.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/wasmward/wasmward/plugins/registry"
	"github.com/wasmward/wasmward/shared/harness"
)

func main() {
	root := harness.RepoRoot()
	failed := 0
	for _, def := range registry.All() {
		sets, err := harness.LoadCaseSets(filepath.Join(root, "plugins", def.Name))
		if err != nil {
			fmt.Fprintln(os.Stderr, "demo:", err)
			os.Exit(2)
		}
		for _, set := range sets {
			cfg, err := os.ReadFile(set.Config)
			if err != nil {
				fmt.Fprintln(os.Stderr, "demo:", err)
				os.Exit(2)
			}
			h, err := harness.NewHost(harness.Wasm, def, cfg, harness.Options{})
			if err != nil {
				fmt.Fprintln(os.Stderr, "demo:", err)
				os.Exit(2)
			}
			fmt.Printf("\n== %s — dist/%s.wasm in wazero, config %s\n", def.Name, def.Name, rel(root, set.Config))
			if !h.Status {
				fmt.Printf("   plugin refused its config: %s\n", strings.Join(h.CriticalLogs(), "; "))
				failed++
				h.Close()
				continue
			}
			seen := 0
			for _, c := range set.Cases {
				res := h.Do(c.Request)
				diffs := c.Want.Check(res)
				mark := "ok"
				if len(diffs) > 0 {
					mark, failed = "MISMATCH", failed+1
				}
				who := "upstream"
				if res.LocalReply {
					who = "plugin"
				}
				method := c.Request.Method
				if method == "" {
					method = "GET"
				}
				fmt.Printf("   %-4s %-6s %-40s → %d from the %-8s %s\n", mark, method, clip(c.Request.Path, 40), res.Reply.Status, who, c.Name)
				for _, d := range diffs {
					fmt.Printf("        %s\n", d)
				}
				lines := h.AuditLines()
				for _, l := range lines[seen:] {
					fmt.Printf("        audit %s\n", l)
				}
				seen = len(lines)
			}
			h.Close()
		}
	}
	if failed > 0 {
		fmt.Printf("\n%d case(s) did not behave as expected\n", failed)
		os.Exit(1)
	}
	fmt.Println("\nevery scripted request behaved as expected")
}

func rel(root, p string) string {
	if r, err := filepath.Rel(root, p); err == nil {
		return r
	}
	return p
}

func clip(s string, n int) string {
	if s == "" {
		return "/"
	}
	if len(s) > n {
		return s[:n-1] + "…"
	}
	return s
}
