package sanitize

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/wasmward/wasmward/shared/policy"
	"github.com/wasmward/wasmward/tools/wafbench/corpus"
)

// gateViolations runs every detector of table on v at loc, gates ignored, and returns the rules
// that fire on a value their needs, or wordDetectors, would have skipped.
func gateViolations(table []detector, wordTable detectorSet, r *route, v normalized, loc string) (rules []string) {
	v.words = gateMatcher.groups(v.folded)
	word := v.words == 0 && v.bytes.onlyWord()
	for i, d := range table {
		if ok, _ := d.match(r, v, loc); ok && (!d.needs.passes(r, &v, loc) || word && !wordTable.has(i)) {
			rules = append(rules, d.rule)
		}
	}
	return rules
}

// withGateCheck makes every value the policy inspects go through check, with the detector
// table and its wordDetectors, instead of detect's dispatch (no finding is recorded), until the returned func
// restores the table.
func withGateCheck(check func(table []detector, wordTable detectorSet, r *route, v normalized, loc string)) (restore func()) {
	saved, savedWord := detectors, wordDetectors
	detectors, wordDetectors = []detector{{rule: "gate_check", match: func(r *route, v normalized, loc string) (bool, string) {
		check(saved, savedWord, r, v, loc)
		return false, ""
	}}}, ^detectorSet(0)
	return func() { detectors, wordDetectors = saved, savedWord }
}

// TestGatesChangeNothing checks the detectors' needs (detect.go) against the detectors on every
// value of the whole wafbench corpus (CRS tests, Debian payloads in every position, benign
// sets; both splits: this measures nothing, it checks an equivalence), under the default config
// and with every location a command field: no detector fires on a value its gate skips, so
// detection is what it is without the gates. The Debian sets need `make test-deps`.
func TestGatesChangeNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("the whole corpus")
	}
	dir, err := corpus.CRSDir()
	if err != nil {
		t.Fatal(err)
	}
	c, err := corpus.Build(corpus.Options{CRSDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	items := append(append([]corpus.Item(nil), c.Attacks...), c.Benign...)
	values := 0
	violations := map[string]int{}
	restore := withGateCheck(func(table []detector, wordTable detectorSet, r *route, v normalized, loc string) {
		values++
		for _, rule := range gateViolations(table, wordTable, r, v, loc) {
			if violations[rule]++; violations[rule] <= 3 {
				t.Errorf("%s fires at %s on %q, which its needs skip", rule, loc, v.text)
			}
		}
	})
	defer restore()
	for _, spec := range []string{`{}`, `{"commandFields":["*"]}`} {
		p, err := Parse([]byte(spec))
		if err != nil {
			t.Fatal(err)
		}
		p.(*Policy).clean = nil // every value, repeated header values too
		for _, it := range items {
			pairs := append([][2]string{{":method", it.Req.Method}, {":path", it.Req.Target}}, it.Req.Headers...)
			req := policy.NewRequest(pairs, nil, nil)
			p.OnRequest(req)
			if len(it.Req.Body) > 0 {
				req.Body = it.Req.Body
				p.(policy.RequestBodyPolicy).OnRequestBody(req)
			}
		}
	}
	t.Logf("%d requests, %d values checked; violations by rule: %v", len(items), values, violations)
}

// FuzzGates checks the detectors' needs on arbitrary values at a few locations.
func FuzzGates(f *testing.F) {
	for _, s := range append(fuzzSeeds, "whoami", "ifconfig", "localhost", "sqlmap", "information_schema", "Dublin",
		"shell.php", "a.jsp", ".htaccess", "web.config", "index.php~", "db.sql.bak", "http://evil.example/x.txt",
		"x onerror=alert(1)", "' onfocus=alert(1) '", "x style=y", "a href=javascript:x", "\" xmlns=x", "https://a.example/?q=b") {
		f.Add(s)
	}
	for _, d := range detectors {
		if d.needs != nil {
			for _, k := range d.needs.keywords {
				f.Add(k)
				f.Add("x " + strings.ToUpper(k) + "(1)")
				f.Add(strings.Join(strings.Split(strings.ToUpper(k), ""), " ")) // "F R O M C H A R C O D E"
			}
		}
	}
	p, err := Parse([]byte(`{"commandFields":["query.cmd"]}`))
	if err != nil {
		f.Fatal(err)
	}
	r := p.(*Policy).route(policy.NewRequest([][2]string{{":method", "GET"}, {":path", "/"}}, nil, nil))
	n := normalizer{maxIter: 3, maxBytes: 1 << 16}
	f.Fuzz(func(t *testing.T, s string) {
		for _, enc := range []encoding{encNone, encQuery} {
			v, _ := n.normalize(s, enc)
			for _, loc := range []string{"query.q", "query.cmd", "header.user-agent", "header.referer", "path[0]", "json.a",
				"form.f.filename", "header.x-file-name", "query.basedir", "form.cfg[root]"} {
				if rules := gateViolations(detectors, wordDetectors, r, v, loc); len(rules) > 0 {
					t.Fatalf("%v fire at %s on %q, which their needs skip", rules, loc, v.text)
				}
			}
		}
	})
}

// TestXSSWordsAreLetters pins what mayCompactToXSS's case-blind letter test (hasAllLetters)
// assumes of xssWords, and that the letters of a sink spaced out in upper case are gated in as
// in lower case (isXSSHeuristic reads the folded value).
func TestXSSWordsAreLetters(t *testing.T) {
	for _, w := range xssWords {
		if strings.Trim(w, "abcdefghijklmnopqrstuvwxyz") != "" || w == "" {
			t.Errorf("xssWords entry %q is not lower-case letters only", w)
		}
	}
	n := normalizer{maxIter: 3, maxBytes: 1 << 16}
	for _, s := range []string{"from char code", "FROM CHAR CODE", "From Char Code"} {
		v, _ := n.normalize(s, encNone)
		if !mayCompactToXSS(nil, v, "query.q") {
			t.Errorf("%q is gated out of the script-sink heuristic", s)
		}
	}
}

// TestKeywordMatcher checks the automaton against a substring search of each group's patterns
// cut to matcherPrefix bytes, digits all read as '0', on overlapping and nested patterns.
func TestKeywordMatcher(t *testing.T) {
	groups := [][]string{{"he", "she", "hers"}, {"his"}, {"ushers"}, {"a"}, {"/etc/", "etc/passwd"}, {"1=1"}}
	m := newKeywordMatcher(groups)
	want := func(s string) (bits uint64) {
		for g, patterns := range groups {
			for _, p := range patterns {
				if strings.Contains(digitsAs0(s), digitsAs0(p[:min(len(p), matcherPrefix)])) {
					bits |= 1 << g
				}
			}
		}
		return bits
	}
	inputs := []string{"", "h", "ushers", "xhishe", "shhis", "hhers", "/etc/passwd", "etc/passw", "a", "/etc", "uusherss", "2=3", "1="}
	for _, s := range inputs {
		for _, t2 := range inputs {
			if got := m.groups(s + t2); got != want(s+t2) {
				t.Errorf("groups(%q) = %b, want %b", s+t2, got, want(s+t2))
			}
		}
	}
}

// TestKeywordMatcherOverflow checks that a matcher with more states than its table numbers
// reports every group (its gates pass) instead of wrong transitions.
func TestKeywordMatcherOverflow(t *testing.T) {
	var patterns []string
	for i := 0; i < 20000; i++ {
		b := make([]byte, matcherPrefix)
		for j, n := 0, i*7919; j < len(b); j, n = j+1, n/26 {
			b[j] = byte('a' + (n+j*j)%26)
		}
		patterns = append(patterns, string(b))
	}
	m := newKeywordMatcher([][]string{patterns, {"zz"}})
	if !m.overflow {
		t.Skip("the patterns fit: make more")
	}
	if got := m.groups("nothing here"); got != ^uint64(0) {
		t.Errorf("groups = %b, want every group", got)
	}
}

// digitsAs0 is s with every digit replaced by '0'.
func digitsAs0(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= '0' && c <= '9' {
			b[i] = '0'
		}
	}
	return string(b)
}

// TestWordlessGates checks the gates marked wordless: their check (also) holds on no value of
// ASCII letters, digits and '_' only, whether random, a keyword of any gate or a command, SQL
// or script word, so that detect may leave their detectors out on such values (wordDetectors).
func TestWordlessGates(t *testing.T) {
	values := []string{"a", "Z", "_", "0", "1union", "select", "SELECT", "Apuleius", "fromCharCode", "whoami", "id", "OR1", "0x1", "alert", "script", "eval"}
	for _, d := range detectors {
		if d.needs != nil {
			for _, k := range d.needs.keywords {
				if b := bytesOf(k); b.onlyWord() {
					values = append(values, k, strings.ToUpper(k))
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 20_000; i++ {
		b := make([]byte, 1+r.IntN(24))
		for j := range b {
			b[j] = wordChars[r.IntN(len(wordChars))]
		}
		values = append(values, string(b))
	}
	p, err := Parse([]byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	route := p.(*Policy).def
	n := normalizer{maxIter: 3, maxBytes: 1 << 16}
	for i, d := range detectors {
		if d.needs == nil || !d.needs.wordless {
			continue
		}
		if wordDetectors.has(i) {
			t.Errorf("%s (detector %d) is wordless but in wordDetectors", d.rule, i)
		}
		for _, s := range values {
			v, _ := n.normalize(s, encNone)
			if d.needs.also(route, v, "json.a") {
				t.Fatalf("%s's gate check holds on %q, a value of word bytes only: it is not wordless", d.rule, s)
			}
		}
	}
}

// TestJSONLocations pins the locations a JSON body's names and values are inspected at, through
// nesting, sibling members after nested ones, arrays of more than ten elements and nested
// arrays (jsonWalker.child writes them in place, one buffer for the whole walk).
func TestJSONLocations(t *testing.T) {
	p, err := Parse([]byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	p.(*Policy).clean = nil // every name and value reaches the detectors
	var got []string
	restore := withGateCheck(func(_ []detector, _ detectorSet, _ *route, v normalized, loc string) {
		got = append(got, loc+"="+v.text)
	})
	defer restore()
	body := `{"a":{"bb":[1,"x",{"c":"y"},[["z"]]],"d":"w"},"e":["0","1","2","3","4","5","6","7","8","9","10","11"],"f":"v"}`
	req := policy.NewRequest([][2]string{{":method", "POST"}, {":path", "/"}, {"content-type", "application/json"}}, nil, nil)
	req.Body = []byte(body)
	p.(policy.RequestBodyPolicy).OnRequestBody(req)
	want := []string{"json.a=a", "json.a.bb=bb", "json.a.bb[1]=x", "json.a.bb[2].c=c", "json.a.bb[2].c=y",
		"json.a.bb[3][0][0]=z", "json.a.d=d", "json.a.d=w", "json.e=e"}
	for i := 0; i < 12; i++ {
		want = append(want, fmt.Sprintf("json.e[%d]=%d", i, i))
	}
	want = append(want, "json.f=f", "json.f=v")
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("inspected\n%s\nwant\n%s", strings.Join(got, " "), strings.Join(want, " "))
	}
}
