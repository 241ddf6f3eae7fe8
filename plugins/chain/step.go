package chain

import (
	"time"

	"github.com/wasmward/wasmward/shared/policy"
)

// step is one parsed policy of the chain with its optional phases resolved once at parse time.
type step struct {
	name     string
	policy   policy.Policy
	starter  policy.Starter
	ticker   policy.Ticker
	body     policy.RequestBodyPolicy
	response policy.ResponsePolicy
	respBody policy.ResponseBodyPolicy
	producer bool
	// nextTick is when this step's ticker is due next (zero: at the first tick).
	nextTick time.Time
}

func newStep(name string, p policy.Policy) step {
	s := step{name: name, policy: p}
	s.starter, _ = p.(policy.Starter)
	if t, ok := p.(policy.Ticker); ok && t.TickPeriod() > 0 {
		s.ticker = t
	}
	s.body, _ = p.(policy.RequestBodyPolicy)
	s.response, _ = p.(policy.ResponsePolicy)
	s.respBody, _ = p.(policy.ResponseBodyPolicy)
	_, s.producer = p.(policy.IdentityProducer)
	return s
}

// Chain runs its steps in order and delegates each optional phase to the steps that implement
// it. The glue resolves phases by interface, so the policy newChain returns implements a phase
// only when a step does: Chain has the request phases, Start and Tick; responseChain adds the
// response phases (the glue then reads every response); the producer variants add
// policy.IdentityProducer (the glue then strips incoming handoff headers), exactly as separate
// filters would behave.
type Chain struct {
	steps []step
	tick  time.Duration
}

// responseChain is a Chain with a response-headers or response-body step.
type responseChain struct{ *Chain }

// producerChain is a Chain with an identity producer.
type producerChain struct{ *Chain }

// producerResponseChain has both.
type producerResponseChain struct{ responseChain }

// ProducesIdentity marks the chain as an identity producer (policy.IdentityProducer).
func (producerChain) ProducesIdentity() {}

// ProducesIdentity marks the chain as an identity producer (policy.IdentityProducer).
func (producerResponseChain) ProducesIdentity() {}

// newChain builds the chain policy with the optional phases its steps have.
func newChain(steps []step) policy.Policy {
	c := &Chain{steps: steps}
	producer, response := false, false
	for _, s := range steps {
		if s.ticker != nil && (c.tick == 0 || s.ticker.TickPeriod() < c.tick) {
			c.tick = s.ticker.TickPeriod()
		}
		producer = producer || s.producer
		response = response || s.response != nil || s.respBody != nil
	}
	switch {
	case producer && response:
		return producerResponseChain{responseChain{c}}
	case producer:
		return producerChain{c}
	case response:
		return responseChain{c}
	}
	return c
}

// Start starts every step that is a policy.Starter, in order; the first error refuses the start.
func (c *Chain) Start(host policy.Host) error {
	for i := range c.steps {
		if s := c.steps[i].starter; s != nil {
			if err := s.Start(host); err != nil {
				return errStart(i, c.steps[i].name, err)
			}
		}
	}
	return nil
}

// Limits implements policy.Limited: every step's limits, each prefixed with the step's name.
func (c *Chain) Limits(caps policy.Capabilities) []string {
	var out []string
	for _, s := range c.steps {
		if l, ok := s.policy.(policy.Limited); ok {
			for _, m := range l.Limits(caps) {
				out = append(out, s.name+": "+m)
			}
		}
	}
	return out
}

// TickPeriod is the smallest tick period any step asked for, 0 when none ticks.
func (c *Chain) TickPeriod() time.Duration { return c.tick }

// Tick runs each ticking step whose own period has elapsed since its last tick, so a step asking
// for 30s is not ticked every second because another asked for 1s.
func (c *Chain) Tick(now time.Time) {
	for i := range c.steps {
		s := &c.steps[i]
		if s.ticker == nil || now.Before(s.nextTick) {
			continue
		}
		s.ticker.Tick(now)
		// Half the host period of slack: host ticks jitter, and a tick a little early is still due.
		s.nextTick = now.Add(s.ticker.TickPeriod() - c.tick/2)
	}
}
