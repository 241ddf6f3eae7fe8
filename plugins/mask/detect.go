package mask

import (
	"regexp"
	"strings"
)

// span is a match inside a string value: bytes [start, end).
type span struct{ start, end int }

// detector finds sensitive values inside a string. find appends non-overlapping matches in order.
type detector interface {
	find(s string, out []span) []span
}

// Detector names accepted in rules[].detectors.
const (
	detectEmail = "email"
	detectCard  = "card"
	detectPhone = "phone"
	detectIBAN  = "iban"
)

// builtin is a built-in detector and what a string needs for it to match anything.
type builtin struct {
	detector
	need need
}

// builtinDetectors maps each detector name to its implementation. Each need is what the
// detector's find requires of any match (TestBuiltinNeeds, FuzzBuiltinNeeds):
//   - email: an '@' (matches are found from one);
//   - card: 13 digits (a card number's least);
//   - phone: 8 digits (find's own first test; a national number needs 10);
//   - iban: 15 bytes, 2 upper-case letters and 2 digits (country code, check digits).
var builtinDetectors = map[string]builtin{
	detectEmail: {emailDetector{}, need{at: true}},
	detectCard:  {cardDetector{}, need{digits: 13}},
	detectPhone: {phoneDetector{}, need{digits: 8}},
	detectIBAN:  {ibanDetector{}, need{length: 15, upper: 2, digits: 2}},
}

// need is a lower bound on what a string must contain for a detector to find a match in it. The
// rewriter counts a value's facts once and skips the detectors whose need the value falls short
// of: in Go on Wasm each call (an interface call at that) costs more than the one counting pass,
// and most values of a response (names, ids, flags) match no detector. The zero need (configured
// patterns) is met by every string.
type need struct {
	length, digits, upper int
	at                    bool
}

// facts are the counts of a string that needs are checked against.
type facts struct {
	length, digits, upper int
	at                    bool
}

// factsOf counts s's ASCII digits and upper-case letters and notes an '@'.
func factsOf(s string) facts {
	f := facts{length: len(s)}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isDigit(c):
			f.digits++
		case isUpper(c):
			f.upper++
		case c == '@':
			f.at = true
		}
	}
	return f
}

// metBy reports whether f has all n needs.
func (n *need) metBy(f *facts) bool {
	return f.length >= n.length && f.digits >= n.digits && f.upper >= n.upper && (f.at || !n.at)
}

// regexDetector is a configured pattern (rules[].patterns), compiled once at Parse. Go's regexp
// is RE2: matching is linear in the input, whatever the pattern.
type regexDetector struct{ re *regexp.Regexp }

func (d regexDetector) find(s string, out []span) []span {
	for _, m := range d.re.FindAllStringIndex(s, -1) {
		if m[1] > m[0] {
			out = append(out, span{m[0], m[1]})
		}
	}
	return out
}

// emailDetector matches local@domain.tld: an RFC 5322 dot-atom local part (the characters
// mail providers accept) and a domain with at least one dot and a 2+ letter top-level label.
// Scanning starts at each '@', so strings without one cost a single IndexByte.
type emailDetector struct{}

// localChars marks the bytes of a dot-atom local part: a table, where an IndexByte over the
// specials was a call per byte in Go on Wasm.
var localChars = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = isAlnum(byte(c)) || strings.IndexByte(".!#$%&'*+/=?^_`{|}~-", byte(c)) >= 0
	}
	return t
}()

func isLocalChar(c byte) bool { return localChars[c] }

func isDomainChar(c byte) bool { return isAlnum(c) || c == '-' || c == '.' }

func (emailDetector) find(s string, out []span) []span {
	from := 0
	for {
		at := strings.IndexByte(s[from:], '@')
		if at < 0 {
			return out
		}
		at += from
		start := at
		for start > from && isLocalChar(s[start-1]) {
			start--
		}
		for start < at && s[start] == '.' { // a local part never starts with a dot
			start++
		}
		end := at + 1
		for end < len(s) && isDomainChar(s[end]) {
			end++
		}
		for end > at+1 && (s[end-1] == '.' || s[end-1] == '-') { // trailing sentence punctuation
			end--
		}
		if start < at && validDomain(s[at+1:end]) {
			out = append(out, span{start, end})
			from = end
		} else {
			from = at + 1
		}
	}
}

// validDomain requires labels separated by single dots and a top-level label of 2+ letters.
func validDomain(d string) bool {
	dot := strings.LastIndexByte(d, '.')
	if dot <= 0 || d[0] == '.' || d[0] == '-' {
		return false
	}
	for i := 1; i <= dot; i++ { // no "..": a loop, cheaper than strings.Contains in Go on Wasm
		if d[i] == '.' && d[i-1] == '.' {
			return false
		}
	}
	tld := d[dot+1:]
	if len(tld) < 2 {
		return false
	}
	for i := 0; i < len(tld); i++ {
		if !isLetter(tld[i]) {
			return false
		}
	}
	return true
}

// digitRun is a run of digits possibly grouped by separators ("4111 1111-1111 1111"): bytes
// [start, end) of the string, n digits.
type digitRun struct {
	start, end, n int
}

// nextDigitRun finds the first maximal run at or after i of digits joined by at most maxSep
// consecutive separator bytes from seps, not glued to letters or digits on either side. ok is
// false when there is none; the search continues at run.end.
func nextDigitRun(s string, i int, seps string, maxSep int) (run digitRun, ok bool) {
	for i < len(s) {
		if !isDigit(s[i]) || (i > 0 && isAlnum(s[i-1])) {
			i++
			continue
		}
		run = digitRun{start: i}
		j := i
		for j < len(s) {
			if isDigit(s[j]) {
				run.n++
				j++
				continue
			}
			k := j
			for k < len(s) && k-j < maxSep && strings.IndexByte(seps, s[k]) >= 0 {
				k++
			}
			if k > j && k < len(s) && isDigit(s[k]) {
				j = k
				continue
			}
			break
		}
		run.end = j
		if j == len(s) || !isLetter(s[j]) {
			return run, true
		}
		i = j
	}
	return digitRun{}, false
}

// cardDetector matches payment card numbers: 13-19 digits, optionally grouped by spaces or
// dashes, that pass the Luhn check. Numbers failing Luhn (order ids, timestamps) are left alone.
type cardDetector struct{}

func (cardDetector) find(s string, out []span) []span {
	if countDigits(s) < 13 {
		return out
	}
	for r, ok := nextDigitRun(s, 0, " -", 1); ok; r, ok = nextDigitRun(s, r.end, " -", 1) {
		if r.n >= 13 && r.n <= 19 && luhn(s[r.start:r.end]) {
			out = append(out, span{r.start, r.end})
		}
	}
	return out
}

// luhn reports whether the digits of s (other bytes are skipped) pass the Luhn (mod 10) check.
func luhn(s string) bool {
	sum := 0
	double := false
	for i := len(s) - 1; i >= 0; i-- {
		if !isDigit(s[i]) {
			continue
		}
		d := int(s[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// phoneDetector matches telephone numbers in two shapes: international ("+" then 8-15 digits,
// optionally grouped by spaces, dashes, dots or parentheses: E.164 allows at most 15) and
// national numbers of 10-11 digits written with at least one separator ("(415) 555-2671",
// "06 12 34 56 78"). Bare digit strings, dates (8 digits) and IPv4 addresses are not phones.
type phoneDetector struct{}

func (phoneDetector) find(s string, out []span) []span {
	if countDigits(s) < 8 {
		return out
	}
	for r, ok := nextDigitRun(s, 0, " -.()", 2); ok; r, ok = nextDigitRun(s, r.end, " -.()", 2) {
		start, n := r.start, r.n
		grouped := r.end-r.start > n
		if start > 0 && s[start-1] == '(' { // "(415) 555-2671": include the parenthesis
			start--
			grouped = true
		}
		plus := start > 0 && s[start-1] == '+'
		switch {
		case plus && n >= 8 && n <= 15:
			out = append(out, span{start - 1, r.end})
		case !plus && grouped && n >= 10 && n <= 11 && !looksLikeIP(s[start:r.end]) &&
			!looksLikeDate(s[start:r.end]) && (r.end == len(s) || s[r.end] != ':'):
			out = append(out, span{start, r.end})
		}
	}
	return out
}

// looksLikeIP reports dotted-quad shapes ("10.200.30.400"), which are not phone numbers.
func looksLikeIP(s string) bool {
	return strings.Count(s, ".") == 3 && !strings.ContainsAny(s, " -()")
}

// looksLikeDate reports "2026-01-01 10…" shapes: a four-digit year, then '-' or '/'.
func looksLikeDate(s string) bool {
	return len(s) > 5 && isDigit(s[0]) && isDigit(s[1]) && isDigit(s[2]) && isDigit(s[3]) &&
		(s[4] == '-' || s[4] == '/')
}

// ibanDetector matches International Bank Account Numbers: country code, two check digits and
// 11-30 alphanumerics (optionally in space-separated groups of four), 15-34 characters in all,
// whose ISO 7064 mod-97 check gives 1.
type ibanDetector struct{}

func (ibanDetector) find(s string, out []span) []span {
	if len(s) < 15 {
		return out
	}
	var buf [34]byte
	for i := 0; i+4 <= len(s); i++ {
		if !isUpper(s[i]) || !isUpper(s[i+1]) || !isDigit(s[i+2]) || !isDigit(s[i+3]) || (i > 0 && isAlnum(s[i-1])) {
			continue
		}
		// Collect candidate ends at each group boundary, longest first.
		compact := buf[:0]
		var endsBuf [36]int // one per group boundary: at most 34 characters
		ends := endsBuf[:0]
		j := i
		for j < len(s) && len(compact) < 34 {
			c := s[j]
			if isUpper(c) || isDigit(c) {
				compact = append(compact, c)
				j++
				continue
			}
			if c == ' ' && j+1 < len(s) && (isUpper(s[j+1]) || isDigit(s[j+1])) {
				ends = append(ends, j)
				j++
				continue
			}
			break
		}
		if j == len(s) || !isAlnum(s[j]) {
			ends = append(ends, j)
		}
		for k := len(ends) - 1; k >= 0; k-- {
			e := ends[k]
			n := compactLen(s[i:e])
			if n >= 15 && n <= 34 && ibanValid(compact[:n]) {
				out = append(out, span{i, e})
				i = e - 1
				break
			}
		}
	}
	return out
}

func compactLen(s string) int { return len(s) - strings.Count(s, " ") }

// ibanValid computes the mod-97 check of an IBAN in compact form: move the first four
// characters to the end, map letters to 10..35, and the number mod 97 must be 1.
func ibanValid(iban []byte) bool {
	rem := 0
	add := func(c byte) {
		if isDigit(c) {
			rem = (rem*10 + int(c-'0')) % 97
			return
		}
		v := int(c-'A') + 10
		rem = (rem*100 + v) % 97
	}
	for _, c := range iban[4:] {
		add(c)
	}
	for _, c := range iban[:4] {
		add(c)
	}
	return rem == 1
}

func countDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			n++
		}
	}
	return n
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isUpper(c byte) bool  { return c >= 'A' && c <= 'Z' }
func isLetter(c byte) bool { return isUpper(c) || c >= 'a' && c <= 'z' }
func isAlnum(c byte) bool  { return isDigit(c) || isLetter(c) }
