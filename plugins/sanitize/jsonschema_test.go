package sanitize_test

import (
	"strings"
	"testing"

	"github.com/wasmward/wasmward/plugins/sanitize"
	"github.com/wasmward/wasmward/shared/policy"
)

// routeSchema is a draft 2020-12 schema using the keywords a route schema is likely to use,
// including the ones that differ between drafts (prefixItems, $defs, unevaluatedProperties,
// dependentRequired) and exact decimal arithmetic (multipleOf).
const routeSchema = `{
	"$defs": {"sku": {"type": "string", "pattern": "^[A-Z]-[0-9]+$"}},
	"type": "object", "required": ["name"],
	"properties": {
		"name": {"type": "string", "minLength": 1, "maxLength": 20},
		"age": {"type": "integer", "minimum": 0},
		"price": {"type": "number", "multipleOf": 0.01},
		"a/b": {"const": 1},
		"pair": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": false},
		"items": {"type": "array", "items": {"type": "object", "properties": {"sku": {"$ref": "#/$defs/sku"}}}},
		"card": {"type": "string"}, "cvv": {"type": "string"}
	},
	"dependentRequired": {"card": ["cvv"]},
	"unevaluatedProperties": false
}`

// Each body runs through the route's schema (after the detectors, which pass all of them); the
// finding names the first failing instance location, never the value. jsonschema v6 (before
// 2026-12-04) gave the same verdict and location for every row.
func TestJSONSchemaValidation(t *testing.T) {
	p := mustParse(t, `{"routes":[{"id":"r","pathPrefix":"/r","jsonSchema":`+routeSchema+`}]}`).(policy.RequestBodyPolicy)
	for _, tc := range []struct{ name, body, rule, loc string }{
		{"valid", `{"name":"Ann","age":33,"price":9.99,"pair":["a",1],"items":[{"sku":"A-1"}]}`, "", ""},
		{"large integer and exact decimal", `{"name":"Ann","age":123456789012345678901234567890,"price":0.07}`, "", ""},
		{"dependency satisfied", `{"name":"Ann","card":"4111","cvv":"123"}`, "", ""},
		{"missing required member", `{"age":3}`, "json_schema", "json"},
		{"wrong type", `{"name":"Ann","age":"33"}`, "json_schema", "json.age"},
		{"below minimum", `{"name":"Ann","age":-3}`, "json_schema", "json.age"},
		{"not an integer", `{"name":"Ann","age":3.5}`, "json_schema", "json.age"},
		{"not a multiple of 0.01", `{"name":"Ann","price":9.999}`, "json_schema", "json.price"},
		{"too long", `{"name":"` + strings.Repeat("n", 21) + `"}`, "json_schema", "json.name"},
		{"pattern through $ref", `{"name":"Ann","items":[{"sku":"A-1"},{"sku":"bad"}]}`, "json_schema", "json.items.1.sku"},
		{"prefixItems type", `{"name":"Ann","pair":[1,1]}`, "json_schema", "json.pair.0"},
		{"items false after prefixItems", `{"name":"Ann","pair":["a",1,2]}`, "json_schema", "json.pair.2"},
		{"unevaluated member", `{"name":"Ann","admin":true}`, "json_schema", "json.admin"},
		{"dependentRequired", `{"name":"Ann","card":"4111"}`, "json_schema", "json"},
		{"pointer-escaped member name", `{"name":"Ann","a/b":2}`, "json_schema", "json.a/b"},
		{"not an object", `["name"]`, "json_schema", "json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := request("POST", "/r", [2]string{"content-type", "application/json"})
			req.Body = []byte(tc.body)
			d := p.OnRequestBody(req)
			if d.Reason != tc.rule || d.Details["location"] != tc.loc {
				t.Fatalf("want %q at %q, got %q at %q", tc.rule, tc.loc, d.Reason, d.Details["location"])
			}
		})
	}
}

// A schema naming another draft is validated by that draft's rules; one naming a schema the
// plugin does not hold is refused at parse time, like any remote reference (config_test.go).
func TestJSONSchemaDrafts(t *testing.T) {
	p := mustParse(t, `{"routes":[{"id":"r","pathPrefix":"/r","jsonSchema":{"$schema":"http://json-schema.org/draft-07/schema#",
		"type":"object","properties":{"n":{"type":"integer","exclusiveMinimum":0}}}}]}`).(policy.RequestBodyPolicy)
	for body, rule := range map[string]string{`{"n":1}`: "", `{"n":0}`: "json_schema"} {
		req := request("POST", "/r", [2]string{"content-type", "application/json"})
		req.Body = []byte(body)
		if d := p.OnRequestBody(req); d.Reason != rule {
			t.Errorf("%s: want %q, got %q", body, rule, d.Reason)
		}
	}
	if _, err := sanitize.Parse([]byte(`{"routes":[{"id":"r","jsonSchema":{"$schema":"https://example.com/my-meta"}}]}`)); err == nil {
		t.Error("a schema whose meta-schema is remote was accepted")
	}
}
