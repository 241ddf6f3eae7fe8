// Package dashboards holds the Grafana dashboard over wasmward's metrics as Envoy exposes them
// (wasmward.json). Its test checks that every metric and label the dashboard queries is one the
// code defines, as Envoy's stats tags (shared/metrics.TagRegexes) turn it into Prometheus form.
package dashboards
