package sanitize

import "github.com/wasmward/wasmward/shared/policy"

// Outcomes lists every decision the policy can return (policy.OutcomeLister), from the compiled
// routes:
//   - OnRequest refuses a path that does not normalize: policy.PathRejected (policy.PathOutcomes);
//   - OnRequest and OnRequestBody decide on their findings (scan.decide): for each route that
//     route can pick (routable), each rule the route can report (reports) under its mode there
//     (route.modeOf), with the route id as Rule and the rule id as Reason. A rule in reject
//     mode is a Deny, in detect mode a Shadow Deny, and in sanitize mode an Allow when the
//     finding has a value to remove and a Deny when it has none (scan.add; sanitizeTargets).
//
// The glue's body_too_large past limits.maxBodyBytes is the glue's own (Rule ""); the plugin's
// body_too_large (a Content-Length over it, a body that decompresses past it) is listed here.
func (p *Policy) Outcomes() []policy.Outcome {
	out := policy.PathOutcomes()
	for _, r := range p.routable() {
		for _, rules := range [][]string{validationRules, injectionRules} {
			for _, rule := range rules {
				if !p.reports(r, rule) {
					continue
				}
				deny := policy.Outcome{Rule: r.id, Reason: rule, Verdict: policy.Deny}
				switch r.modeOf(rule) {
				case Reject:
					out = append(out, deny)
				case Detect:
					deny.Shadow = true
					out = append(out, deny)
				case Sanitize:
					removable, inPlace := p.sanitizeTargets(rule)
					if removable {
						out = append(out, policy.Outcome{Rule: r.id, Reason: rule, Verdict: policy.Allow})
					}
					if inPlace {
						out = append(out, deny)
					}
				}
			}
		}
	}
	return out
}

// routable are the routes Policy.route can pick: the routes in order up to the first that
// matches every request (no pathPrefix, no route name), and the default route when none does.
func (p *Policy) routable() []*route {
	for i, r := range p.routes {
		if r.pathPrefix == "" && r.routeName == "" {
			return p.routes[:i+1]
		}
	}
	return append(p.routes[:len(p.routes):len(p.routes)], p.def)
}

// reports says whether route r can report rule at all:
//   - method only with limits.methods, method_unusual only without (checkMethod);
//   - content_type only with contentTypes (checkLimits), json_schema only with a jsonSchema
//     (checkSchema);
//   - an injection rule unless allow-listed at every location (allowedEverywhere), scanner
//     only at header.user-agent, when that header is inspected and not allow-listed there
//     (its detector).
//
// Every other rule can be reported on every route.
func (p *Policy) reports(r *route, rule string) bool {
	switch rule {
	case RuleMethod:
		return len(r.limits.Methods) > 0
	case RuleMethodUnusual:
		return len(r.limits.Methods) == 0
	case RuleContentType:
		return len(r.contentTypes) > 0
	case RuleJSONSchema:
		return r.schema != nil
	case RuleScanner:
		return (p.allHeaders || contains(p.headers, scannerHeader)) && !r.allowed(rule, scannerLocation)
	}
	return !isInjection(rule) || !r.allowedEverywhere(rule)
}

// allowedEverywhere reports an allow entry for rule (or "*") whose location is "*": a prefix
// that every location starts with.
func (r *route) allowedEverywhere(rule string) bool {
	for _, a := range r.allow {
		if (a.rule == "*" || a.rule == rule) && a.loc.prefix && a.loc.s == "" {
			return true
		}
	}
	return false
}

// sanitizeTargets says whether a sanitize-mode finding of the injection rule can have a value to
// remove (query parameter, cookie, named header, form field, JSON string: an Allow) and whether
// it can have none (a path segment, a name, a text, XML or multipart body, a header "*"
// inspects: rejected, a Deny). Every rule can be found in both kinds of location but scanner,
// which reads the User-Agent only: removable when inspect.headers names it, in place when only
// "*" inspects it.
func (p *Policy) sanitizeTargets(rule string) (removable, inPlace bool) {
	if rule == RuleScanner {
		named := contains(p.headers, scannerHeader)
		return named, !named
	}
	return true, true
}
