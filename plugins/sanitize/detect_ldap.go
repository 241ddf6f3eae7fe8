package sanitize

import "strings"

// ldapAttributes are directory attributes an LDAP injection filters on.
var ldapAttributes = setOf(
	"objectclass", "objectcategory", "uid", "cn", "sn", "samaccountname", "userpassword", "mail",
	"memberof", "member", "useraccountcontrol", "objectsid", "grouptype", "givenname", "ou", "dc",
	"displayname", "userprincipalname", "admincount", "homedirectory", "unicodepwd", "gidnumber",
	"uidnumber", "loginshell", "distinguishedname",
)

// ldapSpace is removed before matching: "*) (uid=*" is a breakout too.
var ldapSpace = strings.NewReplacer(" ", "", "\t", "")

// isLDAP reports LDAP filter injection in a folded value: a filter breakout ("*)(", "*))",
// ")(|", ")(&", ")(!"), a composite filter ("(&(attr=…", "(|(attr=…") or a filter on a
// directory attribute ("(objectClass=*)", "(uid=admin)"). Parentheses in prose ("(see above)"),
// in code ("memset(&(x), 0, n)") and in math ("(a+b)*(c)") do not match: the filter forms need
// "attribute=" after the parenthesis.
func isLDAP(folded string) bool {
	if strings.IndexByte(folded, '(') < 0 && strings.IndexByte(folded, ')') < 0 {
		return false
	}
	s := folded
	if strings.ContainsAny(s, " \t") {
		s = ldapSpace.Replace(s)
	}
	if strings.Contains(s, "*)(") || strings.Contains(s, "*))") || strings.Contains(s, ")(|") ||
		strings.Contains(s, ")(&") || strings.Contains(s, ")(!") {
		return true
	}
	return someIndex(s, "(", func(i int) bool {
		j := i + 1
		composite := false
		for j < len(s) && j-i < 8 && (s[j] == '&' || s[j] == '|' || s[j] == '!' || s[j] == '(') {
			composite = composite || s[j] != '('
			j++
		}
		attr, ok := filterAttribute(s[j:])
		return ok && (composite || ldapAttributes[attr] || i > 0 && s[i-1] == ')')
	})
}

// filterAttribute reads "attribute=" (also "~=", ">=", "<=", and extensible match
// "attr:1.2.840.113556.1.4.803:=") at the start of s and returns the attribute.
func filterAttribute(s string) (string, bool) {
	n := 0
	for n < len(s) && n < 64 && (isIdent(s[n]) || s[n] == '-' || s[n] == ';') {
		n++
	}
	if n == 0 || s[0] >= '0' && s[0] <= '9' {
		return "", false
	}
	attr, rest := s[:n], s[n:]
	if strings.HasPrefix(rest, ":") {
		if end := strings.Index(rest, ":="); end >= 0 && end < 64 && !strings.ContainsAny(rest[:end], "()=") {
			return attr, true
		}
		return "", false
	}
	if len(rest) > 0 && (rest[0] == '~' || rest[0] == '>' || rest[0] == '<') {
		rest = rest[1:]
	}
	return attr, strings.HasPrefix(rest, "=") && !strings.HasPrefix(rest, "==")
}
