// Package glue is the only wasmward code that talks to the proxy-wasm host. It adapts the
// proxy-wasm VM, plugin and HTTP contexts to a policy.Definition: it loads and validates the
// config (refusing to start on any error, with one log line naming the field), calls the policy
// in each phase, applies its decisions (local replies, header and body mutations, identity
// handoff), counts metrics, writes audit lines, enforces shadow mode and the failure mode, and
// recovers panics at every entry point so that a policy bug fails the request closed (or open,
// when the config says so) instead of trapping the VM.
//
// A plugin's main.go is:
//
//	func init() { glue.Main(mypolicy.Definition) }
//	func main() {}
//
// The glue arms no timers, sleeps nowhere and starts no goroutines: periodic work runs on the
// host's tick (policy.Ticker), callouts complete on the host's event loop.
package glue
