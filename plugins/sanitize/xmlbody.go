package sanitize

import "strings"

// maxXMLNames bounds the element names remembered for locations; deeper elements report the
// innermost remembered one.
const maxXMLNames = 64

// inspectXML scans an XML body (a simple scan, not a validating parser) and inspects character
// data and CDATA sections at "xml.<element>" and attribute values at "xml.<element>@<attribute>"
// (element: the innermost open element); entity references are decoded by the normalizer.
// Comments and processing instructions are skipped. Any markup declaration (DOCTYPE, ENTITY,
// ELEMENT, ATTLIST, NOTATION) is an xml_dtd finding: DTDs are how XML external entities (XXE)
// and entity expansion attacks are declared. Malformed markup is inspected as text.
func (s *scan) inspectXML(body []byte) {
	x := string(body)
	var names []string
	depth := 0
	loc := func() string {
		if len(names) == 0 {
			return "xml"
		}
		return "xml." + names[len(names)-1]
	}
	dtd := false
	text := 0 // start of the pending character data
	for i := 0; i < len(x) && !s.exhausted; {
		lt := strings.IndexByte(x[i:], '<')
		if lt < 0 {
			break
		}
		i += lt
		rest := x[i:]
		end := 0 // length of the markup at i; 0: '<' is character data
		switch {
		case strings.HasPrefix(rest, "<!--"):
			end = skipTo(rest, "-->", 4)
		case strings.HasPrefix(rest, "<![CDATA["):
			end = skipTo(rest, "]]>", 9)
			s.xmlText(strings.TrimSuffix(rest[9:end], "]]>"), loc())
		case strings.HasPrefix(rest, "<!"):
			if !dtd {
				dtd = true
				s.limit(RuleXMLDTD, "xml")
			}
			end = declEnd(rest)
		case strings.HasPrefix(rest, "<?"):
			end = skipTo(rest, "?>", 2)
		case strings.HasPrefix(rest, "</") && isNameStart(at(rest, 2)):
			end = skipTo(rest, ">", 2)
			if depth > 0 {
				depth--
				names = names[:min(depth, len(names))]
			}
		case isNameStart(at(rest, 1)):
			var name string
			var selfClosing bool
			name, end, selfClosing = s.xmlStartTag(rest)
			if !selfClosing {
				if depth++; len(names) < maxXMLNames {
					names = append(names, name)
				}
			}
		}
		if end == 0 {
			i++
			continue
		}
		s.xmlText(x[text:i], loc())
		i += end
		text = i
	}
	s.xmlText(x[text:], loc())
}

// xmlText inspects character data that is not only whitespace.
func (s *scan) xmlText(t, loc string) {
	if t = strings.TrimSpace(t); t != "" {
		s.value(t, encNone, loc, "value", target{})
	}
}

// xmlStartTag reads the start tag at the beginning of t ('<' and a name start), inspects its
// attribute values, and returns the element name, the tag's length and whether it closes itself.
// An unterminated tag extends to the end of t.
func (s *scan) xmlStartTag(t string) (name string, n int, selfClosing bool) {
	i := 1
	for i < len(t) && isNameChar(t[i]) {
		i++
	}
	name = t[1:i]
	for i < len(t) {
		switch c := t[i]; {
		case c == '>':
			return name, i + 1, t[i-1] == '/'
		case isNameStart(c):
			j := i
			for j < len(t) && isNameChar(t[j]) {
				j++
			}
			attr := t[i:j]
			for j < len(t) && isXMLSpace(t[j]) {
				j++
			}
			if at(t, j) != '=' {
				i = j
				continue
			}
			j++
			for j < len(t) && isXMLSpace(t[j]) {
				j++
			}
			var v string
			if q := at(t, j); q == '"' || q == '\'' {
				k := strings.IndexByte(t[j+1:], q)
				if k < 0 {
					k = len(t) - j - 1
				}
				v, j = t[j+1:j+1+k], min(len(t), j+2+k)
			} else {
				k := j
				for k < len(t) && !isXMLSpace(t[k]) && t[k] != '>' {
					k++
				}
				v, j = t[j:k], k
			}
			s.value(v, encNone, "xml."+name+"@"+attr, "value", target{})
			i = j
		default:
			i++
		}
	}
	return name, len(t), false
}

// skipTo is the length of the markup at the start of t ending with end, searched from offset
// from; the whole of t when end is missing.
func skipTo(t, end string, from int) int {
	if k := strings.Index(t[from:], end); k >= 0 {
		return from + k + len(end)
	}
	return len(t)
}

// declEnd is the length of a markup declaration at the start of t, including an internal
// subset in brackets ("<!DOCTYPE x [ <!ENTITY …> ]>").
func declEnd(t string) int {
	gt := strings.IndexByte(t, '>')
	if br := strings.IndexByte(t, '['); br >= 0 && (gt < 0 || br < gt) {
		return skipTo(t, "]", br) + skipTo(t[skipTo(t, "]", br):], ">", 0)
	}
	return skipTo(t, ">", 0)
}

func isNameStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':' || c >= 0x80
}

func isNameChar(c byte) bool {
	return isNameStart(c) || c >= '0' && c <= '9' || c == '-' || c == '.'
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
