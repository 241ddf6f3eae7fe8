package nginx

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ModSecurity + OWASP CRS from Debian: the reference `make bench-nginx` compares sanitize with.
// Debian's own nginx (not the ngx_wasm_module build) runs it, under a prefix of the benchmark's
// own with a config of its own, on 127.0.0.1.
const (
	DebianNginx    = "/usr/sbin/nginx"
	ModSecModule   = "/usr/lib/nginx/modules/ngx_http_modsecurity_module.so"
	ModSecPackages = "nginx libnginx-mod-http-modsecurity modsecurity-crs"
	crsDir         = "/usr/share/modsecurity-crs"
	crsSetup       = "/etc/modsecurity/crs/crs-setup.conf"
)

// EnsureModSecurity installs ModSecPackages with apt-get when they are missing. Installing nginx
// starts no service: a policy-rc.d denying starts is in place during the install (and removed
// after when this created it), so the only nginx running is the one the benchmark starts.
func EnsureModSecurity() error {
	if modSecPresent() {
		return nil
	}
	if os.Geteuid() != 0 {
		return errors.New("not root: cannot apt-get install " + ModSecPackages)
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		return errors.New("no apt-get: install " + ModSecPackages + " by hand")
	}
	const policy = "/usr/sbin/policy-rc.d"
	if _, err := os.Stat(policy); errors.Is(err, os.ErrNotExist) {
		if err := os.WriteFile(policy, []byte("#!/bin/sh\nexit 101\n"), 0o755); err == nil {
			defer os.Remove(policy)
		}
	}
	cmd := exec.Command("apt-get", append([]string{"install", "-y", "--no-install-recommends"}, strings.Fields(ModSecPackages)...)...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	out, err := cmd.CombinedOutput()
	if err != nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		return fmt.Errorf("apt-get install %s: %v: %s", ModSecPackages, err, lines[len(lines)-1])
	}
	if !modSecPresent() {
		return fmt.Errorf("apt-get installed %s but %s or %s is missing", ModSecPackages, ModSecModule, crsDir)
	}
	return nil
}

func modSecPresent() bool {
	for _, p := range []string{DebianNginx, ModSecModule, filepath.Join(crsDir, "rules"), crsSetup} {
		if _, err := os.Stat(p); err != nil {
			return false
		}
	}
	return true
}

// modSecBase is ModSecurity's engine settings: those of ModSecurity's modsecurity.conf-recommended
// (which Debian ships only with the Apache module) with the engine blocking (SecRuleEngine On),
// request bodies inspected (JSON and XML parsed), response bodies not, no audit log.
const modSecBase = `SecRuleEngine On
SecRequestBodyAccess On
SecRule REQUEST_HEADERS:Content-Type "(?:application(?:/soap\+|/)|text/)xml" "id:'200000',phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=XML"
SecRule REQUEST_HEADERS:Content-Type "application/json" "id:'200001',phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=JSON"
SecRequestBodyLimit 13107200
SecRequestBodyNoFilesLimit 131072
SecRequestBodyLimitAction Reject
SecRule REQBODY_ERROR "!@eq 0" "id:'200002', phase:2,t:none,log,deny,status:400,msg:'Failed to parse request body.'"
SecResponseBodyAccess Off
SecTmpDir /tmp/
SecDataDir /tmp/
SecAuditEngine Off
SecArgumentSeparator &
SecCookieFormat 0
`

// ModSecConf renders the Debian nginx config: ModSecurity on (modSecBase) with the CRS as Debian
// installs it (owasp-crs.load: crs-setup.conf, default paranoia level 1), proxying to upstream.
// It writes the rules file under dir. Without modsec it is the same nginx and proxy without
// ModSecurity.
func ModSecConf(dir string, main []string, listen, upstream string, modsec bool) ([]byte, error) {
	if !modsec {
		return debianConf(main, listen, upstream, ""), nil
	}
	var rules strings.Builder
	rules.WriteString(modSecBase)
	for _, f := range []string{crsSetup, "/etc/modsecurity/crs/REQUEST-900-EXCLUSION-RULES-BEFORE-CRS.conf",
		crsDir + "/rules/*.conf", "/etc/modsecurity/crs/RESPONSE-999-EXCLUSION-RULES-AFTER-CRS.conf"} {
		if m, _ := filepath.Glob(f); len(m) > 0 {
			fmt.Fprintf(&rules, "Include %s\n", f)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "conf"), 0o755); err != nil {
		return nil, err
	}
	rulesPath := filepath.Join(dir, "conf", "modsecurity.conf")
	if err := os.WriteFile(rulesPath, []byte(rules.String()), 0o644); err != nil {
		return nil, err
	}
	return debianConf(main, listen, upstream, rulesPath), nil
}

// debianConf is the Debian nginx config; rulesPath "" leaves ModSecurity out. It keeps upstream
// connections as the generated ngx_wasm_module configs do (gen.NginxConf), so that both rows of a
// comparison pay the same proxying cost.
func debianConf(main []string, listen, upstream, rulesPath string) []byte {
	var b strings.Builder
	if rulesPath != "" {
		b.WriteString("load_module " + ModSecModule + ";\n")
	}
	for _, line := range main {
		b.WriteString(line + "\n")
	}
	b.WriteString("events {}\nhttp {\n    access_log off;\n")
	fmt.Fprintf(&b, "    upstream app {\n        server %s;\n        keepalive 32;\n    }\n", upstream)
	fmt.Fprintf(&b, "    server {\n        listen %s;\n", listen)
	if rulesPath != "" {
		fmt.Fprintf(&b, "        modsecurity on;\n        modsecurity_rules_file %s;\n", rulesPath)
	}
	b.WriteString("        location / {\n            proxy_http_version 1.1;\n            proxy_set_header Connection \"\";\n")
	b.WriteString("            proxy_set_header Host $http_host;\n            proxy_pass http://app/;\n        }\n    }\n}\n")
	return []byte(b.String())
}
