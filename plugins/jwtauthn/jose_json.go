package jwtauthn

import (
	"bytes"
	"encoding/json"
	"errors"
)

// errJSON is returned for JSON that is not exactly one object free of duplicate members.
var errJSON = errors.New("malformed JSON object")

// maxJSONDepth bounds the nesting of decoded JSON (headers, claims, JWKS).
const maxJSONDepth = 32

// object is a JSON object decoded with exact, case-sensitive member names: encoding/json would
// match struct fields case-insensitively, letting {"alg":"RS256","ALG":"none"} pick either.
type object map[string]json.RawMessage

// parseObject decodes data as a single JSON object. Duplicate member names at any depth, trailing
// data and nesting deeper than maxJSONDepth are rejected: two parsers reading the same token
// differently is how signature checks get bypassed.
func parseObject(data []byte) (object, error) {
	if err := checkUnique(data); err != nil {
		return nil, err
	}
	var obj object
	if err := json.Unmarshal(data, &obj); err != nil || obj == nil {
		return nil, errJSON
	}
	return obj, nil
}

// checkUnique walks data with a streaming decoder and fails on a duplicate member, trailing data
// or excessive depth.
func checkUnique(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return errJSON
	}
	if err := walkObject(dec, 1); err != nil {
		return err
	}
	if len(bytes.TrimLeft(data[dec.InputOffset():], " \t\r\n")) != 0 {
		return errJSON // trailing data
	}
	return nil
}

func walkObject(dec *json.Decoder, depth int) error {
	if depth > maxJSONDepth {
		return errJSON
	}
	seen := make(map[string]struct{}, 8)
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return errJSON
		}
		key, ok := kt.(string)
		if !ok {
			return errJSON
		}
		if _, dup := seen[key]; dup {
			return errJSON
		}
		seen[key] = struct{}{}
		if err := walkValue(dec, depth); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return errJSON
	}
	return nil
}

func walkValue(dec *json.Decoder, depth int) error {
	tok, err := dec.Token()
	if err != nil {
		return errJSON
	}
	switch tok {
	case json.Delim('{'):
		return walkObject(dec, depth+1)
	case json.Delim('['):
		if depth+1 > maxJSONDepth {
			return errJSON
		}
		for dec.More() {
			if err := walkValue(dec, depth+1); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil {
			return errJSON
		}
	}
	return nil
}

// str reads a string member; ok is false when it is absent, and err set when it is not a string.
func (o object) str(name string) (s string, ok bool, err error) {
	raw, ok := o[name]
	if !ok {
		return "", false, nil
	}
	if string(raw) == "null" || json.Unmarshal(raw, &s) != nil {
		return "", true, errJSON
	}
	return s, true, nil
}

// strings reads a member that must be an array of strings.
func (o object) strings(name string) (ss []string, ok bool, err error) {
	raw, ok := o[name]
	if !ok {
		return nil, false, nil
	}
	if err := json.Unmarshal(raw, &ss); err != nil || ss == nil {
		return nil, true, errJSON
	}
	return ss, true, nil
}

// objectArray decodes raw as an array of JSON objects (duplicates already checked by parseObject).
func objectArray(raw json.RawMessage, out *[]object) error {
	if err := json.Unmarshal(raw, out); err != nil || *out == nil {
		return errJSON
	}
	for _, o := range *out {
		if o == nil {
			return errJSON
		}
	}
	return nil
}
