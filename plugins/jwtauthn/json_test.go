package jwtauthn

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// oracleObject decides with encoding/json what parseObject must accept: one object, valid
// UTF-8, no duplicate member at any depth (names compared after decoding), depth ≤ maxJSONDepth.
func oracleObject(data []byte) (map[string]json.RawMessage, bool) {
	if !json.Valid(data) || !utf8.Valid(data) {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') || !oracleWalk(dec, 1, true) {
		return nil, false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil {
		return nil, false
	}
	return m, true
}

// oracleWalk reads the rest of a container whose opening token was read.
func oracleWalk(dec *json.Decoder, depth int, isObject bool) bool {
	if depth > maxJSONDepth {
		return false
	}
	seen := map[string]bool{}
	for dec.More() {
		if isObject {
			kt, err := dec.Token()
			if err != nil || seen[kt.(string)] {
				return false
			}
			seen[kt.(string)] = true
		}
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		if d, ok := tok.(json.Delim); ok && !oracleWalk(dec, depth+1, d == '{') {
			return false
		}
	}
	_, err := dec.Token()
	return err == nil
}

// FuzzJSONScanner checks parseObject against encoding/json: same acceptance, same members.
func FuzzJSONScanner(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1}`, `{"a":1,"a":2}`, `{"a":{"b":[1,{"c":null}]}}`, `{"a":"\u0061","\u0061":1}`,
		`{"a":1}x`, `{"a":-0.5e+3}`, `{"a":01}`, `{"a":"\ud800"}`, "{\"a\":\"\xff\"}", ` {"x" : [ true , false ] } `,
		`{"a":1,}`, `[1]`, `{"a":"b\"c"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		obj, err := parseObject(data)
		want, ok := oracleObject(data)
		if (err == nil) != ok {
			t.Fatalf("parseObject err=%v, encoding/json accepts=%v for %q", err, ok, data)
		}
		if err != nil {
			return
		}
		if len(obj) != len(want) {
			t.Fatalf("%d members, want %d", len(obj), len(want))
		}
		for _, m := range obj {
			if !bytes.Equal(m.raw, bytes.TrimSpace(want[m.name])) {
				t.Fatalf("member %q = %s, want %s", m.name, m.raw, want[m.name])
			}
		}
	})
}
