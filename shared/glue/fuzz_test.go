package glue_test

import (
	"strings"
	"testing"

	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/shared/harness/probe"
)

// FuzzRequestPath sends arbitrary header names, values, paths and bodies (control characters,
// invalid UTF-8, huge sizes) through the glue's request accessors and the identity handoff
// reader: the request must pass untouched, never panic into a 500.
func FuzzRequestPath(f *testing.F) {
	f.Add("x-a", "v", "/p", "body")
	f.Add("authorization", "Bearer \x00\r\n", "/%zz?\xff", "")
	f.Add("x-wasmward-identity", "v1.1.e30.AAAA", "//", "x")
	f.Add(":path", strings.Repeat("a", 70000), "", "")
	h := harness.MustStart(f, harness.Native, probe.Definition, probeConfig("", `{"role":"consumer"}`))
	f.Fuzz(func(t *testing.T, name, value, path, body string) {
		res := h.Do(harness.Request{Path: path, Body: body, Method: "POST",
			Headers: [][2]string{{strings.ToLower(name), value}, {"x-probe-body", "1"}}})
		if res.LocalReply && res.Reply.Status == 500 {
			t.Fatalf("glue failed on name=%q value=%q path=%q", name, value, path)
		}
	})
}
