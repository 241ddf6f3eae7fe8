package ratelimit_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wasmward/wasmward/plugins/ratelimit"
	"github.com/wasmward/wasmward/shared/policy"
	"github.com/wasmward/wasmward/shared/policytest"
)

// fakeRLS answers RateLimitRequests as the service's Redis backend does: one fixed-window
// counter per descriptor (and window), per-descriptor hitsAddend (0 allowed) else the request's
// (default 1), OVER_LIMIT when the counter after the hits exceeds the descriptor's limit.
type fakeRLS struct {
	counts map[string]uint64
	clock  func() time.Time
}

var unitSeconds = map[string]int64{"SECOND": 1, "MINUTE": 60, "HOUR": 3600, "DAY": 86400}

func (s *fakeRLS) answer(f *policytest.Fetch) {
	var req struct {
		Domain      string
		HitsAddend  uint64
		Descriptors []struct {
			Entries []struct{ Key, Value string }
			Limit   struct {
				RequestsPerUnit uint64
				Unit            string
			}
			HitsAddend *uint64
		}
	}
	if err := json.Unmarshal(f.Request.Body, &req); err != nil {
		f.Respond(400, "Bad Request")
		return
	}
	now := s.clock().Unix()
	overall := "OK"
	var statuses []string
	for _, d := range req.Descriptors {
		unit := unitSeconds[d.Limit.Unit]
		window := now / unit * unit
		key := req.Domain + "|" + strconv.FormatInt(window, 10)
		for _, e := range d.Entries {
			key += "|" + e.Key + "=" + e.Value
		}
		hits := max(1, req.HitsAddend)
		if d.HitsAddend != nil {
			hits = *d.HitsAddend
		}
		s.counts[key] += hits
		code := "OK"
		if s.counts[key] > d.Limit.RequestsPerUnit {
			code, overall = "OVER_LIMIT", "OVER_LIMIT"
		}
		statuses = append(statuses, `{"code":"`+code+`","durationUntilReset":"`+strconv.FormatInt(window+unit-now, 10)+`s"}`)
	}
	status := 200
	if overall != "OK" {
		status = 429
	}
	f.Respond(status, `{"overallCode":"`+overall+`","statuses":[`+strings.Join(statuses, ",")+`]}`)
}

const rlsBanSpec = `{"rls": {"cluster": "ratelimit"},
	"limits": [{"id": "global", "backend": "rls", "descriptor": [{"key": "ip", "type": "sourceIP"}], "rls": {"requestsPerUnit": 1000, "unit": "hour"}}],
	"bans": [{"id": "auth", "backend": "rls", "descriptor": [{"key": "ip", "type": "sourceIP"}], "statuses": [401],
	          "threshold": 2, "window": "1m", "duration": "5m"}]}`

// A ban started on one instance applies on another that shares only the service.
func TestRLSBanClusterWide(t *testing.T) {
	clock := policytest.NewHost() // the shared wall clock
	svc := &fakeRLS{counts: map[string]uint64{}, clock: func() time.Time { return clock.Now() }}
	a := start(t, rlsBanSpec, policytest.NewHost())
	b := start(t, rlsBanSpec, policytest.NewHost())
	advance := func(d time.Duration) { clock.Advance(d); a.host.Advance(d); b.host.Advance(d) }
	bad := func() *policy.Request { return req("198.51.100.66:1") }

	// Two failed logins on instance A start the ban there.
	for range 2 {
		r := bad()
		if s := a.send(r, svc.answer); s.final.Verdict != policy.Allow {
			t.Fatalf("before the ban: %+v", s.final)
		}
		a.pol.(policy.ResponsePolicy).OnResponse(r, &policy.Response{Status: 401})
	}
	// Instance B does not know yet (nothing was published).
	if s := b.send(bad(), svc.answer); s.final.Verdict != policy.Allow {
		t.Fatalf("B before publication: %+v", s.final)
	}
	// The next request on A is denied after publishing the ban (its own callout).
	s := a.send(bad(), svc.answer)
	if s.first.Verdict != policy.Defer || s.final.Reason != ratelimit.ReasonBanned || !strings.Contains(string(s.fetch.Request.Body), ratelimit.RLSBanEntry) {
		t.Fatalf("publication: first %v, final %+v", s.first.Verdict, s.final)
	}
	// Published once: A denies locally from now on.
	if s = a.send(bad(), nil); s.first.Reason != ratelimit.ReasonBanned || len(a.host.Fetches) != 0 {
		t.Fatalf("A after publication: %+v", s.first)
	}
	// B learns it from the service, then denies locally for a while.
	advance(time.Second)
	s = b.send(bad(), svc.answer)
	if s.final.Reason != ratelimit.ReasonBanned || s.final.Details["backend"] != "rls" {
		t.Fatalf("B after publication: %+v", s.final)
	}
	if s = b.send(bad(), nil); s.first.Reason != ratelimit.ReasonBanned || len(b.host.Fetches) != 0 {
		t.Fatalf("B's learned ban: %+v", s.first)
	}
	// Another client is not banned anywhere.
	if s = b.send(req("198.51.100.67:1"), svc.answer); s.final.Verdict != policy.Allow {
		t.Fatalf("other client: %+v", s.final)
	}
	// After the ban's end the service says OK again, everywhere.
	advance(5 * time.Minute)
	for name, w := range map[string]*worker{"A": a, "B": b} {
		if s = w.send(bad(), svc.answer); s.final.Verdict != policy.Allow {
			t.Fatalf("%s after the ban: %+v", name, s.final)
		}
	}
}

// The limits on the fake service: exact grants across two instances.
func TestRLSTwoInstancesShareALimit(t *testing.T) {
	clock := policytest.NewHost()
	svc := &fakeRLS{counts: map[string]uint64{}, clock: func() time.Time { return clock.Now() }}
	spec := `{"rls": {"cluster": "ratelimit"}, "limits": [{"id": "g", "backend": "rls",
		"descriptor": [{"key": "all", "type": "literal", "value": "x"}], "rls": {"requestsPerUnit": 7, "unit": "hour"}}]}`
	ws := []*worker{start(t, spec, policytest.NewHost()), start(t, spec, policytest.NewHost())}
	granted := 0
	for i := range 30 {
		if s := ws[i%2].send(req("192.0.2.1:1"), svc.answer); s.final.Verdict == policy.Allow {
			granted++
		}
	}
	if granted != 7 {
		t.Fatalf("granted %d across two instances, want the limit 7", granted)
	}
}
