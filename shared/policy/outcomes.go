package policy

// Outcome is a labelled decision a policy can return, as its decision counter counts it: the
// decision's Rule and Reason, its Verdict, and for a Deny whether the policy itself marks it
// Shadow. A Defer outcome stands for the glue's counters of a wait on Rule (awaiting the
// callout, or unavailable when it cannot wait).
type Outcome struct {
	Rule, Reason string
	Verdict      Verdict
	Shadow       bool
}

// OutcomeLister is implemented by policies that list every labelled decision they can return:
// every Deny, every Allow that carries a Rule or Reason, and the Rule of every Defer, in every
// phase. The glue defines each one's counter when the plugin starts, before the worker serves.
// ngx_wasm_module increments a counter without its metrics zone's lock while defining one
// inserts into that zone under the lock, so a counter first defined while another worker
// serves can make that worker's increment miss and trap its request (docs/hosts.md, "Races in
// the hosts that the emulator does not model"); a name some worker already defined is found,
// not inserted. Outcomes is called once, after Start. A decision it leaves out is still
// counted, its counter defined on first use with a warning line (glue.LateCounterWarning),
// which the tests on every host look for. A list may hold a decision the config makes
// unreachable: its counter stays at zero.
type OutcomeLister interface {
	Outcomes() []Outcome
}

// PathOutcomes are the decisions PathRejected returns.
func PathOutcomes() []Outcome {
	return []Outcome{
		{Reason: ReasonAmbiguousPath, Verdict: Deny},
		{Reason: ReasonMalformedPath, Verdict: Deny},
	}
}
