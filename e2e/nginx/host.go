// Package nginx runs wasmward in a real nginx + Kong's ngx_wasm_module, the host the emulator's
// nginx profile stands for: `make e2e-nginx` starts it on 127.0.0.1 with configs rendered by
// tools/genconfigs, next to an upstream that echoes what it received and an identity provider.
//
// No registry carries that host, so the project does not build it: the binary comes from
// WASMWARD_NGINX, else from DefaultBinary (~/.cache/wasmward/nginx/sbin/nginx), as a user with
// Kong's release build would provide it. Without one the tests print one line saying how to
// provide it and skip. nginx/README.md lists the versions tested.
package nginx

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wasmward/wasmward/shared/glue"
)

// BinaryEnv names the variable holding the path of the nginx binary to test.
const BinaryEnv = "WASMWARD_NGINX"

// DefaultBinary is where the binary is looked for when BinaryEnv is unset.
func DefaultBinary() string {
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "wasmward", "nginx", "sbin", "nginx")
}

// ErrNoHost is returned by Binary when no nginx with ngx_wasm_module is available.
var ErrNoHost = errors.New("no nginx with ngx_wasm_module")

// Binary returns the nginx binary to test: BinaryEnv, else DefaultBinary. It must be built with
// ngx_wasm_module: `nginx -V` names its source directory when that is called ngx_wasm_module,
// and the binary holds its module names (ngx_wasmx_module) whatever the directory is called.
func Binary() (string, error) {
	path := os.Getenv(BinaryEnv)
	if path == "" {
		path = DefaultBinary()
	}
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("%w: %s not found; build nginx with Kong's ngx_wasm_module (nginx/README.md) and set %s to its path or install it there",
			ErrNoHost, path, BinaryEnv)
	}
	out, err := exec.Command(path, "-V").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%w: %s -V: %v", ErrNoHost, path, err)
	}
	if bytes.Contains(out, []byte("ngx_wasm_module")) || bytes.Contains(out, []byte("wasmx")) {
		return path, nil
	}
	if bin, err := os.ReadFile(path); err == nil && bytes.Contains(bin, []byte(wasmModuleName)) {
		return path, nil
	}
	return "", fmt.Errorf("%w: %s is not built with ngx_wasm_module", ErrNoHost, path)
}

// wasmModuleName is the name of ngx_wasm_module's core nginx module, in every binary built with it.
const wasmModuleName = "ngx_wasmx_module"

// Version is the first lines of `nginx -V`: nginx's version, compiler, configure arguments.
func Version(binary string, lines int) string {
	out, _ := exec.Command(binary, "-V").CombinedOutput()
	all := strings.Split(strings.TrimSpace(string(out)), "\n")
	return strings.Join(all[:min(len(all), lines)], "; ")
}

// ConfigureArguments is the "configure arguments:" line of `nginx -V`: how the binary was built
// (`--with-debug` or not, its modules), which the host's cost per request depends on; "configure
// arguments: unknown" when there is none.
func ConfigureArguments(binary string) string {
	for _, line := range strings.Split(Version(binary, 10), "; ") {
		if strings.HasPrefix(line, "configure arguments:") {
			return line
		}
	}
	return "configure arguments: unknown"
}

// Nginx is one running nginx: a master and its workers, under a prefix directory of its own.
type Nginx struct {
	Dir     string // prefix: conf/nginx.conf, logs/error.log, temp paths
	cmd     *exec.Cmd
	started time.Time
	// Ready is how long the first request took to be served after the start (module loading
	// and compilation per worker included).
	Ready time.Duration
	done  chan struct{} // closed when the master has exited; err is then its exit status
	err   error
}

// Main are the top-level directives every e2e nginx runs with: two workers, in the foreground
// of the test, logging to its prefix.
func Main(workers int) []string {
	main := []string{
		"worker_processes " + strconv.Itoa(workers) + ";",
		"daemon off;",
		"pid logs/nginx.pid;",
		"error_log logs/error.log info;",
	}
	if os.Geteuid() == 0 {
		// Workers would run as nobody, which cannot read the test's files under /root.
		main = append(main, "user root;")
	}
	return main
}

// MallocEnv is the process environment nginx/README.md recommends for ngx_wasm_module's nginx,
// and what the e2e and the benchmark start it with: glibc's malloc with a fixed mmap threshold.
// With glibc's default the threshold rises to the largest block freed so far (up to 32 MiB); the
// multi-MB buffers a worker frees after loading a module (the .wasm file, Wasmtime's cache entry)
// raise it, and the worker's later multi-MB allocations then stay on the brk heap, which glibc
// does not give back: 6–10 MiB per worker measured (docs/performance.md). glibc only; the variable
// must be in nginx's own environment (nginx's `env` directive comes too late).
const MallocEnv = "GLIBC_TUNABLES=glibc.malloc.mmap_threshold=4194304"

// MallocDefaultEnv names the variable that, set to "default", starts the e2e's nginx without
// MallocEnv (to measure glibc's default).
const MallocDefaultEnv = "WASMWARD_NGINX_MALLOC"

// mallocEnv returns MallocEnv unless MallocDefaultEnv asks for glibc's default.
func mallocEnv() []string {
	if os.Getenv(MallocDefaultEnv) == "default" {
		return nil
	}
	return []string{MallocEnv}
}

// HTTP are the http-level directives of every e2e nginx.
var HTTP = []string{"access_log off;"}

// WasmtimeCache returns the wasm-block directive enabling Wasmtime's compilation cache, creating
// its config file (the workers must be able to read it and write the directory: see Main): a module compiled once loads from the cache in a fraction of a second after
// (measured: passthrough 4.1 s compiled, 0.27 s cached).
func WasmtimeCache() ([]string, error) {
	home, _ := os.UserHomeDir()
	dir := filepath.Join(home, ".cache", "wasmward", "wasmtime")
	if err := os.MkdirAll(filepath.Join(dir, "modules"), 0o755); err != nil {
		return nil, err
	}
	toml := filepath.Join(dir, "cache.toml")
	body := fmt.Sprintf("[cache]\nenabled = true\ndirectory = %q\n", filepath.Join(dir, "modules"))
	if err := os.WriteFile(toml, []byte(body), 0o644); err != nil {
		return nil, err
	}
	return []string{"wasmtime { cache_config " + toml + "; }"}, nil
}

// Start writes conf under dir and starts nginx with env added to the environment, then waits
// until every address in ready answers HTTP (or timeout passes).
func Start(binary, dir string, conf []byte, env []string, ready []string, timeout time.Duration) (*Nginx, error) {
	for _, d := range []string{"conf", "logs"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "conf", "nginx.conf"), conf, 0o644); err != nil {
		return nil, err
	}
	n := &Nginx{Dir: dir, done: make(chan struct{})}
	n.cmd = exec.Command(binary, "-p", dir+"/", "-c", "conf/nginx.conf")
	n.cmd.Env = append(os.Environ(), env...)
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stderr bytes.Buffer
	n.cmd.Stderr = &stderr
	n.started = time.Now()
	if err := n.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { n.err = n.cmd.Wait(); close(n.done) }()
	deadline := time.Now().Add(timeout)
	for _, addr := range ready {
		for {
			if err := probe(addr); err == nil {
				break
			}
			select {
			case <-n.done:
				return nil, fmt.Errorf("nginx exited at start (%v): %s\n%s", n.err, stderr.String(), n.ErrorLogTail(20))
			default:
			}
			if strings.Contains(n.ErrorLog(), "cannot be respawned") {
				n.Stop()
				return nil, fmt.Errorf("nginx lost its workers at start:\n%s", n.ErrorLogTail(20))
			}
			if time.Now().After(deadline) {
				n.Stop()
				return nil, fmt.Errorf("nginx did not answer on %s within %s:\n%s", addr, timeout, n.ErrorLogTail(20))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	n.Ready = time.Since(n.started)
	return n, nil
}

// probe sends one HTTP request to addr and reads the status line.
func probe(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("GET /_e2e/ready HTTP/1.1\r\nHost: ready\r\nConnection: close\r\n\r\n")); err != nil {
		return err
	}
	buf := make([]byte, 12)
	_, err = c.Read(buf)
	return err
}

// Stop asks nginx to quit and waits for it; it kills the process group if it lingers. Stopping
// a stopped nginx does nothing.
func (n *Nginx) Stop() {
	if n == nil || n.cmd.Process == nil {
		return
	}
	select {
	case <-n.done:
		return
	default:
	}
	_ = n.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-n.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL)
		<-n.done
	}
}

// ErrorLog returns the whole error log.
func (n *Nginx) ErrorLog() string {
	b, _ := os.ReadFile(filepath.Join(n.Dir, "logs", "error.log"))
	return string(b)
}

// ErrorLogTail returns the last lines of the error log.
func (n *Nginx) ErrorLogTail(lines int) string {
	all := strings.Split(strings.TrimRight(n.ErrorLog(), "\n"), "\n")
	return strings.Join(all[max(0, len(all)-lines):], "\n")
}

// Master returns the master process's pid.
func (n *Nginx) Master() int { return n.cmd.Process.Pid }

// Workers returns the pids of the master's children.
func (n *Nginx) Workers() []int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", n.Master(), n.Master()))
	if err != nil {
		return nil
	}
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// CPUTime is the CPU time (user + system) a process has used so far, from /proc (clock ticks
// of 10 ms on Linux); 0 when it cannot be read.
func CPUTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command name, which is in parentheses and may hold spaces:
	// state is field 3, utime 14, stime 15.
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// Problems lists the error-log lines that mean a broken host or plugin: traps, panics, crashed
// or exited workers, emergencies and alerts, and a decision counter defined while serving
// (glue.LateCounterWarning: another worker's increment could trap).
func Problems(errorLog string) []string {
	var out []string
	for _, line := range strings.Split(errorLog, "\n") {
		l := strings.ToLower(line)
		switch {
		case strings.Contains(l, "[emerg]"), strings.Contains(l, "[alert]"), strings.Contains(l, "[crit]") && !strings.Contains(l, "refusing to start"),
			strings.Contains(l, "trap"), strings.Contains(l, "panic"), strings.Contains(l, "exited on signal"),
			strings.Contains(l, "exited with fatal code"), strings.Contains(l, "wasm error"),
			strings.Contains(l, "property not supported"), strings.Contains(l, "nyi"),
			strings.Contains(line, glue.LateCounterWarning):
			out = append(out, line)
		}
	}
	return out
}

// FreeAddrs returns n loopback addresses with free ports.
func FreeAddrs(n int) ([]string, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var out []string
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		out = append(out, l.Addr().String())
	}
	return out, nil
}
