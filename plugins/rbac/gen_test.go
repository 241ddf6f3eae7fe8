package rbac

import (
	"fmt"
	"strings"
)

// policySpec generates an n-rule spec (n ≥ 1) that mixes every matcher family: DENY rules on
// networks and paths, ALLOW rules on nested claims and path templates, role grants, header +
// host rules with time conditions. The last rule allows GET /api/orders, to an authenticated
// caller when authenticated is true and to anyone from 10.0.0.0/8 otherwise, so the benchmark
// request walks every rule before it is allowed.
func policySpec(n int, authenticated bool) string {
	var rules, roles []string
	for i := 0; i < n-1; i++ {
		var r string
		switch i % 4 {
		case 0:
			r = fmt.Sprintf(`{"id":"r%d","action":"DENY","principals":[{"remoteIp":["198.18.%d.0/24"]}],"permissions":[{"path":{"prefix":"/blocked/%d/"}}]}`, i, i%256, i)
		case 1:
			r = fmt.Sprintf(`{"id":"r%d","action":"ALLOW","principals":[{"claim":{"path":"realm_access.roles","contains":"role-%d"}}],"permissions":[{"and":[{"method":["GET"]},{"path":{"template":"/svc-%d/*/items"}}]}]}`, i, i, i)
		case 2:
			roles = append(roles, fmt.Sprintf(`"role-%d":{"grantedBy":[{"claim":{"path":"realm_access.roles","contains":"role-%d"}}],"permissions":[{"path":{"prefix":"/r-%d/"}}]}`, i, i, i))
			r = fmt.Sprintf(`{"id":"r%d","action":"ALLOW","roles":["role-%d"]}`, i, i)
		case 3:
			r = fmt.Sprintf(`{"id":"r%d","action":"ALLOW","principals":[{"header":{"name":"x-tenant","exact":"t-%d"}}],"permissions":[{"host":{"suffix":".svc-%d.example"}}],"conditions":[{"time":{"days":["Mon","Tue","Wed","Thu","Fri"],"from":"08:00","to":"18:00","timeZone":"Europe/Berlin"}}]}`, i, i, i)
		}
		rules = append(rules, r)
	}
	last := `{"directRemoteIp":["10.0.0.0/8"]}`
	if authenticated {
		last = `{"authenticated":{}}`
	}
	rules = append(rules, `{"id":"last","action":"ALLOW","principals":[`+last+`],"permissions":[{"and":[{"method":["GET"]},{"path":{"exact":"/api/orders"}}]}]}`)
	return `{"trustedProxyHops":1,"trustedProxies":["10.255.0.0/16"],"roles":{` + strings.Join(roles, ",") + `},"rules":[` + strings.Join(rules, ",") + `]}`
}

// benchClaims are the claims of the benchmark's caller.
const benchClaims = `{"sub":"u1","realm_access":{"roles":["user","viewer"]},"email":"u1@example.com"}`
