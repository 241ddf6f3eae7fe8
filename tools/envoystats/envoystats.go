// Package envoystats models how Envoy names wasmward's metrics: the stats_tags the generated
// configs carry and the tag extraction Envoy applies with them before /stats/prometheus.
//
// Envoy runs every stats_tags regex on the ORIGINAL metric name (TagProducerImpl::produceTags
// keeps one extraction context and removes all matched first groups at the end), so each tag's
// regex must match the whole prefix before its own part. shared/metrics.TagRegexes' rule, reason
// and decision regexes expect their part right after the metric's base name, which only holds once
// the earlier tags are removed: in Envoy they never match and the counter keeps those parts in its
// name. Tags builds regexes that match the full name; Export reproduces Envoy's extraction so
// tests can check what Prometheus will see.
package envoystats

import (
	"regexp"
	"strings"

	"github.com/wasmward/wasmward/shared/metrics"
)

// Tag is one Envoy stats_tags entry.
type Tag struct {
	Name, Regex string
}

// labels are wasmward's metric labels in the order metrics.DecisionName writes them, with the
// value pattern of each (rule and reason may be empty).
var labels = []struct{ name, value string }{
	{"plugin", `[^.]+`},
	{"rule", `[^.]*`},
	{"reason", `[^.]*`},
	{"decision", `[^.]+`},
}

// base matches "wasmcustom." (Envoy's prefix for Wasm-defined metrics), metrics.Prefix and the
// metric's own name.
var base = `^wasmcustom\.` + regexp.QuoteMeta(metrics.Prefix) + `[a-z_]+`

// Tags returns the stats_tags for wasmward's labels: each regex skips the labels written before
// its own, so it matches the original metric name as Envoy requires.
func Tags() []Tag {
	tags := make([]Tag, len(labels))
	prefix := base
	for i, l := range labels {
		tags[i] = Tag{Name: l.name, Regex: prefix + `(\.` + l.name + `=(` + l.value + `))`}
		prefix += `(?:\.` + l.name + `=` + l.value + `)?`
	}
	return tags
}

// Export returns the Prometheus name and labels Envoy gives the Wasm metric name (as the plugin
// defines it, without "wasmcustom.") under tags: every regex runs on the original name, its second
// group becomes the label value, its first group is removed from the name.
func Export(name string, tags []Tag) (string, map[string]string) {
	full := "wasmcustom." + name
	remove := make([]bool, len(full))
	out := map[string]string{}
	for _, t := range tags {
		m := regexp.MustCompile(t.Regex).FindStringSubmatchIndex(full)
		if m == nil || len(m) < 6 || m[2] < 0 {
			continue
		}
		out[t.Name] = full[m[4]:m[5]]
		for i := m[2]; i < m[3]; i++ {
			remove[i] = true
		}
	}
	var b strings.Builder
	for i := range full {
		if !remove[i] {
			b.WriteByte(full[i])
		}
	}
	return "envoy_" + sanitize(b.String()), out
}

// sanitize is Envoy's Prometheus name sanitizing: anything but [a-zA-Z0-9_] becomes '_'.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, s)
}
