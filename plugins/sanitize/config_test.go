package sanitize_test

import (
	"strings"
	"testing"

	"github.com/wasmward/wasmward/plugins/sanitize"
	"github.com/wasmward/wasmward/shared/policy"
	"github.com/wasmward/wasmward/shared/schema"
)

func TestConfigs(t *testing.T) { schema.TestConfigDirs(t, sanitize.Definition, "testdata") }

// Parser-only failures: checks the schema cannot express.
func TestParseRejects(t *testing.T) {
	for _, tc := range []struct{ name, spec, field string }{
		{"sanitize mode is for injection rules only", `{"rules":{"method":"sanitize"}}`, "rules.method"},
		{"duplicate route ids", `{"routes":[{"id":"a"},{"id":"a"}]}`, "routes[1].id"},
		{"duplicate members", `{"mode":"reject","mode":"detect"}`, "mode"},
		{"invalid JSON Schema", `{"routes":[{"id":"a","jsonSchema":{"type":"strange"}}]}`, "routes[0].jsonSchema"},
		{"schema with a remote reference", `{"routes":[{"id":"a","jsonSchema":{"$ref":"https://example.com/s.json"}}]}`, "routes[0].jsonSchema"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sanitize.Parse([]byte(tc.spec))
			if err == nil || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("want an error naming %s, got %v", tc.field, err)
			}
		})
	}
}

func mustDefinition() policy.Definition { return sanitize.Definition }
