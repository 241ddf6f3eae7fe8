// Package engine runs the reference WAF of `make waf-bench` in process: Coraza v3 with the OWASP
// Core Rule Set v4 (github.com/corazawaf/coraza-coreruleset, pinned in go.mod), the engine
// coraza-proxy-wasm embeds. It is imported by the benchmark and by the sanitize side-by-side test
// (behind its "crs" build tag), never by a plugin.
package engine

import (
	"fmt"
	"strconv"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
	"github.com/corazawaf/coraza/v3"

	"github.com/wasmward/wasmward/tools/wafbench/corpus"
)

// CorazaDirectives load the CRS as coraza-proxy-wasm's default config does, blocking on, at
// blocking paranoia level pl.
func CorazaDirectives(pl int) string {
	return `
Include @coraza.conf-recommended
Include @crs-setup.conf.example
SecRuleEngine On
SecAction "id:900000,phase:1,pass,t:none,nolog,setvar:tx.blocking_paranoia_level=` + strconv.Itoa(pl) + `"
Include @owasp_crs/*.conf
`
}

// NewCoraza compiles the CRS at paranoia level pl.
func NewCoraza(pl int) (coraza.WAF, error) {
	waf, err := coraza.NewWAF(coraza.NewWAFConfig().WithRootFS(coreruleset.FS).WithDirectives(CorazaDirectives(pl)))
	if err != nil {
		return nil, fmt.Errorf("coraza PL%d: %w", pl, err)
	}
	return waf, nil
}

// CorazaBlocked runs one request through Coraza's request phases (request line, headers, body)
// and reports an interruption (or a body Coraza refuses).
func CorazaBlocked(waf coraza.WAF, r corpus.Request) bool {
	tx := waf.NewTransaction()
	defer func() {
		tx.ProcessLogging()
		_ = tx.Close()
	}()
	proto := r.Proto
	if proto == "" {
		proto = "HTTP/1.1"
	}
	tx.ProcessConnection("127.0.0.1", 40000, "127.0.0.1", 80)
	tx.ProcessURI(r.Target, r.Method, proto)
	for _, h := range r.WireHeaders() {
		tx.AddRequestHeader(h[0], h[1])
	}
	if it := tx.ProcessRequestHeaders(); it != nil {
		return true
	}
	if len(r.Body) > 0 {
		if it, _, err := tx.WriteRequestBody(r.Body); it != nil || err != nil {
			return it != nil
		}
	}
	it, err := tx.ProcessRequestBody()
	return it != nil || err != nil
}
