package sanitize

import (
	"strings"
	"testing"
)

func TestHeaderValueChecks(t *testing.T) {
	for _, c := range []struct {
		check string
		v     string
		ok    bool
	}{
		{"content-type", "application/json", true},
		{"content-type", "application/json; charset=UTF-8", true},
		{"content-type", "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW", true},
		{"content-type", "multipart/form-data; boundary=----=_Part_0_1234.5678", true},
		{"content-type", `multipart/form-data; boundary="a;b c"`, true},
		{"content-type", "text/plain;", true},
		{"content-type", "application/json; charset", true},
		{"content-type", "application/x-www-form-urlencoded; charset=windows-1252", true},
		{"content-type", "my-new-content-type", false},
		{"content-type", "application", false},
		{"content-type", "%{(#nike='multipart/form-data').(#dm=@ognl", false},
		{"content-type", `text/plain; charset="UTF-8"; garbage`, false},
		{"content-type", "multipart/form-data; boundary=  x", false},
		{"content-type", "application/x-www-form-urlencoded; charset=utf-8; CHARSET=utf-7", false},
		{"content-type", "application/x-www-form-urlencoded;charset=ibm037", false},
		{"content-type", `application/json; charset="utf-88"`, false},
		{"content-type", `application/x-www-form-urlencoded;boundary="application/json"`, false},
		{"content-type", `multipart/related; type="application/xop+xml"; boundary=b`, true},
		{"accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", true},
		{"accept", "text/html; charset=utf-8", true},
		{"accept", "text/html; charset=CP1026", false},
		{"accept", `text/html;q=0.9;charset="iso-8859-1",*/*;q=0.8;charset=utf-16`, false},
		{"connection", "keep-alive", true},
		{"connection", "keep-alive, Upgrade", true},
		{"connection", "keep-alive,keep-alive", false},
		{"connection", "keep-alive, close", false},
		{"connection", "close, close", false},
		{"range", "bytes=0-", true},
		{"range", "bytes=0-1023", true},
		{"range", "bytes=-500", true},
		{"range", "bytes=0-1,5-9,20-", true},
		{"range", "items=0-24", true},
		{"range", "bytes=5-0", false},
		{"range", "bytes=-10,-, 21-30", false},
		{"range", "bytes=1-,11-20, 21-30,31-40,41-50,51-500", false},
		{"range", "bytes=a-b", false},
		{"range", "bytes=0-1,", false},
	} {
		if got := validHeaderValue(c.check, c.v, "POST", DefaultMaxRanges); got != c.ok {
			t.Errorf("%s %q: got %v, want %v", c.check, c.v, got, c.ok)
		}
	}
}

func TestIPHost(t *testing.T) {
	for h, want := range map[string]bool{
		"127.0.0.1": true, "10.0.0.1:8080": true, "[::1]": true, "[fe80::1]:80": true,
		"example.com": false, "localhost:8080": false, "1.example": false, "": false,
	} {
		if got := isIPHost(h); got != want {
			t.Errorf("isIPHost(%q) = %v, want %v", h, got, want)
		}
	}
}

func TestAmbiguousPartName(t *testing.T) {
	for _, c := range []struct {
		name, filename string
		want           bool
	}{
		{"photo", "beach (1).png", false},
		{"doc", "Mom's notes; v2=final.txt", false},
		{"doc", `C:\Users\a\cv.pdf`, false},
		{"doc", `\\server\share\cv.pdf`, false},
		{";zzz", "test", true},
		{"amp;zzz", "test", true},
		{`cv.p\d\f`, "cv.pdf", true},
		{"test", `1.j\s\p`, true},
		{"fileRap", `te"st.txt`, true},
	} {
		if got := ambiguousPartName(c.name, c.filename); got != c.want {
			t.Errorf("ambiguousPartName(%q, %q) = %v, want %v", c.name, c.filename, got, c.want)
		}
	}
}

func TestBackupFile(t *testing.T) {
	for s, want := range map[string]bool{
		"dump.rdb": true, "index.php.bak": true, "db.sql": true, "index.php~": true, "site.old": true,
		"~user": false, "report.pdf": false, "sql": false, ".db": false, "old": false, "notes.txt": false,
	} {
		if got := isBackupFile(s); got != want {
			t.Errorf("isBackupFile(%q) = %v, want %v", s, got, want)
		}
	}
}

// FuzzBreaksAndNUL checks the one-pass scan against the two library calls it replaces.
func FuzzBreaksAndNUL(f *testing.F) {
	for _, s := range []string{"", "plain", "a\rb", "a\nb", "a\x00b", "\x0b\x0c\x01", "x\r\n\x00",
		"0123456\r89abcdef", "01234567\n9abcdef\x00", "\x0d\x0e\x0f\x0c\x0d\x0e\x0f\x0c\xff\xfe\x8d\x8a\x80\x0d", "\x0e\x0e\x0e\x0e\x0e\x0e\x0e\x0e\x0e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		crlf, nul := breaksAndNUL(v)
		if crlf != strings.ContainsAny(v, "\r\n") || nul != (strings.IndexByte(v, 0) >= 0) {
			t.Fatalf("breaksAndNUL(%q) = %v, %v", v, crlf, nul)
		}
	})
}
