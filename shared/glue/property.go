package glue

import "strings"

// propertyPath is a host property path the glue reads on every request, serialized once (the
// proxy-wasm encoding: parts joined by NUL bytes) for getProperty.
type propertyPath struct {
	parts []string
	raw   []byte
}

func newPropertyPath(parts ...string) propertyPath {
	return propertyPath{parts: parts, raw: []byte(strings.Join(parts, "\x00"))}
}
