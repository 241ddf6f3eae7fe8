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

// Chain runs its steps in order. It implements every optional phase and delegates each to the
// steps that implement it; producerChain adds policy.IdentityProducer when a step is one, so that
// the glue strips incoming handoff headers exactly when a separate producer filter would.
type Chain struct {
	steps []step
	tick  time.Duration
}

// producerChain is a Chain containing an identity producer.
type producerChain struct{ *Chain }

// ProducesIdentity marks the chain as an identity producer (policy.IdentityProducer).
func (producerChain) ProducesIdentity() {}

// newChain builds the chain policy, an IdentityProducer when one of its steps is.
func newChain(steps []step) policy.Policy {
	c := &Chain{steps: steps}
	for _, s := range steps {
		if s.ticker != nil && (c.tick == 0 || s.ticker.TickPeriod() < c.tick) {
			c.tick = s.ticker.TickPeriod()
		}
	}
	for _, s := range steps {
		if s.producer {
			return producerChain{c}
		}
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
