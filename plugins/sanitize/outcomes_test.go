package sanitize_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wasmward/wasmward/plugins/sanitize"
	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/policy"
)

// validation are the rules every route can report but method/method_unusual, content_type and
// json_schema, which depend on the route's settings; injection are the content detectors.
var (
	validation = strings.Fields(`protocol header_count header_size header_crlf header_denied
		header_invalid path_length query_length body_too_large content_type_missing bad_encoding
		nul_byte json_malformed json_limits multipart_malformed multipart_limits multipart_charset
		xml_dtd inspection_budget`)
	injection = strings.Fields(`sqli xss path_traversal cmd_injection crlf ssti ldap xxe jndi nosql
		scanner php_injection java_injection code_injection ssrf session_fixation`)
)

// TestOutcomes lists the outcomes of testdata configs and of a few specs.
func TestOutcomes(t *testing.T) {
	list := func(route string, v policy.Verdict, shadow bool, reasons ...[]string) (out []policy.Outcome) {
		for _, r := range slices.Concat(reasons...) {
			out = append(out, policy.Outcome{Rule: route, Reason: r, Verdict: v, Shadow: shadow})
		}
		return out
	}
	deny := func(route string, reasons ...[]string) []policy.Outcome {
		return list(route, policy.Deny, false, reasons...)
	}
	shadow := func(route string, reasons ...[]string) []policy.Outcome {
		return list(route, policy.Deny, true, reasons...)
	}
	allow := func(route string, reasons ...[]string) []policy.Outcome {
		return list(route, policy.Allow, false, reasons...)
	}
	rules := func(r ...string) []string { return r }
	without := func(all []string, drop ...string) []string {
		return slices.DeleteFunc(slices.Clone(all), func(r string) bool { return slices.Contains(drop, r) })
	}
	for _, c := range []struct {
		name, spec string // spec: a spec, or "" for testdata/valid/<name>.json
		want       [][]policy.Outcome
	}{
		{"minimal", "", [][]policy.Outcome{deny("default", rules("method_unusual"), validation, injection)}},
		{"protocol", "", [][]policy.Outcome{
			deny("webdav", rules("method"), validation, injection),
			deny("default", rules("method_unusual"), validation, injection),
		}},
		// search sanitizes, but path traversal; scanner is removable (inspect.headers names
		// user-agent). legacy detects, but inspection_budget (rejected unless rules name it).
		{"full", "", [][]policy.Outcome{
			deny("users", rules("method", "content_type", "json_schema"), validation, injection),
			deny("tools", rules("method", "content_type"), validation, injection),
			deny("search", rules("method", "content_type", "path_traversal"), validation,
				without(injection, "path_traversal", "scanner")),
			allow("search", without(injection, "path_traversal")),
			shadow("legacy", rules("method", "content_type"), without(validation, "inspection_budget"), injection),
			deny("legacy", rules("inspection_budget")),
			deny("default", rules("method", "content_type"), validation, injection),
		}},
		{"sanitize", "", [][]policy.Outcome{
			deny("default", rules("method_unusual", "path_traversal"), without(validation, "bad_encoding"),
				without(injection, "path_traversal", "scanner")),
			shadow("default", rules("bad_encoding")),
			allow("default", without(injection, "path_traversal")),
		}},
		{"detectors", "", [][]policy.Outcome{
			deny("docs", rules("method_unusual"), validation, without(injection, "scanner", "ssrf")),
			shadow("docs", rules("scanner", "ssrf")),
			allow("docs", rules("ssti")),
			deny("default", rules("method_unusual"), validation, without(injection, "scanner", "ssrf")),
			shadow("default", rules("scanner", "ssrf")),
			allow("default", rules("ssti")),
		}},
		// Only "*" inspects the User-Agent: a scanner finding cannot be removed, only rejected.
		{"sanitize-all-headers", `{"mode":"sanitize"}`, [][]policy.Outcome{
			deny("default", rules("method_unusual"), validation, injection),
			allow("default", without(injection, "scanner")),
		}},
		// A route matching every request hides the routes after it and the default; sqli is
		// allowed everywhere; the User-Agent is not inspected.
		{"catch-all", `{"inspect":{"headers":["x-a"]},"allow":[{"rule":"sqli","location":"*"}],
			"routes":[{"id":"all"},{"id":"never","pathPrefix":"/x"}]}`, [][]policy.Outcome{
			deny("all", rules("method_unusual"), validation, without(injection, "sqli", "scanner")),
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var p policy.Policy
			var err error
			if c.spec == "" {
				data, rerr := os.ReadFile("testdata/valid/" + c.name + ".json")
				require.NoError(t, rerr)
				_, p, err = config.Load(data, "sanitize", sanitize.Parse)
			} else {
				p, err = sanitize.Parse([]byte(c.spec))
			}
			require.NoError(t, err)
			want := slices.Concat(append(c.want, policy.PathOutcomes())...)
			assert.ElementsMatch(t, want, p.(policy.OutcomeLister).Outcomes())
		})
	}
}
