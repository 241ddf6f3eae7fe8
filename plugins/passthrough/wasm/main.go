// Command wasm is the passthrough plugin's proxy-wasm entry point (dist/passthrough.wasm).
package main

import (
	"github.com/wasmward/wasmward/plugins/passthrough"
	"github.com/wasmward/wasmward/shared/glue"
)

func init() { glue.Main(passthrough.Definition) }

func main() {}
