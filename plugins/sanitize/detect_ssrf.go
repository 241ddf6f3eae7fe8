package sanitize

import "strings"

// ssrfMarkers are cloud metadata endpoints and URL schemes a server-side fetch must never be
// pointed at.
var ssrfMarkers = newKeywordSet(
	"169.254.169.254", "169.254.170.2", "metadata.google.internal", "metadata.packet.net",
	"100.100.100.200", "fd00:ec2::254", "metadata.tencentyun.com", "/computemetadata/v1",
	"/latest/meta-data", "/latest/user-data", "/metadata/instance", "gopher://", "dict://",
	"tftp://", "jar:http", "netdoc://", "ldap://", "file://", "host.docker.internal",
	"gateway.docker.internal", "host.containers.internal", "kubernetes.default.svc", "localtest.me",
)

// isSSRF reports a URL a server-side request forgery or remote file inclusion points at: a
// metadata endpoint or a dangerous scheme anywhere, a URL (or, opening the value, a scheme-less
// host) whose host is a loopback or unspecified name or address, an IP address in decimal, hex
// or octal form, or any IPv4 literal ("http://66.240.183.75/x.php", CRS 931), or a value that is
// a URL ending in '?' ("https://evil.example/shell.txt?").
func isSSRF(folded string) bool {
	if ssrfMarkers.in(folded) {
		return true
	}
	if someIndex(folded, "http", func(i int) bool {
		rest := strings.TrimPrefix(folded[i+4:], "s")
		return strings.HasPrefix(rest, ":") && !isLetter(at(folded, i-1)) && internalHost(strings.TrimLeft(rest[1:], "/\\"))
	}) {
		return true
	}
	if strings.Contains(folded, "://") && otherSchemeInternal(folded) {
		return true
	}
	return internalName(folded) && internalHost(folded) || truncatedURL(folded) || unixSocketURL(folded)
}

// ideographicDots are full stops that URL parsers following IDNA read as '.'
// ("169。254。169。254").
var ideographicDots = strings.NewReplacer("\u3002", ".", "\uff0e", ".", "\uff61", ".")

// otherSchemeInternal reports a URL of any scheme ("ftp://1.1.1.1", "ssh://0177.0.0.1",
// "rtmp://017700000001", "irc://localhost") whose host is internal, or an internal host after
// an '@' of a URL ("http://a.example:80 &@b.example# @127.88.23.245:22/": parsers disagree on
// which '@' ends the user information), ideographic full stops read as dots.
func otherSchemeInternal(s string) bool {
	dotted := strings.ContainsAny(s, "\u3002\uff0e\uff61")
	if dotted {
		s = ideographicDots.Replace(s)
	}
	return someIndex(s, "://", func(i int) bool {
		j := i
		for j > 0 && i-j < 16 && (isLetter(s[j-1]) || s[j-1] >= '0' && s[j-1] <= '9' || s[j-1] == '+' || s[j-1] == '.' || s[j-1] == '-') {
			j--
		}
		scheme := s[j:i]
		// http and https URLs were looked at by isSSRF already, unless dots were replaced.
		return j < i && (dotted || scheme != "http" && scheme != "https") && internalHost(s[i+3:])
	}) || someIndex(s, "@", func(i int) bool { return internalHost(strings.TrimLeft(s[i+1:], " ")) })
}

// rfiParameter reports a query parameter or form field named like the include-path settings of
// PHP applications that remote file inclusion overwrites: a bracketed path, root or directory
// key ("_CONF[path]", "path[docroot]", "config[root_dir]", "_SERVER[DOCUMENT_ROOT]") or a
// base-directory name ("mosConfig_absolute_path", "GALLERY_BASEDIR", "appserv_root").
func rfiParameter(loc string) bool {
	name, ok := strings.CutPrefix(loc, "query.")
	if !ok {
		if name, ok = strings.CutPrefix(loc, "form."); !ok {
			return false
		}
	}
	name = lower(name)
	if strings.HasSuffix(name, "]") && strings.IndexByte(name, '[') > 0 {
		key := name[strings.LastIndexByte(name, '[')+1 : len(name)-1]
		return strings.HasSuffix(key, "path") || strings.HasSuffix(key, "root") || strings.HasSuffix(key, "dir")
	}
	return strings.HasSuffix(name, "_absolute_path") || strings.HasSuffix(name, "basedir") || strings.HasSuffix(name, "_root_dir") ||
		strings.HasSuffix(name, "serv_root")
}

// remoteURL reports a value that opens with a URL of a scheme PHP includes from.
func remoteURL(s string) bool {
	s = strings.TrimSpace(s)
	for _, p := range []string{"http://", "https://", "ftp://", "ftps://"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// unixSocketURL reports Apache mod_proxy's Unix socket syntax, "unix:<path>|<scheme>://…"
// (CVE-2021-40438: a long path makes mod_proxy forward to the URL after the '|').
func unixSocketURL(s string) bool {
	return someIndex(s, "unix:", func(i int) bool {
		bar := strings.IndexByte(s[i:], '|')
		return bar > 0 && strings.Contains(s[i+bar:min(len(s), i+bar+16)], "://")
	})
}

// truncatedURL reports a value that is a URL ending in '?': the trick that turns an application's
// suffix ("page=" + x + ".php") into a query string of the attacker's remote file.
func truncatedURL(s string) bool {
	if !strings.HasSuffix(s, "?") {
		return false
	}
	for _, scheme := range []string{"http?", "https?", "ftp?", "ftps?", "file?"} {
		if strings.HasPrefix(s, scheme) && strings.Trim(s[len(scheme):], "?") == "" {
			return true // "https?", "file??": a probe of the truncation itself
		}
	}
	for _, scheme := range []string{"http://", "https://", "ftp://", "ftps://"} {
		if strings.HasPrefix(s, scheme) && len(s) > len(scheme)+1 && !strings.ContainsAny(s, " \t") {
			return true
		}
	}
	return false
}

// internalName reports a value opening with a scheme-less internal host name: "localhost/",
// "ipv6-localhost:8080", "db.cluster.local/", "metadata.internal".
func internalName(s string) bool {
	end := 0
	for end < len(s) && end < 256 && strings.IndexByte("/?#:", s[end]) < 0 {
		end++
	}
	return strings.Contains(s[:end], "localhost") || strings.HasSuffix(s[:end], ".internal") ||
		strings.HasSuffix(s[:end], ".cluster.local") || strings.HasSuffix(s[:end], ".svc")
}

// internalHost reports a URL authority (what follows the scheme) naming a loopback or
// unspecified host, or an IP literal in any notation.
func internalHost(s string) bool {
	end := 0
	for end < len(s) && end < 256 && strings.IndexByte("/?#\\", s[end]) < 0 {
		end++
	}
	host := s[:end]
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		host = host[at+1:]
	}
	if strings.HasPrefix(host, "[") {
		return true // an IPv6 literal
	}
	if c := strings.LastIndexByte(host, ':'); c >= 0 {
		host = host[:c]
	}
	if strings.HasSuffix(host, ".internal") || strings.HasSuffix(host, ".cluster.local") || strings.HasSuffix(host, ".localhost") {
		return true
	}
	switch host {
	case "localhost", "localhost.localdomain", "localhost4", "localhost6", "ip6-localhost",
		"ipv6-localhost", "localhost4.localdomain4", "localhost6.localdomain6", "0", "0.0.0.0":
		return true
	}
	if host == "" {
		return false
	}
	// Every label numeric (decimal, 0x hex, 0-prefixed octal): an IP literal.
	for _, label := range strings.Split(host, ".") {
		if label == "" || !numericLabel(label) {
			return false
		}
	}
	return true
}

func numericLabel(s string) bool {
	if strings.HasPrefix(s, "0x") {
		s = s[2:]
		for i := 0; i < len(s); i++ {
			if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'a' && s[i] <= 'f') {
				return false
			}
		}
		return s != ""
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
