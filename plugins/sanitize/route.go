package sanitize

import (
	"mime"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/pathnorm"
	"github.com/wasmward/wasmward/shared/policy"
)

// route is a compiled route: every setting resolved against the top level.
type route struct {
	id            string
	pathPrefix    string
	routeName     string
	mode          Mode
	rules         map[string]Mode
	limits        Limits
	json          JSONLimits
	contentTypes  []string
	commandFields []locPattern
	allow         []allowEntry
	schema        *jsonschema.Schema
}

// locPattern is a location, exact or a prefix (written with a trailing "*").
type locPattern struct {
	s      string
	prefix bool
}

func (l locPattern) match(loc string) bool {
	if l.prefix {
		return strings.HasPrefix(loc, l.s)
	}
	return loc == l.s
}

func newLocPattern(s string) locPattern {
	if p, ok := strings.CutSuffix(s, "*"); ok {
		return locPattern{s: p, prefix: true}
	}
	return locPattern{s: s}
}

type allowEntry struct {
	rule string // "*" for every injection rule
	loc  locPattern
}

// compileRoute resolves rs against parent (the top level for routes, builtins for the top).
// path is the JSON path of rs in the spec ("" for the top level).
func compileRoute(es *config.Errors, path string, rs RouteSpec, parent *route) *route {
	r := &route{
		id: rs.ID, pathPrefix: rs.PathPrefix, routeName: rs.Route,
		mode: parent.mode, rules: map[string]Mode{},
		limits: rs.Limits.merge(parent.limits), json: rs.JSON.merge(parent.json),
		contentTypes: parent.contentTypes, commandFields: parent.commandFields,
		allow: append([]allowEntry(nil), parent.allow...),
	}
	for k, v := range parent.rules {
		r.rules[k] = v
	}
	if rs.Mode != "" {
		if !validMode(rs.Mode) {
			es.Add(config.JoinPath(path, "mode"), "must be reject, sanitize or detect")
		}
		r.mode = rs.Mode
	}
	for rule, m := range rs.Rules {
		at := config.JoinPath(config.JoinPath(path, "rules"), rule)
		switch {
		case !isRule(rule):
			es.Add(at, "unknown rule id")
		case !validMode(m):
			es.Add(at, "must be reject, sanitize or detect")
		case m == Sanitize && !isInjection(rule):
			es.Add(at, "sanitize applies to injection rules only (%s)", strings.Join(injectionRules, ", "))
		}
		r.rules[rule] = m
	}
	checkLimits(es, config.JoinPath(path, "limits"), rs.Limits)
	checkJSONLimits(es, config.JoinPath(path, "json"), rs.JSON)
	if rs.ContentTypes != nil {
		r.contentTypes = nil
		for i, ct := range rs.ContentTypes {
			mt, _, err := mime.ParseMediaType(ct)
			if err != nil || mt != ct {
				es.Add(config.Index(config.JoinPath(path, "contentTypes"), i), "must be a media type without parameters")
				continue
			}
			r.contentTypes = append(r.contentTypes, mt)
		}
	}
	if rs.CommandFields != nil {
		r.commandFields = nil
		for i, f := range rs.CommandFields {
			if f == "" {
				es.Add(config.Index(config.JoinPath(path, "commandFields"), i), "must not be empty")
			}
			r.commandFields = append(r.commandFields, newLocPattern(f))
		}
	}
	for i, a := range rs.Allow {
		at := config.Index(config.JoinPath(path, "allow"), i)
		if a.Rule != "*" && !isInjection(a.Rule) {
			es.Add(at+".rule", "must be an injection rule id (%s) or *", strings.Join(injectionRules, ", "))
		}
		if a.Location == "" {
			es.Add(at+".location", "must not be empty")
		}
		r.allow = append(r.allow, allowEntry{rule: a.Rule, loc: newLocPattern(a.Location)})
	}
	if len(rs.JSONSchema) > 0 {
		s, err := compileSchema(rs.JSONSchema)
		if err != nil {
			es.Add(config.JoinPath(path, "jsonSchema"), "%v", err)
		}
		r.schema = s
	}
	return r
}

func validMode(m Mode) bool { return m == Reject || m == Sanitize || m == Detect }

func checkLimits(es *config.Errors, path string, l Limits) {
	for _, f := range []struct {
		name string
		v    int
	}{
		{"maxHeaders", l.MaxHeaders}, {"maxHeaderNameBytes", l.MaxHeaderNameBytes},
		{"maxHeaderValueBytes", l.MaxHeaderValueBytes}, {"maxPathBytes", l.MaxPathBytes},
		{"maxQueryBytes", l.MaxQueryBytes}, {"maxBodyBytes", l.MaxBodyBytes},
		{"maxInspectBytes", l.MaxInspectBytes}, {"maxRanges", l.MaxRanges},
	} {
		if f.v < 0 {
			es.Add(config.JoinPath(path, f.name), "must be positive")
		}
	}
	for i, h := range l.DeniedHeaders {
		if !isToken(h) || h != lower(h) {
			es.Add(config.Index(config.JoinPath(path, "deniedHeaders"), i), "must be a lower-case header name")
		}
	}
	for i, m := range l.Methods {
		if m == "" || m != strings.ToUpper(m) || strings.ContainsAny(m, " \t") {
			es.Add(config.Index(config.JoinPath(path, "methods"), i), "must be an upper-case method token")
		}
	}
}

func checkJSONLimits(es *config.Errors, path string, j JSONLimits) {
	for _, f := range []struct {
		name string
		v    int
	}{{"maxDepth", j.MaxDepth}, {"maxKeys", j.MaxKeys}, {"maxStringBytes", j.MaxStringBytes}} {
		if f.v < 0 {
			es.Add(config.JoinPath(path, f.name), "must be positive")
		}
	}
}

// route finds the route of a request: the first whose route name and path prefix match. Paths
// are compared normalized (shared/pathnorm, the envelope's paths settings), as rbac and jwtauthn
// match them: /api//../admin is /admin to every plugin. OnRequest has already refused a path
// that does not normalize; its raw form is used only to pick the route that reports it.
func (p *Policy) route(req *policy.Request) *route {
	if len(p.routes) == 0 {
		return p.def
	}
	path, err := req.NormalizedPath()
	if err != nil {
		path = req.PathOnly()
	}
	fold := req.PathOptions().FoldCase
	if fold {
		path = pathnorm.Fold(path)
	}
	for _, r := range p.routes {
		prefix := r.pathPrefix
		if fold {
			prefix = pathnorm.Fold(prefix)
		}
		if prefix != "" && !strings.HasPrefix(path, prefix) {
			continue
		}
		if r.routeName != "" && req.Route() != r.routeName {
			continue
		}
		return r
	}
	return p.def
}

// modeOf is the mode of rule on this route. inspection_budget fails closed: it is rejected
// whatever the route's mode, unless rules names it explicitly.
func (r *route) modeOf(rule string) Mode {
	m, ok := r.rules[rule]
	switch {
	case !ok && rule == RuleInspectionBudget:
		m = Reject
	case !ok:
		m = r.mode
	}
	if m == Sanitize && !isInjection(rule) {
		return Reject
	}
	return m
}

// inspectBudget is the route's inspection budget per phase in bytes: limits.maxInspectBytes, by
// default DefaultInspectFactor times limits.maxBodyBytes and at least DefaultMaxInspectBytes.
func (r *route) inspectBudget() int {
	if r.limits.MaxInspectBytes > 0 {
		return r.limits.MaxInspectBytes
	}
	return max(DefaultMaxInspectBytes, DefaultInspectFactor*r.limits.MaxBodyBytes)
}

// allowed reports whether rule is allow-listed at loc.
func (r *route) allowed(rule, loc string) bool {
	for _, a := range r.allow {
		if (a.rule == "*" || a.rule == rule) && a.loc.match(loc) {
			return true
		}
	}
	return false
}

// commandField reports whether loc is checked for shell metacharacters.
func (r *route) commandField(loc string) bool {
	for _, f := range r.commandFields {
		if f.match(loc) {
			return true
		}
	}
	return false
}
