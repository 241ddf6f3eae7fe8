package nginx

import (
	"strings"
	"testing"
	"time"

	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/tools/genconfigs/gen"
)

// TestFailsClosed: what nginx would otherwise turn into an outage or a bypass fails closed with
// a clear log line. A config the plugin refuses: the workers stay up and every request gets 503
// (nginx would lose a worker whose filter failed to start, for good). A body nginx keeps in a
// temp file (client_body_buffer_size too small): 413 and an error line naming the directive,
// never a body let through uninspected.
func TestFailsClosed(t *testing.T) {
	bin := hostOrSkip(t)
	w := newWorld(t)
	addrs, err := FreeAddrs(2)
	if err != nil {
		t.Fatal(err)
	}
	data := []byte(`{"apiVersion":"wasmward/v1","plugin":"ratelimit","spec":{}}`) // no limit: refused
	refused := gen.NginxFilter{Plugin: "ratelimit", Config: inlineConfig(t, "ratelimit", "refused", data)}
	inspect := filterOf(t, "sanitize", "plugins/sanitize/testdata/valid/full.json", nil)
	n := w.startNginx(t, bin, 2, []site{
		{addr: addrs[0], filters: []gen.NginxFilter{refused}},
		{addr: addrs[1], filters: []gen.NginxFilter{inspect}, bodyBuffer: 8 << 10},
	})
	for i := range 4 {
		reply, seen, err := w.roundTrip(addrs[0], harness.Request{Path: "/"})
		if err != nil || reply.Status != 503 || seen != nil {
			t.Fatalf("refused config, request %d: %v status %d upstream reached %v", i, err, reply.Status, seen != nil)
		}
	}
	if !strings.Contains(n.ErrorLog(), "wasmward ratelimit: refusing to start: spec.limits") {
		t.Error("no refusal line naming the field")
	}
	if len(n.Workers()) != 2 {
		t.Errorf("%d workers left, want 2", len(n.Workers()))
	}

	big := onTheWire(harness.Request{Method: "POST", Path: "/api/orders", Headers: [][2]string{{"content-type", "application/json"}},
		Body: `{"note":"` + strings.Repeat("a", 32<<10) + `"}`})
	reply, seen, err := w.roundTrip(addrs[1], big)
	if err != nil || reply.Status != 413 || seen != nil {
		t.Fatalf("body in a temp file: %v status %d (%q), upstream reached %v; want 413", err, reply.Status, reply.Body, seen != nil)
	}
	time.Sleep(100 * time.Millisecond)
	if !strings.Contains(n.ErrorLog(), "client_body_buffer_size") {
		t.Error("no error line naming client_body_buffer_size")
	}
	ensureNoProblems(t, n)
}
