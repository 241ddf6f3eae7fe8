package ratelimit

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/wasmward/wasmward/shared/config"
)

// ServiceConfig renders the rate limit service's config (the YAML file its RUNTIME_ROOT /
// RUNTIME_SUBDIRECTORY / config directory holds) for a plugin config: its rls.domain, and one
// descriptor tree per limit with backend "rls": the wasmward_limit entry (the limit id), then the
// limit's entry keys, the innermost carrying rate_limit {unit, requests_per_unit}. The plugin
// also sends each limit in the request (the service's per-descriptor override), so a stale file
// cannot change a limit; the service needs the domain declared either way.
func ServiceConfig(data []byte) ([]byte, error) {
	_, pol, err := config.Load(data, Definition.Name, Parse)
	if err != nil {
		return nil, err
	}
	var p *Policy
	switch v := pol.(type) {
	case *Policy:
		p = v
	case BanningPolicy:
		p = v.Policy
	}
	if p == nil || p.rls == nil {
		return nil, fmt.Errorf("the config has no rls service")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "domain: %s\ndescriptors:\n", p.rls.domain)
	n := 0
	for _, l := range p.limits {
		if l.rls == nil {
			continue
		}
		n++
		indent := writeDescriptorTree(&b, RLSLimitEntry, l.id, l.desc.entries)
		fmt.Fprintf(&b, "%srate_limit:\n%s  unit: %s\n%s  requests_per_unit: %d\n",
			indent, indent, strings.ToLower(l.rls.unit), indent, l.rls.perUnit)
	}
	for _, bn := range p.bans {
		if bn.rls == nil {
			continue
		}
		n++
		// The plugin sends the limit (now, Unix seconds) and the ban's end as hits: rlsban.go.
		indent := writeDescriptorTree(&b, RLSBanEntry, bn.id, bn.desc.entries)
		fmt.Fprintf(&b, "%srate_limit:\n%s  unit: day\n%s  requests_per_unit: 0\n", indent, indent, indent)
	}
	if n == 0 {
		return nil, fmt.Errorf("no limit or ban has backend \"rls\"")
	}
	return []byte(b.String()), nil
}

// writeDescriptorTree writes one service descriptor: the entry naming the limit or ban, then a
// nested descriptor per configured entry. It returns the indent of the innermost level, where
// the rate_limit goes.
func writeDescriptorTree(b *strings.Builder, key, id string, entries []entry) string {
	fmt.Fprintf(b, "  - key: %s\n    value: %s\n", key, strconv.Quote(id))
	indent := "    "
	for _, e := range entries {
		fmt.Fprintf(b, "%sdescriptors:\n%s  - key: %s\n", indent, indent, strconv.Quote(e.key))
		indent += "    "
	}
	return indent
}
