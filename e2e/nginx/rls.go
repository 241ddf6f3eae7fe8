package nginx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// The cluster-wide rate limit e2e (rls_test.go) runs Envoy's rate limit service and Redis next
// to two nginx instances. Both are real components, started on 127.0.0.1 and stopped by the test.

// RLSModule and RLSVersion pin the rate limit service: the main branch's commit e74a664aadf9
// (2025-08-15; the project tags no release since v1.4.0 of 2020, which has no HTTP JSON
// endpoint). RLSBinary installs it with `go install RLSModule/src/service_cmd@RLSVersion`.
const (
	RLSModule  = "github.com/envoyproxy/ratelimit"
	RLSVersion = "v1.4.1-0.20250815163327-e74a664aadf9"
	// RLSBinaryEnv names a service binary to use instead (built from that commit).
	RLSBinaryEnv = "WASMWARD_RLS"
)

// RLSCachedBinary is where RLSBinary installs the pinned service.
func RLSCachedBinary() string {
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "wasmward", "ratelimit", RLSVersion, "service_cmd")
}

// RLSBinary returns the rate limit service binary: RLSBinaryEnv, else RLSCachedBinary, else it
// runs `go install` of the pinned version into that directory (about a minute).
func RLSBinary() (string, error) {
	if p := os.Getenv(RLSBinaryEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s=%s: %v", RLSBinaryEnv, p, err)
		}
		return p, nil
	}
	path := RLSCachedBinary()
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "install", RLSModule+"/src/service_cmd@"+RLSVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+filepath.Dir(path), "GOFLAGS=-buildvcs=false")
	out, err := cmd.CombinedOutput()
	if err != nil {
		first, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
		return "", fmt.Errorf("go install %s/src/service_cmd@%s failed (%s); build that commit's ./src/service_cmd to %s or set %s",
			RLSModule, RLSVersion, first, path, RLSBinaryEnv)
	}
	return path, nil
}

// RedisBinary returns redis-server, installing Debian's package when it is missing and the
// test runs as root.
func RedisBinary() (string, error) {
	if p, err := exec.LookPath("redis-server"); err == nil {
		return p, nil
	}
	if os.Geteuid() != 0 {
		return "", errors.New("redis-server not found (apt-get install redis-server)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	install := func() error {
		cmd := exec.CommandContext(ctx, "apt-get", "install", "-y", "-q", "redis-server")
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		return cmd.Run()
	}
	if install() != nil {
		_ = exec.CommandContext(ctx, "apt-get", "update", "-q").Run()
		if err := install(); err != nil {
			return "", fmt.Errorf("apt-get install redis-server: %v", err)
		}
	}
	return exec.LookPath("redis-server")
}

// Proc is a background process of the e2e (Redis, the rate limit service), in its own process
// group.
type Proc struct {
	Name string
	cmd  *exec.Cmd
	out  bytes.Buffer
	done chan error
}

func startProc(name, bin string, args, env []string) (*Proc, error) {
	p := &Proc{Name: name, done: make(chan error, 1)}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { p.done <- p.cmd.Wait() }()
	return p, nil
}

// Kill ends the process at once (SIGKILL), as a crash would, and waits for it.
func (p *Proc) Kill() {
	if p == nil || p.cmd.Process == nil {
		return
	}
	select {
	case <-p.done:
		p.done <- nil
		return
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	err := <-p.done
	p.done <- err
}

// Pause stops the process (SIGSTOP) without closing its sockets: connections are accepted by
// the kernel and never answered, as by a stalled service. Resume continues it.
func (p *Proc) Pause()  { _ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGSTOP) }
func (p *Proc) Resume() { _ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGCONT) }

// Output is what the process wrote.
func (p *Proc) Output() string { return p.out.String() }

// StartRedis starts redis-server on addr without persistence and waits for its PING.
func StartRedis(bin, dir, addr string) (*Proc, error) {
	host, port, _ := net.SplitHostPort(addr)
	p, err := startProc("redis", bin, []string{"--port", port, "--bind", host, "--save", "", "--appendonly", "no",
		"--dir", dir, "--protected-mode", "yes"}, nil)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.SetDeadline(time.Now().Add(time.Second))
			_, _ = c.Write([]byte("PING\r\n"))
			buf := make([]byte, 7)
			n, _ := c.Read(buf)
			c.Close()
			if strings.HasPrefix(string(buf[:n]), "+PONG") {
				return p, nil
			}
		}
		if time.Now().After(deadline) {
			p.Kill()
			return nil, fmt.Errorf("redis-server did not answer on %s: %s", addr, p.Output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// RLSAddrs are the rate limit service's listeners.
type RLSAddrs struct{ HTTP, GRPC, Debug string }

// StartRLS starts the rate limit service with config (its YAML, one domain) on addrs, backed by
// the Redis at redisAddr, and waits until its /healthcheck answers 200.
func StartRLS(bin, dir string, addrs RLSAddrs, redisAddr string, config []byte) (*Proc, error) {
	cfgDir := filepath.Join(dir, "runtime", "ratelimit", "config")
	if err := os.MkdirAll(cfgDir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(cfgDir, "wasmward.yaml"), config, 0o644); err != nil {
		return nil, err
	}
	split := func(a string) (string, string) { h, p, _ := net.SplitHostPort(a); return h, p }
	hh, hp := split(addrs.HTTP)
	gh, gp := split(addrs.GRPC)
	dh, dp := split(addrs.Debug)
	env := []string{"USE_STATSD=false", "LOG_LEVEL=warn", "BACKEND_TYPE=redis",
		"REDIS_SOCKET_TYPE=tcp", "REDIS_URL=" + redisAddr, "REDIS_TIMEOUT=2s",
		"HOST=" + hh, "PORT=" + hp, "GRPC_HOST=" + gh, "GRPC_PORT=" + gp, "DEBUG_HOST=" + dh, "DEBUG_PORT=" + dp,
		"RUNTIME_ROOT=" + filepath.Join(dir, "runtime"), "RUNTIME_SUBDIRECTORY=ratelimit",
		"RUNTIME_WATCH_ROOT=false", "RUNTIME_IGNOREDOTFILES=true"}
	p, err := startProc("ratelimit", bin, nil, env)
	if err != nil {
		return nil, err
	}
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if resp, err := client.Get("http://" + addrs.HTTP + "/healthcheck"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p, nil
			}
		}
		select {
		case err := <-p.done:
			p.done <- err
			return nil, fmt.Errorf("the rate limit service exited at start (%v): %s", err, p.Output())
		default:
		}
		if time.Now().After(deadline) {
			p.Kill()
			return nil, fmt.Errorf("the rate limit service did not become healthy on %s: %s", addrs.HTTP, p.Output())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
