// Command wasm is the mask plugin's proxy-wasm entry point (dist/mask.wasm).
package main

import (
	"github.com/wasmward/wasmward/plugins/mask"
	"github.com/wasmward/wasmward/shared/glue"
)

func init() { glue.Main(mask.Definition) }

func main() {}
