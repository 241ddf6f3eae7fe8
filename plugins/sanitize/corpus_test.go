package sanitize_test

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/wasmward/wasmward/plugins/sanitize"
	"github.com/wasmward/wasmward/shared/policy"
	"github.com/wasmward/wasmward/tools/wafbench/corpus"
)

// The labelled corpus: OWASP CRS regression tests (attacks) and a benign corpus.
//
// Attacks are CRS's go-ftw regression tests as tools/wafbench/corpus reads them from the Go
// module github.com/corazawaf/coraza-coreruleset/v4 (pinned in go.mod): a test is an attack for
// its family when its expect_ids contain the file's rule id, with the rule's paranoia level.
//
// Benign inputs: /usr/share/dict/words (Debian's wamerican, installed by
// testdata/setup-corpus.sh) as query values, plus the hand-written realistic queries, JSON and
// form bodies of benignRequests.

// families are the CRS families measured.
var families = []struct{ id, name string }{
	{"942", "SQLi"}, {"941", "XSS"}, {"930", "LFI"}, {"932", "RCE"}, {"933", "PHP"}, {"931", "RFI"},
	{"934", "generic"}, {"944", "Java"}, {"921", "protocol"}, {"913", "scanner"},
}

// ruleClasses are attack classes narrower than a CRS family, by CRS rule id: the classes of the
// dedicated detectors (crlf, ldap, ssti, jndi; scanners are family 913), measured on their own too.
var ruleClasses = map[int]string{
	921120: "crlf", 921130: "crlf", 921140: "crlf", 921150: "crlf", 921151: "crlf", 921160: "crlf",
	921190: "crlf", 921200: "ldap", 934180: "ssti", 944150: "jndi", 944151: "jndi", 944152: "jndi",
}

// classes are the rows of the report: the families, then the rule classes.
var classes = func() (ids []struct{ id, name string }) {
	ids = append(ids, families...)
	for _, c := range []string{"crlf", "ldap", "ssti", "jndi"} {
		ids = append(ids, struct{ id, name string }{c, c})
	}
	return ids
}()

// corpusReq is one HTTP request of the corpus.
type corpusReq struct {
	method, uri string
	headers     [][2]string
	body        string
}

// attack is one labelled CRS test.
type attack struct {
	family string // "942"
	class  string // ruleClasses[rule] or ""
	held   bool   // in the held-out split (corpus.HeldOut of id): never tuned on
	rule   int
	pl     int
	id     string // "942100-1"
	req    corpusReq
}

// loadAttacks reads the CRS regression tests of the measured families through the corpus
// package (the loader `make waf-bench` uses), a body without a Content-Type sent as a form
// (application/x-www-form-urlencoded), for both engines, as this test has always measured.
func loadAttacks(tb testing.TB) (attacks []attack, notes []string) {
	tb.Helper()
	dir, err := corpus.CRSDir()
	if err != nil {
		tb.Fatal(err)
	}
	var ids []string
	for _, f := range families {
		ids = append(ids, f.id)
	}
	tests, notes, err := corpus.CRSTests(dir, corpus.CRSOptions{Families: ids, FormContentType: true})
	if err != nil {
		tb.Fatal(err)
	}
	for _, t := range tests {
		attacks = append(attacks, attack{family: t.Family, class: ruleClasses[t.Rule], held: corpus.HeldOut(t.ID),
			rule: t.Rule, pl: t.PL, id: t.ID, req: fromCorpus(t.Req)})
	}
	return attacks, notes
}

// fromCorpus is a corpus request in this test's form.
func fromCorpus(r corpus.Request) corpusReq {
	return corpusReq{method: r.Method, uri: r.Target, headers: r.Headers, body: string(r.Body)}
}

// benignRequests is the benign corpus: every dictionary word as a search query, then realistic
// API traffic with apostrophes, SQL-ish prose and comparison operators.
func benignRequests(tb testing.TB) []corpusReq {
	var reqs []corpusReq
	f, err := os.Open("/usr/share/dict/words")
	if err != nil {
		tb.Skipf("benign word list missing (run plugins/sanitize/testdata/setup-corpus.sh): %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		w := sc.Text()
		reqs = append(reqs, corpusReq{method: "GET", uri: "/search?q=" + queryEscape(w) + "&lang=en",
			headers: [][2]string{{"host", "localhost"}, {"user-agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}}})
	}
	for _, q := range benignQueries {
		reqs = append(reqs, corpusReq{method: "GET", uri: q, headers: [][2]string{{"host", "localhost"}}})
	}
	for _, b := range benignJSON {
		reqs = append(reqs, corpusReq{method: "POST", uri: "/api/v1/orders", body: b, headers: [][2]string{
			{"host", "localhost"}, {"content-type", "application/json"}, {"content-length", strconv.Itoa(len(b))}}})
	}
	for _, b := range benignForms {
		reqs = append(reqs, corpusReq{method: "POST", uri: "/account/profile", body: b, headers: [][2]string{
			{"host", "localhost"}, {"content-type", "application/x-www-form-urlencoded"}, {"content-length", strconv.Itoa(len(b))}}})
	}
	return reqs
}

// queryEscape percent-encodes a query value (spaces as '+').
func queryEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.', c == '~':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// verdict runs req through a parsed sanitize policy like the glue does (headers, then the body
// when the policy asks for it) and returns the rule that blocked it, or "".
func verdict(p policy.Policy, r corpusReq) string {
	pairs := append([][2]string{{":method", r.method}, {":path", r.uri}, {":authority", "localhost"}}, r.headers...)
	req := policy.NewRequest(pairs, nil, nil)
	bp := p.(policy.RequestBodyPolicy)
	wants := r.body != "" && bp.WantsRequestBody(req)
	if d := p.OnRequest(req); d.Verdict == policy.Deny && !d.Shadow {
		return d.Reason
	}
	if !wants {
		return ""
	}
	if len(r.body) > bp.RequestBodyLimit(req) {
		return "body_too_large"
	}
	req.Body = []byte(r.body)
	if d := bp.OnRequestBody(req); d.Verdict == policy.Deny && !d.Shadow {
		return d.Reason
	}
	return ""
}

// corpusConfigs are the sanitize configs measured: the default (reject everything, command
// metacharacters checked nowhere) and the same with every parameter, form field, JSON value and
// cookie a command field (a worst case for false positives: prose uses '&' and ';').
var corpusConfigs = []struct{ name, spec string }{
	{"default", `{}`},
	{"cmd-fields", `{"commandFields":["query.*","form.*","json.*","cookie.*"]}`},
}

func mustParse(tb testing.TB, spec string) policy.Policy {
	tb.Helper()
	p, err := sanitize.Parse([]byte(spec))
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// detection counts hits per class (CRS family or rule class), for all paranoia levels and PL1.
type detection struct{ hit, total, hitPL1, totalPL1 map[string]int }

func newDetection() detection {
	return detection{hit: map[string]int{}, total: map[string]int{}, hitPL1: map[string]int{}, totalPL1: map[string]int{}}
}

func (d detection) add(class string, pl int, blocked bool) {
	if class == "" {
		return
	}
	d.total[class]++
	if blocked {
		d.hit[class]++
	}
	if pl == 1 {
		d.totalPL1[class]++
		if blocked {
			d.hitPL1[class]++
		}
	}
}

// score is detection per class on every test, on the in-sample and on the held-out split, and
// false positives.
type score struct {
	detection
	in, held   detection
	fp, benign int
}

func measure(attacks []attack, benign []corpusReq, blocked func(corpusReq) bool) score {
	s := score{detection: newDetection(), in: newDetection(), held: newDetection()}
	for _, a := range attacks {
		b := blocked(a.req)
		split := s.in
		if a.held {
			split = s.held
		}
		for _, c := range []string{a.family, a.class} {
			s.add(c, a.pl, b)
			split.add(c, a.pl, b)
		}
	}
	for _, r := range benign {
		s.benign++
		if blocked(r) {
			s.fp++
		}
	}
	return s
}

func pct(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return 100 * float64(n) / float64(d)
}

func (d detection) row(c string) string {
	return fmt.Sprintf("PL1 %4d/%-4d %5.1f%%  all %4d/%-4d %5.1f%%", d.hitPL1[c], d.totalPL1[c],
		pct(d.hitPL1[c], d.totalPL1[c]), d.hit[c], d.total[c], pct(d.hit[c], d.total[c]))
}

func (s score) report(tb testing.TB, engine string) {
	tb.Helper()
	for _, c := range classes {
		tb.Logf("%-22s %-8s %-7s | every test %s | in-sample %s | held-out %s", engine, c.name, c.id,
			s.row(c.id), s.in.row(c.id), s.held.row(c.id))
	}
	tb.Logf("%-22s false positives: %d/%d = %.3f%%", engine, s.fp, s.benign, pct(s.fp, s.benign))
}

// ordinaryHeaders are left out of logMisses' lines.
var ordinaryHeaders = map[string]bool{"accept": true, "host": true, "content-length": true, "proxy-connection": true, "connection": true}

// logMisses logs the in-sample attacks of class (a family or rule class) that p lets through,
// for tuning; held-out tests are never shown. SANITIZE_MISSES=932 go test -run TestCRSCorpus -v
func logMisses(tb testing.TB, p policy.Policy, attacks []attack, class string) {
	for _, a := range attacks {
		if a.held || a.family != class && a.class != class || verdict(p, a.req) != "" {
			continue
		}
		var hs [][2]string
		for _, h := range a.req.headers {
			if !ordinaryHeaders[h[0]] && h[1] != "OWASP CRS test agent" {
				hs = append(hs, h)
			}
		}
		tb.Logf("miss %s PL%d %s %q %q body=%q", a.id, a.pl, a.req.method, a.req.uri, hs, a.req.body)
	}
}

// TestCRSCorpus measures the plugin on the CRS regression tests and the benign corpus and fails
// if detection drops below, or false positives rise above, the recorded figures (docs/sanitize.md).
// Run with -v to see the table.
func TestCRSCorpus(t *testing.T) {
	attacks, notes := loadAttacks(t)
	benign := benignRequests(t)
	t.Logf("corpus: %d CRS attack tests, %d benign requests; %s", len(attacks), len(benign), strings.Join(notes, "; "))
	floors := map[string]struct {
		pl1        map[string]float64
		maxFPRatio float64
	}{
		// Recorded figures (docs/sanitize.md), rounded down; issue 17 keeps the default's false
		// positives at or under 0.01% of the benign corpus.
		"default": {map[string]float64{"942": 90.9, "941": 91.4, "930": 90.3, "932": 81.5, "933": 65.9,
			"931": 23.0, "934": 50.9, "944": 88.1, "921": 69.8, "913": 100}, 0.01},
		"cmd-fields": {map[string]float64{"942": 95.9, "941": 94.0, "930": 92.3, "932": 88.6, "933": 75.7,
			"931": 15.3, "934": 77.4, "944": 88.1, "921": 86.7, "913": 100}, 0.05},
	}
	for _, cfg := range corpusConfigs {
		p := mustParse(t, cfg.spec)
		fpRules := map[string]int{}
		s := measure(attacks, benign, func(r corpusReq) bool { return verdict(p, r) != "" })
		s.report(t, "sanitize/"+cfg.name)
		if c := os.Getenv("SANITIZE_MISSES"); c != "" && cfg.name == "default" {
			logMisses(t, p, attacks, c)
		}
		for _, r := range benign {
			if rule := verdict(p, r); rule != "" {
				fpRules[rule]++
			}
		}
		t.Logf("sanitize/%s false positives by rule: %v", cfg.name, fpRules)
		f := floors[cfg.name]
		for fam, min := range f.pl1 {
			if got := pct(s.hitPL1[fam], s.totalPL1[fam]); got < min {
				t.Errorf("%s: family %s PL1 detection %.1f%% < recorded %.1f%%", cfg.name, fam, got, min)
			}
		}
		if got := pct(s.fp, s.benign); got > f.maxFPRatio {
			t.Errorf("%s: false positives %.3f%% > %.3f%%", cfg.name, got, f.maxFPRatio)
		}
	}
}
