// Package policytests loads and runs policy test case files, the input of `wasmward test`:
//
//	{"plugin": "rbac",
//	 "config": "../../plugins/rbac/testdata/valid/full.json",   // or an inline config object
//	 "wasm": "../../dist/rbac.wasm",                              // optional
//	 "cases": [{"name": "…", "request": {…}, "want": {…}}, …]}   // or a path to such an array
//
// Paths are relative to the case file. "cases" holds harness.Case objects (method, path,
// headers, body, upstream reply → expected status, headers, body, forwarded request); they run in
// the embedded wazero host against the plugin's .wasm (dist/<plugin>.wasm by default) through
// shared/harness, exactly as the plugin's own tests run them. Case files are decoded strictly
// (config.DecodeStrict): an unknown or mistyped field is an error naming the case and the field.
package policytests

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/shared/policy"
	"github.com/wasmward/wasmward/shared/schema"
)

// ErrMalformed is wrapped by every error about the case file itself (as opposed to its config,
// which gives config.ErrInvalid, or an unreadable file).
var ErrMalformed = errors.New("malformed case file")

// file is the JSON form of a case file.
type file struct {
	Plugin string          `json:"plugin"`
	Config json.RawMessage `json:"config"`
	Wasm   string          `json:"wasm,omitempty"`
	Cases  json.RawMessage `json:"cases"`
}

// Suite is a loaded case file.
type Suite struct {
	Path string
	Def  policy.Definition
	// Config is the plugin config; ConfigFrom says where it came from (a path, or "inline").
	Config     []byte
	ConfigFrom string
	// WasmPath is the module the cases run against.
	WasmPath string
	Cases    []harness.Case
}

// Load reads and checks a case file. lookup resolves plugin names.
func Load(path string, lookup func(string) (policy.Definition, bool)) (*Suite, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f file
	if err := config.DecodeStrict(data, &f); err != nil {
		return nil, malformed(path, err)
	}
	dir := filepath.Dir(path)
	s := &Suite{Path: path}
	var ok bool
	if s.Def, ok = lookup(f.Plugin); !ok {
		return nil, malformed(path, &config.FieldError{Path: "plugin", Msg: fmt.Sprintf("unknown plugin %q", f.Plugin)})
	}
	if s.Config, s.ConfigFrom, err = loadConfig(dir, f.Config); err != nil {
		return nil, malformed(path, err)
	}
	if parseErr, schemaErr := schema.Check(s.Def, s.Config); parseErr != nil || schemaErr != nil {
		return nil, fmt.Errorf("%s: config %s: %w", path, s.ConfigFrom, errors.Join(parseErr, schemaErr))
	}
	s.WasmPath = harness.WasmPath(s.Def.Name)
	if f.Wasm != "" {
		s.WasmPath = filepath.Join(dir, f.Wasm)
	}
	if s.Cases, err = loadCases(dir, f.Cases); err != nil {
		return nil, malformed(path, err)
	}
	return s, nil
}

func malformed(path string, err error) error {
	return fmt.Errorf("%s: %w: %w", path, ErrMalformed, err)
}

// loadConfig returns the config: the file a JSON string names, or the inline object.
func loadConfig(dir string, raw json.RawMessage) ([]byte, string, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return nil, "", &config.FieldError{Path: "config", Msg: "is required (a path or an inline config object)"}
	case raw[0] == '{':
		return raw, "inline", nil
	case raw[0] != '"':
		return nil, "", &config.FieldError{Path: "config", Msg: "must be a path or a config object"}
	}
	var rel string
	if err := json.Unmarshal(raw, &rel); err != nil || rel == "" {
		return nil, "", &config.FieldError{Path: "config", Msg: "must be a non-empty path"}
	}
	path := filepath.Join(dir, rel)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", &config.FieldError{Path: "config", Msg: err.Error()}
	}
	return data, path, nil
}

// loadCases decodes the cases array (inline, or from the file a JSON string names) one case at a
// time, so that an error names the case (index and name) and its field.
func loadCases(dir string, raw json.RawMessage) ([]harness.Case, error) {
	raw = bytes.TrimSpace(raw)
	field := "cases"
	if len(raw) > 0 && raw[0] == '"' {
		var rel string
		if err := json.Unmarshal(raw, &rel); err != nil || rel == "" {
			return nil, &config.FieldError{Path: field, Msg: "must be an array of cases or a non-empty path"}
		}
		data, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			return nil, &config.FieldError{Path: field, Msg: err.Error()}
		}
		raw, field = bytes.TrimSpace(data), rel
	}
	var items []json.RawMessage
	if err := config.DecodeStrict(raw, &items); err != nil {
		return nil, prefixed(field, err)
	}
	if len(items) == 0 {
		return nil, &config.FieldError{Path: field, Msg: "must hold at least one case"}
	}
	cases := make([]harness.Case, len(items))
	seen := map[string]int{}
	var es config.Errors
	for i, item := range items {
		at, name := config.Index(field, i), caseName(item)
		add := func(path, msg string) { es.Add(config.JoinPath(at, path), "%s%s", name, msg) }
		if err := config.DecodeStrict(item, &cases[i]); err != nil {
			for _, fe := range config.Fields(err) {
				add(fe.Path, fe.Msg)
			}
			continue
		}
		for _, path := range badPairs(item) {
			add(path, "must be a [name, value] pair")
		}
		c := cases[i]
		switch prev, dup := seen[c.Name]; {
		case c.Name == "":
			add("name", "is required")
		case dup:
			add("name", fmt.Sprintf("duplicates the name of %s", config.Index(field, prev)))
		}
		seen[c.Name] = i
		if c.Want.Status < 100 || c.Want.Status > 599 {
			add("want.status", "is required: the HTTP status the client must see (100-599)")
		}
		if u := c.Request.Upstream; u != nil && u.Status != 0 && (u.Status < 100 || u.Status > 599) {
			add("request.upstream.status", "must be an HTTP status (100-599)")
		}
	}
	return cases, es.Err()
}

// badPairs returns the paths of header entries that are not two-element arrays: encoding/json
// would silently drop a third element or leave a missing one empty.
func badPairs(item json.RawMessage) []string {
	type headers struct {
		Headers [][]json.RawMessage `json:"headers"`
	}
	var c struct {
		Request struct {
			headers
			Upstream *headers `json:"upstream"`
		} `json:"request"`
	}
	if json.Unmarshal(item, &c) != nil {
		return nil // DecodeStrict reported it
	}
	var bad []string
	check := func(prefix string, hs [][]json.RawMessage) {
		for i, h := range hs {
			if len(h) != 2 {
				bad = append(bad, config.Index(prefix, i))
			}
		}
	}
	check("request.headers", c.Request.Headers)
	if c.Request.Upstream != nil {
		check("request.upstream.headers", c.Request.Upstream.Headers)
	}
	return bad
}

// caseName returns `case "<name>": ` for error messages, or "" when the case has no readable name.
func caseName(item json.RawMessage) string {
	var named struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(item, &named) == nil && named.Name != "" {
		return fmt.Sprintf("case %q: ", named.Name)
	}
	return ""
}

func prefixed(prefix string, err error) error {
	var es config.Errors
	es.Merge(prefix, err)
	return es.Err()
}

// Result is the outcome of one case: no Diffs means it passed.
type Result struct {
	Name  string
	Diffs []string
}

// Run runs every case in order against one started plugin (as one worker serves many requests)
// in mode. A plugin that refuses its config is an error carrying the host's log lines.
func (s *Suite) Run(mode harness.Mode) ([]Result, error) {
	h, err := harness.NewHost(mode, s.Def, s.Config, harness.Options{WasmPath: s.WasmPath})
	if err != nil {
		return nil, err
	}
	defer h.Close()
	if !h.Status {
		return nil, fmt.Errorf("%s: plugin refused to start: %s", s.Path, strings.Join(h.CriticalLogs(), "; "))
	}
	results := make([]Result, len(s.Cases))
	for i, c := range s.Cases {
		results[i] = Result{Name: c.Name, Diffs: c.Want.Check(h.Do(c.Request))}
	}
	return results, nil
}
