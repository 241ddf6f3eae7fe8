package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// DefaultEnvoyImage is compose.yaml's pinned default (TestComposeFile keeps them equal).
const DefaultEnvoyImage = "envoyproxy/envoy:v1.39.0"

// Local addresses compose.yaml publishes.
const (
	envoyURL    = "http://127.0.0.1:10000"
	adminURL    = "http://127.0.0.1:9901"
	upstreamURL = "http://127.0.0.1:18080"
)

func envoyImage() string {
	if img := os.Getenv("ENVOY_IMAGE"); img != "" {
		return img
	}
	return DefaultEnvoyImage
}

// needDocker skips, with one line saying why, unless a Docker engine is reachable, the Envoy image
// is present and the test was started by e2e/run.sh (make e2e): `make test` never runs containers.
func needDocker(t *testing.T) {
	t.Helper()
	if err := exec.Command("docker", "info").Run(); err != nil {
		t.Skip("e2e: skipped: docker engine not reachable (docker info failed)")
	}
	if err := exec.Command("docker", "image", "inspect", envoyImage()).Run(); err != nil {
		t.Skipf("e2e: skipped: image %s not present (docker pull %s)", envoyImage(), envoyImage())
	}
	if os.Getenv("WASMWARD_E2E") != "1" {
		t.Skip("e2e: skipped: scenarios run through e2e/run.sh (make e2e), not go test alone")
	}
}

// buildServers builds the upstream and JWKS servers as static Linux binaries into ./bin.
func buildServers(t *testing.T) {
	t.Helper()
	for _, name := range []string{"upstream", "jwks"} {
		cmd := exec.Command("go", "build", "-o", filepath.Join("bin", name), "./"+name)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", name, err, out)
		}
	}
}

// compose runs docker compose with the scenario's Envoy config.
func compose(t *testing.T, config string, args ...string) ([]byte, error) {
	cmd := exec.Command("docker", append([]string{"compose", "-f", "compose.yaml"}, args...)...)
	cmd.Env = append(os.Environ(), "E2E_ENVOY_CONFIG="+config, "ENVOY_IMAGE="+envoyImage())
	return cmd.CombinedOutput()
}

// startEnvoy brings the scenario up with the Envoy config (relative to ../envoy), waits until
// Envoy is ready, and tears everything down at cleanup, printing Envoy's log on failure.
func startEnvoy(t *testing.T, config string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join("..", "envoy", config)); err != nil {
		t.Fatalf("no envoy/%s", config)
	}
	if out, err := compose(t, config, "up", "-d", "--force-recreate"); err != nil {
		t.Fatalf("compose up: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if t.Failed() {
			logs, _ := compose(t, config, "logs", "--no-color", "--tail", "80", "envoy")
			t.Logf("envoy log:\n%s", logs)
		}
		compose(t, config, "down", "--timeout", "5")
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		if body, err := get(ctx, adminURL+"/ready"); err == nil && strings.TrimSpace(body) == "LIVE" {
			if _, err := get(ctx, upstreamURL+"/_e2e/last"); err == nil || !isConnErr(err) {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("envoy with %s not ready within 60s", config)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func get(ctx context.Context, url string) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return b.String(), fmt.Errorf("%s: status %d", url, resp.StatusCode)
	}
	return b.String(), nil
}

func isConnErr(err error) bool {
	return err != nil && strings.Contains(err.Error(), "connect")
}
