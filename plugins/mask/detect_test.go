package mask

import (
	"strings"
	"testing"
)

// detectCase is one string and the substrings a detector must find in it (none for a false
// positive that must stay).
type detectCase struct {
	name string
	in   string
	want []string
}

func runDetect(t *testing.T, d detector, cases []detectCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spans := d.find(c.in, nil)
			var got []string
			for _, s := range spans {
				got = append(got, c.in[s.start:s.end])
			}
			if len(got) != len(c.want) {
				t.Fatalf("find(%q) = %q, want %q", c.in, got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("find(%q)[%d] = %q, want %q", c.in, i, got[i], c.want[i])
				}
			}
		})
	}
}

func TestEmailDetector(t *testing.T) {
	runDetect(t, emailDetector{}, []detectCase{
		{"plain address", "alice@example.com", []string{"alice@example.com"}},
		{"inside text", "write to bob.smith+tag@mail.example.co.uk, thanks", []string{"bob.smith+tag@mail.example.co.uk"}},
		{"two addresses", "a@b.io;c@d.org", []string{"a@b.io", "c@d.org"}},
		{"trailing period", "mail alice@example.com.", []string{"alice@example.com"}},
		{"false positive: handle", "@alice on social", nil},
		{"false positive: no tld", "user@localhost", nil},
		{"false positive: numeric tld", "v1@2.3", nil},
		{"false positive: empty local part", "@example.com", nil},
		{"false positive: no at", "example.com", nil},
		{"false positive: double dot domain", "a@b..com", nil},
	})
}

func TestCardDetector(t *testing.T) {
	runDetect(t, cardDetector{}, []detectCase{
		{"visa", "4111111111111111", []string{"4111111111111111"}},
		{"visa spaced", "card 4111 1111 1111 1111 on file", []string{"4111 1111 1111 1111"}},
		{"mastercard dashed", "5500-0000-0000-0004", []string{"5500-0000-0000-0004"}},
		{"amex 15 digits", "378282246310005", []string{"378282246310005"}},
		{"discover", "6011000990139424", []string{"6011000990139424"}},
		{"19 digits", "6011000990139420007", []string{"6011000990139420007"}},
		{"false positive: 16 digits failing luhn", "4111111111111112", nil},
		{"false positive: order id failing luhn", "order 1234567812345678", nil},
		{"false positive: too short", "411111111111", nil},
		{"false positive: 20 digits", "41111111111111111113", nil},
		{"false positive: glued to letters", "ID4111111111111111", nil},
		{"false positive: double separators", "4111  1111  1111  1111", nil},
	})
}

func TestPhoneDetector(t *testing.T) {
	runDetect(t, phoneDetector{}, []detectCase{
		{"e164", "+14155552671", []string{"+14155552671"}},
		{"international spaced", "call +33 6 12 34 56 78 now", []string{"+33 6 12 34 56 78"}},
		{"us national", "(415) 555-2671", []string{"(415) 555-2671"}},
		{"dashed national", "415-555-2671", []string{"415-555-2671"}},
		{"dotted national", "415.555.2671", []string{"415.555.2671"}},
		{"false positive: bare digits", "order 4155552671", nil},
		{"false positive: date", "2026-01-01", nil},
		{"false positive: timestamp", "2026-01-01 10:00:00", nil},
		{"false positive: slash date and time", "2026/11/23 09:18", nil},
		{"false positive: ipv4", "192.168.100.200", nil},
		{"false positive: version", "1.2.3", nil},
		{"false positive: too long international", "+1234567890123456", nil},
		{"false positive: short international", "+1234567", nil},
	})
}

func TestIBANDetector(t *testing.T) {
	runDetect(t, ibanDetector{}, []detectCase{
		{"germany compact", "DE89370400440532013000", []string{"DE89370400440532013000"}},
		{"germany grouped", "IBAN: DE89 3704 0044 0532 0130 00.", []string{"DE89 3704 0044 0532 0130 00"}},
		{"uk", "GB82WEST12345698765432", []string{"GB82WEST12345698765432"}},
		{"grouped then upper word", "GB82 WEST 1234 5698 7654 32 OK", []string{"GB82 WEST 1234 5698 7654 32"}},
		{"false positive: bad check digits", "DE88370400440532013000", nil},
		{"false positive: too short", "DE8937040044", nil},
		{"false positive: lower case", "de89370400440532013000", nil},
		{"false positive: glued", "XDE89370400440532013000", nil},
	})
}

func TestPatternDetector(t *testing.T) {
	p, err := Parse([]byte(`{"rules":[{"id":"ssn","patterns":["\\b\\d{3}-\\d{2}-\\d{4}\\b"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	d := p.(*Policy).resp.rules[0].detectors[0]
	runDetect(t, d, []detectCase{
		{"ssn", "ssn 123-45-6789", []string{"123-45-6789"}},
		{"false positive: phone-like", "123-456-7890", nil},
	})
}

func TestLuhn(t *testing.T) {
	for in, want := range map[string]bool{
		"79927398713": true, "79927398710": false, "4111111111111111": true, "0": true, "1": false,
	} {
		if got := luhn(in); got != want {
			t.Errorf("luhn(%s) = %v, want %v", in, got, want)
		}
	}
}

func TestPartial(t *testing.T) {
	for _, c := range []struct {
		in   string
		keep int
		want string
	}{
		{"4111 1111 1111 1111", 4, "**** **** **** 1111"},
		{"alice@example.com", 3, "*****@*******.com"},
		{"ab", 4, "ab"},
		{"héllo", 0, "*****"},
	} {
		if got := string(appendPartial(nil, c.in, c.keep)); got != c.want {
			t.Errorf("appendPartial(%q, %d) = %q, want %q", c.in, c.keep, got, c.want)
		}
	}
}

// TestBuiltinNeeds: each built-in detector's need is met by the strings it matches, down to the
// shortest, and the strings that fall short by one (a digit, the '@', an upper-case letter, a
// byte) are skipped; the rewriter, which skips them, still masks escaped and numeric forms.
func TestBuiltinNeeds(t *testing.T) {
	for _, c := range []struct {
		detector, in string
		met          bool
	}{
		{detectEmail, "a@b.io", true},
		{detectEmail, "alice＠example.com", false}, // full-width at sign: not an address either
		{detectEmail, "alice(at)example.com", false},
		{detectCard, "4222222222222", true}, // 13-digit Visa
		{detectCard, "422222222222", false},
		{detectCard, "4111-1111-1111", false},
		{detectPhone, "+1234567890", true},
		{detectPhone, "+12345678", true}, // 8 digits: the international minimum
		{detectPhone, "+1234567", false},
		{detectPhone, "(415) 555-2", false},
		{detectIBAN, "DE89370400440532013000", true},
		{detectIBAN, "NO9386011117947", true}, // 15 characters: the shortest IBAN
		{detectIBAN, "NO938601111794", false},
		{detectIBAN, "de89370400440532013000", false},
		{detectIBAN, "DEXX370400440532013000", true}, // meets the need, fails the check
	} {
		b := builtinDetectors[c.detector]
		f := factsOf(c.in)
		if got := b.need.metBy(&f); got != c.met {
			t.Errorf("%s need met by %q = %v, want %v", c.detector, c.in, got, c.met)
		}
		if !c.met && len(b.find(c.in, nil)) > 0 {
			t.Errorf("%s matches %q, whose facts fall short of its need", c.detector, c.in)
		}
	}
	p := startedPolicy(t, []byte(`{"rules":[{"id":"all","detectors":["email","card","phone","iban"],"replacement":"R"}]}`))
	for in, want := range map[string]string{
		`{"a":"alice\u0040example.com"}`:           `{"a":"R"}`,
		`{"a":"\u00341\u00311111111111111"}`:       `{"a":"R"}`,
		`{"a":4111111111111111}`:                   `{"a":"R"}`,
		`{"a":"\u0044E89370400440532013000"}`:      `{"a":"R"}`,
		`{"a":"call \u002b14155552671 now"}`:       `{"a":"call R now"}`,
		`{"a":"Alice","b":"4111","c":"x@y","d":1}`: ``,
	} {
		out, _, changed, err := p.resp.rewrite([]byte(in), p.nrules)
		if err != nil || string(out) != want || changed != (want != "") {
			t.Errorf("rewrite(%s) = %s (changed %v, err %v), want %s", in, out, changed, err, want)
		}
	}
}

// FuzzBuiltinNeeds: no built-in detector finds anything in a string whose facts fall short of
// its need, so skipping it changes nothing.
func FuzzBuiltinNeeds(f *testing.F) {
	for _, seed := range []string{"a@b.io", "4111 1111 1111 1111", "+1 415 555 2671", "(415) 555-2671",
		"GB82 WEST 1234 5698 7654 32", "NO9386011117947", "x@y", "12345678", "é@ü.de"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fs := factsOf(s)
		for name, b := range builtinDetectors {
			if !b.need.metBy(&fs) {
				if m := b.find(s, nil); len(m) > 0 {
					t.Fatalf("%s finds %v in %q, whose facts %+v fall short of its need %+v", name, m, s, fs, b.need)
				}
			}
		}
	})
}

// TestPartialPaths: the ASCII fast path of appendPartial gives what the rune path gives, on top
// of dst, for text that leaves it early or late, and invalid UTF-8.
func TestPartialPaths(t *testing.T) {
	for _, s := range []string{"", "4111 1111 1111 1111", "ab", "----", "x@y.io", "1234é", "é1234",
		"12\xff34", "abc\x80", "🙂 4111"} {
		for _, keep := range []int{0, 2, 4, 64} {
			got, want := appendPartial([]byte("pre"), s, keep), appendPartialRunes([]byte("pre"), s, keep)
			if string(got) != string(want) {
				t.Errorf("appendPartial(%q, %d) = %q, rune by rune %q", s, keep, got, want)
			}
		}
	}
}

// FuzzPartial: appendPartial's ASCII fast path and the rune path agree.
func FuzzPartial(f *testing.F) {
	f.Add("4111 1111 1111 1111", 4)
	f.Add("héllo wörld", 2)
	f.Fuzz(func(t *testing.T, s string, keep int) {
		keep &= 63
		if got, want := appendPartial(nil, s, keep), appendPartialRunes(nil, s, keep); string(got) != string(want) {
			t.Fatalf("appendPartial(%q, %d) = %q, rune by rune %q", s, keep, got, want)
		}
	})
}

// TestLocalChars: the table holds exactly the dot-atom bytes.
func TestLocalChars(t *testing.T) {
	for c := 0; c < 256; c++ {
		want := isAlnum(byte(c)) || strings.IndexByte(".!#$%&'*+/=?^_`{|}~-", byte(c)) >= 0
		if isLocalChar(byte(c)) != want {
			t.Errorf("isLocalChar(%q) = %v", byte(c), !want)
		}
	}
}

// FuzzValidDomain: no domain with ".." is valid (the loop that replaced strings.Contains).
func FuzzValidDomain(f *testing.F) {
	for _, d := range []string{"example.com", "b..com", "a.b..c.de", "..", "a..", ".a.com", "x.io"} {
		f.Add(d)
	}
	f.Fuzz(func(t *testing.T, d string) {
		dot := strings.LastIndexByte(d, '.')
		if dot > 0 && d[0] != '.' && d[0] != '-' && strings.Contains(d, "..") && validDomain(d) {
			t.Fatalf("validDomain(%q) with \"..\"", d)
		}
	})
}
