package sanitize

import "strings"

// log4jLookups are the Log4j 2 lookup prefixes ("${env:HOME}", "${jndi:ldap://…}"): any of them in
// a request value is an attempt to make a logging Java service evaluate it (log4shell,
// CVE-2021-44228, and the data exfiltration through "${env:…}" that followed it).
var log4jLookups = newKeywordSet(
	"${jndi:", "${env:", "${sys:", "${java:", "${ctx:", "${main:", "${bundle:", "${date:",
	"${docker:", "${k8s:", "${kubernetes:", "${log4j:", "${lower:", "${upper:", "${map:",
	"${marker:", "${sd:", "${spring:", "${web:", "${jvmrunargs", "${base64:", "${script:",
	"${event:", "${::-",
)

// isJNDI reports a Log4j lookup in a folded value, after undoing the nesting tricks that hide
// "jndi" from a plain substring match: "${${lower:j}ndi:", "${${::-j}${::-n}di:",
// "${${env:NOPE:-j}ndi:", "${j${k8s:k5:-nd}i:". A lookup nested in another ("${${") is a finding
// by itself: no legitimate value does that.
func isJNDI(folded string) bool {
	i := strings.Index(folded, "${")
	if i < 0 {
		return false
	}
	s := folded[i:]
	if strings.ContainsAny(s, " \t\n") {
		s = dropWhitespace.Replace(s)
	}
	if strings.Contains(s, "${${") || log4jLookups.in(s) {
		return true
	}
	return strings.Contains(unnestLookups(s), "${jndi:")
}

// unnestLookups replaces each innermost "${…}" of s that holds a default ("${x:-j}" is "j") or a
// case lookup ("${lower:J}" is "j") by its value, in one left-to-right pass per nesting level,
// at most 8 levels: linear in s per level.
func unnestLookups(s string) string {
	for level := 0; level < 8; level++ {
		var b strings.Builder
		changed := false
		for {
			i := strings.Index(s, "${")
			if i < 0 {
				break
			}
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				break
			}
			body := s[i+2 : i+2+end]
			if strings.Contains(body, "${") {
				// Not innermost: keep "${" and continue after it.
				b.WriteString(s[:i+2])
				s = s[i+2:]
				continue
			}
			b.WriteString(s[:i])
			switch {
			case strings.Contains(body, ":-"):
				b.WriteString(body[strings.LastIndex(body, ":-")+2:])
			case strings.HasPrefix(body, "lower:"), strings.HasPrefix(body, "upper:"):
				b.WriteString(body[6:])
			default:
				b.WriteString(s[i : i+2+end+1])
				s = s[i+2+end+1:]
				continue
			}
			changed = true
			s = s[i+2+end+1:]
		}
		b.WriteString(s)
		s = b.String()
		if !changed {
			break
		}
	}
	return s
}
