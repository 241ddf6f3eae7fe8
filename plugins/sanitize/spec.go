package sanitize

import "encoding/json"

// Spec is the plugin's "spec" object. Top-level settings are the defaults of every route; a
// request that matches no route uses them as the route "default".
type Spec struct {
	// Mode is the default mode of every rule: "reject" (default), "sanitize" or "detect".
	Mode Mode `json:"mode"`
	// Rules overrides the mode per rule id ({"xss": "sanitize", "cmd_injection": "detect"}).
	Rules map[string]Mode `json:"rules"`
	// Limits are the protocol limits.
	Limits Limits `json:"limits"`
	// JSON bounds JSON bodies.
	JSON JSONLimits `json:"json"`
	// Inspect selects what the injection detectors look at besides query, form and JSON values.
	Inspect Inspect `json:"inspect"`
	// Normalize bounds the decoding pipeline run before detection.
	Normalize Normalize `json:"normalize"`
	// Multipart bounds multipart bodies.
	Multipart Multipart `json:"multipart"`
	// ContentTypes allow-lists request body media types ("application/json"); empty allows any.
	ContentTypes []string `json:"contentTypes"`
	// CommandFields are the locations checked for shell metacharacters (cmd_injection).
	CommandFields []string `json:"commandFields"`
	// Allow suppresses rules at locations (known false positives).
	Allow []AllowSpec `json:"allow"`
	// Routes are matched in order; the first match applies.
	Routes []RouteSpec `json:"routes"`
}

// Limits are protocol limits. A zero or absent number inherits the enclosing default.
type Limits struct {
	// Methods allowed (upper case; others are "method"); empty allows usualMethods (others
	// are "method_unusual").
	Methods             []string `json:"methods"`
	MaxHeaders          int      `json:"maxHeaders"`          // default 100
	MaxHeaderNameBytes  int      `json:"maxHeaderNameBytes"`  // default 256
	MaxHeaderValueBytes int      `json:"maxHeaderValueBytes"` // default 8192
	MaxPathBytes        int      `json:"maxPathBytes"`        // default 2048, without the query
	MaxQueryBytes       int      `json:"maxQueryBytes"`       // default 4096
	MaxBodyBytes        int      `json:"maxBodyBytes"`        // default 1 MiB; past it: 413
	// MaxInspectBytes is the inspection budget of one phase (headers, body): the bytes of every
	// inspected value plus its location. Past it the phase is denied inspection_budget (413).
	// Default: 8 × MaxBodyBytes, at least 8 MiB.
	MaxInspectBytes int `json:"maxInspectBytes"`
	// DeniedHeaders are request headers (lower case) refused as header_denied; empty inherits
	// (default ["proxy", "request-range"]).
	DeniedHeaders []string `json:"deniedHeaders"`
	// MaxRanges is the number of byte ranges a Range header may ask for (default 5).
	MaxRanges int `json:"maxRanges"`
	// RequireHostName refuses a Host that is an IP address (header_invalid); default false.
	RequireHostName *bool `json:"requireHostName"`
}

// JSONLimits bound JSON bodies. Zero inherits.
type JSONLimits struct {
	MaxDepth       int `json:"maxDepth"`       // default 32
	MaxKeys        int `json:"maxKeys"`        // default 1000, object members in the whole body
	MaxStringBytes int `json:"maxStringBytes"` // default 65536, per string (keys included)
}

// Inspect selects inputs for the injection detectors.
type Inspect struct {
	// Headers are the header names (lower case) whose values are inspected; "*" is every
	// header but the ones skipHeader excludes (credentials, cookie, content-length). Only
	// named headers can be sanitized (removed). Default ["*"].
	Headers *[]string `json:"headers"`
	// Cookies inspects cookie values (default true).
	Cookies *bool `json:"cookies"`
	// Path inspects path segments (default true).
	Path *bool `json:"path"`
}

// Normalize bounds the decoding pipeline.
type Normalize struct {
	// MaxIterations is how many URL-decode + HTML-entity rounds run at most (default 3, max 8).
	MaxIterations int `json:"maxIterations"`
	// MaxBytes caps a normalized value; Unicode normalization that would grow past it is skipped
	// (default 16384).
	MaxBytes int `json:"maxBytes"`
}

// Multipart bounds multipart bodies.
type Multipart struct {
	// MaxParts is the number of parts a multipart body may have (default 100); past it the body
	// is denied multipart_limits.
	MaxParts int `json:"maxParts"`
}

// AllowSpec suppresses a rule at matching locations.
type AllowSpec struct {
	// Rule is an injection rule id or "*" for all of them.
	Rule string `json:"rule"`
	// Location is exact ("json.comment") or a prefix ending in "*" ("json.notes.*").
	Location string `json:"location"`
}

// RouteSpec is one route. Absent settings inherit the top level.
type RouteSpec struct {
	ID string `json:"id"`
	// PathPrefix matches the request path (without query); "" matches any.
	PathPrefix string `json:"pathPrefix"`
	// Route matches the host's route name (Envoy xds.route_name); "" matches any.
	Route         string          `json:"route"`
	Mode          Mode            `json:"mode"`
	Rules         map[string]Mode `json:"rules"`
	Limits        Limits          `json:"limits"`
	JSON          JSONLimits      `json:"json"`
	ContentTypes  []string        `json:"contentTypes"`
	CommandFields []string        `json:"commandFields"`
	// Allow entries add to the top-level ones.
	Allow []AllowSpec `json:"allow"`
	// JSONSchema validates JSON bodies of this route (draft 2020-12).
	JSONSchema json.RawMessage `json:"jsonSchema"`
}

// Defaults.
const (
	DefaultMaxHeaders          = 100
	DefaultMaxHeaderNameBytes  = 256
	DefaultMaxHeaderValueBytes = 8192
	DefaultMaxPathBytes        = 2048
	DefaultMaxQueryBytes       = 4096
	DefaultMaxBodyBytes        = 1 << 20
	DefaultJSONMaxDepth        = 32
	DefaultJSONMaxKeys         = 1000
	DefaultJSONMaxStringBytes  = 65536
	DefaultMaxIterations       = 3
	MaxMaxIterations           = 8
	DefaultNormalizeBytes      = 16384
	DefaultMaxParts            = 100
	DefaultMaxRanges           = 5
	// DefaultMaxInspectBytes is the smallest default inspection budget per phase; the default is
	// DefaultInspectFactor × limits.maxBodyBytes when that is larger.
	DefaultMaxInspectBytes = 8 << 20
	DefaultInspectFactor   = 8
)

// AllHeaders in inspect.headers stands for every request header skipHeader does not exclude.
const AllHeaders = "*"

// DefaultHeaders are the headers inspected when inspect.headers is absent: all of them.
var DefaultHeaders = []string{AllHeaders}

// inherit returns v, or def when v is zero.
func inherit(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// merge fills zero fields of l from def.
func (l Limits) merge(def Limits) Limits {
	if len(l.Methods) == 0 {
		l.Methods = def.Methods
	}
	l.MaxHeaders = inherit(l.MaxHeaders, def.MaxHeaders)
	l.MaxHeaderNameBytes = inherit(l.MaxHeaderNameBytes, def.MaxHeaderNameBytes)
	l.MaxHeaderValueBytes = inherit(l.MaxHeaderValueBytes, def.MaxHeaderValueBytes)
	l.MaxPathBytes = inherit(l.MaxPathBytes, def.MaxPathBytes)
	l.MaxQueryBytes = inherit(l.MaxQueryBytes, def.MaxQueryBytes)
	l.MaxBodyBytes = inherit(l.MaxBodyBytes, def.MaxBodyBytes)
	l.MaxInspectBytes = inherit(l.MaxInspectBytes, def.MaxInspectBytes)
	if len(l.DeniedHeaders) == 0 {
		l.DeniedHeaders = def.DeniedHeaders
	}
	l.MaxRanges = inherit(l.MaxRanges, def.MaxRanges)
	if l.RequireHostName == nil {
		l.RequireHostName = def.RequireHostName
	}
	return l
}

func (j JSONLimits) merge(def JSONLimits) JSONLimits {
	j.MaxDepth = inherit(j.MaxDepth, def.MaxDepth)
	j.MaxKeys = inherit(j.MaxKeys, def.MaxKeys)
	j.MaxStringBytes = inherit(j.MaxStringBytes, def.MaxStringBytes)
	return j
}

var builtinLimits = Limits{
	MaxHeaders: DefaultMaxHeaders, MaxHeaderNameBytes: DefaultMaxHeaderNameBytes,
	MaxHeaderValueBytes: DefaultMaxHeaderValueBytes, MaxPathBytes: DefaultMaxPathBytes,
	MaxQueryBytes: DefaultMaxQueryBytes, MaxBodyBytes: DefaultMaxBodyBytes,
	DeniedHeaders: DefaultDeniedHeaders, MaxRanges: DefaultMaxRanges,
}

// DefaultDeniedHeaders are the headers refused when limits.deniedHeaders is absent: Proxy
// ("httpoxy": CGI programs read it as HTTP_PROXY) and Request-Range (obsolete, a second Range).
var DefaultDeniedHeaders = []string{"proxy", "request-range"}

var builtinJSON = JSONLimits{
	MaxDepth: DefaultJSONMaxDepth, MaxKeys: DefaultJSONMaxKeys, MaxStringBytes: DefaultJSONMaxStringBytes,
}
