package config_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wasmward/wasmward/shared/config"
)

type inner struct {
	ID    string `json:"id"`
	Count uint16 `json:"count,omitempty"`
}

type sample struct {
	Name    string            `json:"name"`
	Enabled bool              `json:"enabled,omitempty"`
	Limit   int32             `json:"limit,omitempty"`
	Ratio   float64           `json:"ratio,omitempty"`
	Rules   []inner           `json:"rules,omitempty"`
	Labels  map[string]string `json:"labels,omitempty"`
	Ptr     *inner            `json:"ptr,omitempty"`
}

func TestDecodeStrictRejects(t *testing.T) {
	cases := []struct {
		name, json, path, msg string
	}{
		{"unknown field", `{"name":"a","nmae":"b"}`, "nmae", "unknown field"},
		{"case mismatch is not a match", `{"Name":"a"}`, "Name", `did you mean "name"`},
		{"duplicate member", `{"name":"a","name":"b"}`, "name", "duplicate member"},
		{"nested duplicate", `{"name":"a","rules":[{"id":"x","id":"y"}]}`, "rules[0].id", "duplicate member"},
		{"nested unknown in array", `{"name":"a","rules":[{"id":"x"},{"id":"y","extra":1}]}`, "rules[1].extra", "unknown field"},
		{"wrong type string", `{"name":1}`, "name", "must be a string"},
		{"wrong type bool", `{"name":"a","enabled":"true"}`, "enabled", "must be true or false"},
		{"fractional integer", `{"name":"a","limit":1.5}`, "limit", "integer"},
		{"integer overflow", `{"name":"a","limit":3000000000}`, "limit", "in range"},
		{"negative unsigned", `{"name":"a","rules":[{"id":"x","count":-1}]}`, "rules[0].count", "non-negative"},
		{"unsigned overflow", `{"name":"a","rules":[{"id":"x","count":70000}]}`, "rules[0].count", "in range"},
		{"exponent integer", `{"name":"a","rules":[{"id":"x","count":1e2}]}`, "rules[0].count", "integer"},
		{"array expected", `{"name":"a","rules":{}}`, "rules", "must be an array"},
		{"object expected", `{"name":"a","ptr":[]}`, "ptr", "must be an object"},
		{"map value type", `{"name":"a","labels":{"k":1}}`, "labels.k", "must be a string"},
		{"null for a value", `{"name":null}`, "name", "must not be null"},
		{"trailing data", `{"name":"a"} {}`, "", "trailing data"},
		{"malformed", `{"name":`, "name", "malformed JSON"},
		{"empty", `  `, "", "config is empty"},
		{"not an object", `[1]`, "", "must be an object"},
		{"oversized", `{"name":"` + strings.Repeat("a", config.MaxSize) + `"}`, "", "bytes, more than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var v sample
			err := config.DecodeStrict([]byte(c.json), &v)
			require.Error(t, err)
			assert.True(t, errors.Is(err, config.ErrInvalid), "errors.Is ErrInvalid")
			fes := config.Fields(err)
			require.NotEmpty(t, fes)
			assert.Equal(t, c.path, fes[0].Path)
			assert.Contains(t, err.Error(), c.msg)
		})
	}
}

func TestDecodeStrictAccepts(t *testing.T) {
	var v sample
	err := config.DecodeStrict([]byte(`{"name":"a","enabled":true,"limit":-5,"ratio":0.5,
		"rules":[{"id":"x","count":65535}],"labels":{"k":"v"},"ptr":null}`), &v)
	require.NoError(t, err)
	assert.Equal(t, sample{Name: "a", Enabled: true, Limit: -5, Ratio: 0.5,
		Rules: []inner{{ID: "x", Count: 65535}}, Labels: map[string]string{"k": "v"}}, v)
}

func TestErrorsCollectEveryField(t *testing.T) {
	var v sample
	err := config.DecodeStrict([]byte(`{"name":1,"bogus":2}`), &v)
	assert.Len(t, config.Fields(err), 2)
	assert.Equal(t, "name: must be a string; bogus: unknown field", err.Error())
}

func TestLoadPrefixesSpecErrors(t *testing.T) {
	parse := func(spec []byte) (int, error) {
		var es config.Errors
		es.Add("rules[2].match.path", "must start with /")
		return 0, es.Err()
	}
	_, _, err := config.Load([]byte(`{"apiVersion":"wasmward/v1","plugin":"p","spec":{}}`), "p", parse)
	require.Error(t, err)
	assert.Equal(t, "spec.rules[2].match.path: must start with /", err.Error())
	assert.True(t, errors.Is(err, config.ErrInvalid))
}

func TestEnvelopeDefaults(t *testing.T) {
	env, err := config.ParseEnvelope([]byte(`{"apiVersion":"wasmward/v1","plugin":"p","spec":{}}`), "p")
	require.NoError(t, err)
	assert.Equal(t, config.FailClosed, env.FailureMode, "failing closed is the default")
	assert.False(t, env.FailOpen())
	assert.False(t, env.Shadow)
	assert.False(t, env.Audit.Allows)
}

func TestCheckID(t *testing.T) {
	for id, ok := range map[string]bool{"api": true, "rule_1-a": true, "": false, "a.b": false, "a b": false,
		strings.Repeat("a", 64): true, strings.Repeat("a", 65): false, "é": false} {
		var es config.Errors
		es.CheckID("id", id)
		assert.Equal(t, ok, es.Err() == nil, "id %q", id)
		assert.Equal(t, ok, config.ValidID(id))
	}
}

func FuzzDecodeStrict(f *testing.F) {
	for _, s := range []string{`{"name":"a"}`, `{"rules":[{"id":"x","count":1}]}`, `{"labels":{"a":"b"}}`, `{"name":"a","name":"b"}`, `[]`, `{`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v sample
		err := config.DecodeStrict(data, &v)
		if err != nil && !errors.Is(err, config.ErrInvalid) {
			t.Fatalf("error not wrapping ErrInvalid: %v", err)
		}
	})
}
