package sanitize

import "strings"

// bareCR reports a CR not followed by an LF: HTML forms send every line break as CR LF (the
// HTML standard's form serialization normalizes them), and some HTTP stacks end a header line at
// a bare CR, so a query or form value holding one was made to split a header ("test\rnext=more").
func bareCR(s string) bool {
	return someIndex(s, "\r", func(i int) bool { return at(s, i+1) != '\n' })
}

// crlfLocation reports locations whose values a backend may copy into a response or upstream
// request header (redirect targets, cookie values, file names): query, form, JSON and XML values,
// cookies, the path and inspected headers (which cannot hold a raw CR or LF, header_crlf, but
// may hold an encoded one: "Referer: …?q=%0D%0ASet-Cookie:…").
func crlfLocation(loc string) bool {
	for _, p := range []string{"query.", "form.", "json", "xml.", "cookie.", "path", "header."} {
		if strings.HasPrefix(loc, p) {
			return true
		}
	}
	return false
}

// isCRLFAt reports header injection in a value at loc: isCRLF at the locations of crlfLocation,
// any CR or LF in the path (no file name holds one), and a bare CR in a query or form value
// (bareCR, CRS 921151).
func isCRLFAt(folded, loc string) bool {
	if loc == "body" {
		return smuggledRequest(folded) // a raw text body: lines are its own, not header injection
	}
	if !crlfLocation(loc) {
		return false
	}
	if strings.HasPrefix(loc, "path") && strings.ContainsAny(folded, "\r\n") {
		return true
	}
	if (strings.HasPrefix(loc, "query.") || strings.HasPrefix(loc, "form.")) && bareCR(folded) {
		return true
	}
	if strings.HasPrefix(loc, "header.") && strings.ContainsAny(folded, "\r\n") && anyHeaderLine(folded) {
		return true // a header value holds no line of its own: any "Name:" after a break is injected
	}
	return isCRLF(folded)
}

// injectableHeaders are header names whose line after a CR or LF is header injection (response
// splitting, request header smuggling). Names that open ordinary lines of prose in a multi-line
// field ("Date:", "Host:", "Origin:", "Server:", "Accept:") are left out; "x-" headers are all in.
var injectableHeaders = setOf(
	"set-cookie", "set-cookie2", "location", "refresh", "content-type", "content-length",
	"content-disposition", "content-encoding", "transfer-encoding", "content-security-policy",
	"strict-transport-security", "cache-control", "www-authenticate", "access-control-allow-origin",
	"access-control-allow-credentials", "access-control-allow-headers", "access-control-allow-methods",
	"cookie", "authorization", "proxy-authorization", "user-agent", "referer", "upgrade",
	"content-location", "link", "keep-alive", "if-modified-since", "remote-addr", "remote-host",
	"client-ip", "true-client-ip", "forwarded",
)

// urlHeaders must be followed by something URL-like to count ("Location: http…", "Refresh: 0;
// url=…"): "Location: Dublin" is a line of an address.
var urlHeaders = setOf("location", "content-location", "refresh", "link")

// httpMethods open a request line.
var httpMethods = []string{"get ", "post ", "head ", "put ", "delete ", "options ", "connect ", "trace ", "patch "}

// unicodeLineBreaks are read as CR and LF: U+560D and U+560A, whose low bytes some HTTP stacks
// (Node.js before 8.x) wrote as CR and LF, and the Unicode line and paragraph separators and
// NEL.
var unicodeLineBreaks = strings.NewReplacer("\u560d", "\r", "\u560a", "\n", "\u2028", "\n", "\u2029", "\n", "\u0085", "\n")

// isCRLF reports header injection in a folded value: a CR or LF followed by a header line of an
// injectable header or a status or request line ("HTTP/1.1 200") or by a mail server command
// (mailCommand), a request line inside the value ("GET http://x HTTP/1.1"), or any CR or LF in
// the path.
func isCRLF(folded string) bool {
	if strings.Contains(folded, "\xe5\x98") || strings.Contains(folded, "\u2028") || strings.Contains(folded, "\u0085") {
		folded = unicodeLineBreaks.Replace(folded)
	}
	if smuggledRequest(folded) {
		return true
	}
	for i := strings.IndexAny(folded, "\r\n"); i >= 0; {
		rest := strings.TrimLeft(folded[i:], "\r\n \t")
		if headerLine(rest) || mailCommand(rest) {
			return true
		}
		j := strings.IndexAny(rest, "\r\n")
		if j < 0 {
			return false
		}
		folded = rest
		i = j
	}
	return false
}

// mailCommand reports an SMTP or POP3 command in the protocol's syntax opening s, a line after a
// CR or LF (CRS 932300, 932301, 932320, 932321): what a value copied into a mail server's
// dialogue injects ("\r\nRCPT TO:<a@b.example>", "\r\nRETR 1"). Verbs that are words need the
// whole line to be the command with its exact arguments ("quit", "list 3", "top 1 2", "auth
// plain dGVzdA=="); "Quit smoking", "List of items", "Top 10 tips" are lines of prose, and
// "Data", "Help", "User" and "Pass" lines are left alone.
func mailCommand(s string) bool {
	if strings.HasPrefix(s, "mail from:") || strings.HasPrefix(s, "rcpt to:") {
		_, addr, _ := strings.Cut(s, ":")
		return strings.HasPrefix(strings.TrimLeft(addr, " \t"), "<")
	}
	line := s
	if end := strings.IndexAny(s, "\r\n"); end >= 0 {
		line = s[:end]
	}
	verb, args, _ := strings.Cut(strings.TrimRight(line, " \t"), " ")
	words := strings.Fields(args)
	switch verb {
	case "ehlo", "helo", "vrfy", "expn":
		return len(words) == 1
	case "starttls", "rset", "noop", "capa", "quit", "stat":
		return len(words) == 0
	case "retr", "dele", "list", "uidl":
		return len(words) == 1 && isNumber(words[0])
	case "top":
		return len(words) == 2 && isNumber(words[0]) && isNumber(words[1])
	case "apop":
		return len(words) == 2 && len(words[1]) == 32 && strings.Trim(words[1], "0123456789abcdef") == ""
	case "auth":
		return len(words) == 2 && len(words[0]) <= 20 && strings.HasSuffix(words[1], "=") && isBase64Word(words[1])
	}
	return false
}

// isBase64Word reports s made of base64's alphabet and padding.
func isBase64Word(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isIdent(c) && c != '+' && c != '/' && c != '=' || c == '_' {
			return false
		}
	}
	return s != ""
}

// smuggledRequest reports a request line inside a folded value ("GET http://x HTTP/1.1"): a
// second request for a proxy or backend that reads the value as part of the stream.
func smuggledRequest(folded string) bool {
	if !strings.Contains(folded, " http/") {
		return false
	}
	for _, m := range httpMethods {
		if someIndex(folded, m, func(i int) bool { return (i == 0 || !isIdent(folded[i-1])) && requestLine(folded[i+len(m):]) }) {
			return true
		}
	}
	return false
}

// anyHeaderLine reports a line break followed by "<token>:" (any header name).
func anyHeaderLine(s string) bool {
	for i := strings.IndexAny(s, "\r\n"); i >= 0; {
		rest := strings.TrimLeft(s[i:], "\r\n")
		n := 0
		for n < len(rest) && n < 64 && (isIdent(rest[n]) || rest[n] == '-') {
			n++
		}
		if n > 0 && at(rest, n) == ':' {
			return true
		}
		j := strings.IndexAny(rest, "\r\n")
		if j < 0 {
			return false
		}
		s, i = rest, j
	}
	return false
}

// requestLine reports "<target> http/<digit>" at the start of s.
func requestLine(s string) bool {
	target, rest, ok := strings.Cut(s, " ")
	return ok && target != "" && strings.HasPrefix(rest, "http/") && len(rest) > 5 && rest[5] >= '0' && rest[5] <= '9'
}

// headerLine reports a status line or "<injectable header>:" at the start of s.
func headerLine(s string) bool {
	if strings.HasPrefix(s, "http/1.") || strings.HasPrefix(s, "http/2") {
		return true
	}
	n := 0
	for n < len(s) && n < 64 && (isIdent(s[n]) || s[n] == '-') {
		n++
	}
	if n == 0 {
		return false
	}
	name := s[:n]
	rest := strings.TrimLeft(s[n:], " \t")
	if !strings.HasPrefix(rest, ":") {
		return false
	}
	value := strings.TrimLeft(rest[1:], " \t")
	switch {
	case urlHeaders[name]:
		return strings.HasPrefix(value, "http") || strings.HasPrefix(value, "/") || strings.Contains(value, "url=") || strings.HasPrefix(value, "www.") ||
			strings.HasPrefix(value, "<") || strings.HasPrefix(value, "javascript:")
	case injectableHeaders[name]:
		return true
	}
	return strings.HasPrefix(name, "x-") && len(name) > 3
}
