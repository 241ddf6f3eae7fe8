package ratelimit_test

import (
	"strings"
	"testing"

	"github.com/wasmward/wasmward/plugins/ratelimit"
	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/schema"
)

func TestConfigs(t *testing.T) { schema.TestConfigDirs(t, ratelimit.Definition, "testdata") }

// Rules the schema cannot express: they are checked by the parser only.
func TestParseRejectsWhatOnlyTheParserSees(t *testing.T) {
	ip := `"descriptor": [{"key": "ip", "type": "sourceIP"}]`
	bucket := `"bucket": {"capacity": 1, "fillInterval": "1s"}`
	for _, tc := range []struct{ name, spec, path string }{
		{"duplicate limit ids", `{"limits": [{"id": "a", ` + ip + `, ` + bucket + `}, {"id": "a", ` + ip + `, ` + bucket + `}]}`, "limits[1].id"},
		{"limit and ban share an id", `{"limits": [{"id": "a", ` + ip + `, ` + bucket + `}], "bans": [{"id": "a", ` + ip + `, "statuses": [401], "threshold": 1, "window": "1m", "duration": "1m"}]}`, "bans[0].id"},
		{"override names an unknown entry key", `{"limits": [{"id": "a", ` + ip + `, ` + bucket + `, "overrides": [{"when": {"tier": "gold"}, ` + bucket + `}]}]}`, "limits[0].overrides[0].when.tier"},
		{"duplicate entry keys", `{"limits": [{"id": "a", "descriptor": [{"key": "k", "type": "method"}, {"key": "k", "type": "route"}], ` + bucket + `}]}`, "limits[0].descriptor[1].key"},
		{"tokensPerFill above capacity", `{"limits": [{"id": "a", ` + ip + `, "bucket": {"capacity": 2, "tokensPerFill": 3, "fillInterval": "1s"}}]}`, "limits[0].bucket.tokensPerFill"},
		{"bucket span overflows", `{"limits": [{"id": "a", ` + ip + `, "bucket": {"capacity": 1000000000, "fillInterval": "1000h"}}]}`, "limits[0].bucket"},
		{"duplicate member", `{"limits": [], "limits": []}`, "limits"},
		{"double star not last", `{"limits": [{"id": "a", "descriptor": [{"key": "p", "type": "path", "patterns": ["/a/**/b"]}], ` + bucket + `}]}`, "limits[0].descriptor[0].patterns[0]"},
		{"partial star segment", `{"limits": [{"id": "a", "descriptor": [{"key": "p", "type": "path", "patterns": ["/a*"]}], ` + bucket + `}]}`, "limits[0].descriptor[0].patterns[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ratelimit.Parse([]byte(tc.spec))
			if err == nil {
				t.Fatal("accepted")
			}
			found := false
			for _, fe := range config.Fields(err) {
				found = found || fe.Path == tc.path
			}
			if !found {
				t.Errorf("error %q does not name %s", err, tc.path)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add(`{"limits": [{"id": "a", "descriptor": [{"key": "ip", "type": "sourceIP", "trustedHops": 2}], "bucket": {"capacity": 5, "fillInterval": "1s"}}]}`)
	f.Add(`{"limits": [{"id": "a", "descriptor": [{"key": "p", "type": "path", "patterns": ["/a/*/b", "/c/**"]}], "bucket": {"capacity": 5, "tokensPerFill": 2, "fillInterval": "250ms"}, "overrides": [{"when": {"p": "/c/**"}, "bucket": {"capacity": 9, "fillInterval": "1m"}}]}]}`)
	f.Add(`{"bans": [{"id": "b", "descriptor": [{"key": "t", "type": "claim", "claim": "org.id"}], "statuses": [401], "statusClasses": ["5xx"], "threshold": 3, "window": "1m", "duration": "1h"}], "keys": {"max": 4}}`)
	f.Fuzz(func(t *testing.T, spec string) {
		p, err := ratelimit.Parse([]byte(spec))
		if err != nil {
			if len(config.Fields(err)) == 0 {
				t.Fatalf("error is not a field error: %v", err)
			}
			if strings.Contains(err.Error(), "\x00") {
				t.Fatalf("error carries a NUL byte")
			}
			return
		}
		if p == nil {
			t.Fatal("nil policy without error")
		}
	})
}
