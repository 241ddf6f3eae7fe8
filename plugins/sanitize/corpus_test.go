package sanitize_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/wasmward/wasmward/plugins/sanitize"
	"github.com/wasmward/wasmward/shared/policy"
)

// The labelled corpus: OWASP CRS regression tests (attacks) and a benign corpus.
//
// Attacks come from the Go module github.com/corazawaf/coraza-coreruleset/v4 (pinned in go.mod),
// which ships CRS's go-ftw regression tests under tests/REQUEST-<family>-*/<rule>.yaml. A test is
// an attack for its family when its expect_ids contain the file's rule id; tests that only say
// no_expect_ids (CRS's own false-positive checks) and base64 encoded_request tests are skipped.
// The paranoia level of each rule is read from the rule files of the same module.
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

// heldOut reports whether a CRS test is in the held-out split (issue 17): FNV-1a 32 of its
// title ("942100-1") modulo 10 below 3. Detectors are never tuned on held-out tests.
func heldOut(id string) bool {
	h := fnv.New32a()
	h.Write([]byte(id))
	return h.Sum32()%10 < 3
}

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
	held   bool   // in the held-out split
	rule   int
	pl     int
	id     string // "942100-1"
	req    corpusReq
}

type ftwFile struct {
	RuleID int `yaml:"rule_id"`
	Tests  []struct {
		TestID int `yaml:"test_id"`
		Stages []struct {
			Input struct {
				Method         string            `yaml:"method"`
				URI            string            `yaml:"uri"`
				Headers        map[string]string `yaml:"headers"`
				Data           string            `yaml:"data"`
				EncodedRequest string            `yaml:"encoded_request"`
			} `yaml:"input"`
			Output struct {
				Log struct {
					ExpectIDs []int `yaml:"expect_ids"`
				} `yaml:"log"`
			} `yaml:"output"`
		} `yaml:"stages"`
	} `yaml:"tests"`
}

// crsDir is the coraza-coreruleset module's directory in the module cache, downloaded first
// when the cache lacks it (`go mod download` prints where it is).
func crsDir(tb testing.TB) string {
	tb.Helper()
	out, err := exec.Command("go", "mod", "download", "-json", "github.com/corazawaf/coraza-coreruleset/v4").Output()
	var mod struct{ Dir, Error string }
	if err == nil {
		err = json.Unmarshal(out, &mod)
	}
	if err != nil || mod.Dir == "" {
		tb.Fatalf("cannot get the CRS regression tests (go mod download github.com/corazawaf/coraza-coreruleset/v4): %v %s", err, mod.Error)
	}
	return mod.Dir
}

var (
	ruleIDRe = regexp.MustCompile(`id:(\d{6})`)
	plRe     = regexp.MustCompile(`paranoia-level/(\d)`)
)

// paranoiaLevels maps CRS rule ids to their paranoia level, from the rule files.
func paranoiaLevels(tb testing.TB, dir string) map[int]int {
	files, _ := filepath.Glob(filepath.Join(dir, "rules", "@owasp_crs", "REQUEST-9*.conf"))
	pls := map[int]int{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		for _, rule := range strings.Split(string(data), "\nSecRule ") {
			id, pl := ruleIDRe.FindStringSubmatch(rule), plRe.FindStringSubmatch(rule)
			if id != nil && pl != nil {
				n, _ := strconv.Atoi(id[1])
				pls[n], _ = strconv.Atoi(pl[1])
			}
		}
	}
	return pls
}

// loadAttacks reads the CRS regression tests of the measured families.
func loadAttacks(tb testing.TB) (attacks []attack, skipped int) {
	dir := crsDir(tb)
	pls := paranoiaLevels(tb, dir)
	for _, fam := range families {
		files, _ := filepath.Glob(filepath.Join(dir, "tests", "REQUEST-"+fam.id+"-*", "*.yaml"))
		if len(files) == 0 {
			tb.Fatalf("no CRS tests for family %s under %s/tests", fam.id, dir)
		}
		sort.Strings(files)
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				tb.Fatal(err)
			}
			var ff ftwFile
			if err := yaml.Unmarshal(data, &ff); err != nil {
				tb.Fatalf("%s: %v", f, err)
			}
			for _, tc := range ff.Tests {
				if len(tc.Stages) == 0 {
					continue
				}
				st := tc.Stages[0]
				if st.Input.EncodedRequest != "" || !containsInt(st.Output.Log.ExpectIDs, ff.RuleID) {
					skipped++
					continue
				}
				a := attack{
					family: fam.id, class: ruleClasses[ff.RuleID], rule: ff.RuleID, pl: pls[ff.RuleID],
					id:  fmt.Sprintf("%d-%d", ff.RuleID, tc.TestID),
					req: ftwRequest(st.Input.Method, st.Input.URI, st.Input.Headers, st.Input.Data),
				}
				a.held = heldOut(a.id)
				attacks = append(attacks, a)
			}
		}
	}
	return attacks, skipped
}

// ftwRequest builds a request like go-ftw sends it. A body without a Content-Type is sent as a
// form (application/x-www-form-urlencoded), for both engines.
func ftwRequest(method, uri string, headers map[string]string, data string) corpusReq {
	if method == "" {
		method = "GET"
	}
	if uri == "" {
		uri = "/"
	}
	r := corpusReq{method: method, uri: uri, body: data}
	names := make([]string, 0, len(headers))
	for k := range headers {
		names = append(names, k)
	}
	sort.Strings(names)
	hasCT := false
	for _, k := range names {
		lk := strings.ToLower(k)
		if lk == "content-type" {
			hasCT = true
		}
		if lk == "content-length" {
			continue
		}
		r.headers = append(r.headers, [2]string{lk, headers[k]})
	}
	if data != "" && !hasCT {
		r.headers = append(r.headers, [2]string{"content-type", "application/x-www-form-urlencoded"})
	}
	if data != "" {
		r.headers = append(r.headers, [2]string{"content-length", strconv.Itoa(len(data))})
	}
	return r
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
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
	attacks, skipped := loadAttacks(t)
	benign := benignRequests(t)
	t.Logf("corpus: %d CRS attack tests (%d skipped: no expect_ids for the file's rule, or encoded_request), %d benign requests", len(attacks), skipped, len(benign))
	floors := map[string]struct {
		pl1        map[string]float64
		maxFPRatio float64
	}{
		"default":    {map[string]float64{"942": 0, "941": 0, "930": 0, "932": 0}, 0.1},
		"cmd-fields": {map[string]float64{"942": 0, "941": 0, "930": 0, "932": 0}, 100},
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
