// Package e2e runs wasmward in a real Envoy (docker compose, compose.yaml) and asserts real
// replies and metrics. e2e/run.sh (make e2e) runs it where Docker and the Envoy image are present;
// `go test ./e2e` alone only validates the compose file and skips the scenarios.
package e2e
