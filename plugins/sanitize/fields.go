package sanitize

import "strings"

// pair is one raw name=value item of a query string, form body or Cookie header.
type pair struct {
	raw         string // the whole item as sent
	name, value string // raw (still encoded) halves; value "" when there is no '='
}

// splitPairs splits s on sep into name=value pairs, skipping empty items. Cookie pairs are
// trimmed of the spaces after ';'.
func splitPairs(s string, sep byte, trim bool) []pair {
	if s == "" {
		return nil
	}
	out := make([]pair, 0, strings.Count(s, string(sep))+1)
	for s != "" {
		item := s
		if i := strings.IndexByte(s, sep); i >= 0 {
			item, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		if trim {
			item = strings.TrimSpace(item)
		}
		if item == "" {
			continue
		}
		name, value, _ := strings.Cut(item, "=")
		out = append(out, pair{raw: item, name: name, value: value})
	}
	return out
}

// joinPairs rebuilds the items of ps not in drop, joined by sep.
func joinPairs(ps []pair, drop map[int]bool, sep string) string {
	var b strings.Builder
	for i, p := range ps {
		if drop[i] {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(sep)
		}
		b.WriteString(p.raw)
	}
	return b.String()
}
