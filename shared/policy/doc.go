// Package policy is the contract between wasmward's proxy-wasm glue (package glue) and the
// policy cores under plugins/. It has no proxywasm import: a policy core is plain Go, built from a
// strict config, that turns a Request into a Decision. The glue does everything host-specific.
//
// A plugin is a Definition: a name, a JSON Schema, and Parse, which turns the plugin's "spec"
// object into a Policy. A Policy implements OnRequest and may implement the optional phase
// interfaces (RequestBodyPolicy, ResponsePolicy, ResponseBodyPolicy), Starter (host access at
// start: clock, shared data, callouts, environment) and Ticker (periodic work on the host's tick).
//
// Decisions carry only labels the config or the plugin defines (rule ids, a fixed vocabulary of
// reasons), never request data, so they are safe to use as metric names and audit fields.
package policy
