package sanitize

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// schemaURL is the in-memory name of a route's schema.
const schemaURL = "mem:///route-schema.json"

// errRemoteSchema refuses every reference the schema does not hold itself.
var errRemoteSchema = errors.New("external schema references are not allowed")

// compileSchema compiles a route's JSON Schema (draft 2020-12 unless it says otherwise). Remote
// references are refused: the schema must be self-contained.
//
// The validator is santhosh-tekuri/jsonschema v5, not v6 (which shared/schema uses for the
// plugins' config schemas, outside the modules): v6 formats its errors with golang.org/x/text's
// message catalogs, 0.4 MB of code and tables in every module holding sanitize, about 1.7 MiB of
// memory per nginx worker (docs/performance.md). v5 implements the same drafts (4 to 2020-12),
// the same defaults (format and content are annotations in 2019-09 and later) and Go's regexp
// for pattern; sanitize only needs its verdict and the failing instance location.
func compileSchema(raw []byte) (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	c.LoadURL = func(string) (io.ReadCloser, error) { return nil, errRemoteSchema }
	if err := c.AddResource(schemaURL, bytes.NewReader(raw)); err != nil {
		return nil, fmt.Errorf("invalid schema: %w", err)
	}
	s, err := c.Compile(schemaURL)
	if err != nil {
		return nil, fmt.Errorf("invalid schema: %w", err)
	}
	return s, nil
}

// checkSchema validates a JSON body against the route schema and records a json_schema
// finding at the first failing instance location. The validator's message is not recorded:
// it may quote the input.
func (s *scan) checkSchema(body []byte) {
	v, err := decodeInstance(body)
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
		for _, tok := range pointerTokens(ve.InstanceLocation) {
			loc += "." + strings.ReplaceAll(tok, ".", "_")
		}
	}
	s.limit(RuleJSONSchema, loc)
}

// decodeInstance decodes one JSON document as the validator wants it (numbers as json.Number,
// so that large integers and decimals compare exactly); anything after it is an error.
func decodeInstance(body []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON document")
	}
	return v, nil
}

// pointerTokens splits a JSON Pointer ("/items/2/na~1me") into its unescaped tokens.
func pointerTokens(ptr string) []string {
	if ptr == "" {
		return nil
	}
	toks := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
	for i, t := range toks {
		toks[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
	}
	return toks
}
