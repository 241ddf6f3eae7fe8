package chain

import (
	"errors"
	"time"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/policy"
)

// fake is a scriptable policy: its decision per phase, and a record of what it saw.
type fake struct {
	onRequest func(req *policy.Request) policy.Decision
	sawIdent  *policy.Identity
	sawHeader map[string]string
	calls     int
}

func (f *fake) OnRequest(req *policy.Request) policy.Decision {
	f.calls++
	f.sawIdent = req.Identity()
	f.sawHeader = map[string]string{}
	for _, h := range req.Headers {
		f.sawHeader[h.Name] = h.Value
	}
	if f.onRequest == nil {
		return policy.Allowed()
	}
	return f.onRequest(req)
}

// producer is a fake identity producer.
type producer struct{ fake }

func (*producer) ProducesIdentity() {}

// ticker is a fake policy ticking at period, failing Start when startErr is set.
type ticker struct {
	fake
	period   time.Duration
	ticks    []time.Time
	startErr error
	started  bool
}

func (t *ticker) TickPeriod() time.Duration { return t.period }
func (t *ticker) Tick(now time.Time)        { t.ticks = append(t.ticks, now) }
func (t *ticker) Start(policy.Host) error   { t.started = true; return t.startErr }

// bodyPolicy wants request bodies up to limit and records the body it saw.
type bodyPolicy struct {
	fake
	limit   int
	sawBody string
	replace []byte
}

func (b *bodyPolicy) WantsRequestBody(*policy.Request) bool { return true }
func (b *bodyPolicy) RequestBodyLimit(*policy.Request) int  { return b.limit }
func (b *bodyPolicy) OnRequestBody(req *policy.Request) policy.Decision {
	b.sawBody = string(req.Body)
	return policy.Decision{ReplaceBody: b.replace}
}

// respPolicy sets a response header and records the response headers it saw.
type respPolicy struct {
	fake
	set       [2]string
	deny      bool
	sawHeader map[string]string
}

func (r *respPolicy) OnResponse(_ *policy.Request, resp *policy.Response) policy.Decision {
	r.sawHeader = map[string]string{}
	for _, h := range resp.Headers {
		r.sawHeader[h.Name] = h.Value
	}
	if r.deny {
		return policy.Denied(502, "resp", "blocked", nil)
	}
	return policy.Decision{SetHeaders: [][2]string{r.set}}
}

// chainOf builds a chain of the given policies, named p0, p1, ….
func chainOf(ps ...policy.Policy) policy.Policy {
	steps := make([]step, len(ps))
	for i, p := range ps {
		steps[i] = newStep(config.Index("p", i), p)
	}
	return newChain(steps)
}

// fakeDefinitions is a lookup with one fake plugin "fake" whose spec must be {} or {"fail":true}.
func fakeDefinitions(name string) (policy.Definition, bool) {
	if name != "fake" {
		return policy.Definition{}, false
	}
	return policy.Definition{Name: "fake", Parse: func(spec []byte) (policy.Policy, error) {
		var s struct {
			Fail bool `json:"fail"`
		}
		if err := config.DecodeStrict(spec, &s); err != nil {
			return nil, err
		}
		if s.Fail {
			return nil, &config.FieldError{Path: "fail", Msg: "must be false"}
		}
		return &fake{}, nil
	}}, true
}

var errBoom = errors.New("boom")
