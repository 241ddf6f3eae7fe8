package jwtauthn

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// errJSON is returned for JSON that is not exactly one object free of duplicate members.
var errJSON = errors.New("malformed JSON object")

// maxJSONDepth bounds the nesting of decoded JSON (headers, claims, JWKS).
const maxJSONDepth = 32

// jsonMember is one name/value pair of a JSON object; raw is the value's exact JSON text.
type jsonMember struct {
	name string
	raw  []byte
}

// object is a JSON object's members, in order, with exact (case-sensitive, unescaped) names:
// encoding/json would match struct fields case-insensitively, letting {"alg":"RS256","ALG":"none"}
// pick either.
type object []jsonMember

// get returns the raw value of the member called name.
func (o object) get(name string) ([]byte, bool) {
	for _, m := range o {
		if m.name == name {
			return m.raw, true
		}
	}
	return nil, false
}

// has reports whether the object has a member called name.
func (o object) has(name string) bool {
	_, ok := o.get(name)
	return ok
}

// parseObject parses data as exactly one JSON object (RFC 8259) and returns its top-level
// members. It rejects duplicate member names at any depth (compared after unescaping), invalid
// UTF-8, trailing data and nesting deeper than maxJSONDepth: two parsers reading the same token
// differently is how signature checks get bypassed. A hand-written scanner, because
// encoding/json keeps the last duplicate and its streaming decoder costs more than the
// signature checks it guards (FuzzJSONScanner checks it against encoding/json).
func parseObject(data []byte) (object, error) {
	s := jsonScanner{data: data}
	s.space()
	if s.peek() != '{' {
		return nil, errJSON
	}
	obj, err := s.object(1, true)
	if err != nil {
		return nil, err
	}
	s.space()
	if s.pos != len(s.data) {
		return nil, errJSON
	}
	return obj, nil
}

// objectArray parses raw as an array of JSON objects.
func objectArray(raw []byte) ([]object, error) {
	s := jsonScanner{data: raw}
	s.space()
	if s.peek() != '[' {
		return nil, errJSON
	}
	s.pos++
	var out []object
	s.space()
	if s.peek() == ']' {
		s.pos++
		return out, nil
	}
	for {
		s.space()
		if s.peek() != '{' {
			return nil, errJSON
		}
		obj, err := s.object(2, true)
		if err != nil {
			return nil, err
		}
		out = append(out, obj)
		s.space()
		switch s.next() {
		case ',':
		case ']':
			s.space()
			if s.pos != len(s.data) {
				return nil, errJSON
			}
			return out, nil
		default:
			return nil, errJSON
		}
	}
}

type jsonScanner struct {
	data []byte
	pos  int
}

func (s *jsonScanner) peek() byte {
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

func (s *jsonScanner) next() byte {
	c := s.peek()
	s.pos++
	return c
}

func (s *jsonScanner) space() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// object scans an object starting at '{'. keep collects the members (top level only).
func (s *jsonScanner) object(depth int, keep bool) (object, error) {
	if depth > maxJSONDepth {
		return nil, errJSON
	}
	s.pos++ // '{'
	// Duplicate check: objects are small, so a linear scan over names kept on the stack.
	var nameBuf [16]string
	names := nameBuf[:0]
	var members object
	if keep {
		members = make(object, 0, 12)
	}
	s.space()
	if s.peek() == '}' {
		s.pos++
		return object{}, nil
	}
	for {
		s.space()
		rawName, escaped, err := s.str()
		if err != nil {
			return nil, err
		}
		name := string(rawName[1 : len(rawName)-1])
		if escaped {
			if json.Unmarshal(rawName, &name) != nil {
				return nil, errJSON
			}
		}
		for _, seen := range names {
			if seen == name {
				return nil, errJSON // duplicate member
			}
		}
		names = append(names, name)
		s.space()
		if s.next() != ':' {
			return nil, errJSON
		}
		s.space()
		start := s.pos
		if err := s.value(depth); err != nil {
			return nil, err
		}
		if keep {
			members = append(members, jsonMember{name: name, raw: s.data[start:s.pos]})
		}
		s.space()
		switch s.next() {
		case ',':
		case '}':
			if members == nil {
				members = object{}
			}
			return members, nil
		default:
			return nil, errJSON
		}
	}
}

// value scans any JSON value.
func (s *jsonScanner) value(depth int) error {
	switch c := s.peek(); {
	case c == '{':
		_, err := s.object(depth+1, false)
		return err
	case c == '[':
		return s.array(depth + 1)
	case c == '"':
		_, _, err := s.str()
		return err
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	default:
		for _, lit := range []string{"true", "false", "null"} {
			if bytes.HasPrefix(s.data[s.pos:], []byte(lit)) {
				s.pos += len(lit)
				return nil
			}
		}
		return errJSON
	}
}

func (s *jsonScanner) array(depth int) error {
	if depth > maxJSONDepth {
		return errJSON
	}
	s.pos++ // '['
	s.space()
	if s.peek() == ']' {
		s.pos++
		return nil
	}
	for {
		s.space()
		if err := s.value(depth); err != nil {
			return err
		}
		s.space()
		switch s.next() {
		case ',':
		case ']':
			return nil
		default:
			return errJSON
		}
	}
}

// str scans a string and returns its raw text (quotes included) and whether it has escapes.
func (s *jsonScanner) str() (raw []byte, escaped bool, err error) {
	start := s.pos
	if s.next() != '"' {
		return nil, false, errJSON
	}
	for {
		if s.pos >= len(s.data) {
			return nil, false, errJSON
		}
		c := s.data[s.pos]
		switch {
		case c == '"':
			s.pos++
			return s.data[start:s.pos], escaped, nil
		case c == '\\':
			escaped = true
			s.pos++
			switch s.next() {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				for range 4 {
					if !isHex(s.next()) {
						return nil, false, errJSON
					}
				}
			default:
				return nil, false, errJSON
			}
		case c < 0x20:
			return nil, false, errJSON
		case c < utf8.RuneSelf:
			s.pos++
		default:
			r, size := utf8.DecodeRune(s.data[s.pos:])
			if r == utf8.RuneError && size == 1 {
				return nil, false, errJSON // invalid UTF-8
			}
			s.pos += size
		}
	}
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// number scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *jsonScanner) number() error {
	if s.peek() == '-' {
		s.pos++
	}
	switch c := s.peek(); {
	case c == '0':
		s.pos++
	case c >= '1' && c <= '9':
		s.digits()
	default:
		return errJSON
	}
	if s.peek() == '.' {
		s.pos++
		if s.digits() == 0 {
			return errJSON
		}
	}
	if c := s.peek(); c == 'e' || c == 'E' {
		s.pos++
		if c := s.peek(); c == '+' || c == '-' {
			s.pos++
		}
		if s.digits() == 0 {
			return errJSON
		}
	}
	return nil
}

func (s *jsonScanner) digits() int {
	n := 0
	for c := s.peek(); c >= '0' && c <= '9'; c = s.peek() {
		s.pos++
		n++
	}
	return n
}

// str reads a string member; ok is false when it is absent, and err set when it is not a string.
func (o object) str(name string) (s string, ok bool, err error) {
	raw, ok := o.get(name)
	if !ok {
		return "", false, nil
	}
	s, err = jsonString(raw)
	return s, true, err
}

// jsonString decodes raw (already scanned) if it is a JSON string.
func jsonString(raw []byte) (string, error) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", errJSON
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1]), nil
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", errJSON
	}
	return s, nil
}

// strings reads a member that must be an array of strings.
func (o object) strings(name string) (ss []string, ok bool, err error) {
	raw, ok := o.get(name)
	if !ok {
		return nil, false, nil
	}
	ss, err = stringArray(raw)
	return ss, true, err
}

// stringArray decodes raw if it is a JSON array of strings.
func stringArray(raw []byte) ([]string, error) {
	if len(raw) == 0 || raw[0] != '[' {
		return nil, errJSON
	}
	var ss []string
	if json.Unmarshal(raw, &ss) != nil || ss == nil {
		return nil, errJSON
	}
	return ss, nil
}
