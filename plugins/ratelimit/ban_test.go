package ratelimit_test

import (
	"testing"
	"time"

	"github.com/wasmward/wasmward/plugins/ratelimit"
	"github.com/wasmward/wasmward/shared/policy"
	"github.com/wasmward/wasmward/shared/policytest"
)

const banSpec = `{"bans": [{"id": "auth", "descriptor": [{"key": "remote_address", "type": "sourceIP"}],
	"statuses": [401, 403], "statusClasses": ["5xx"], "threshold": 3, "window": "1m", "duration": "10m"}]}`

func (w *worker) respond(r *policy.Request, status int) policy.Decision {
	return w.pol.(policy.ResponsePolicy).OnResponse(r, &policy.Response{Status: status})
}

func TestBanAfterThresholdWithinWindow(t *testing.T) {
	w := start(t, banSpec, policytest.NewHost())
	a := func() *policy.Request { return req("198.51.100.9:1") }
	for i := range 2 {
		if d := w.respond(a(), 401); d.Reason != "" {
			t.Fatalf("response %d: %+v", i, d)
		}
	}
	w.respond(a(), 200) // not counted
	w.respond(a(), 404) // not counted
	if d := w.do(a()); d.Verdict != policy.Allow {
		t.Fatal("banned before the threshold")
	}
	d := w.respond(a(), 503)
	if d.Rule != "auth" || d.Reason != ratelimit.ReasonBanStarted || !d.Audit || d.Verdict != policy.Allow {
		t.Fatalf("third matching response: %+v, want an audited ban_started", d)
	}
	d = w.do(a())
	if d.Verdict != policy.Deny || d.Reason != ratelimit.ReasonBanned || d.Rule != "auth" || header(d.Reply.Headers, "retry-after") != "600" {
		t.Fatalf("banned key: %+v", d)
	}
	if w.do(req("198.51.100.10:1")).Verdict != policy.Allow {
		t.Fatal("another key is banned too")
	}
	w.host.Advance(10*time.Minute - time.Second)
	if d := w.do(a()); d.Verdict != policy.Deny || header(d.Reply.Headers, "retry-after") != "1" {
		t.Fatalf("one second before the ban ends: %+v", d)
	}
	w.host.Advance(time.Second)
	if w.do(a()).Verdict != policy.Allow {
		t.Fatal("ban did not expire")
	}
	// Counting starts over after the ban.
	w.respond(a(), 401)
	w.respond(a(), 401)
	if w.do(a()).Verdict != policy.Allow {
		t.Fatal("banned again below the threshold")
	}
}

func TestBanCountsOnlyWithinTheWindow(t *testing.T) {
	w := start(t, banSpec, policytest.NewHost())
	a := func() *policy.Request { return req("198.51.100.9:1") }
	w.respond(a(), 403)
	w.respond(a(), 403)
	w.host.Advance(time.Minute) // the window ends: the count starts over
	w.respond(a(), 403)
	w.respond(a(), 403)
	if w.do(a()).Verdict != policy.Allow {
		t.Fatal("responses from an old window counted")
	}
	if d := w.respond(a(), 403); d.Reason != ratelimit.ReasonBanStarted {
		t.Fatalf("third response of the new window: %+v", d)
	}
}

func TestBanSharedAcrossWorkers(t *testing.T) {
	store := policytest.NewStore()
	hosts := []*policytest.Host{policytest.NewHost(), policytest.NewHost()}
	var ws []*worker
	for _, h := range hosts {
		h.Store = store
		ws = append(ws, start(t, banSpec, h))
	}
	a := func() *policy.Request { return req("198.51.100.9:1") }
	ws[0].respond(a(), 401)
	ws[1].respond(a(), 401)
	ws[0].respond(a(), 401)
	if ws[1].do(a()).Verdict != policy.Deny {
		t.Fatal("a ban started on worker 0 is not seen by worker 1")
	}
}
