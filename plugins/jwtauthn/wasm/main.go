// Command wasm is the jwtauthn plugin's proxy-wasm entry point (dist/jwtauthn.wasm).
package main

import (
	"github.com/wasmward/wasmward/plugins/jwtauthn"
	"github.com/wasmward/wasmward/shared/glue"
)

func init() { glue.Main(jwtauthn.Definition) }

func main() {}
