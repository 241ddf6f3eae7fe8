// Command wasm is the glue probe's proxy-wasm entry point (dist/test/probe.wasm), for tests only.
package main

import (
	"github.com/wasmward/wasmward/shared/glue"
	"github.com/wasmward/wasmward/shared/harness/probe"
)

func init() { glue.Main(probe.Definition) }

func main() {}
