package corpus

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"hash/fnv"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// Debian files read (packages wfuzz, sqlmap; installed by `make waf-bench` and `make test-deps`).
const (
	WfuzzDir  = "/usr/share/wfuzz/wordlist"
	SqlmapDir = "/usr/share/sqlmap/data/xml"
)

// payload is one attack string and where it may go.
type payload struct {
	class, source, text string
	// positions the payload is placed into; nil means ValuePositions.
	positions []string
}

// MinPayloadBytes drops shorter list entries (a lone quote, "--", "%00"): probes, not attacks
// any WAF should block on their own.
const MinPayloadBytes = 4

// MaxPerClass caps the payloads of one class (before placement into every position); a larger
// class is sampled (stable: by FNV-64a of the text, independent of the held-out hash).
const MaxPerClass = 300

// debian reads the Debian files; missing ones are noted, not fatal.
type debian struct {
	root  string
	notes []string
}

// lines returns the non-empty lines of a file, nil (and a note) when it is absent.
func (d *debian) lines(path string) []string {
	data, err := os.ReadFile(filepath.Join(d.root, path))
	if err != nil {
		d.notes = append(d.notes, fmt.Sprintf("missing %s (%v): its set is empty", path, err))
		return nil
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if l := strings.TrimRight(sc.Text(), "\r"); strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// shellCmd picks the command-injection entries out of wfuzz's mixed All_attack list: a shell
// separator or substitution followed by a command word.
var shellCmd = regexp.MustCompile("(^|[;|&`\\n]|\\$\\()\\s*(id|ls|dir|cat|netstat|ping|uname|whoami|wget|curl|nc|echo|sleep|type|ver|ipconfig|ifconfig|reboot|rm|nslookup|bash|sh)\\b")

// payloads reads every Debian attack list.
func (d *debian) payloads() []payload {
	var out []payload
	add := func(class, file string, edit func(string) string) {
		for _, l := range d.lines(filepath.Join(WfuzzDir, file)) {
			if edit != nil {
				l = edit(l)
			}
			out = append(out, payload{class: class, source: "wfuzz:" + file, text: l})
		}
	}
	add("sqli", "Injections/SQL.txt", nil)
	add("sqli", "vulns/sql_inj.txt", nil)
	add("xss", "Injections/XSS.txt", nil)
	add("lfi", "Injections/Traversal.txt", nil)
	add("lfi", "vulns/dirTraversal.txt", func(s string) string { return strings.ReplaceAll(s, "{FILE}", "etc/passwd") })
	add("lfi", "vulns/dirTraversal-nix.txt", func(s string) string { return strings.ReplaceAll(s, "{FILE}", "etc/passwd") })
	add("lfi", "vulns/dirTraversal-win.txt", func(s string) string { return strings.ReplaceAll(s, "{FILE}", "windows/win.ini") })
	for _, l := range d.lines(filepath.Join(WfuzzDir, "Injections/XML.txt")) {
		p := payload{class: "xml", source: "wfuzz:Injections/XML.txt", text: l}
		if strings.Contains(l, "<!ENTITY") { // a whole document: the XML body
			p.class, p.positions = "xxe", []string{PosXMLDocument, PosMultipart}
		}
		out = append(out, p)
	}
	for _, l := range d.lines(filepath.Join(WfuzzDir, "Injections/All_attack.txt")) {
		if shellCmd.MatchString(l) {
			out = append(out, payload{class: "rce", source: "wfuzz:Injections/All_attack.txt (shell commands)", text: l})
		}
	}
	standard := []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
	for _, m := range d.lines(filepath.Join(WfuzzDir, "general/http_methods.txt")) {
		if m = strings.TrimSpace(m); !slices.Contains(standard, m) {
			out = append(out, payload{class: "method", source: "wfuzz:general/http_methods.txt", text: m, positions: []string{PosMethod}})
		}
	}
	for _, f := range []string{"boolean_blind", "error_based", "inline_query", "stacked_queries", "time_blind"} {
		out = append(out, d.sqlmap(f)...)
	}
	return out
}

// sqlmapFile is the part of a sqlmap payload file used: each test's payload and comment.
type sqlmapFile struct {
	Tests []struct {
		Request struct {
			Payload string `xml:"payload"`
			Comment string `xml:"comment"`
		} `xml:"request"`
	} `xml:"test"`
}

type sqlmapBoundaries struct {
	Boundary []struct {
		Level  int    `xml:"level"`
		Prefix string `xml:"prefix"`
		Suffix string `xml:"suffix"`
	} `xml:"boundary"`
}

// sqlmapTokens replace sqlmap's placeholders with what sqlmap sends for a MySQL-like target.
var sqlmapTokens = strings.NewReplacer(
	"[INFERENCE]", "ORD(MID((SELECT IFNULL(CAST(CURRENT_USER() AS NCHAR),0x20)),1,1))>64",
	"[QUERY]", "SELECT (CASE WHEN (5914=5914) THEN 1 ELSE 0 END)",
	"[SLEEPTIME]", "5", "[DELIMITER_START]", "qkbzq", "[DELIMITER_STOP]", "qpvvq",
	"[ORIGVALUE]", "1", "[ORIGINAL]", "1", "[GENERIC_SQL_COMMENT]", "-- -", "[CHAR]", "NULL",
	"[SPACE_REPLACE]", " ", "[DOLLAR_REPLACE]", "$", "[HASH_REPLACE]", "#", "[AT_REPLACE]", "@",
	"[RANDNUM]", "5914", "[RANDNUM1]", "7382", "[RANDNUM2]", "1167", "[RANDNUM3]", "8023",
	"[RANDSTR]", "vXqT", "[RANDSTR1]", "GhLm", "[RANDSTR2]", "pRtw",
)

var leftoverToken = regexp.MustCompile(`\[[A-Z_0-9]+\]`)

// sqlmap renders one sqlmap payload file: each test's payload with its comment, wrapped in one of
// sqlmap's boundaries of level ≤ 3 (prefix and suffix; chosen round-robin), after the original
// value "1", placeholders replaced (sqlmapTokens).
func (d *debian) sqlmap(name string) []payload {
	file := filepath.Join(SqlmapDir, "payloads", name+".xml")
	data, err := os.ReadFile(filepath.Join(d.root, file))
	bdata, berr := os.ReadFile(filepath.Join(d.root, SqlmapDir, "boundaries.xml"))
	if err != nil || berr != nil {
		d.notes = append(d.notes, fmt.Sprintf("missing %s or boundaries.xml: its set is empty", file))
		return nil
	}
	var f sqlmapFile
	var b sqlmapBoundaries
	if err := xml.Unmarshal(data, &f); err != nil {
		d.notes = append(d.notes, fmt.Sprintf("%s: %v", file, err))
		return nil
	}
	_ = xml.Unmarshal(bdata, &b)
	var bounds [][2]string
	for _, x := range b.Boundary {
		if x.Level <= 3 {
			bounds = append(bounds, [2]string{x.Prefix, x.Suffix})
		}
	}
	if len(bounds) == 0 {
		bounds = [][2]string{{"", ""}}
	}
	var out []payload
	for i, t := range f.Tests {
		if strings.TrimSpace(t.Request.Payload) == "" {
			continue
		}
		bd := bounds[i%len(bounds)]
		s := "1" + bd[0] + " " + t.Request.Payload + t.Request.Comment
		if bd[1] != "" {
			s += " " + bd[1]
		}
		s = leftoverToken.ReplaceAllString(sqlmapTokens.Replace(s), "")
		out = append(out, payload{class: "sqli", source: "sqlmap:payloads/" + name + ".xml", text: s})
	}
	return out
}

// dedupe drops payloads whose class and text were seen before and those shorter than
// MinPayloadBytes (percent-decoded), then caps each class at MaxPerClass.
func dedupe(ps []payload) []payload {
	seen := map[string]bool{}
	byClass := map[string][]payload{}
	var classes []string
	for _, p := range ps {
		k := p.class + "\x00" + p.text
		if seen[k] || (len(decodeOnce(p.text)) < MinPayloadBytes && p.class != "method") {
			continue
		}
		seen[k] = true
		if byClass[p.class] == nil {
			classes = append(classes, p.class)
		}
		byClass[p.class] = append(byClass[p.class], p)
	}
	var out []payload
	for _, c := range classes {
		list := byClass[c]
		if len(list) > MaxPerClass {
			list = slices.Clone(list)
			slices.SortStableFunc(list, func(a, b payload) int { return cmpU64(sampleHash(a.text), sampleHash(b.text)) })
			list = list[:MaxPerClass]
		}
		out = append(out, list...)
	}
	return out
}

func sampleHash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte("sample\x00" + s))
	return h.Sum64()
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// decodeOnce is the payload as an application sees it after one URL decoding, when it is
// percent-encoded (a list entry written for a URL, "%3cscript%3e"); otherwise the text itself.
func decodeOnce(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	if v, err := url.PathUnescape(s); err == nil {
		return v
	}
	return s
}
