package chain

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wasmward/wasmward/shared/policy"
	"github.com/wasmward/wasmward/shared/policytest"
	"github.com/wasmward/wasmward/shared/schema"
)

func TestConfigDirs(t *testing.T) { schema.TestConfigDirs(t, Definition, "testdata") }

func TestParseNamesTheField(t *testing.T) {
	for _, tc := range []struct{ name, spec, path string }{
		{"unknown plugin", `{"policies":[{"plugin":"nope","spec":{}}]}`, "policies[0].plugin"},
		{"nested chain", `{"policies":[{"plugin":"fake","spec":{}},{"plugin":"chain","spec":{}}]}`, "policies[1].plugin"},
		{"inner spec error is prefixed", `{"policies":[{"plugin":"fake","spec":{"fail":true}}]}`, "policies[0].spec.fail"},
		{"inner unknown field is prefixed", `{"policies":[{"plugin":"fake","spec":{"x":1}}]}`, "policies[0].spec.x"},
		{"null spec", `{"policies":[{"plugin":"fake","spec":null}]}`, "policies[0].spec"},
		{"empty list", `{"policies":[]}`, "policies"},
		{"duplicate member", `{"policies":[{"plugin":"fake","plugin":"fake","spec":{}}]}`, "policies[0].plugin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseWith([]byte(tc.spec), fakeDefinitions)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.HasPrefix(err.Error(), tc.path+":") {
				t.Errorf("error %q does not name %s", err, tc.path)
			}
		})
	}
}

func TestParseTooManyPolicies(t *testing.T) {
	spec := `{"policies":[` + strings.Repeat(`{"plugin":"fake","spec":{}},`, MaxPolicies) + `{"plugin":"fake","spec":{}}]}`
	if _, err := parseWith([]byte(spec), fakeDefinitions); err == nil || !strings.HasPrefix(err.Error(), "policies:") {
		t.Fatalf("got %v", err)
	}
}

func TestFirstDenyWins(t *testing.T) {
	first := &fake{onRequest: func(*policy.Request) policy.Decision { return policy.Denied(401, "a", "missing", nil) }}
	second := &fake{onRequest: func(*policy.Request) policy.Decision { return policy.Denied(403, "b", "forbidden", nil) }}
	d := chainOf(first, second).OnRequest(policy.NewRequest(nil, nil, nil))
	if d.Verdict != policy.Deny || d.Reply.Status != 401 || d.Rule != "a" || d.Details[DetailPolicy] != "p[0]" {
		t.Fatalf("got %+v", d)
	}
	if second.calls != 0 {
		t.Error("a policy after the deny ran")
	}
}

func TestIdentityPassedInMemory(t *testing.T) {
	id := &policy.Identity{Subject: "alice"}
	auth := &producer{fake{onRequest: func(*policy.Request) policy.Decision { return policy.Decision{Identity: id} }}}
	authz := &fake{}
	c := chainOf(auth, authz)
	if _, ok := c.(policy.IdentityProducer); !ok {
		t.Fatal("a chain holding a producer must be an IdentityProducer")
	}
	req := policy.NewRequest(nil, nil, func() *policy.Identity { return nil }) // nothing from the host
	d := c.OnRequest(req)
	if authz.sawIdent != id {
		t.Errorf("next policy saw identity %v", authz.sawIdent)
	}
	if d.Identity != id {
		t.Error("the chain's decision must hand the identity off to later filters")
	}
}

func TestNotAProducerWithoutOne(t *testing.T) {
	if _, ok := chainOf(&fake{}).(policy.IdentityProducer); ok {
		t.Fatal("chain without a producer strips handoff headers")
	}
}

// TestPhasesOnlyWhenAStepHasThem: the glue reads responses for a chain only when one of its
// steps acts on them, and treats it as a producer only when one is.
func TestPhasesOnlyWhenAStepHasThem(t *testing.T) {
	for _, tc := range []struct {
		name               string
		steps              []policy.Policy
		response, producer bool
	}{
		{"request only", []policy.Policy{&fake{}, &fake{}}, false, false},
		{"response step", []policy.Policy{&fake{}, &respPolicy{}}, true, false},
		{"producer", []policy.Policy{&producer{}, &fake{}}, false, true},
		{"both", []policy.Policy{&producer{}, &respPolicy{}}, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := chainOf(tc.steps...)
			_, resp := c.(policy.ResponsePolicy)
			_, respBody := c.(policy.ResponseBodyPolicy)
			_, prod := c.(policy.IdentityProducer)
			_, body := c.(policy.RequestBodyPolicy)
			_, ticker := c.(policy.Ticker)
			_, starter := c.(policy.Starter)
			if resp != tc.response || respBody != tc.response || prod != tc.producer || !body || !ticker || !starter {
				t.Errorf("response %v/%v producer %v body %v ticker %v starter %v", resp, respBody, prod, body, ticker, starter)
			}
		})
	}
}

func TestMutationsAccumulate(t *testing.T) {
	a := &fake{onRequest: func(*policy.Request) policy.Decision {
		return policy.Decision{SetHeaders: [][2]string{{"X-A", "1"}, {"x-b", "1"}}, RemoveHeaders: []string{"cookie"}}
	}}
	b := &fake{onRequest: func(*policy.Request) policy.Decision {
		return policy.Decision{SetHeaders: [][2]string{{"x-a", "2"}}, RemoveHeaders: []string{"x-b"}}
	}}
	c := &fake{}
	req := policy.NewRequest([][2]string{{"cookie", "s=1"}, {"x-b", "0"}}, nil, nil)
	d := chainOf(a, b, c).OnRequest(req)
	if got := c.sawHeader; got["x-a"] != "2" || got["cookie"] != "" || got["x-b"] != "" {
		t.Errorf("last policy saw %v", got)
	}
	if len(d.SetHeaders) != 1 || d.SetHeaders[0] != [2]string{"x-a", "2"} {
		t.Errorf("set headers %v", d.SetHeaders)
	}
	if strings.Join(d.RemoveHeaders, ",") != "cookie,x-b" {
		t.Errorf("remove headers %v", d.RemoveHeaders)
	}
}

func TestShadowDenyDoesNotStopTheChain(t *testing.T) {
	shadow := &fake{onRequest: func(*policy.Request) policy.Decision {
		d := policy.Denied(403, "r", "forbidden", nil)
		d.Shadow = true
		return d
	}}
	after := &fake{}
	d := chainOf(shadow, after).OnRequest(policy.NewRequest(nil, nil, nil))
	if after.calls != 1 {
		t.Error("policy after a shadow deny did not run")
	}
	if d.Verdict != policy.Deny || !d.Shadow || d.Rule != "r" {
		t.Errorf("shadow deny not reported: %+v", d)
	}

	setter := &fake{onRequest: func(*policy.Request) policy.Decision {
		return policy.Decision{SetHeaders: [][2]string{{"x-user", "a"}}}
	}}
	d = chainOf(shadow, setter).OnRequest(policy.NewRequest(nil, nil, nil))
	if d.Verdict != policy.Allow || len(d.SetHeaders) != 1 || !d.Audit || d.Details[DetailShadowDeny] != "p[0]" {
		t.Errorf("mutations lost with a shadow deny: %+v", d)
	}
}

func TestLabelledAllowKept(t *testing.T) {
	a := &fake{}
	b := &fake{onRequest: func(*policy.Request) policy.Decision { return policy.Decision{Rule: "gold", Reason: "within_limit"} }}
	d := chainOf(a, b).OnRequest(policy.NewRequest(nil, nil, nil))
	if d.Rule != "gold" || d.Reason != "within_limit" || d.Details[DetailPolicy] != "p[1]" {
		t.Errorf("got %+v", d)
	}
}

func TestTickFansOutAtEachPeriod(t *testing.T) {
	fast, slow := &ticker{period: time.Second}, &ticker{period: 10 * time.Second}
	c := chainOf(fast, &fake{}, slow).(*Chain)
	if c.TickPeriod() != time.Second {
		t.Fatalf("tick period %v, want the minimum 1s", c.TickPeriod())
	}
	now := policytest.Start
	for i := 0; i < 20; i++ {
		c.Tick(now)
		now = now.Add(time.Second)
	}
	if len(fast.ticks) != 20 || len(slow.ticks) != 2 {
		t.Errorf("fast ticked %d times (want 20), slow %d (want 2)", len(fast.ticks), len(slow.ticks))
	}
}

func TestStartErrorNamesThePolicy(t *testing.T) {
	ok, bad := &ticker{period: time.Second}, &ticker{startErr: errBoom}
	err := chainOf(ok, bad).(*Chain).Start(policytest.NewHost())
	if !errors.Is(err, errBoom) || !strings.HasPrefix(err.Error(), "policies[1] (p[1]):") {
		t.Fatalf("got %v", err)
	}
	if !ok.started {
		t.Error("first policy not started")
	}
}

func TestBodyPhaseRespectsEachLimit(t *testing.T) {
	small := &bodyPolicy{limit: 4}
	big := &bodyPolicy{limit: 100, replace: []byte("redacted")}
	last := &bodyPolicy{limit: 100}
	c := chainOf(big, last).(*Chain)
	req := policy.NewRequest(nil, nil, nil)
	if !c.WantsRequestBody(req) || c.RequestBodyLimit(req) != 100 {
		t.Fatal("body wanted up to the largest limit")
	}
	req.Body = []byte("secret")
	if d := c.OnRequestBody(req); d.Verdict != policy.Allow || string(d.ReplaceBody) != "redacted" {
		t.Errorf("got %+v", d)
	}
	if last.sawBody != "redacted" {
		t.Errorf("next policy saw body %q", last.sawBody)
	}
	req.Body = []byte("0123456789")
	if d := chainOf(big, small).(*Chain).OnRequestBody(req); d.Reply.Status != 413 || d.Details[DetailPolicy] != "p[1]" {
		t.Errorf("over a step's own limit: %+v", d)
	}
}

func TestResponsePhaseInOrder(t *testing.T) {
	a := &respPolicy{set: [2]string{"x-frame-options", "DENY"}}
	b := &respPolicy{set: [2]string{"x-b", "1"}}
	resp := policy.NewResponse([][2]string{{":status", "200"}})
	d := chainOf(a, &fake{}, b).(policy.ResponsePolicy).OnResponse(policy.NewRequest(nil, nil, nil), resp)
	if b.sawHeader["x-frame-options"] != "DENY" || len(d.SetHeaders) != 2 {
		t.Errorf("b saw %v; decision %+v", b.sawHeader, d)
	}
	d = chainOf(&respPolicy{deny: true}, b).(policy.ResponsePolicy).OnResponse(policy.NewRequest(nil, nil, nil), resp)
	if d.Verdict != policy.Deny || d.Reply.Status != 502 {
		t.Errorf("got %+v", d)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"policies":[{"plugin":"passthrough","spec":{}}]}`))
	f.Add([]byte(`{"policies":[{"plugin":"chain","spec":{"policies":[]}}]}`))
	f.Add([]byte(`{"policies":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data)
		if (p == nil) == (err == nil) {
			t.Fatalf("policy %v with error %v", p, err)
		}
	})
}
