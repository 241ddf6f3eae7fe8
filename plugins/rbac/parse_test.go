package rbac

import (
	"strings"
	"testing"

	"github.com/wasmward/wasmward/shared/config"
)

// TestParseErrors: each bad spec is refused with the field's path and, inside a rule or role,
// its id.
func TestParseErrors(t *testing.T) {
	any := `"principals":[{"any":true}],"permissions":[{"any":true}]`
	for _, tc := range []struct {
		name, spec, path, msg string
	}{
		{"unknown role in rule roles", `{"rules":[{"id":"r1","action":"ALLOW","roles":["ghost"]}]}`, "rules[0].roles[0]", `rule "r1": unknown role "ghost"`},
		{"unknown role in a principal", `{"rules":[{"id":"r1","action":"ALLOW","principals":[{"or":[{"role":"ghost"}]}],"permissions":[{"any":true}]}]}`, "rules[0].principals[0].or[0].role", `rule "r1": unknown role "ghost"`},
		{"invalid CIDR", `{"rules":[{"id":"net","action":"ALLOW","principals":[{"remoteIp":["10.0.0.0/33"]}],"permissions":[{"any":true}]}]}`, "rules[0].principals[0].remoteIp[0]", `rule "net": invalid CIDR`},
		{"CIDR with host bits", `{"rules":[{"id":"net","action":"ALLOW","principals":[{"directRemoteIp":["10.0.0.1/8"]}],"permissions":[{"any":true}]}]}`, "rules[0].principals[0].directRemoteIp[0]", "host bits set (did you mean 10.0.0.0/8?)"},
		{"bad time zone", `{"rules":[{"id":"hours","action":"ALLOW",` + any + `,"conditions":[{"time":{"from":"09:00","to":"17:00","timeZone":"Mars/Olympus"}}]}]}`, "rules[0].conditions[0].time.timeZone", `rule "hours": unknown IANA time zone`},
		{"bad clock", `{"rules":[{"id":"hours","action":"ALLOW",` + any + `,"conditions":[{"time":{"from":"9:00"}}]}]}`, "rules[0].conditions[0].time.from", "HH:MM"},
		{"empty time window", `{"rules":[{"id":"hours","action":"ALLOW",` + any + `,"conditions":[{"time":{"from":"09:00","to":"09:00"}}]}]}`, "rules[0].conditions[0].time", "empty"},
		{"bad day", `{"rules":[{"id":"hours","action":"ALLOW",` + any + `,"conditions":[{"time":{"days":["Monday"]}}]}]}`, "rules[0].conditions[0].time.days[0]", "Mon"},
		{"empty matcher", `{"rules":[{"id":"e","action":"ALLOW","principals":[{}],"permissions":[{"any":true}]}]}`, "rules[0].principals[0]", `rule "e": empty matcher`},
		{"two matchers in one object", `{"rules":[{"id":"e","action":"ALLOW","principals":[{"any":true,"scope":"x"}],"permissions":[{"any":true}]}]}`, "rules[0].principals[0]", "found any and scope"},
		{"empty principals", `{"rules":[{"id":"e","action":"ALLOW","principals":[],"permissions":[{"any":true}]}]}`, "rules[0].principals", "must not be empty"},
		{"missing permissions", `{"rules":[{"id":"e","action":"ALLOW","principals":[{"any":true}]}]}`, "rules[0].permissions", "must not be empty"},
		{"empty and", `{"rules":[{"id":"e","action":"ALLOW","principals":[{"and":[]}],"permissions":[{"any":true}]}]}`, "rules[0].principals[0].and", "must not be empty"},
		{"any false", `{"rules":[{"id":"e","action":"ALLOW","principals":[{"any":false}],"permissions":[{"any":true}]}]}`, "rules[0].principals[0].any", "must be true"},
		{"not any never matches", `{"rules":[{"id":"e","action":"ALLOW","principals":[{"not":{"any":true}}],"permissions":[{"any":true}]}]}`, "rules[0].principals[0].not", "never matches"},
		{"empty claim operator", `{"rules":[{"id":"c","action":"ALLOW","principals":[{"claim":{"path":"roles"}}],"permissions":[{"any":true}]}]}`, "rules[0].principals[0].claim", "exactly one of equals"},
		{"claim equals object", `{"rules":[{"id":"c","action":"ALLOW","principals":[{"claim":{"path":"a","equals":{"x":1}}}],"permissions":[{"any":true}]}]}`, "rules[0].principals[0].claim.equals", "string, number or boolean"},
		{"claim path with modifier", `{"rules":[{"id":"c","action":"ALLOW","principals":[{"claim":{"path":"@reverse","exists":true}}],"permissions":[{"any":true}]}]}`, "rules[0].principals[0].claim.path", "dotted claim path"},
		{"empty string matcher", `{"rules":[{"id":"h","action":"ALLOW","principals":[{"header":{"name":"x-a"}}],"permissions":[{"any":true}]}]}`, "rules[0].principals[0].header", "exactly one of exact"},
		{"header name upper case", `{"rules":[{"id":"h","action":"ALLOW","principals":[{"header":{"name":"X-A","present":true}}],"permissions":[{"any":true}]}]}`, "rules[0].principals[0].header.name", "lower-case"},
		{"bad regex", `{"rules":[{"id":"p","action":"ALLOW","principals":[{"any":true}],"permissions":[{"path":{"regex":"(["}}]}]}`, "rules[0].permissions[0].path.regex", `rule "p": invalid regex`},
		{"template wildcard inside a segment", `{"rules":[{"id":"p","action":"ALLOW","principals":[{"any":true}],"permissions":[{"path":{"template":"/a/b*"}}]}]}`, "rules[0].permissions[0].path.template", "whole segment"},
		{"template ** not last", `{"rules":[{"id":"p","action":"ALLOW","principals":[{"any":true}],"permissions":[{"path":{"template":"/a/**/b"}}]}]}`, "rules[0].permissions[0].path.template", "last segment"},
		{"template outside path", `{"rules":[{"id":"p","action":"ALLOW","principals":[{"any":true}],"permissions":[{"host":{"template":"/x"}}]}]}`, "rules[0].permissions[0].host.template", "only allowed for paths"},
		{"path without slash", `{"rules":[{"id":"p","action":"ALLOW","principals":[{"any":true}],"permissions":[{"path":{"prefix":"api"}}]}]}`, "rules[0].permissions[0].path", "start with /"},
		{"lower-case method", `{"rules":[{"id":"m","action":"ALLOW","principals":[{"any":true}],"permissions":[{"method":["get"]}]}]}`, "rules[0].permissions[0].method[0]", "upper-case"},
		{"port out of range", `{"rules":[{"id":"m","action":"ALLOW","principals":[{"any":true}],"permissions":[{"port":[70000]}]}]}`, "rules[0].permissions[0].port[0]", "1-65535"},
		{"permission kind in principals", `{"rules":[{"id":"k","action":"ALLOW","principals":[{"method":["GET"]}],"permissions":[{"any":true}]}]}`, "rules[0].principals[0].method", `"method" is not allowed in principals`},
		{"role in grantedBy", `{"roles":{"a":{"grantedBy":[{"role":"a"}],"permissions":[{"any":true}]}},"rules":[]}`, "roles.a.grantedBy[0].role", `role "a": "role" is not allowed in grantedBy`},
		{"unknown device class", `{"rules":[{"id":"d","action":"ALLOW",` + any + `,"conditions":[{"device":["managed"]}]}]}`, "rules[0].conditions[0].device[0]", `rule "d": unknown device class "managed"`},
		{"step-up without values", `{"rules":[{"id":"s","action":"ALLOW",` + any + `,"conditions":[{"stepUp":{"maxAge":60}}]}]}`, "rules[0].conditions[0].stepUp", "set acr or amr"},
		{"duplicate rule id", `{"rules":[{"id":"x","action":"ALLOW",` + any + `,"conditions":[{"remoteIp":["10.0.0.0/8"]}]},{"id":"x","action":"LOG",` + any + `}]}`, "rules[1].id", `rule "x": duplicate id`},
		{"bad rule id", `{"rules":[{"id":"has space","action":"ALLOW",` + any + `}]}`, "rules[0].id", "must be 1-64"},
		{"bad action", `{"rules":[{"id":"a","action":"allow",` + any + `}]}`, "rules[0].action", `rule "a": must be "ALLOW"`},
		{"shadow LOG rule", `{"rules":[{"id":"l","action":"LOG","shadow":true,` + any + `}]}`, "rules[0].shadow", "contradicts"},
		{"roles and principals", `{"roles":{"a":{"grantedBy":[{"any":true}],"permissions":[{"any":true}]}},"rules":[{"id":"r","action":"ALLOW","roles":["a"],"principals":[{"any":true}]}]}`, "rules[0].roles", "not both"},
		{"allow identical to deny", `{"rules":[{"id":"d","action":"DENY","principals":[{"scope":"x"}],"permissions":[{"any":true}]},{"id":"a","action":"ALLOW","principals":[{"scope":"x"}],"permissions":[{"any":true}]}]}`, "rules[1]", `rule "a": same match as DENY rule "d"`},
		{"deny everything shadows allows", `{"rules":[{"id":"a","action":"ALLOW","principals":[{"scope":"x"}],"permissions":[{"any":true}]},{"id":"all","action":"DENY",` + any + `}]}`, "rules[0]", `DENY rule "all" (rules[1]) matches every request`},
		{"bad default action", `{"defaultAction":"deny","rules":[]}`, "defaultAction", "must be"},
		{"missing rules", `{}`, "rules", "is required"},
		{"hops out of range", `{"trustedProxyHops":99,"rules":[]}`, "trustedProxyHops", "0-16"},
		{"unknown field", `{"rules":[],"defaultaction":"ALLOW"}`, "defaultaction", "did you mean"},
		{"unknown matcher key", `{"rules":[{"id":"u","action":"ALLOW","principals":[{"subject":"x"}],"permissions":[{"any":true}]}]}`, "rules[0].principals[0].subject", "unknown field"},
		{"deny content type with newline", `{"deny":{"contentType":"text/plain\r\nx: y"},"rules":[]}`, "deny.contentType", "one line"},
		{"device class named unknown", `{"device":{"classes":["unknown"]},"rules":[]}`, "device.classes[0]", "not \"unknown\""},
		{"nesting too deep", `{"rules":[{"id":"n","action":"ALLOW","principals":[` + strings.Repeat(`{"not":`, 20) + `{"scope":"x"}` + strings.Repeat(`}`, 20) + `],"permissions":[{"any":true}]}]}`, "rules[0].principals[0]", "nested deeper than 16"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.spec))
			if err == nil {
				t.Fatal("Parse accepted a bad spec")
			}
			for _, fe := range config.Fields(err) {
				if strings.HasPrefix(fe.Path, tc.path) && strings.Contains(fe.Msg, tc.msg) {
					return
				}
			}
			t.Errorf("want an error at %s containing %q, got: %v", tc.path, tc.msg, err)
		})
	}
}

func TestParseDuplicateMember(t *testing.T) {
	_, err := Parse([]byte(`{"rules":[],"rules":[]}`))
	if fes := config.Fields(err); len(fes) != 1 || fes[0].Path != "rules" {
		t.Fatalf("duplicate member: %v", err)
	}
}

func TestEmptyRulesApplyDefault(t *testing.T) {
	if d := mustParse(t, `{"rules":[]}`).OnRequest(rq{}.build()); d.Reason != reasonDefaultDeny {
		t.Errorf("empty rules, default: %+v", d)
	}
	if d := mustParse(t, `{"defaultAction":"ALLOW","rules":[]}`).OnRequest(rq{}.build()); d.Reason != reasonDefaultAllow {
		t.Errorf("empty rules, ALLOW: %+v", d)
	}
}
