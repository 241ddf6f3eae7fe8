// Command wasm is the chain plugin's proxy-wasm entry point (dist/chain.wasm).
package main

import (
	"github.com/wasmward/wasmward/plugins/chain"
	"github.com/wasmward/wasmward/shared/glue"
)

func init() { glue.Main(chain.Definition) }

func main() {}
