package nginx

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wasmward/wasmward/plugins/ratelimit"
	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/tools/genconfigs/gen"
)

// evictedLine is ratelimit's eviction report (plugins/ratelimit/eviction.go).
var evictedLine = regexp.MustCompile(`shared data evicted (\d+) of (\d+) rate-limit slots \(keys\.max (\d+) `)

// TestShmKVEviction: a ratelimit table larger than the shm_kv zone is evicted by the host as it
// is created; the plugin says so in one error line naming keys.max and keeps limiting. A table
// sized by the plugin's figure (ratelimit.ZoneBytesPerSlot) gets no such line. The slots that
// survived in a full zone measure what one slot takes of it (logged; the figure must cover it).
func TestShmKVEviction(t *testing.T) {
	bin := hostOrSkip(t)
	long := strings.Repeat("n", 64) // the longest namespace
	limited := []int{200, 200, 429} // ratelimitFilter's limit, for one client
	for _, tc := range []struct {
		name    string
		zoneMiB int // 0: the shipped examples' zone (gen.ShmKVSize)
		filter  func(t *testing.T) gen.NginxFilter
		keysMax int
		replies []int
		evicted bool
	}{
		{"fits", 1, func(t *testing.T) gen.NginxFilter {
			return ratelimitFilter(t, "edge", 1<<20/ratelimit.ZoneBytesPerSlot)
		},
			1 << 20 / ratelimit.ZoneBytesPerSlot, limited, false},
		{"shipped full config, two workers", 0, func(t *testing.T) gen.NginxFilter {
			return filterOf(t, "ratelimit", "plugins/ratelimit/testdata/valid/full.json", nil)
		}, 0, []int{200}, false},
		{"too small", 1, func(t *testing.T) gen.NginxFilter { return ratelimitFilter(t, "edge", 20000) }, 20000, limited, true},
		{"too small, longest namespace", 4, func(t *testing.T) gen.NginxFilter { return ratelimitFilter(t, long, 40000) },
			40000, limited, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			workers := 2
			if tc.zoneMiB > 0 {
				w.shmKV, workers = strconv.Itoa(tc.zoneMiB)+"m", 1
			}
			addrs, err := FreeAddrs(1)
			if err != nil {
				t.Fatal(err)
			}
			n := w.startNginx(t, bin, workers, []site{{addr: addrs[0], filters: []gen.NginxFilter{tc.filter(t)}}})
			// Every worker's VM has started (and checked its tables) before the log is read.
			for deadline := time.Now().Add(time.Minute); strings.Count(n.ErrorLog(), "wasmward ratelimit: started") < workers; {
				if time.Now().After(deadline) {
					t.Fatalf("not every worker started:\n%s", n.ErrorLogTail(20))
				}
				time.Sleep(100 * time.Millisecond)
			}
			for i, want := range tc.replies {
				reply, _, err := w.roundTrip(addrs[0], harness.Request{Path: "/", Source: "198.51.100.7"})
				if err != nil || reply.Status != want {
					t.Fatalf("request %d: %v status %d, want %d", i, err, reply.Status, want)
				}
			}
			lines := evictedLine.FindAllStringSubmatch(n.ErrorLog(), -1)
			if !tc.evicted {
				if len(lines) != 0 {
					t.Fatalf("eviction reported for a table that fits: %s", lines[0][0])
				}
				ensureNoProblems(t, n)
				return
			}
			if len(lines) != 1 {
				t.Fatalf("%d eviction lines, want 1:\n%s", len(lines), n.ErrorLogTail(20))
			}
			if lines[0][3] != strconv.Itoa(tc.keysMax) {
				t.Errorf("line names keys.max %s, want %d", lines[0][3], tc.keysMax)
			}
			missing, _ := strconv.Atoi(lines[0][1])
			kept := tc.keysMax - missing
			perSlot := tc.zoneMiB << 20 / max(kept, 1)
			t.Logf("%s: a %d MiB shm_kv zone kept %d of %d slots: %d bytes of zone per slot",
				tc.name, tc.zoneMiB, kept, tc.keysMax, perSlot)
			if perSlot > ratelimit.ZoneBytesPerSlot {
				t.Errorf("a slot takes %d bytes of zone, more than the %d the plugin sizes with", perSlot, ratelimit.ZoneBytesPerSlot)
			}
			ensureNoProblems(t, n)
		})
	}
}

// ratelimitFilter is a one-limit ratelimit config (2 requests per minute per client address)
// with keys.max slots, in namespace "edge" as the shipped examples.
func ratelimitFilter(t *testing.T, namespace string, keysMax int) gen.NginxFilter {
	t.Helper()
	data := []byte(fmt.Sprintf(`{"apiVersion":"wasmward/v1","plugin":"ratelimit","spec":{"limits":[{"id":"per-ip",`+
		`"descriptor":[{"key":"remote_address","type":"sourceIP"}],"bucket":{"capacity":2,"fillInterval":"1m"}}],`+
		`"keys":{"max":%d},"shared":{"namespace":%q}}}`, keysMax, namespace))
	return gen.NginxFilter{Plugin: "ratelimit", Config: inlineConfig(t, "ratelimit", "keys-"+strconv.Itoa(keysMax), data)}
}

// probeSite starts nginx with one worker and the test probe (shared data on) in front of w's
// upstream, and returns a function that sends a request with x-probe mode and x-probe-key key
// and gives the probe's x-probe-shared answer, and the nginx.
func probeSite(t *testing.T) (func(mode, key string) string, *Nginx) {
	t.Helper()
	bin := hostOrSkip(t)
	data := []byte(`{"apiVersion":"wasmward/v1","plugin":"probe","host":{"kind":"nginx","sharedData":true},"spec":{}}`)
	probe := gen.NginxFilter{Plugin: "probe", Module: filepath.Join(harness.RepoRoot(), "dist", "test", "probe.wasm"),
		Config: inlineConfig(t, "probe", "probe", data)}
	w := newWorld(t)
	addrs, err := FreeAddrs(1)
	if err != nil {
		t.Fatal(err)
	}
	n := w.startNginx(t, bin, 1, []site{{addr: addrs[0], filters: []gen.NginxFilter{probe}}})
	return func(mode, key string) string {
		t.Helper()
		reply, seen, err := w.roundTrip(addrs[0], harness.Request{Path: "/", Headers: [][2]string{{"x-probe", mode}, {"x-probe-key", key}}})
		if err != nil || reply.Status != 200 || seen == nil {
			t.Fatalf("%s %q: status %d, reached upstream %v, %v", mode, key, reply.Status, seen != nil, err)
		}
		return strings.Join(seen.Header("x-probe-shared"), ",")
	}, n
}

// TestShmKVKeysByCRC32: ngx_wasm_module's shm_kv finds a key by its CRC-32 alone (the emulator's
// nginx profile, HostProfile.SharedDataKeyedByCRC32): the test probe bumps a shared counter at a
// key twice, then at a different key with the same CRC-32, which continues the first key's
// count. Keys of one length differing within 4 consecutive bytes never collide
// (TestSlotKeysCRC32Distinct in plugins/ratelimit checks its keys).
func TestShmKVKeysByCRC32(t *testing.T) {
	a, b := harness.CRC32Twins("probe.twin.")
	probeShared, n := probeSite(t)
	got := []string{probeShared("shared", a), probeShared("shared", a), probeShared("shared", b)}
	if want := []string{"1", "2", "3"}; !slices.Equal(got, want) {
		t.Errorf("counts at %q, %q, %q = %q, want %q (the second key one entry with the first)", a, a, b, got, want)
	}
	ensureNoProblems(t, n)
}

// TestShmKVCASZeroOnExistingKey: a shared-data write with cas 0 creates a key that does not
// exist; on a key that exists, ngx_wasm_module refuses it (ErrCASMismatch) where Envoy writes
// unconditionally. Measured with the test probe: a counter bumped to 1, then a cas-0 write.
func TestShmKVCASZeroOnExistingKey(t *testing.T) {
	probeShared, n := probeSite(t)
	got := []string{probeShared("shared-cas0", "probe.new"), probeShared("shared", "probe.counter"), probeShared("shared-cas0", "probe.counter")}
	t.Logf("cas 0 on a new key, a bump, cas 0 on the existing key: %q", got)
	if want := []string{"ok:cas0", "1", "cas_mismatch:1"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	ensureNoProblems(t, n)
}
