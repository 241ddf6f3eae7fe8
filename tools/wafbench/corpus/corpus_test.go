package corpus_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/wasmward/wasmward/tools/wafbench/corpus"
)

// The split is FNV-1a 32 of the key, mod 10 < 3, and must never move: the detection work tunes
// on its complement. The sums are written out (fnv1a32("942100-6") = 0x3c99e4e2, % 10 = 2).
func TestHeldOutIsFixed(t *testing.T) {
	for key, want := range map[string]bool{
		"942100-1":    false, // 0x3799dd03 % 10 = 7
		"942100-6":    true,  // 0x3c99e4e2 % 10 = 2
		"942100-7":    true,  // 0x3d99e675 % 10 = 1
		"942100-8":    true,  // 0x3e99e808 % 10 = 0
		"942100-5":    false, // 0x3b99e34f % 10 = 3
		"' or 1=1 --": false, // 0x8a015c48 % 10 = 8
		"":            true,  // the offset basis 0x811c9dc5 % 10 = 1
	} {
		if got := corpus.HeldOut(key); got != want {
			t.Errorf("HeldOut(%q) = %v, want %v", key, got, want)
		}
	}
	n := 0
	for i := range 10000 {
		if corpus.HeldOut(strings.Repeat("x", i%50) + string(rune('a'+i%26)) + strings.Repeat("y", i/50)) {
			n++
		}
	}
	if n < 2700 || n > 3300 {
		t.Errorf("held out %d of 10000, want about 3000", n)
	}
}

// Each position carries the value where it says, encoded as that place encodes text.
func TestPlace(t *testing.T) {
	const v = `<a href="x">1' OR 1=1; é&%`
	for _, tc := range []struct {
		pos, want string
		ct        string
	}{
		{corpus.PosQuery, "GET /api/search?q=%3Ca%20href%3D%22x%22%3E1%27%20OR%201%3D1%3B%20%C3%A9%26%25&page=1 HTTP/1.1\r\n", ""},
		{corpus.PosPath, "GET /api/files/%3Ca%20href%3D%22x%22%3E1%27%20OR%201%3D1%3B%20%C3%A9%26%25 HTTP/1.1\r\n", ""},
		{corpus.PosForm, "\r\n\r\nitem=A-100&qty=1&note=%3Ca%20href%3D%22x%22%3E1%27%20OR%201%3D1%3B%20%C3%A9%26%25", "application/x-www-form-urlencoded"},
		{corpus.PosJSON, `{"order":{"id":1007,"lines":[{"sku":"A-100","qty":1,"note":"<a href=\"x\">1' OR 1=1; é&%"}]},"channel":"web"}`, "application/json"},
		{corpus.PosMultipart, "name=\"comment\"\r\n\r\n" + v + "\r\n--", "multipart/form-data; boundary=" + corpus.MultipartBoundary},
		{corpus.PosFilename, `filename="<a href=%22x%22>1' OR 1=1; é&%"`, "multipart/form-data; boundary=" + corpus.MultipartBoundary},
		{corpus.PosCookie, "\r\nCookie: sid=7f3a9c2e41; note=%3Ca%20href%3D%22x%22%3E1%27%20OR%201%3D1%3B%20%C3%A9%26%25\r\n", ""},
		{corpus.PosHeader, "\r\nX-Note: <a href=\"x\">1' OR 1=1; %C3%A9&%\r\n", ""},
		{corpus.PosUserAgent, "\r\nUser-Agent: <a href=\"x\">1' OR 1=1; %C3%A9&%\r\n", ""},
		{corpus.PosReferer, "\r\nReferer: https://www.example.com/search?q=%3Ca%20href%3D%22x%22%3E1%27", ""},
		{corpus.PosXML, "<note>&lt;a href=&#34;x&#34;&gt;1&#39; OR 1=1; é&amp;%</note>", "application/xml"},
	} {
		t.Run(tc.pos, func(t *testing.T) {
			r := corpus.Place(tc.pos, v, false)
			raw := string(r.Raw(true))
			if !strings.Contains(raw, tc.want) {
				t.Errorf("want %q in\n%q", tc.want, raw)
			}
			if ct, _ := r.Header("content-type"); ct != tc.ct {
				t.Errorf("content-type %q, want %q", ct, tc.ct)
			}
			if len(r.Body) > 0 && !strings.Contains(raw, "Content-Length: ") {
				t.Errorf("no Content-Length: %q", raw)
			}
		})
	}
	// A list entry written percent-encoded arrives as its decoded text; double encoding stays.
	if r := corpus.Place(corpus.PosJSON, "%3cscript%3e", false); !bytes.Contains(r.Body, []byte(`"<script>"`)) {
		t.Errorf("json of an encoded entry: %s", r.Body)
	}
	if r := corpus.Place(corpus.PosQuery, "%253c", false); !strings.Contains(r.Target, "q=%253c") && !strings.Contains(r.Target, "q=%253C") {
		t.Errorf("double encoding lost: %s", r.Target)
	}
	if r := corpus.Place(corpus.PosXML, "<![CDATA[x]]>", true); !bytes.Contains(r.Body, []byte("<note><![CDATA[x]]></note>")) {
		t.Errorf("xml fragment: %s", r.Body)
	}
	if r := corpus.Place(corpus.PosMethod, "PROPFIND", false); !strings.HasPrefix(string(r.Raw(false)), "PROPFIND /api/items/7 HTTP/1.1\r\n") {
		t.Errorf("method: %q", r.Raw(false))
	}
	if r := corpus.Place(corpus.PosProtocol, "HTTP/3", false); !strings.HasPrefix(string(r.Raw(false)), "GET /api/items/7 HTTP/3\r\n") {
		t.Errorf("protocol: %q", r.Raw(false))
	}
}

// Build is deterministic, every set is non-empty when the Debian files are installed, and every
// position of one payload falls on the same side of the split.
func TestBuild(t *testing.T) {
	for _, f := range []string{corpus.WfuzzDir, corpus.SqlmapDir, corpus.DictDir + "/french"} {
		if _, err := os.Stat(f); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s missing: make test-deps installs it (CI=true: a failure)", f)
			}
			t.Skipf("%s missing (make test-deps installs wfuzz, sqlmap and the word lists)", f)
		}
	}
	a, err := corpus.Build(corpus.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := corpus.Build(corpus.Options{})
	if len(a.Attacks) != len(b.Attacks) || len(a.Benign) != len(b.Benign) {
		t.Fatalf("not deterministic: %d/%d attacks, %d/%d benign", len(a.Attacks), len(b.Attacks), len(a.Benign), len(b.Benign))
	}
	for i := range a.Attacks {
		if a.Attacks[i].ID != b.Attacks[i].ID || !bytes.Equal(a.Attacks[i].Req.Raw(true), b.Attacks[i].Req.Raw(true)) {
			t.Fatalf("attack %d differs between builds: %s %s", i, a.Attacks[i].ID, b.Attacks[i].ID)
		}
	}
	if len(a.Notes) > 0 {
		t.Errorf("notes with every file installed: %v", a.Notes)
	}
	count := map[string]int{}
	held := map[string]bool{}
	ids := map[string]bool{}
	for _, it := range append(a.Attacks, a.Benign...) {
		count[it.Class+it.Set]++
		if ids[it.ID] {
			t.Errorf("duplicate id %s", it.ID)
		}
		ids[it.ID] = true
		if h, ok := held[it.Key]; ok && h != it.HeldOut {
			t.Errorf("%s: positions of one key on both sides of the split", it.ID)
		}
		held[it.Key] = it.HeldOut
		if it.HeldOut != corpus.HeldOut(it.Key) {
			t.Errorf("%s: HeldOut not of its key", it.ID)
		}
	}
	for _, c := range []string{"sqli", "xss", "lfi", "rce", "xml", "xxe", "ssti", "ldap", "crlf", "jndi", "nosql", "scanner", "method", "protocol"} {
		if count[c+"payloads"] == 0 {
			t.Errorf("no %s payloads", c)
		}
	}
	for _, s := range corpus.BenignSets {
		if count[s] == 0 {
			t.Errorf("benign set %s empty", s)
		}
	}
	in, out := a.InSample(), a.HeldOutPart()
	if len(in.Attacks)+len(out.Attacks) != len(a.Attacks) || len(out.Attacks) == 0 || len(out.Benign) == 0 {
		t.Errorf("split: %d + %d of %d attacks, %d held-out benign", len(in.Attacks), len(out.Attacks), len(a.Attacks), len(out.Benign))
	}
}

// The CRS tests as shipped keep their headers; the sanitize corpus test's form adds a form
// Content-Type to a body without one.
func TestCRSTests(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the module cache")
	}
	dir, err := corpus.CRSDir()
	if err != nil {
		t.Fatal(err)
	}
	shipped, _, err := corpus.CRSTests(dir, corpus.CRSOptions{Families: []string{"942"}})
	if err != nil {
		t.Fatal(err)
	}
	form, _, _ := corpus.CRSTests(dir, corpus.CRSOptions{Families: []string{"942"}, FormContentType: true})
	if len(shipped) < 100 || len(shipped) != len(form) {
		t.Fatalf("%d shipped, %d form tests", len(shipped), len(form))
	}
	added := 0
	for i := range shipped {
		_, had := shipped[i].Req.Header("content-type")
		ct, has := form[i].Req.Header("content-type")
		if !had && has && ct == "application/x-www-form-urlencoded" {
			added++
		}
		if shipped[i].PL == 0 || shipped[i].ID != form[i].ID {
			t.Fatalf("%s: PL %d", shipped[i].ID, shipped[i].PL)
		}
	}
	if added == 0 {
		t.Error("no 942 test without Content-Type: the as-shipped set would equal the sanitize test's")
	}
}
