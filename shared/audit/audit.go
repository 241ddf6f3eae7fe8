// Package audit builds wasmward's audit lines and holds the redaction helpers that keep tokens,
// keys and personal data out of logs and metrics. It is pure Go; the glue writes the lines.
//
// An audit line is one JSON object (docs/audit.md, schema in docs/audit.schema.json):
//
//	{"time":"2026-11-23T10:00:00.000Z","plugin":"jwtauthn","decision":"deny","shadow":false,
//	 "rule":"api","reason":"expired","status":401,"requestId":"…","route":"…","method":"GET",
//	 "path":"/orders","principal":"p:5d41402abc4b2a76","details":{"location":"query"}}
//
// time, plugin, decision and shadow are always present; every other field may be absent. path
// carries no query string and is truncated; principal is a hash, never the subject itself.
package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Line is one audit record.
type Line struct {
	Time      time.Time         `json:"-"`
	Plugin    string            `json:"plugin"`
	Decision  string            `json:"decision"` // "allow" or "deny"
	Shadow    bool              `json:"shadow"`   // the deny was recorded, not enforced
	Rule      string            `json:"rule,omitempty"`
	Reason    string            `json:"reason,omitempty"`
	Status    int               `json:"status,omitempty"`
	RequestID string            `json:"requestId,omitempty"`
	Route     string            `json:"route,omitempty"`
	Method    string            `json:"method,omitempty"`
	Path      string            `json:"path,omitempty"`
	Principal string            `json:"principal,omitempty"`
	Details   map[string]string `json:"details,omitempty"`
}

// MaxPathLen bounds the path recorded in an audit line.
const MaxPathLen = 256

// Encoder renders audit lines, each a single line of JSON with time in RFC 3339 with
// milliseconds, UTC. The bytes are those encoding/json gives for the line (FuzzEncode holds it to
// that), written field by field: encoding/json's reflection cost about 20 µs of Go on Wasm per
// line in nginx's workers, most of what an audited allow cost (docs/performance.md, "Audit
// lines"). It reuses its buffer and the text of the last line's second. The zero value is
// ready; an Encoder is not safe for concurrent use (the glue holds one per plugin context).
type Encoder struct {
	buf    []byte
	second int64  // the Unix second stamp is the text of
	stamp  []byte // "2006-01-02T15:04:05." for second; empty before the first line
}

// Encode renders l. The result is valid until the next call.
func (e *Encoder) Encode(l *Line) []byte {
	b := append(e.buf[:0], `{"time":"`...)
	b = e.appendTime(b, l.Time.UTC())
	b = append(b, `","plugin":`...)
	b = appendString(b, l.Plugin)
	b = append(b, `,"decision":`...)
	b = appendString(b, l.Decision)
	b = append(b, `,"shadow":`...)
	b = strconv.AppendBool(b, l.Shadow)
	b = appendField(b, `,"rule":`, l.Rule)
	b = appendField(b, `,"reason":`, l.Reason)
	if l.Status != 0 {
		b = append(b, `,"status":`...)
		b = strconv.AppendInt(b, int64(l.Status), 10)
	}
	b = appendField(b, `,"requestId":`, l.RequestID)
	b = appendField(b, `,"route":`, l.Route)
	b = appendField(b, `,"method":`, l.Method)
	b = appendField(b, `,"path":`, l.Path)
	b = appendField(b, `,"principal":`, l.Principal)
	if len(l.Details) > 0 {
		b = append(b, `,"details":{`...)
		for i, k := range slices.Sorted(maps.Keys(l.Details)) { // encoding/json's order
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendString(b, l.Details[k])
		}
		b = append(b, '}')
	}
	e.buf = append(b, '}')
	return e.buf
}

// appendTime appends t (UTC) as "2006-01-02T15:04:05.000Z". The text up to the second is
// formatted once per second: time.AppendFormat parses its layout on every call.
func (e *Encoder) appendTime(b []byte, t time.Time) []byte {
	if sec := t.Unix(); len(e.stamp) == 0 || sec != e.second {
		e.second, e.stamp = sec, t.AppendFormat(e.stamp[:0], "2006-01-02T15:04:05.")
	}
	b = append(b, e.stamp...)
	ms := t.Nanosecond() / 1e6
	return append(b, byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z')
}

// appendField appends an omitempty string field: key (with its comma and colon) and value.
func appendField(b []byte, key, value string) []byte {
	if value == "" {
		return b
	}
	return appendString(append(b, key...), value)
}

// appendString appends s as a JSON string. Printable ASCII that needs no escape (nearly every
// field) is copied as it is; anything else is escaped by encoding/json, which also turns <, >
// and & into \u003c-style escapes and invalid UTF-8 into U+FFFD.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			quoted, _ := json.Marshal(s) // a string always encodes
			return append(b, quoted...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// Path returns p without its query string or fragment, truncated to MaxPathLen with invalid UTF-8
// replaced: queries carry tokens (access_token=…) and personal data far more often than paths.
func Path(p string) string {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	return Excerpt(p, MaxPathLen)
}

// Excerpt returns at most max bytes of s, valid UTF-8, with control characters replaced by '?'
// and "…" appended when cut. Use it for the little input an audit line may quote.
func Excerpt(s string, max int) string {
	if len(s) <= max && printable(s) {
		return s // nothing to cut or replace: most request IDs, methods and paths
	}
	cut := len(s) > max
	if cut {
		end := max
		// Back off to a rune boundary (at most 3 bytes) so no rune is split.
		for end > 0 && end > max-utf8.UTFMax && !utf8.RuneStart(s[end]) {
			end--
		}
		s = s[:end]
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
	if cut {
		s += "…"
	}
	return s
}

// printable reports whether s is printable ASCII only (0x20–0x7e).
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// Principal returns a stable, non-reversible label for a subject: "p:" and 16 hex digits of
// SHA-256 over issuer and subject. Equal subjects give equal labels, so audit lines can be
// correlated without storing who the subject is. "" for an empty subject.
func Principal(issuer, subject string) string {
	if subject == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(issuer + "\x00" + subject))
	return "p:" + hex.EncodeToString(sum[:8])
}

// Redact describes a secret without revealing it: its length and an 8-hex-digit fingerprint
// (SHA-256). Use it where a log must say which credential was involved.
func Redact(secret string) string {
	if secret == "" {
		return "[empty]"
	}
	sum := sha256.Sum256([]byte(secret))
	return "[redacted len=" + strconv.Itoa(len(secret)) + " sha256:" + hex.EncodeToString(sum[:4]) + "]"
}
