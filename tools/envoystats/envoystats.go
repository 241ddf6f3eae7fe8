// Package envoystats models how Envoy names wasmward's metrics: the stats_tags the generated
// configs carry and the tag extraction Envoy applies with them before /stats/prometheus.
//
// Envoy runs every stats_tags regex on the ORIGINAL metric name (TagProducerImpl::produceTags
// keeps one extraction context and removes all matched first groups at the end);
// shared/metrics.TagRegexes are written for that. Export reproduces Envoy's extraction so tests
// can check what Prometheus will see.
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

// Tags returns the stats_tags for wasmward's labels (shared/metrics.TagRegexes), in label order.
func Tags() []Tag {
	tags := make([]Tag, len(metrics.Labels))
	for i, l := range metrics.Labels {
		tags[i] = Tag{Name: l, Regex: metrics.TagRegexes[l]}
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
