package nginx

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/wasmward/wasmward/e2e/e2ekit"
	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/shared/identity"
	"github.com/wasmward/wasmward/tools/genconfigs/gen"
)

// caseSet is one config and the cases run against it.
type caseSet struct {
	plugin string
	name   string // file the cases come from, relative to the repository
	config gen.Config
	cases  []harness.Case
}

// caseSets returns every plugin's testdata case files and every examples/policy-tests file,
// once per (config, cases) pair.
func caseSets(t *testing.T) []caseSet {
	t.Helper()
	root := harness.RepoRoot()
	seen := map[string]bool{}
	var out []caseSet
	add := func(plugin, configPath, casesPath string, cases []harness.Case) {
		key := filepath.Clean(configPath) + "\x00" + filepath.Clean(casesPath)
		if seen[key] {
			return
		}
		seen[key] = true
		c, err := gen.LoadConfig(root, plugin, configPath)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, casesPath)
		out = append(out, caseSet{plugin: plugin, name: rel, config: c, cases: cases})
	}
	for _, def := range gen.Definitions() {
		sets, err := harness.LoadCaseSets(filepath.Join(root, "plugins", def.Name))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range sets {
			add(def.Name, s.Config, s.File, s.Cases)
		}
	}
	examples, _ := filepath.Glob(filepath.Join(root, gen.ExamplesDir, "*.json"))
	for _, f := range examples {
		var ex struct{ Plugin, Config, Cases string }
		data, err := os.ReadFile(f)
		if err == nil {
			err = json.Unmarshal(data, &ex)
		}
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		dir := filepath.Dir(f)
		casesPath := filepath.Join(dir, ex.Cases)
		var cases []harness.Case
		data, err = os.ReadFile(casesPath)
		if err == nil {
			err = json.Unmarshal(data, &cases)
		}
		if err != nil {
			t.Fatalf("%s: %v", casesPath, err)
		}
		add(ex.Plugin, filepath.Join(dir, ex.Config), casesPath, cases)
	}
	return out
}

// hostLimit says why a case cannot be reproduced over HTTP in this host, or "".
func hostLimit(c harness.Case) string {
	switch {
	case c.Request.Source != "" && !realIP:
		return "source address: every e2e request comes from 127.0.0.1 (this nginx lacks the realip module)"
	case len(c.Request.Properties) > 0:
		return "host properties (peer certificate, route, test clock) cannot be set over HTTP"
	case len(c.Request.Trailers) > 0 || c.Request.Upstream != nil && len(c.Request.Upstream.Trailers) > 0:
		return "trailers: the e2e client and upstream speak plain HTTP/1.1 without trailers"
	}
	if v, ok := c.Request.Header("content-length"); ok && v != strconv.Itoa(len(c.Request.Body)) {
		return "a declared Content-Length other than the body's cannot be sent over HTTP"
	}
	if up := c.Request.Upstream; up != nil {
		if v, ok := up.Header("content-length"); ok && v != strconv.Itoa(len(up.Body)) {
			return "an upstream Content-Length other than its body's cannot be served over HTTP"
		}
	}
	return ""
}

// onTheWire is the request as the e2e client sends it: a body always has a Content-Length, as
// every HTTP/1.1 client gives it (the emulator gets the same).
func onTheWire(r harness.Request) harness.Request {
	if _, ok := r.Header("content-length"); (r.Body != "" || r.Method == "POST" || r.Method == "PUT" || r.Method == "PATCH") && !ok {
		r.Headers = append(slices.Clone(r.Headers), [2]string{"content-length", strconv.Itoa(len(r.Body))})
	}
	return r
}

// TestDifferential runs every case of every case set through real nginx over HTTP and through
// the emulator (strict host, nginx profile, the same config line), and requires both to agree
// on the status, the reply's headers and body, and the request the upstream received. It
// prints the agreement count.
func TestDifferential(t *testing.T) {
	bin := hostOrSkip(t)
	printVersion(t, bin)
	w := newWorld(t)
	sets := caseSets(t)
	addrs, err := FreeAddrs(len(sets))
	if err != nil {
		t.Fatal(err)
	}
	var sites []site
	for i, s := range sets {
		f, err := gen.NginxFilterFor(s.plugin, s.config)
		if err != nil {
			t.Fatal(err)
		}
		sites = append(sites, site{addr: addrs[i], filters: []gen.NginxFilter{f}})
	}
	n := w.startNginx(t, bin, 2, sites)
	t.Logf("nginx served its first request %.1fs after start (%d servers)", n.Ready.Seconds(), len(sites))

	var agree, limited, total int
	for i, s := range sets {
		def, _ := gen.Lookup(s.plugin)
		_, line, _ := gen.NginxArgument(s.plugin, gen.Config{Data: []byte(w.pointClusters(string(s.config.Data))), Env: s.config.Env})
		emu, err := harness.NewHost(harness.Strict, def, []byte(line), harness.Options{Profile: harness.Nginx, Env: envMap()})
		if err != nil {
			harness.FailOrSkipMissing(t, err)
		}
		t.Run(s.name, func(t *testing.T) {
			for _, c := range s.cases {
				total++
				if why := hostLimit(c); why != "" {
					limited++
					t.Logf("%s: host limitation: %s", c.Name, why)
					continue
				}
				req := onTheWire(c.Request)
				want := emu.Do(req)
				got, seen, err := w.roundTrip(addrs[i], req)
				if err != nil {
					t.Errorf("%s: %v", c.Name, err)
					continue
				}
				diffs := compare(c.Request, want, got, seen)
				if len(diffs) == 0 {
					agree++
					continue
				}
				t.Errorf("%s: nginx and the emulator disagree:\n  %s", c.Name, strings.Join(diffs, "\n  "))
			}
		})
		emu.Close()
	}
	ensureNoProblems(t, n)
	t.Logf("differential: %d of %d cases agree between real nginx and the emulator's nginx profile; %d marked with a host limitation",
		agree, total-limited, limited)
	fmt.Printf("e2e-nginx differential: %d/%d agree (%d host-limited, not run)\n", agree, total-limited, limited)
}

func envMap() map[string]string {
	m := map[string]string{}
	for _, kv := range testEnv() {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

// ignoredReplyHeaders are added by nginx or the Go server, not by a plugin.
var ignoredReplyHeaders = []string{"date", "server", "connection", "content-length", "transfer-encoding", "keep-alive"}

// ignoredForwarded are request headers nginx's proxy module sets itself.
var ignoredForwarded = []string{"connection", "content-length", "transfer-encoding"}

// compare lists how the real host's result differs from the emulator's.
func compare(req harness.Request, want harness.Result, got harness.Reply, seen *e2ekit.Seen) []string {
	var diffs []string
	add := func(format string, args ...any) { diffs = append(diffs, fmt.Sprintf(format, args...)) }
	if want.Reply.Status != got.Status {
		add("status: emulator %d, nginx %d (body %q)", want.Reply.Status, got.Status, clip(got.Body))
	}
	if want.HostReply { // nginx answered by itself: its page is not emulated
		if seen != nil {
			add("the upstream received a request nginx should have refused")
		}
		return diffs
	}
	for _, h := range want.Reply.Headers {
		name := strings.ToLower(h[0])
		if slices.Contains(ignoredReplyHeaders, name) {
			continue
		}
		if v, ok := got.Header(name); !ok || v != h[1] {
			add("reply header %s: emulator %q, nginx %q", name, h[1], v)
		}
	}
	if want.Reply.Body != got.Body {
		add("reply body: emulator %q, nginx %q", clip(want.Reply.Body), clip(got.Body))
	}
	switch {
	case want.Forwarded == nil && seen != nil:
		add("the upstream received the request; the emulator blocked it")
		return diffs
	case want.Forwarded != nil && seen == nil:
		add("the upstream received nothing; the emulator forwarded the request")
		return diffs
	case seen == nil:
		return diffs
	}
	if p := want.Forwarded.Path; p != seen.Path {
		add("forwarded path: emulator %q, nginx %q", p, seen.Path)
	}
	if want.Forwarded.Body != seen.Body {
		add("forwarded body: emulator %q, nginx %q", clip(want.Forwarded.Body), clip(seen.Body))
	}
	names := map[string]bool{}
	for _, h := range req.Headers {
		names[strings.ToLower(h[0])] = true
	}
	for _, h := range want.Forwarded.Headers {
		if !strings.HasPrefix(h[0], ":") {
			names[strings.ToLower(h[0])] = true
		}
	}
	for name := range names {
		if slices.Contains(ignoredForwarded, name) {
			continue
		}
		var emu []string
		for _, h := range want.Forwarded.Headers {
			if strings.EqualFold(h[0], name) {
				emu = append(emu, h[1])
			}
		}
		real := seen.Header(name)
		if name == "cookie" { // nginx joins cookie headers into one
			emu, real = []string{strings.Join(emu, "; ")}, []string{strings.Join(real, "; ")}
		}
		if name == identity.HeaderName { // signed at each host's own time: compare what it says
			emu, real = identityClaims(emu), identityClaims(real)
		}
		if !slices.Equal(emu, real) {
			add("forwarded %s: emulator %q, nginx %q", name, emu, real)
		}
	}
	return diffs
}

// identityClaims strips the time and signature from signed handoff headers
// (v1.<unix time>.<payload>.<signature>).
func identityClaims(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		if parts := strings.Split(v, "."); len(parts) == 4 {
			v = parts[0] + "." + parts[2]
		}
		out[i] = v
	}
	return out
}

func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}
