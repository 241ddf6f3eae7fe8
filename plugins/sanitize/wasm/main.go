// Command wasm is the sanitize plugin's proxy-wasm entry point (dist/sanitize.wasm).
package main

import (
	"github.com/wasmward/wasmward/plugins/sanitize"
	"github.com/wasmward/wasmward/shared/glue"
)

func init() { glue.Main(sanitize.Definition) }

func main() {}
