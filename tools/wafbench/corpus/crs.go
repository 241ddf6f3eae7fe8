package corpus

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// The OWASP CRS regression tests ship with the Go module github.com/corazawaf/coraza-coreruleset/v4
// (pinned in go.mod) under tests/REQUEST-<family>-*/<rule>.yaml (go-ftw's format). A test is an
// attack of its family when its first stage's expect_ids contain the file's rule id; tests that
// only say no_expect_ids (CRS's own false-positive checks) and base64 encoded_request tests are
// skipped. Each rule's paranoia level is read from the module's rule files.

// CRSModule is the module holding the CRS rules and regression tests.
const CRSModule = "github.com/corazawaf/coraza-coreruleset/v4"

// CRSFamilies maps the CRS request rule families to the attack class their tests count under.
var CRSFamilies = map[string]string{
	"911": "method", "913": "scanner", "920": "protocol", "921": "protocol-attack", "922": "multipart",
	"930": "lfi", "931": "rfi", "932": "rce", "933": "php", "934": "generic", "941": "xss",
	"942": "sqli", "943": "session-fixation", "944": "java",
}

// CRSDir returns the CRSModule directory in the module cache, downloading it when the cache lacks
// it (`go mod download` prints where it is).
func CRSDir() (string, error) {
	out, err := exec.Command("go", "mod", "download", "-json", CRSModule).Output()
	var mod struct{ Dir, Error string }
	if err == nil {
		err = json.Unmarshal(out, &mod)
	}
	if err != nil || mod.Dir == "" {
		return "", fmt.Errorf("cannot get the CRS regression tests (go mod download %s): %v %s", CRSModule, err, mod.Error)
	}
	return mod.Dir, nil
}

// CRSTest is one CRS regression test.
type CRSTest struct {
	Family string // "942"
	Rule   int    // 942100
	PL     int    // the rule's paranoia level
	ID     string // "942100-1", the test's title
	Req    Request
}

// Item is the test as a corpus item, held out by its title.
func (t CRSTest) Item() Item {
	return Item{ID: "crs/" + t.ID, Set: "crs", Class: CRSFamilies[t.Family], Source: "coreruleset tests/" + t.Family,
		Key: t.ID, HeldOut: HeldOut(t.ID), Rule: t.Rule, PL: t.PL, Req: t.Req}
}

// CRSOptions select the tests and how they are sent.
type CRSOptions struct {
	// Families are the family ids read ("942"); empty reads every family of CRSFamilies.
	Families []string
	// FormContentType sends a body without Content-Type as a form
	// (application/x-www-form-urlencoded) and lower-cases header names: what the sanitize corpus
	// test has measured since it was written. Off, the tests go as shipped.
	FormContentType bool
}

type ftwFile struct {
	RuleID int `yaml:"rule_id"`
	Tests  []struct {
		TestID int `yaml:"test_id"`
		Stages []struct {
			Input struct {
				Method         string            `yaml:"method"`
				URI            string            `yaml:"uri"`
				Version        string            `yaml:"version"`
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

// CRSTests reads the regression tests under dir (CRSDir) in a stable order. notes say how many
// tests were skipped and why.
func CRSTests(dir string, o CRSOptions) (tests []CRSTest, notes []string, err error) {
	pls, err := ParanoiaLevels(dir)
	if err != nil {
		return nil, nil, err
	}
	fams := o.Families
	if len(fams) == 0 {
		for f := range CRSFamilies {
			fams = append(fams, f)
		}
		slices.Sort(fams)
	}
	skipped := 0
	for _, fam := range fams {
		files, _ := filepath.Glob(filepath.Join(dir, "tests", "REQUEST-"+fam+"-*", "*.yaml"))
		if len(files) == 0 {
			return nil, nil, fmt.Errorf("no CRS tests for family %s under %s/tests", fam, dir)
		}
		sort.Strings(files)
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, nil, err
			}
			var ff ftwFile
			if err := yaml.Unmarshal(data, &ff); err != nil {
				return nil, nil, fmt.Errorf("%s: %w", f, err)
			}
			for _, tc := range ff.Tests {
				if len(tc.Stages) == 0 {
					continue
				}
				in := tc.Stages[0].Input
				if in.EncodedRequest != "" || !slices.Contains(tc.Stages[0].Output.Log.ExpectIDs, ff.RuleID) {
					skipped++
					continue
				}
				tests = append(tests, CRSTest{Family: fam, Rule: ff.RuleID, PL: pls[ff.RuleID],
					ID:  fmt.Sprintf("%d-%d", ff.RuleID, tc.TestID),
					Req: ftwRequest(in.Method, in.URI, in.Version, in.Headers, in.Data, o.FormContentType)})
			}
		}
	}
	notes = append(notes, fmt.Sprintf("CRS: %d regression tests of families %s; %d skipped (no expect_ids for the file's rule, or encoded_request)",
		len(tests), strings.Join(fams, ","), skipped))
	return tests, notes, nil
}

// ftwRequest builds a request like go-ftw sends it: headers sorted by name (the YAML map has no
// order), Content-Length computed for a body.
func ftwRequest(method, uri, version string, headers map[string]string, data string, formCT bool) Request {
	if method == "" {
		method = "GET"
	}
	if uri == "" {
		uri = "/"
	}
	r := Request{Method: method, Target: uri, Proto: version, Body: []byte(data)}
	names := make([]string, 0, len(headers))
	for k := range headers {
		names = append(names, k)
	}
	sort.Strings(names)
	hasCT := false
	for _, k := range names {
		name := k
		if formCT {
			name = strings.ToLower(k)
		}
		switch strings.ToLower(k) {
		case "content-type":
			hasCT = true
		case "content-length":
			continue
		}
		r.Headers = append(r.Headers, [2]string{name, headers[k]})
	}
	if data != "" && !hasCT && formCT {
		r.Headers = append(r.Headers, [2]string{"content-type", "application/x-www-form-urlencoded"})
	}
	if data != "" {
		name := "Content-Length"
		if formCT {
			name = "content-length"
		}
		r.Headers = append(r.Headers, [2]string{name, strconv.Itoa(len(data))})
	}
	return r
}

var (
	ruleIDRe = regexp.MustCompile(`id:(\d{6})`)
	plRe     = regexp.MustCompile(`paranoia-level/(\d)`)
)

// ParanoiaLevels maps CRS rule ids to their paranoia level, from the rule files under dir.
func ParanoiaLevels(dir string) (map[int]int, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "rules", "@owasp_crs", "REQUEST-9*.conf"))
	if len(files) == 0 {
		return nil, fmt.Errorf("no CRS rule files under %s/rules/@owasp_crs", dir)
	}
	pls := map[int]int{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for _, rule := range strings.Split(string(data), "\nSecRule ") {
			id, pl := ruleIDRe.FindStringSubmatch(rule), plRe.FindStringSubmatch(rule)
			if id != nil && pl != nil {
				n, _ := strconv.Atoi(id[1])
				pls[n], _ = strconv.Atoi(pl[1])
			}
		}
	}
	return pls, nil
}
