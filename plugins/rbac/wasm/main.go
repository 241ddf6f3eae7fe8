// Command wasm is the rbac plugin's proxy-wasm entry point (dist/rbac.wasm).
package main

import (
	"github.com/wasmward/wasmward/plugins/rbac"
	"github.com/wasmward/wasmward/shared/glue"
)

func init() { glue.Main(rbac.Definition) }

func main() {}
