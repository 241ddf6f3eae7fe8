package dashboards

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/wasmward/wasmward/shared/metrics"
	"github.com/wasmward/wasmward/tools/envoystats"
)

// defined is every wasmward metric the glue defines, in the Prometheus form Envoy exports with the
// generated configs' stats_tags (tools/envoystats), with its label names.
func defined(t *testing.T) map[string][]string {
	out := map[string][]string{}
	add := func(metric string) {
		name, labels := envoystats.Export(metric, envoystats.Tags())
		if _, ok := out[name]; !ok {
			out[name] = []string{}
		}
		for l := range labels {
			if !slices.Contains(out[name], l) {
				out[name] = append(out[name], l)
			}
		}
	}
	for _, d := range decisions {
		add(metrics.DecisionName("jwtauthn", "rule-1", "expired", d))
	}
	add(metrics.Name("ratelimit", metrics.HeapMetric))
	return out
}

// decisions is the decision label's vocabulary.
var decisions = []string{metrics.Allow, metrics.Deny, metrics.ShadowDeny, metrics.Error}

var (
	metricRef   = regexp.MustCompile(`\benvoy_[A-Za-z0-9_]+`)
	matcher     = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)"`)
	grouping    = regexp.MustCompile(`\b(?:by|without)\s*\(([^)]*)\)`)
	labelValues = regexp.MustCompile(`label_values\(\s*[A-Za-z0-9_]+\s*,\s*([A-Za-z_]+)\s*\)`)
)

// dashboard is the part of a Grafana dashboard the test reads.
type dashboard struct {
	Title  string `json:"title"`
	UID    string `json:"uid"`
	Panels []struct {
		Title   string `json:"title"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
	Templating struct {
		List []struct {
			Name       string `json:"name"`
			Definition string `json:"definition"`
		} `json:"list"`
	} `json:"templating"`
}

// TestDashboardQueriesDefinedMetrics: every metric a panel or variable queries is defined by the
// code, every label it matches or groups by is one of that metric's labels, and decision values
// are the decision vocabulary.
func TestDashboardQueriesDefinedMetrics(t *testing.T) {
	data, err := os.ReadFile("wasmward.json")
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("parse: %v", err)
	}
	if d.Title == "" || d.UID == "" || len(d.Panels) == 0 {
		t.Fatal("dashboard needs a title, a uid and panels")
	}
	known := defined(t)
	var exprs []string
	for _, p := range d.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q queries nothing", p.Title)
		}
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}
	for _, v := range d.Templating.List {
		if v.Definition != "" {
			exprs = append(exprs, v.Definition)
		}
	}
	for _, expr := range exprs {
		refs := metricRef.FindAllString(expr, -1)
		if len(refs) == 0 {
			t.Errorf("%q queries no envoy_ metric", expr)
		}
		var labels []string
		for _, name := range refs {
			ls, ok := known[name]
			if !ok {
				t.Errorf("%q queries %s, which the code does not define (known: %v)", expr, name, keys(known))
			}
			labels = append(labels, ls...)
		}
		var used []string
		for _, m := range matcher.FindAllStringSubmatch(expr, -1) {
			used = append(used, m[1])
			if m[1] == "decision" && m[2] == "=" && !slices.Contains(decisions, m[3]) {
				t.Errorf("%q: decision %q is not one of %v", expr, m[3], decisions)
			}
		}
		for _, m := range grouping.FindAllStringSubmatch(expr, -1) {
			for _, l := range strings.Split(m[1], ",") {
				used = append(used, strings.TrimSpace(l))
			}
		}
		for _, m := range labelValues.FindAllStringSubmatch(expr, -1) {
			used = append(used, m[1])
		}
		for _, l := range used {
			if !slices.Contains(labels, l) {
				t.Errorf("%q uses label %q, which its metrics do not carry (%v)", expr, l, labels)
			}
		}
		if strings.Count(expr, "(") != strings.Count(expr, ")") || strings.Count(expr, "{") != strings.Count(expr, "}") {
			t.Errorf("%q: unbalanced brackets", expr)
		}
	}
}

func keys(m map[string][]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
