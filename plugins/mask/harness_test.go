package mask_test

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/wasmward/wasmward/plugins/mask"
	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/shared/metrics"
)

// testKey is the HMAC key the tests give the host environment (never a real key).
const testKey = "0123456789abcdef0123456789abcdef-test-key"

// TestCaseFiles runs every testdata/cases/<name>.json against testdata/valid/<name>.json in
// native and wasm mode (make build first: dist/mask.wasm must be fresh).
func TestCaseFiles(t *testing.T) { harness.RunCaseFiles(t, mask.Definition) }

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func cfg(spec string) []byte {
	return []byte(`{"apiVersion":"wasmward/v1","plugin":"mask","spec":` + spec + `}`)
}

func jsonReply(body string, headers ...[2]string) *harness.Reply {
	return &harness.Reply{Status: 200, Body: body, Headers: append([][2]string{{"content-type", "application/json"}}, headers...)}
}

// TestResponseFramingThroughGlue: a masked body loses its stale Content-Length, internals
// headers are removed, and skipped or blocked bodies are counted by reason.
func TestResponseFramingThroughGlue(t *testing.T) {
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		h := harness.MustStart(t, mode, mask.Definition, cfg(`{"rules":[{"id":"contact","detectors":["email"]}]}`))
		res := h.Do(harness.Request{Upstream: jsonReply(`{"a":"alice@example.com"}`,
			[2]string{"content-length", "25"}, [2]string{"server", "gunicorn"}, [2]string{"x-powered-by", "Flask"})})
		if res.Reply.Body != `{"a":"[redacted]"}` {
			t.Errorf("body %q", res.Reply.Body)
		}
		for _, name := range []string{"content-length", "server", "x-powered-by"} {
			if v, ok := res.Reply.Header(name); ok {
				t.Errorf("header %s still present: %q", name, v)
			}
		}
		h.Do(harness.Request{Upstream: jsonReply(`{"a":"alice@example.com"}`, [2]string{"content-encoding", "br"})})
		h.Do(harness.Request{Upstream: &harness.Reply{Body: "x", Headers: [][2]string{{"content-type", "image/png"}}}})
		for _, c := range []struct{ rule, reason, decision string }{
			{"contact", "masked", metrics.Allow}, {"", "compressed_unreadable", metrics.Deny}, {"", "skipped_not_json", metrics.Allow},
		} {
			if n := h.Counter(metrics.DecisionName("mask", c.rule, c.reason, c.decision)); n != 1 {
				t.Errorf("counter %s/%s = %d, want 1", c.rule, c.reason, n)
			}
		}
	})
}

// TestOverLimitThroughGlue: bodies over response.maxBodyBytes pass untouched (counted) or are
// blocked with 502, per response.overLimit.
func TestOverLimitThroughGlue(t *testing.T) {
	big := `{"a":"alice@example.com","pad":"` + strings.Repeat("x", 100) + `"}`
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		pass := harness.MustStart(t, mode, mask.Definition, cfg(`{"rules":[{"id":"c","detectors":["email"]}],"response":{"maxBodyBytes":64}}`))
		res := pass.Do(harness.Request{Upstream: jsonReply(big)})
		if res.Reply.Status != 200 || res.Reply.Body != big {
			t.Errorf("pass: status %d body %q", res.Reply.Status, res.Reply.Body)
		}
		if n := pass.Counter(metrics.DecisionName("mask", "", "over_limit", metrics.Allow)); n != 1 {
			t.Errorf("over_limit counter = %d", n)
		}
		pass.Close()
		block := harness.MustStart(t, mode, mask.Definition, cfg(`{"rules":[{"id":"c","detectors":["email"]}],"response":{"maxBodyBytes":64,"overLimit":"block"}}`))
		res = block.Do(harness.Request{Upstream: jsonReply(big)})
		if res.Reply.Status != 502 || strings.Contains(res.Reply.Body, "alice") {
			t.Errorf("block: status %d body %q", res.Reply.Status, res.Reply.Body)
		}
	})
}

// TestRequestTokenization: request rules tokenize a card number before the service sees it,
// with the key from the host environment. The same card gives the same token on every request.
func TestRequestTokenization(t *testing.T) {
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) { requestTokenization(t, mode) })
}

func requestTokenization(t *testing.T, mode harness.Mode) {
	h := harness.MustStart(t, mode, mask.Definition, readFile(t, "testdata/valid/full.json"),
		harness.Options{Env: map[string]string{"CARD_TOKEN_KEY": testKey}})
	send := func() harness.Result {
		return h.Do(harness.Request{Method: "POST", Path: "/pay",
			Headers: [][2]string{{"content-type", "application/json"}, {"x-debug-user", "alice"}},
			Body:    `{"card":{"number":"4111 1111 1111 1111"},"items":[{"card":"5500000000000004"}],"debug":{"trace":1}}`,
			Upstream: jsonReply(`{"ok":true,"card":{"number":"4111 1111 1111 1111"},"email":"carol@example.com","debug":"x"}`,
				[2]string{"server", "gunicorn"})})
	}
	a, b := send(), send()
	if a.Forwarded == nil || strings.Contains(a.Forwarded.Body, "4111") || strings.Contains(a.Forwarded.Body, "5500") {
		t.Fatalf("card numbers reached the service: %+v", a.Forwarded)
	}
	if a.Forwarded.Body != b.Forwarded.Body || !strings.Contains(a.Forwarded.Body, `"number":"card_`) {
		t.Errorf("tokens not stable or not prefixed: %q vs %q", a.Forwarded.Body, b.Forwarded.Body)
	}
	if !strings.Contains(a.Forwarded.Body, `"debug":{"trace":1}`) {
		t.Errorf("a response-only rule touched the request: %q", a.Forwarded.Body)
	}
	if _, ok := a.Forwarded.Header("x-debug-user"); ok {
		t.Error("x-debug-user reached the service")
	}
	if v, _ := a.Forwarded.Header("x-masked-by"); v != "wasmward" {
		t.Errorf("x-masked-by = %q", v)
	}
	if v, _ := a.Reply.Header("server"); v != "edge" {
		t.Errorf("server = %q, want edge", v)
	}
	want := `{"ok":true,"card":{"number":"` + tokenOf(t, a.Forwarded.Body) + `"},"email":"*****@****ple.com"}`
	if a.Reply.Body != want {
		t.Errorf("response body %q, want %q", a.Reply.Body, want)
	}
	var masked []string
	for _, l := range h.AuditLines() {
		if strings.Contains(l, `"reason":"masked`) {
			masked = append(masked, l)
		}
		if strings.Contains(l, "4111") || strings.Contains(l, "carol@") {
			t.Errorf("audit line quotes masked data: %s", l)
		}
	}
	// auditMasking: one line per rewritten body, two bodies per request.
	if len(masked) != 4 || !strings.Contains(masked[0], `"rules":"card-token"`) {
		t.Errorf("auditMasking lines: %q", masked)
	}
}

// tokenOf extracts the card token from the forwarded request body.
func tokenOf(t *testing.T, body string) string {
	var v struct {
		Card struct{ Number string } `json:"card"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatal(err)
	}
	return v.Card.Number
}

// TestFinding3_CompressedResponses (issue 16): a compressed JSON response never passes its PII
// through. Requests on masked routes ask for identity encoding; a gzip or deflate body is masked
// and re-encoded; br, zstd, a chain of encodings or a body that does not decode is blocked (502)
// unless response.compressed says "pass". Benign control: an uncompressed body is masked as
// before, a non-JSON body passes.
func TestFinding3_CompressedResponses(t *testing.T) {
	pii := `{"contact":"alice@example.com","note":"hi"}`
	var gz, df bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(pii))
	zw.Close()
	fw, _ := flate.NewWriter(&df, flate.BestSpeed)
	fw.Write([]byte(pii))
	fw.Close()
	gunzip := func(s string) string {
		r, err := gzip.NewReader(strings.NewReader(s))
		if err != nil {
			return "not gzip: " + err.Error()
		}
		b, _ := io.ReadAll(r)
		return string(b)
	}
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		h := harness.MustStart(t, mode, mask.Definition, cfg(`{"rules":[{"id":"contact","detectors":["email"]}]}`))
		res := h.Do(harness.Request{Headers: [][2]string{{"accept-encoding", "gzip, br"}}, Upstream: jsonReply(gz.String(), [2]string{"content-encoding", "gzip"})})
		if got, _ := res.Forwarded.Header("accept-encoding"); got != "identity" {
			t.Errorf("accept-encoding forwarded %q, want identity", got)
		}
		if got := gunzip(res.Reply.Body); strings.Contains(got, "alice@") || !strings.Contains(got, "[redacted]") {
			t.Errorf("gzip body after masking: %q", got)
		}
		res = h.Do(harness.Request{Upstream: jsonReply(df.String(), [2]string{"content-encoding", "deflate"})})
		if b, _ := io.ReadAll(flate.NewReader(strings.NewReader(res.Reply.Body))); strings.Contains(string(b), "alice@") {
			t.Errorf("deflate body leaks: %q", b)
		}
		for _, enc := range []string{"br", "zstd", "gzip, br", "compress"} {
			res = h.Do(harness.Request{Upstream: jsonReply(pii, [2]string{"content-encoding", enc})})
			if res.Reply.Status != 502 || strings.Contains(res.Reply.Body, "alice@") {
				t.Errorf("%s: status %d body %q, want 502 without the PII", enc, res.Reply.Status, res.Reply.Body)
			}
		}
		res = h.Do(harness.Request{Upstream: jsonReply("not gzip at all", [2]string{"content-encoding", "gzip"})})
		if res.Reply.Status != 502 {
			t.Errorf("undecodable gzip: status %d, want 502", res.Reply.Status)
		}
		res = h.Do(harness.Request{Upstream: jsonReply(pii)})
		if strings.Contains(res.Reply.Body, "alice@") {
			t.Errorf("control: uncompressed body not masked: %q", res.Reply.Body)
		}
		h.Close()

		h = harness.MustStart(t, mode, mask.Definition, cfg(`{"rules":[{"id":"contact","detectors":["email"]}],"response":{"compressed":"pass"}}`))
		res = h.Do(harness.Request{Upstream: jsonReply(pii, [2]string{"content-encoding", "br"})})
		if res.Reply.Status != 200 {
			t.Errorf("compressed pass: status %d", res.Reply.Status)
		}
	})
}
