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

// Encode renders the line as a single line of JSON. Time is RFC 3339 with milliseconds, UTC.
func (l *Line) Encode() []byte {
	type wire struct {
		Time string `json:"time"`
		*Line
	}
	b, err := json.Marshal(wire{Time: l.Time.UTC().Format("2006-01-02T15:04:05.000Z07:00"), Line: l})
	if err != nil { // only strings, ints and bools: cannot fail
		return []byte(`{"plugin":"` + l.Plugin + `","decision":"error"}`)
	}
	return b
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
