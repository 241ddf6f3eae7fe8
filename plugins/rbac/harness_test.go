package rbac_test

import (
	"strings"
	"testing"
	"time"

	"github.com/wasmward/wasmward/plugins/rbac"
	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/shared/identity"
	"github.com/wasmward/wasmward/shared/metrics"
	"github.com/wasmward/wasmward/shared/policy"
)

func identityProp(t *testing.T, id *policy.Identity) map[string]string {
	t.Helper()
	b, err := identity.Marshal(id)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{identity.PropertyName: string(b)}
}

func TestMissingIdentityIsDeniedByDefault(t *testing.T) {
	cfg := []byte(`{"apiVersion":"wasmward/v1","plugin":"rbac","spec":{"rules":[
	 {"id":"users","action":"ALLOW","principals":[{"authenticated":{}}],"permissions":[{"any":true}]}]}}`)
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		h := harness.MustStart(t, mode, rbac.Definition, cfg)
		res := h.Do(harness.Request{Path: "/x"})
		if res.Reply.Status != 403 || !res.LocalReply {
			t.Fatalf("no identity: %+v", res)
		}
		if n := h.Counter(metrics.DecisionName("rbac", "", "default_deny", metrics.Deny)); n != 1 {
			t.Errorf("default_deny counter = %d", n)
		}
		res = h.Do(harness.Request{Path: "/x", Properties: identityProp(t, &policy.Identity{Subject: "u1"})})
		if res.Reply.Status != 200 {
			t.Fatalf("identity: %+v", res)
		}
		if n := h.Counter(metrics.DecisionName("rbac", "users", "allowed", metrics.Allow)); n != 1 {
			t.Errorf("allowed counter = %d", n)
		}
	})
}

func TestShadowAndLogRulesAreRecordedNotEnforced(t *testing.T) {
	cfg := []byte(`{"apiVersion":"wasmward/v1","plugin":"rbac","spec":{"defaultAction":"ALLOW","rules":[
	 {"id":"new-deny","action":"DENY","shadow":true,"principals":[{"claim":{"path":"ssn","exists":true}}],"permissions":[{"path":{"prefix":"/hr/"}}]},
	 {"id":"watch-hr","action":"LOG","principals":[{"any":true}],"permissions":[{"path":{"prefix":"/hr/"}}]}]}}`)
	id := &policy.Identity{Subject: "alice@example.com", Claims: []byte(`{"ssn":"123-45-6789","email":"alice@example.com"}`)}
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		h := harness.MustStart(t, mode, rbac.Definition, cfg)
		res := h.Do(harness.Request{Path: "/hr/records?id=7", Properties: identityProp(t, id)})
		if res.Reply.Status != 200 || res.LocalReply {
			t.Fatalf("shadow rule enforced: %+v", res)
		}
		if n := h.Counter(metrics.DecisionName("rbac", "new-deny", "shadow_denied", metrics.ShadowDeny)); n != 1 {
			t.Errorf("shadow_deny counter = %d", n)
		}
		lines := h.AuditLines()
		if len(lines) != 1 {
			t.Fatalf("audit lines: %q", lines)
		}
		for _, want := range []string{`"rule":"new-deny"`, `"reason":"shadow_denied"`, `"shadow":true`, `"log_rule":"watch-hr"`, `"enforced":"default_allow"`} {
			if !strings.Contains(lines[0], want) {
				t.Errorf("audit line lacks %s: %s", want, lines[0])
			}
		}
		for _, secret := range []string{"123-45", "alice", "id=7"} {
			if strings.Contains(lines[0], secret) {
				t.Errorf("audit line leaks %q: %s", secret, lines[0])
			}
		}
		// A LOG match alone still writes an audit line for an allowed request.
		h.Do(harness.Request{Path: "/hr/x", Properties: identityProp(t, &policy.Identity{Subject: "bob"})})
		if lines := h.AuditLines(); len(lines) != 2 || !strings.Contains(lines[1], `"log_rule":"watch-hr"`) {
			t.Errorf("LOG rule audit: %q", lines)
		}
	})
}

func TestTimeWindowUsesTheHostClock(t *testing.T) {
	cfg := []byte(`{"apiVersion":"wasmward/v1","plugin":"rbac","spec":{"rules":[
	 {"id":"office","action":"ALLOW","principals":[{"any":true}],"permissions":[{"any":true}],
	  "conditions":[{"time":{"days":["Mon","Tue","Wed","Thu","Fri"],"from":"09:00","to":"17:00","timeZone":"Asia/Tokyo"}}]}]}}`)
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		h := harness.MustStart(t, mode, rbac.Definition, cfg)
		for _, tc := range []struct {
			at   time.Time
			want int
		}{
			{time.Date(2026, 1, 5, 1, 0, 0, 0, time.UTC), 200},  // Mon 10:00 in Tokyo
			{time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC), 403},  // Mon 18:00 in Tokyo
			{time.Date(2026, 1, 10, 1, 0, 0, 0, time.UTC), 403}, // Sat 10:00 in Tokyo
		} {
			h.SetTime(tc.at)
			if got := h.Do(harness.Request{}).Reply.Status; got != tc.want {
				t.Errorf("at %v: status %d, want %d", tc.at, got, tc.want)
			}
		}
	})
}

func TestBadConfigRefusesToStart(t *testing.T) {
	cfg := []byte(`{"apiVersion":"wasmward/v1","plugin":"rbac","spec":{"rules":[
	 {"id":"ops","action":"ALLOW","roles":["operator"]}]}}`)
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		h := harness.Start(t, mode, rbac.Definition, cfg)
		if h.Status {
			t.Fatal("started with an unknown role")
		}
		logs := strings.Join(h.CriticalLogs(), "\n")
		if !strings.Contains(logs, "spec.rules[0].roles[0]") || !strings.Contains(logs, `rule "ops": unknown role "operator"`) {
			t.Errorf("start refusal does not name the rule and field: %s", logs)
		}
	})
}
