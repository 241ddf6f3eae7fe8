// Command wasm is the ratelimit plugin's proxy-wasm entry point (dist/ratelimit.wasm).
package main

import (
	"github.com/wasmward/wasmward/plugins/ratelimit"
	"github.com/wasmward/wasmward/shared/glue"
)

func init() { glue.Main(ratelimit.Definition) }

func main() {}
