package sanitize

import (
	"encoding/base64"
	"strings"
)

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
	if len(v.text) >= 8 && isBase64Alphabet(&v.bytes) && v.bytes[1]&upperBytes[1] != 0 && v.bytes[1]&lowerBytes[1] != 0 &&
		base64Gadget(v.text) {
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

// gadgetTails are deserialization gadget and engine names as a base64 fragment decodes them:
// cut out of a longer base64 text, the fragment starts inside an encoded group, so decoding it
// at the right alignment loses the name's first one or two letters ("untime", "ocessbuilder").
// Names of ten letters or more lose two here, shorter ones one.
var gadgetTails = func() *keywordSet {
	var tails []string
	for _, n := range []string{
		"runtime", "getruntime", "processbuilder", "classloader", "objectinputstream", "xmldecoder",
		"scriptengine", "clonetransformer", "chainedtransformer", "constanttransformer",
		"invokertransformer", "instantiatetransformer", "instantiatefactory", "forclosure",
		"whileclosure", "prototypeclonefactory", "prototypeserializationfactory", "transformedmap",
		"templatesimpl", "jdbcrowsetimpl", "ognlcontext", "memberaccess",
	} {
		if len(n) >= 10 {
			tails = append(tails, n[2:])
		} else {
			tails = append(tails, n[1:])
		}
	}
	return newKeywordSet(tails...)
}()

// maxBase64Gadget bounds the values base64Gadget decodes (a gadget chain name is short; a
// long base64 value is an upload or a token, decoded by the inspection's decodeNested).
const maxBase64Gadget = 512

// base64Gadget reports a value of base64 characters (either alphabet) that decodes, at one of
// its four alignments, to text holding a gadgetTails name (CRS 944300: "cnVudGltZQ" is
// "runtime", "BydW50aW1l" holds "untime"). Each alignment is decoded once into a buffer on the
// stack.
func base64Gadget(s string) bool {
	if len(s) > maxBase64Gadget {
		return false
	}
	enc := base64.RawStdEncoding
	if strings.ContainsAny(s, "-_") {
		enc = base64.RawURLEncoding
	}
	s = strings.TrimRight(s, "=")
	var src, buf [maxBase64Gadget]byte
	for shift := 0; shift < 4 && shift < len(s); shift++ {
		frag := src[:copy(src[:], s[shift:])]
		if len(frag)%4 == 1 {
			frag = frag[:len(frag)-1]
		}
		n, err := enc.Decode(buf[:], frag)
		if err != nil {
			continue
		}
		dec := buf[:n]
		for i, c := range dec {
			if c >= 'A' && c <= 'Z' {
				dec[i] = c + 'a' - 'A'
			}
		}
		if gadgetTails.in(string(dec)) {
			return true
		}
	}
	return false
}
