package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
)

// MaxSize is the largest config accepted, in bytes.
const MaxSize = 1 << 20

// DecodeStrict decodes data into v (a pointer to a struct) and rejects anything encoding/json
// would let through: unknown fields, field names that differ in letter case, duplicate members,
// trailing data, fractional or out-of-range integers. Errors are FieldErrors naming the path.
//
// Types implementing json.Unmarshaler are handed their raw JSON and must be strict themselves.
func DecodeStrict(data []byte, v any) error {
	if len(data) > MaxSize {
		return &FieldError{Msg: fmt.Sprintf("config is %d bytes, more than the %d allowed", len(data), MaxSize)}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return &FieldError{Msg: "config is empty"}
	}
	tree, err := parseTree(data)
	if err != nil {
		return err
	}
	var es Errors
	checkValue(&es, "", tree, reflect.TypeOf(v).Elem())
	if err := es.Err(); err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return &FieldError{Msg: err.Error()}
	}
	return nil
}

// object keeps a JSON object's members in order (duplicates already rejected).
type object struct {
	keys []string
	vals map[string]any
}

// parseTree decodes JSON into nil, bool, json.Number, string, []any or *object, rejecting
// duplicate members and trailing data.
func parseTree(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := readValue(dec, "")
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, &FieldError{Msg: "trailing data after the JSON value"}
	}
	return v, nil
}

func readValue(dec *json.Decoder, path string) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, &FieldError{Path: path, Msg: "malformed JSON: " + strings.TrimPrefix(err.Error(), "json: ")}
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			obj := &object{vals: map[string]any{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, &FieldError{Path: path, Msg: "malformed JSON: " + err.Error()}
				}
				key := kt.(string)
				sub := JoinPath(path, key)
				if _, dup := obj.vals[key]; dup {
					return nil, &FieldError{Path: sub, Msg: "duplicate member"}
				}
				val, err := readValue(dec, sub)
				if err != nil {
					return nil, err
				}
				obj.keys = append(obj.keys, key)
				obj.vals[key] = val
			}
			if _, err := dec.Token(); err != nil {
				return nil, &FieldError{Path: path, Msg: "malformed JSON: " + err.Error()}
			}
			return obj, nil
		case '[':
			var arr []any
			for i := 0; dec.More(); i++ {
				val, err := readValue(dec, Index(path, i))
				if err != nil {
					return nil, err
				}
				arr = append(arr, val)
			}
			if _, err := dec.Token(); err != nil {
				return nil, &FieldError{Path: path, Msg: "malformed JSON: " + err.Error()}
			}
			if arr == nil {
				arr = []any{}
			}
			return arr, nil
		}
		return nil, &FieldError{Path: path, Msg: "malformed JSON"}
	default:
		return t, nil
	}
}

var (
	rawMessageType  = reflect.TypeOf(json.RawMessage(nil))
	unmarshalerType = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()
)

// checkValue verifies that tree fits type t, recording every mismatch.
func checkValue(es *Errors, path string, tree any, t reflect.Type) {
	if t == rawMessageType || reflect.PointerTo(t).Implements(unmarshalerType) {
		return
	}
	if tree == nil {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
			return
		}
		es.Add(path, "must not be null")
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		checkValue(es, path, tree, t.Elem())
	case reflect.Interface:
	case reflect.Struct:
		obj, ok := tree.(*object)
		if !ok {
			es.Add(path, "must be an object")
			return
		}
		fields := jsonFields(t)
		for _, key := range obj.keys {
			sub := JoinPath(path, key)
			f, ok := fields[key]
			if !ok {
				msg := "unknown field"
				for name := range fields {
					if strings.EqualFold(name, key) {
						msg = fmt.Sprintf("unknown field (did you mean %q?)", name)
					}
				}
				es.Add(sub, "%s", msg)
				continue
			}
			checkValue(es, sub, obj.vals[key], f.Type)
		}
	case reflect.Map:
		obj, ok := tree.(*object)
		if !ok || t.Key().Kind() != reflect.String {
			es.Add(path, "must be an object")
			return
		}
		for _, key := range obj.keys {
			checkValue(es, JoinPath(path, key), obj.vals[key], t.Elem())
		}
	case reflect.Slice, reflect.Array:
		arr, ok := tree.([]any)
		if !ok {
			es.Add(path, "must be an array")
			return
		}
		for i, el := range arr {
			checkValue(es, Index(path, i), el, t.Elem())
		}
	case reflect.String:
		if _, ok := tree.(string); !ok {
			es.Add(path, "must be a string")
		}
	case reflect.Bool:
		if _, ok := tree.(bool); !ok {
			es.Add(path, "must be true or false")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		checkInt(es, path, tree, t, true)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		checkInt(es, path, tree, t, false)
	case reflect.Float32, reflect.Float64:
		if _, ok := tree.(json.Number); !ok {
			es.Add(path, "must be a number")
		}
	default:
		es.Add(path, "has an unsupported type %s", t)
	}
}

func checkInt(es *Errors, path string, tree any, t reflect.Type, signed bool) {
	n, ok := tree.(json.Number)
	if !ok {
		es.Add(path, "must be an integer")
		return
	}
	bits := t.Bits()
	if signed {
		i, err := n.Int64()
		if err != nil || (bits < 64 && (i < -(1<<(bits-1)) || i > (1<<(bits-1))-1)) {
			es.Add(path, "must be an integer in range")
		}
		return
	}
	f, err := n.Float64()
	if err != nil || f < 0 || f != math.Trunc(f) || (bits < 64 && f > float64(uint64(1)<<bits-1)) || f > math.MaxUint64 {
		es.Add(path, "must be a non-negative integer in range")
		return
	}
	if strings.ContainsAny(n.String(), ".eE") {
		es.Add(path, "must be an integer")
	}
}

// jsonFields maps the JSON names of t's exported fields (embedded structs flattened) to them.
func jsonFields(t reflect.Type) map[string]reflect.StructField {
	fields := map[string]reflect.StructField{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			for k, v := range jsonFields(f.Type) {
				fields[k] = v
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields[name] = f
	}
	return fields
}
