package config

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// ErrInvalid is wrapped by every config error: errors.Is(err, config.ErrInvalid).
var ErrInvalid = errors.New("invalid config")

// FieldError is a problem with one field, named by its JSON path ("spec.rules[2].match.path").
type FieldError struct {
	Path string
	Msg  string
}

func (e *FieldError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// Unwrap makes FieldError match ErrInvalid.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// Errors collects field errors; its zero value is ready to use.
type Errors struct {
	list []*FieldError
}

// Add records a problem at path.
func (es *Errors) Add(path, format string, args ...any) {
	es.list = append(es.list, &FieldError{Path: path, Msg: fmt.Sprintf(format, args...)})
}

// Merge records every field error in err (if it holds any) under prefix; other errors are
// recorded at prefix itself.
func (es *Errors) Merge(prefix string, err error) {
	if err == nil {
		return
	}
	fes := Fields(err)
	if len(fes) == 0 {
		es.Add(prefix, "%v", err)
		return
	}
	for _, fe := range fes {
		es.list = append(es.list, &FieldError{Path: JoinPath(prefix, fe.Path), Msg: fe.Msg})
	}
}

// Err returns nil, the single error, or a joined error whose message lists every field.
func (es *Errors) Err() error {
	switch len(es.list) {
	case 0:
		return nil
	case 1:
		return es.list[0]
	}
	errs := make([]error, len(es.list))
	for i, fe := range es.list {
		errs[i] = fe
	}
	return &joined{errs: errs}
}

type joined struct{ errs []error }

func (j *joined) Error() string {
	msgs := make([]string, len(j.errs))
	for i, e := range j.errs {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

func (j *joined) Unwrap() []error { return j.errs }

// Fields returns every FieldError inside err, in order.
func Fields(err error) []*FieldError {
	var out []*FieldError
	var walk func(error)
	walk = func(e error) {
		if fe, ok := e.(*FieldError); ok {
			out = append(out, fe)
			return
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, c := range j.Unwrap() {
				walk(c)
			}
		}
	}
	walk(err)
	return out
}

// JoinPath joins a JSON path prefix and a relative path ("spec" + "rules[0]" = "spec.rules[0]").
func JoinPath(prefix, rel string) string {
	switch {
	case prefix == "":
		return rel
	case rel == "":
		return prefix
	case rel[0] == '[':
		return prefix + rel
	}
	return prefix + "." + rel
}

// Index returns the path of element i of the array at path.
func Index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// CheckID records an error unless id is a valid rule id: 1-64 of [A-Za-z0-9_-]. Rule ids become
// metric name parts and audit fields, so nothing else is allowed.
func (es *Errors) CheckID(path, id string) {
	if !idPattern.MatchString(id) {
		es.Add(path, "must be 1-64 characters of A-Z, a-z, 0-9, '_' or '-'")
	}
}

// ValidID reports whether s is a valid rule id (see CheckID).
func ValidID(s string) bool { return idPattern.MatchString(s) }
