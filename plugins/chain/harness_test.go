package chain

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmward/wasmward/shared/harness"
)

// TestCases runs testdata/cases/<name>.json against testdata/valid/<name>.json in both modes.
func TestCases(t *testing.T) {
	files, _ := filepath.Glob("testdata/cases/*.json")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			cfg, err := os.ReadFile(filepath.Join("testdata", "valid", filepath.Base(f)))
			if err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var cases []harness.Case
			if err := json.Unmarshal(data, &cases); err != nil {
				t.Fatal(err)
			}
			harness.RunCases(t, Definition, cfg, cases)
		})
	}
}

// TestFinding5_ShadowStillStripsInChain (issue 16): a chain in shadow mode, jwtauthn first: a
// request it would deny goes through, but the client's claim headers never do.
func TestFinding5_ShadowStillStripsInChain(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "jwtauthn", "testdata", "valid", "inline.json"))
	if err != nil {
		t.Fatal(err)
	}
	var jwt struct{ Spec json.RawMessage }
	if err := json.Unmarshal(raw, &jwt); err != nil {
		t.Fatal(err)
	}
	cfg := `{"apiVersion":"wasmward/v1","plugin":"chain","shadow":true,"spec":{"policies":[` +
		`{"plugin":"jwtauthn","spec":` + string(jwt.Spec) + `},{"plugin":"passthrough","spec":{}}]}}`
	forged := [][2]string{{"x-user", "admin"}, {"x-jwt-payload", "e30"}}
	harness.RunCases(t, Definition, []byte(cfg), []harness.Case{
		{Name: "missing token, shadowed deny", Request: harness.Request{Path: "/orders", Headers: forged},
			Want: harness.Expect{Status: 200, ForwardedAbsent: []string{"x-user", "x-jwt-payload"}}},
		{Name: "bad token, shadowed deny", Request: harness.Request{Path: "/orders",
			Headers: append([][2]string{{"authorization", "Bearer x.y.z"}}, forged...)},
			Want: harness.Expect{Status: 200, ForwardedAbsent: []string{"x-user", "x-jwt-payload"}}},
	})
}
