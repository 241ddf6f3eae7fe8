// Package corpus builds the labelled request sets of `make waf-bench` (issue 17), the same bytes
// for every engine measured: the OWASP CRS regression tests as shipped, attack payloads from
// Debian packages (wfuzz word lists, sqlmap payload files) placed into every request position,
// small hand-written lists for classes Debian ships nothing for (marked with their source), and
// benign sets (Debian word lists, generated API traffic, Latin-1 text, long values).
//
// Everything is deterministic: the same installed files give the same requests in the same
// order. A fixed part of every set is held out of tuning (HeldOut); the sanitize tests tune on
// its complement (Build(...).InSample()).
package corpus

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// HeldOut reports whether the item keyed by key belongs to the held-out split: FNV-1a 32-bit of
// key's bytes modulo 10 is below 3 (about 30%). The key is a CRS test's title ("942100-1"), an
// attack payload's text before it is placed into a request (so every position of one payload
// falls on the same side), or a benign value's bytes. The split is fixed: detection work tunes
// on the complement only.
func HeldOut(key string) bool {
	h := fnv.New32a()
	h.Write([]byte(key))
	return h.Sum32()%10 < 3
}

// Request is one HTTP/1.1 request exactly as sent: Target is the raw request-target (no
// normalisation), Proto the protocol token of the request line.
type Request struct {
	Method  string
	Target  string
	Proto   string      // "HTTP/1.1" when empty
	Headers [][2]string // as sent, names as given
	Body    []byte
}

// Protocol is the protocol token of the request line: Proto, or HTTP/1.1 when empty.
func (r Request) Protocol() string {
	if r.Proto == "" {
		return "HTTP/1.1"
	}
	return r.Proto
}

// Header returns the first value of a header (case-insensitive).
func (r Request) Header(name string) (string, bool) {
	for _, h := range r.Headers {
		if strings.EqualFold(h[0], name) {
			return h[1], true
		}
	}
	return "", false
}

// Path is Target without its query.
func (r Request) Path() string {
	if i := strings.IndexByte(r.Target, '?'); i >= 0 {
		return r.Target[:i]
	}
	return r.Target
}

// WireHeaders are the headers as sent: a Host header (DefaultHost) first when it has none, and
// Content-Length for a body when it has none. Every engine sees these.
func (r Request) WireHeaders() [][2]string {
	var hs [][2]string
	if _, ok := r.Header("host"); !ok {
		hs = append(hs, [2]string{"Host", DefaultHost})
	}
	hs = append(hs, r.Headers...)
	if _, ok := r.Header("content-length"); !ok && len(r.Body) > 0 {
		hs = append(hs, [2]string{"Content-Length", strconv.Itoa(len(r.Body))})
	}
	return hs
}

// Raw renders the request as bytes on the wire (WireHeaders). keepAlive adds no Connection
// header; without it "Connection: close" replaces any.
func (r Request) Raw(keepAlive bool) []byte {
	var b bytes.Buffer
	proto := r.Protocol()
	fmt.Fprintf(&b, "%s %s %s\r\n", r.Method, r.Target, proto)
	for _, h := range r.WireHeaders() {
		if !keepAlive && strings.EqualFold(h[0], "connection") {
			continue
		}
		b.WriteString(h[0] + ": " + h[1] + "\r\n")
	}
	if !keepAlive {
		b.WriteString("Connection: close\r\n")
	}
	b.WriteString("\r\n")
	b.Write(r.Body)
	return b.Bytes()
}

// DefaultHost is the Host of every generated request.
const DefaultHost = "localhost"

// Item is one labelled request.
type Item struct {
	// ID names the item uniquely and stably: "crs/942100-1", "sqli/<source>#<n>@query",
	// "words-en/<n>@json".
	ID string
	// Set is where the item comes from: "crs", "payloads", or a benign set's name (BenignSets).
	Set string
	// Class is the attack class (Classes; CRS tests use their family's class), "" when benign.
	Class string
	// Source names the file (or hand-written list) the payload or value came from.
	Source string
	// Position is where the payload or value sits (Positions), "" for CRS tests.
	Position string
	// Key is what HeldOut hashes; HeldOut is its result.
	Key     string
	HeldOut bool
	// Rule and PL are a CRS test's rule id and paranoia level (0 otherwise).
	Rule, PL int
	Req      Request
}

// Benign reports whether the item is a benign request.
func (it Item) Benign() bool { return it.Class == "" }

// Corpus is every item built, attacks and benign.
type Corpus struct {
	Attacks, Benign []Item
	// Notes are one line each about what could not be built (a missing Debian file, CRS tests
	// skipped) or was sampled.
	Notes []string
}

// InSample is the tuning part of c: every item not held out.
func (c *Corpus) InSample() *Corpus { return c.filter(false) }

// HeldOutPart is the held-out part of c.
func (c *Corpus) HeldOutPart() *Corpus { return c.filter(true) }

func (c *Corpus) filter(held bool) *Corpus {
	out := &Corpus{Notes: c.Notes}
	for _, it := range c.Attacks {
		if it.HeldOut == held {
			out.Attacks = append(out.Attacks, it)
		}
	}
	for _, it := range c.Benign {
		if it.HeldOut == held {
			out.Benign = append(out.Benign, it)
		}
	}
	return out
}

// Options select what Build includes.
type Options struct {
	// CRSDir is the coraza-coreruleset module directory (CRSDir() finds it); "" leaves the CRS
	// tests out.
	CRSDir string
	// Root is prefixed to every Debian path (tests point it at fixtures); "" is the real root.
	Root string
}

// Build builds every set. Debian files that are absent are noted (Corpus.Notes) and their sets
// left empty; only a broken CRS directory is an error.
func Build(o Options) (*Corpus, error) {
	c := &Corpus{}
	if o.CRSDir != "" {
		tests, notes, err := CRSTests(o.CRSDir, CRSOptions{})
		if err != nil {
			return nil, err
		}
		c.Notes = append(c.Notes, notes...)
		for _, t := range tests {
			c.Attacks = append(c.Attacks, t.Item())
		}
	}
	d := debian{root: o.Root}
	payloads := d.payloads()
	payloads = append(payloads, handWritten()...)
	payloads = dedupe(payloads)
	c.Attacks = append(c.Attacks, placeAll(payloads)...)
	c.Benign = append(c.Benign, d.benign()...)
	c.Notes = append(c.Notes, d.notes...)
	return c, nil
}

// Tuning is the in-sample part of every set, the CRS tests as shipped included: what detection
// work may tune on (never the held-out part, which `make waf-bench` reports separately).
func Tuning() (*Corpus, error) {
	dir, err := CRSDir()
	if err != nil {
		return nil, err
	}
	c, err := Build(Options{CRSDir: dir})
	if err != nil {
		return nil, err
	}
	return c.InSample(), nil
}
