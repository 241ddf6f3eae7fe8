package sanitize

import "strings"

// externalSchemes are the schemes of external entities that read files or reach the network.
var externalSchemes = []string{"file:", "http:", "https:", "ftp:", "php:", "expect:", "jar:", "netdoc:", "gopher:", "data:"}

// isXXE reports an XML external entity attack in a folded value of any kind (a parameter, a JSON
// string, a header): an entity declaration ("<!ENTITY"), a DOCTYPE with an external identifier
// or internal subset ("<!DOCTYPE x SYSTEM", "<!DOCTYPE x ["), an external identifier pointing at
// a file or URL ("SYSTEM \"file:///etc/passwd\"") or a parameter-entity reference ("%xxe;").
// "<!DOCTYPE html>" alone is not a finding. XML bodies are also checked by xml_dtd.
func isXXE(folded string) bool {
	if strings.Contains(folded, "<!entity") {
		return true
	}
	if i := strings.Index(folded, "<!doctype"); i >= 0 {
		decl := folded[i:]
		if j := strings.IndexByte(decl, '>'); j >= 0 {
			decl = decl[:j]
		}
		if strings.Contains(decl, " system") || strings.Contains(decl, " public") || strings.Contains(decl, "[") {
			return true
		}
	}
	for _, kw := range []string{"system", "public"} {
		if someIndex(folded, kw, func(i int) bool { return externalIdentifier(folded[i+len(kw):], kw == "public") }) {
			return true
		}
	}
	return parameterEntityRef(folded)
}

// externalIdentifier reports a quoted file or URL literal at the start of s (after SYSTEM, or
// after PUBLIC and its public id literal).
func externalIdentifier(s string, public bool) bool {
	rest := strings.TrimLeft(s[:min(len(s), 256)], " \t\r\n")
	if public && len(rest) > 0 && (rest[0] == '"' || rest[0] == '\'') {
		if end := strings.IndexByte(rest[1:], rest[0]); end >= 0 {
			rest = strings.TrimLeft(rest[end+2:], " \t\r\n")
		}
	}
	if len(rest) == 0 || rest[0] != '"' && rest[0] != '\'' {
		return false
	}
	for _, scheme := range externalSchemes {
		if strings.HasPrefix(rest[1:], scheme) {
			return true
		}
	}
	return false
}

// parameterEntityRef reports "%name;" with a name of at least three letters, not glued to a
// word before it ("%xxe;", "%remote;"; not "50%;" or "%d;").
func parameterEntityRef(s string) bool {
	return someIndex(s, "%", func(i int) bool {
		j := i + 1
		for j < len(s) && j-i < 64 && (isIdent(s[j]) || s[j] == '.' || s[j] == '-') {
			j++
		}
		return j-i-1 >= 3 && j < len(s) && s[j] == ';' && !isIdent(at(s, i-1)) && at(s, i+1) >= 'a' && at(s, i+1) <= 'z'
	})
}
