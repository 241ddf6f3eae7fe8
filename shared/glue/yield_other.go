//go:build !wasip1

package glue

import "runtime"

// yieldToRuntime is runtime.Gosched outside Wasm (native tests), where the runtime runs its
// goroutines on threads of its own and a yield is cheap; the wasip1 build (yield_wasip1.go)
// skips the yields that would only resume the caller.
func yieldToRuntime() { runtime.Gosched() }

// runtimePatched is true outside Wasm: the runtime patch concerns wasip1 modules only.
func runtimePatched() bool { return true }
