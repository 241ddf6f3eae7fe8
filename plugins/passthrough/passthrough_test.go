package passthrough_test

import (
	"testing"

	"github.com/wasmward/wasmward/plugins/passthrough"
	"github.com/wasmward/wasmward/shared/harness"
)

func TestPassesEverything(t *testing.T) {
	cfg := []byte(`{"apiVersion":"wasmward/v1","plugin":"passthrough","spec":{}}`)
	harness.RunCases(t, passthrough.Definition, cfg, []harness.Case{
		{Name: "get", Request: harness.Request{Path: "/x"}, Want: harness.Expect{Status: 200}},
		{Name: "post with body", Request: harness.Request{Method: "POST", Body: "hello"},
			Want: harness.Expect{Status: 200, ForwardedBody: ptr("hello")}},
		{Name: "upstream status kept", Request: harness.Request{Upstream: &harness.Reply{Status: 404, Body: "nope"}},
			Want: harness.Expect{Status: 404, BodyContains: "nope"}},
	})
}

func ptr[T any](v T) *T { return &v }

func TestCaseFiles(t *testing.T) { harness.RunCaseFiles(t, passthrough.Definition) }
