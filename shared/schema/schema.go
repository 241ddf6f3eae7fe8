// Package schema validates plugin configs against their JSON Schemas (draft 2020-12) with
// santhosh-tekuri/jsonschema. It runs in the CLI and in tests, never inside a plugin: at run time
// the plugin's strict Go parser is the authority, and tests keep the two in agreement.
package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/policy"
)

const (
	base        = "https://github.com/wasmward/wasmward/"
	envelopeURL = base + "shared/config/envelope.schema.json"
)

// Compile compiles a plugin's schema (def.Schema) together with the envelope schema it refers to.
func Compile(def policy.Definition) (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	env, err := jsonschema.UnmarshalJSON(bytes.NewReader(config.EnvelopeSchema))
	if err != nil {
		return nil, fmt.Errorf("envelope schema: %w", err)
	}
	if err := c.AddResource(envelopeURL, env); err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(def.Schema))
	if err != nil {
		return nil, fmt.Errorf("%s schema: %w", def.Name, err)
	}
	url := base + "plugins/" + def.Name + "/schema.json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	return c.Compile(url)
}

var english = message.NewPrinter(language.English)

// Validate checks a whole plugin config against the plugin's schema. Errors are
// config.FieldErrors whose paths use the Go parser's notation ("spec.rules[2].id").
func Validate(def policy.Definition, data []byte) error {
	sch, err := Compile(def)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return &config.FieldError{Msg: "config is empty"}
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return &config.FieldError{Msg: "malformed JSON: " + err.Error()}
	}
	err = sch.Validate(inst)
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	var es config.Errors
	all := leaves(ve)
	// With unevaluatedProperties, any failure under the envelope $ref also makes every property
	// "unevaluated" (a false schema): noise when a real cause is reported.
	specific := all[:0:0]
	for _, leaf := range all {
		if _, ok := leaf.ErrorKind.(*kind.FalseSchema); !ok {
			specific = append(specific, leaf)
		}
	}
	if len(specific) > 0 {
		all = specific
	}
	for _, leaf := range all {
		es.Add(pointerPath(leaf.InstanceLocation), "%s", leaf.ErrorKind.LocalizedString(english))
	}
	return es.Err()
}

// leaves returns the most specific causes of a validation error.
func leaves(ve *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(ve.Causes) == 0 {
		return []*jsonschema.ValidationError{ve}
	}
	var out []*jsonschema.ValidationError
	for _, c := range ve.Causes {
		out = append(out, leaves(c)...)
	}
	return out
}

// pointerPath renders a JSON Pointer's tokens in the parser's path notation.
func pointerPath(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		if isIndex(t) {
			b.WriteString("[" + t + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(t)
	}
	return b.String()
}

func isIndex(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Check runs both the Go parser and the schema on a config: what `wasmward validate` reports.
// It returns the parser's error and the schema's error separately.
func Check(def policy.Definition, data []byte) (parseErr, schemaErr error) {
	_, _, parseErr = config.Load(data, def.Name, def.Parse)
	schemaErr = Validate(def, data)
	return parseErr, schemaErr
}

// Pretty re-indents JSON for messages; invalid JSON is returned unchanged.
func Pretty(data []byte) string {
	var out bytes.Buffer
	if json.Indent(&out, data, "", "  ") != nil {
		return string(data)
	}
	return out.String()
}
