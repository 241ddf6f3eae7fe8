// Command misbehaving is a deliberately bad plugin, built to dist/test/misbehaving.wasm only to
// prove that the strict host catches what real hosts without WASI poll_oneoff die of. Request
// header x-misbehave: "crypto-rand" reads crypto/rand once (which arms a runtime timer),
// "sleep" sleeps a millisecond, "panic" panics (the glue must recover). Every request then
// allocates, so garbage collections keep coming. It lives under testdata so that `./...`
// (vet, the Go-on-Wasm rules) never sees it, beside the source fixture of tools/wasmrules.
package main

import (
	"crypto/rand"
	"time"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/glue"
	"github.com/wasmward/wasmward/shared/policy"
)

func init() {
	glue.Main(policy.Definition{Name: "misbehaving", Schema: []byte(`{}`), Parse: parse})
}

func main() {}

func parse(data []byte) (policy.Policy, error) {
	var spec struct{}
	if err := config.DecodeStrict(data, &spec); err != nil {
		return nil, err
	}
	return misbehaving{}, nil
}

type misbehaving struct{}

var sink [][]byte

func (misbehaving) OnRequest(req *policy.Request) policy.Decision {
	v, _ := req.Header("x-misbehave")
	switch v {
	case "crypto-rand":
		var b [8]byte
		_, _ = rand.Read(b[:])
	case "sleep":
		time.Sleep(time.Millisecond)
	case "panic":
		panic("misbehaving: told to panic")
	}
	sink = append(sink, make([]byte, 64<<10))
	if len(sink) > 64 {
		sink = sink[:0]
	}
	return policy.Allowed()
}
