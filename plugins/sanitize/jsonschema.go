package sanitize

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaURL is the in-memory name of a route's schema.
const schemaURL = "mem:///route-schema.json"

// compileSchema compiles a route's JSON Schema (draft 2020-12 unless it says otherwise). Remote
// references are refused: the schema must be self-contained.
func compileSchema(raw []byte) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.UseLoader(noLoader{})
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, fmt.Errorf("invalid schema: %w", err)
	}
	s, err := c.Compile(schemaURL)
	if err != nil {
		return nil, fmt.Errorf("invalid schema: %w", err)
	}
	return s, nil
}

// noLoader refuses every external reference.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, errors.New("external schema references are not allowed")
}

// checkSchema validates a JSON body against the route schema and records a json_schema
// finding at the first failing instance location. The validator's message is not recorded:
// it may quote the input.
func (s *scan) checkSchema(body []byte) {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		s.limit(RuleJSONMalformed, "json")
		return
	}
	err = s.r.schema.Validate(v)
	if err == nil {
		return
	}
	loc := "json"
	var ve *jsonschema.ValidationError
	if errors.As(err, &ve) {
		for len(ve.Causes) > 0 {
			ve = ve.Causes[0]
		}
		for _, tok := range ve.InstanceLocation {
			loc += "." + strings.ReplaceAll(tok, ".", "_")
		}
	}
	s.limit(RuleJSONSchema, loc)
}
