package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// composeFile is the part of compose.yaml the checks read.
type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Entrypoint  []string          `yaml:"entrypoint"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []string          `yaml:"volumes"`
	} `yaml:"services"`
}

var (
	imageVar  = regexp.MustCompile(`^\$\{ENVOY_IMAGE:-(envoyproxy/envoy:v1\.(\d+)\.\d+)\}$`)
	configVar = regexp.MustCompile(`\$\{E2E_ENVOY_CONFIG:-([^}]+)\}`)
)

// TestComposeFile validates compose.yaml without Docker: every service runs the overridable,
// pinned Envoy image (≥ 1.39), Envoy's default config exists, the servers it runs are built from
// this directory, mounted paths exist, and Envoy's environment sets every variable any generated
// Envoy config passes through (host_env_keys).
func TestComposeFile(t *testing.T) {
	data, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatalf("parse: %v", err)
	}
	for _, name := range []string{"envoy", "upstream", "idp"} {
		svc, ok := c.Services[name]
		if !ok {
			t.Fatalf("no %s service", name)
		}
		m := imageVar.FindStringSubmatch(svc.Image)
		if m == nil || m[1] != DefaultEnvoyImage {
			t.Errorf("%s: image %q, want ${ENVOY_IMAGE:-%s}", name, svc.Image, DefaultEnvoyImage)
		} else if minor := m[2]; len(minor) < 2 || minor < "39" {
			t.Errorf("%s: Envoy %s is older than 1.39", name, m[1])
		}
		for _, v := range svc.Volumes {
			host, _, _ := strings.Cut(v, ":")
			if host == "../dist" || host == "./bin" {
				continue // built by make build / the driver
			}
			if _, err := os.Stat(host); err != nil {
				t.Errorf("%s mounts missing %s", name, host)
			}
		}
		if len(svc.Entrypoint) > 0 {
			server := filepath.Base(svc.Entrypoint[0])
			if _, err := os.Stat(filepath.Join(server, "main.go")); err != nil {
				t.Errorf("%s runs %s, which is not built from e2e/%s", name, svc.Entrypoint[0], server)
			}
		}
	}
	envoy := c.Services["envoy"]
	m := configVar.FindStringSubmatch(strings.Join(envoy.Command, " "))
	if m == nil {
		t.Fatal("envoy command does not take ${E2E_ENVOY_CONFIG:-…}")
	}
	if _, err := os.Stat(filepath.Join("..", "envoy", m[1])); err != nil {
		t.Errorf("default config envoy/%s missing", m[1])
	}
	for _, key := range envKeys(t) {
		if envoy.Environment[key] == "" {
			t.Errorf("envoy environment lacks %s, which a generated config passes to its VM", key)
		}
	}
}

// envKeys collects host_env_keys from every generated Envoy config.
func envKeys(t *testing.T) []string {
	t.Helper()
	var keys []string
	err := filepath.WalkDir(filepath.Join("..", "envoy"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		lines := strings.Split(string(data), "\n")
		for i, l := range lines {
			if strings.TrimSpace(l) != "host_env_keys:" {
				continue
			}
			for _, item := range lines[i+1:] {
				v, ok := strings.CutPrefix(strings.TrimSpace(item), "- ")
				if !ok {
					break
				}
				keys = append(keys, v)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// TestRunScriptSkipsWithoutDocker runs e2e/run.sh where docker is missing, and where its engine
// is unreachable: each time it must print one line saying why it skipped and exit 0.
func TestRunScriptSkipsWithoutDocker(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	for _, tc := range []struct{ name, docker, want string }{
		{"no docker", "", "e2e: skipped: docker is not installed"},
		{"engine down", "#!/bin/sh\nexit 1\n", "e2e: skipped: docker engine not reachable (docker info failed)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir() // the whole PATH: nothing but the fake docker
			if tc.docker != "" {
				if err := os.WriteFile(filepath.Join(dir, "docker"), []byte(tc.docker), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command(bash, "run.sh")
			cmd.Env = []string{"PATH=" + dir, "HOME=" + dir}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("exit: %v\n%s", err, out)
			}
			if got := strings.TrimSpace(string(out)); got != tc.want {
				t.Errorf("output %q, want the one line %q", got, tc.want)
			}
		})
	}
}
