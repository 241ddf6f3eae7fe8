package sanitize

import "strings"

// javaClasses are Java classes and packages that deserialization gadgets, expression-language
// injection (OGNL, SpEL, EL) and script engines reach for; matched in the folded value as names
// ending at a non-identifier byte, so a stack trace's "java.lang.RuntimeException" is not
// "java.lang.Runtime".
var javaClasses = newKeywordSet(
	"java.lang.runtime", "java.lang.processbuilder", "java.lang.process", "java.lang.reflect",
	"java.lang.system", "java.lang.classloader", "java.io.objectinputstream", "java.beans.xmldecoder",
	"java.net.urlclassloader", "java.net.socket", "javax.script", "javax.naming", "jdk.jshell",
	"sun.misc.unsafe", "com.sun.rowset.jdbcrowsetimpl", "com.sun.org.apache",
	"org.apache.commons.collections", "org.apache.xalan", "org.apache.struts2",
	"com.opensymphony.xwork2", "ognl.ognlcontext", "ognl.ognlruntime", "bsh.interpreter",
	"groovy.lang", "org.codehaus.groovy", "org.mozilla.javascript", "javax.el", "java.rmi",
	"org.springframework.context.support.classpathxmlapplicationcontext", "java.runtime",
	"java.processbuilder", "runtime.getruntime", "processbuilder", "clonetransformer",
	"invokertransformer", "chainedtransformer", "constanttransformer", "instantiatetransformer",
	"instantiatefactory", "transformedmap", "lazymap", "templatesimpl", "jdbcrowsetimpl",
	"#_memberaccess", "@java.lang", "class.forname", "getclass().forname", ".getdeclaredmethod(",
	"defineclass(", "scriptenginemanager", "getenginebyname(", "xmldecoder", "whileclosure",
	"prototypeclonefactory", "prototypeserializationfactory", "org.omg.corba", "forclosure",
	"switchtransformer", "closuretransformer", "factorytransformer", "transformerclosure",
)

// javaPackages open a fully qualified name of the Java platform: "java.io.ObjectOutputStream",
// "javax.naming.InitialContext". Request values hold none (CRS flags them at paranoia level 1
// too), except logs and stack traces pasted into a support form: exception and error classes
// and values holding a stack frame ("(Thread.java:750)") are left to the gadget list.
var javaPackages = newKeywordSet("java.", "javax.", "jdk.", "sun.", "com.sun.", "org.apache.commons.")

// isJava reports Java injection: a gadget or engine class or a qualified name of the Java
// platform in the folded value, or a Java serialization stream ("\xac\xed\x00\x05", hex
// "aced0005", base64 at its three alignments "rO0AB", "Cs7QAF", "KztAAU") in the text.
func isJava(v normalized) bool {
	if strings.Contains(v.text, "rO0AB") || strings.Contains(v.text, "Cs7QAF") || strings.Contains(v.text, "KztAAU") ||
		strings.Contains(v.text, "\xac\xed\x00\x05") || strings.Contains(v.folded, "aced0005") {
		return true
	}
	if !strings.ContainsAny(v.folded, ".#@(") {
		return false
	}
	if javaClasses.some(v.folded, func(i int, c string) bool { return !isIdent(c[len(c)-1]) || !isLetter(at(v.folded, i+len(c))) }) {
		return true
	}
	if strings.HasSuffix(strings.TrimRight(v.folded, " \t\r\n\"'"), "org.apache.commons") {
		return true // the package alone, as a probe; its classes are javaPackages' business
	}
	if strings.Contains(v.folded, ".java:") {
		// A stack trace ("at java.lang.Thread.run(Thread.java:750)"): only the gadget list above.
		return false
	}
	return javaPackages.some(v.folded, func(i int, p string) bool { return qualifiedNameAt(v.folded, i, p) })
}

// qualifiedNameAt reports prefix + package + "." + a letter at index i of s, the prefix not
// glued to a word before it ("java.io.reader"; not "kava.io", "java.com", "learn java. it").
func qualifiedNameAt(s string, i int, prefix string) bool {
	j := i + len(prefix)
	for j < len(s) && j-i < 64 && isLetter(s[j]) {
		j++
	}
	if j == i+len(prefix) || at(s, j) != '.' || !isLetter(at(s, j+1)) || isLetter(at(s, i-1)) || at(s, i-1) == '.' {
		return false
	}
	// The whole dotted name; exception and error classes are what logs and stack traces
	// name, not what payloads use.
	end := j
	for end < len(s) && end-i < 256 && (isIdent(s[end]) || s[end] == '.') {
		end++
	}
	name := s[i:end]
	return !strings.HasSuffix(name, "exception") && !strings.HasSuffix(name, "error")
}
