package config

import (
	_ "embed"
	"encoding/json"

	"github.com/wasmward/wasmward/shared/pathnorm"
)

// APIVersion is the config version this build understands.
const APIVersion = "wasmward/v1"

// Failure modes: what the glue does when a policy fails internally (a panic, a host error).
const (
	FailClosed = "closed" // deny with 500 (the default)
	FailOpen   = "open"   // let the request continue
)

// Envelope is the part of every plugin config that the glue owns. See the package doc.
type Envelope struct {
	APIVersion  string          `json:"apiVersion"`
	Plugin      string          `json:"plugin"`
	Shadow      bool            `json:"shadow,omitempty"`
	FailureMode string          `json:"failureMode,omitempty"`
	Audit       AuditConfig     `json:"audit,omitzero"`
	Host        HostConfig      `json:"host,omitzero"`
	Paths       PathsConfig     `json:"paths,omitzero"`
	Spec        json.RawMessage `json:"spec"`
}

// Host kinds for HostConfig.Kind.
const (
	HostEnvoy = "envoy"
	HostNginx = "nginx"
)

// HostConfig declares host features that cannot be probed without trapping or logging.
type HostConfig struct {
	// Kind names the host ("envoy" or "nginx"). Empty: the glue probes the property
	// plugin_vm_id, which Envoy answers and ngx_wasm_module reports with one NYI alert line per
	// worker at start; setting it skips the probe.
	Kind string `json:"kind,omitempty"`
	// SharedData, on ngx_wasm_module, declares that nginx's wasm{} block has an `shm_kv *`
	// zone. Without it the plugin never touches shared data (the call would trap). Envoy always
	// has shared data and ignores this.
	SharedData bool `json:"sharedData,omitempty"`
}

// Values of PathsConfig.Ambiguous.
const (
	AmbiguousReject    = "reject"    // deny with 400 (the default)
	AmbiguousNormalize = "normalize" // decode, then normalize
)

// PathsConfig says how policies normalize request paths before matching them (package
// pathnorm, docs/config.md "Path and host normalization"). Every plugin reads it through
// policy.Request.NormalizedPath.
type PathsConfig struct {
	// Ambiguous is what to do with a path holding an encoding upstreams read differently
	// ("%2F", "%5C", "%3B", "%25", an invalid escape): AmbiguousReject (empty means it) or
	// AmbiguousNormalize.
	Ambiguous string `json:"ambiguous,omitempty"`
	// CaseInsensitive declares that the upstream looks paths up case-insensitively: paths are
	// lower-cased and path rules compared case-insensitively.
	CaseInsensitive bool `json:"caseInsensitive,omitempty"`
}

// Options returns the pathnorm options these settings select.
func (p PathsConfig) Options() pathnorm.Options {
	return pathnorm.Options{DecodeAmbiguous: p.Ambiguous == AmbiguousNormalize, FoldCase: p.CaseInsensitive}
}

// AuditConfig selects which decisions produce audit lines beyond denies.
type AuditConfig struct {
	// Allows, when true, writes an audit line for allowed requests too.
	Allows bool `json:"allows,omitempty"`
}

// FailOpen reports whether internal errors let requests through.
func (e *Envelope) FailOpen() bool { return e.FailureMode == FailOpen }

// ParseEnvelope strictly parses a plugin config and checks that it is meant for plugin. The spec
// is returned raw for the plugin's own parser.
func ParseEnvelope(data []byte, plugin string) (*Envelope, error) {
	var env Envelope
	if err := DecodeStrict(data, &env); err != nil {
		return nil, err
	}
	var es Errors
	switch env.APIVersion {
	case APIVersion:
	case "":
		es.Add("apiVersion", "is required (%q)", APIVersion)
	default:
		es.Add("apiVersion", "must be %q", APIVersion)
	}
	if env.Plugin != plugin {
		es.Add("plugin", "must be %q for this plugin", plugin)
	}
	switch env.FailureMode {
	case "":
		env.FailureMode = FailClosed
	case FailClosed, FailOpen:
	default:
		es.Add("failureMode", "must be %q or %q", FailClosed, FailOpen)
	}
	switch env.Host.Kind {
	case "", HostEnvoy, HostNginx:
	default:
		es.Add("host.kind", "must be %q or %q (or absent: detected)", HostEnvoy, HostNginx)
	}
	switch env.Paths.Ambiguous {
	case "":
		env.Paths.Ambiguous = AmbiguousReject
	case AmbiguousReject, AmbiguousNormalize:
	default:
		es.Add("paths.ambiguous", "must be %q or %q", AmbiguousReject, AmbiguousNormalize)
	}
	if len(env.Spec) == 0 || string(env.Spec) == "null" {
		es.Add("spec", "is required (use {} for no settings)")
	}
	return &env, es.Err()
}

// ParseFunc parses a plugin's spec; see policy.Definition.Parse.
type ParseFunc[P any] func(spec []byte) (P, error)

// Load parses a whole plugin config: the envelope, then the spec with parse, whose errors are
// reported under "spec". It is what the glue runs at start and the CLI runs offline.
func Load[P any](data []byte, plugin string, parse ParseFunc[P]) (*Envelope, P, error) {
	var zero P
	env, err := ParseEnvelope(data, plugin)
	if err != nil {
		return nil, zero, err
	}
	p, err := parse(env.Spec)
	if err != nil {
		var es Errors
		es.Merge("spec", err)
		return nil, zero, es.Err()
	}
	return env, p, nil
}

// EnvelopeSchema is the JSON Schema of the envelope; plugin schemas refer to it by relative path.
//
//go:embed envelope.schema.json
var EnvelopeSchema []byte

// ForNginx is a config as the generated nginx configs pass it: declaring host.kind "nginx" and
// an shm_kv zone (host.sharedData), as one line of JSON. Data that is not a JSON object, or has
// a malformed host, is returned unchanged for the parser to refuse.
func ForNginx(data []byte) []byte {
	var fields map[string]json.RawMessage
	if json.Unmarshal(data, &fields) != nil {
		return data
	}
	var host HostConfig
	if raw, ok := fields["host"]; ok && json.Unmarshal(raw, &host) != nil {
		return data
	}
	host.Kind, host.SharedData = HostNginx, true
	fields["host"], _ = json.Marshal(host)
	out, err := json.Marshal(fields)
	if err != nil {
		return data
	}
	return out
}
