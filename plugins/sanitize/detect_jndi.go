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

// braceSpellings are other spellings of "${": JSON, Java and C escapes of '$' or '{' and the
// HTML entity.
var braceSpellings = strings.NewReplacer(braceSpellingPairs...)

// braceSpellingPairs are braceSpellings' old, new pairs.
var braceSpellingPairs = []string{"$\\u007b", "${", "$&lbrace;", "${", "$&lbrace", "${", "$\\u0026lbrace;", "${",
	"$\\u0026lbrace", "${", "\\u0024\\u007b", "${", "\\u0024{", "${", "\\x24\\x7b", "${", "$\\x7b", "${", "\\x24{", "${"}

// jndiSpace is removed before matching: "${ jndi : ldap" is a lookup too.
var jndiSpace = strings.NewReplacer(" ", "", "\t", "", "\n", "", "\r", "")

// isJNDI reports a Log4j lookup in a folded value, whitespace removed, including the nesting
// tricks that hide "jndi" from a plain substring match: a lookup nested in another ("${${lower:j}
// ndi:", "${${::-j}${::-n}di:") is a finding by itself, no legitimate value does that; so is a
// lookup with a default value ("${j${x:-n}di:", "${env:NOPE:-j}"), whatever its prefix.
func isJNDI(folded string) bool {
	if strings.Contains(folded, "\\u") || strings.Contains(folded, "\\x") || strings.Contains(folded, "$&") {
		// "$\u007bjndi:", "$&lbrace;jndi:": the brace written as a JSON or Java escape or an
		// HTML entity the normalizer does not decode (upper case, no ';').
		folded = braceSpellings.Replace(folded)
	}
	i := strings.Index(folded, "${")
	if i < 0 {
		return false
	}
	s := folded[i:]
	if strings.ContainsAny(s, " \t\n\r") {
		s = jndiSpace.Replace(s)
	}
	return strings.Contains(s, "${${") || log4jLookups.in(s) || defaultValueLookup(s)
}

// defaultValueLookup reports "${name:-default}" (a lookup with a default value; the name, at
// most 32 bytes, may be empty; the default at most 60) in s.
func defaultValueLookup(s string) bool {
	return someIndex(s, "${", func(i int) bool {
		j := i + 2
		for j < len(s) && j-i < 34 && (isIdent(s[j]) || s[j] == '.' || s[j] == ':' && at(s, j+1) != '-') {
			j++
		}
		return strings.HasPrefix(s[j:], ":-") && strings.IndexByte(s[j:min(len(s), j+64)], '}') >= 0
	})
}
