package sanitize

import "strings"

// Command injection outside commandFields (where any metacharacter is a finding) must be
// precise: prose is full of ';', '&' and '|' ("Tom & Jerry; cats | dogs"), and of words that are
// also commands ("cat", "sleep", "more"). A value is cmd_injection when, after undoing shell
// quoting tricks (c'a't, c\at, c$@at, $IFS, ${x}), a command position holds a command:
//
//   - command positions are the start of the value and what follows a separator or substitution:
//     ";", "|", "&", a newline, "$(", "`", "<(", ">(", "{a,b}" brace expansion, and the
//     command after a wrapper ("time", "nohup", "sudo", "env"…);
//   - unambiguous commands (whoami, ifconfig, wget, powershell…) fire after any separator;
//     commands that are also everyday words (cat, sleep, more, type, python…) need a shell-like
//     argument (an option "-la", an absolute or home path, a variable, a redirection or pipe, a
//     number for sleep and ping, a host for network tools), or must end the value right after a
//     pipe or a separator glued to them (";id", "x | id"; not "passport & ID");
//   - at the start of the value, unambiguous commands need such an argument or an option
//     anywhere in the command ("ls -la", "ansible all -m ping"), except a few that mean nothing
//     else ("whoami", "ifconfig"); everyday-word commands need a path, variable, redirection or
//     pipe ("cat /etc/x", "echo $PATH"; not "python -m venv tutorial", "sleep 8 hours");
//   - a binary path ("/bin/sh", "/usr/bin/perl", "bin/visudo"), a globbed path ("/???/c?t",
//     "/bi[n]/bash") and fixed markers (cmd.exe /c, powershell -enc, Invoke-WebRequest,
//     /dev/tcp/, 2>&1) fire anywhere; so do Windows batch "for /f … in (…) do" and
//     "if exist|not|defined|errorlevel", and a shellshock function definition "() {" opening
//     the value.
//
// Shell commands pasted in free text ("run `ls -la`") are findings too, as for ModSecurity's
// CRS: allow-list cmd_injection at fields that discuss shell (docs/sanitize.md).

// strongCommands are commands that are not everyday words.
var strongCommands = setOf(
	"whoami", "uname", "ifconfig", "ipconfig", "netstat", "nslookup", "wget", "ncat", "netcat",
	"socat", "powershell", "pwsh", "systeminfo", "tasklist", "taskkill", "certutil", "bitsadmin",
	"wmic", "mshta", "rundll32", "regsvr32", "cscript", "wscript", "chmod", "chown", "chgrp",
	"xargs", "xxd", "hexdump", "busybox", "crontab", "systemctl", "useradd", "usermod", "userdel",
	"adduser", "printenv", "nohup", "gunzip", "zcat", "zstdcat", "unxz", "lsof", "killall",
	"pkill", "traceroute", "tracert", "jrunscript", "jjs", "ls", "grep", "egrep", "fgrep", "awk",
	"gawk", "nawk", "sed", "tac", "sh", "ksh", "zsh", "csh", "tcsh", "getent", "mkfifo", "visudo",
	"chattr", "setfacl", "iptables", "tcpdump", "strace", "ltrace", "lwp-download", "lwp-request",
	"aria2c", "cmd", "dir", "ipconfig.exe", "cmd.exe", "powershell.exe", "net.exe", "nc.exe",
	"base64", "openssl", "sudo", "passwd", "ansible", "ansible-playbook", "ansible-vault",
	"ansible-galaxy", "ansible-console", "ansible-doc", "ansible-config", "ansible-inventory",
	"ansible-pull", "chef-shell", "chef-client", "chef-vault", "chef-run", "cscli", "msfconsole",
	"msfvenom", "pwd", "uptime", "lsblk", "lspci", "dmesg", "sysctl", "iwr", "iex", "iwmi",
	"findstr", "icacls", "schtasks", "reg.exe", "pip3", "readlink", "realpath", "xterm",
	"nproc", "arp", "shred", "mktemp", "regedit", "bcdedit", "bcdboot", "diskpart", "vssadmin",
	"wevtutil", "takeown", "fsutil", "ntdsutil", "dsquery", "nltest", "klist", "cmdkey", "runas",
	"auditpol", "gpresult", "qwinsta", "quser", "aptitude", "apt-get", "cpulimit", "ssh-copy-id",
)

// weakCommands are commands that are also words of prose or of lists ("cat", "sleep", "more",
// "PHP; Python"): they need a shell-like argument.
var weakCommands = setOf(
	"cat", "echo", "sleep", "ping", "more", "less", "head", "tail", "sort", "find", "type", "set",
	"start", "kill", "touch", "date", "time", "who", "last", "call", "copy", "move", "del", "net",
	"file", "which", "top", "free", "du", "df", "cd", "su", "at", "w", "host", "dig", "mount",
	"make", "node", "java", "php", "python", "python2", "python3", "perl", "ruby", "lua", "bash",
	"dash", "curl", "nc", "id", "ps", "rm", "cp", "mv", "ln", "wc", "dd", "tar", "zip", "unzip",
	"gzip", "bzip2", "xz", "vi", "vim", "nano", "ed", "ex", "emacs", "tee", "cut", "tr", "rev",
	"od", "nl", "env", "export", "eval", "exec", "source", "alias", "history", "exit",
	"shutdown", "reboot", "halt", "printf", "pip", "npm", "apt", "apt-get", "yum", "dnf", "rpm",
	"dpkg", "git", "svn", "gcc", "cc", "ssh", "scp", "ftp", "tftp", "telnet", "whois", "finger",
	"base32", "diff", "cmp", "comm", "fold", "paste", "script", "screen", "tmux", "watch",
	"xcopy", "robocopy", "ren", "rename", "erase", "rd", "md", "mkdir", "rmdir", "cls", "attrib",
	"netsh", "reg", "sc", "ver", "vol", "tree", "where", "timeout", "trap", "chroot", "nice",
	"fetch", "lynx", "links", "perf", "flock", "ssh-keygen", "systemd-run", "useradd", "tftp",
	"gdb", "nmap", "expr", "test", "read", "wait", "jobs", "bg", "fg", "umask", "ulimit", "bc",
)

// commandWrappers run the command that follows them.
var commandWrappers = setOf(
	"time", "nohup", "strace", "ltrace", "sudo", "doas", "env", "exec", "nice", "timeout",
	"xargs", "command", "builtin", "busybox", "stdbuf", "unbuffer", "chroot", "watch", "cpulimit",
	"flock", "systemd-run", "then", "do", "else",
)

// networkCommands take a host or URL argument.
var networkCommands = setOf(
	"curl", "wget", "nc", "ncat", "netcat", "ftp", "tftp", "telnet", "ssh", "scp", "ping",
	"nslookup", "dig", "host", "whois", "fetch", "lynx", "links", "lwp-download", "socat",
)

// numberCommands take a number argument.
var numberCommands = setOf("sleep", "ping", "timeout", "kill", "usleep", "exit", "sleep.exe")

// aloneCommands fire at the start of a value even without an argument.
var aloneCommands = setOf(
	"whoami", "ifconfig", "ipconfig", "systeminfo", "uname", "netstat", "printenv", "tasklist",
	"visudo", "crontab", "msfconsole", "msfvenom", "cscli", "getent", "useradd", "adduser",
	"userdel", "usermod", "lsblk", "lspci", "dmesg", "nproc",
)

// cmdMarkers fire anywhere in the unquoted value.
var cmdMarkers = newKeywordSet(
	"/dev/tcp/", "/dev/udp/", ">/dev/null", "2>&1", "0>&1", ">&/dev/", "cmd.exe", "cmd /c",
	"cmd /k", "cmd/c", "powershell -", "powershell.exe", "pwsh -", "invoke-expression",
	"invoke-webrequest", "invoke-restmethod", "invoke-command", "invoke-wmimethod",
	"invoke-shellcode", "invoke-mimikatz", "start-process", "net.webclient", "downloadstring(",
	"downloadfile(", "frombase64string(", "-encodedcommand", "-executionpolicy", "-windowstyle hidden",
	"iex(", "mkfifo /", "/bin/sh", "/bin/bash", "/bin/zsh", "/bin/dash", "/bin/ksh", "bash -i",
	"sh -i", "bash -c", "sh -c", "%comspec%", "$((", "|sh", "| sh", "|bash",
	"| bash", "/etc/passwd", "/etc/shadow", "rm -rf ", "rm -fr ",
)

// isCmdInjection reports a shell command in a folded value (see above); b holds the value's
// bytes (case aside), which say without a scan which of the special shapes can be there.
func isCmdInjection(folded string, b *byteSet) bool {
	if b.has('(') && strings.HasPrefix(strings.TrimLeft(folded, " \t\r\n"), "() {") {
		return true // shellshock
	}
	if b.has('~') && dirStackExpansion(strings.TrimSpace(folded)) {
		return true
	}
	if b.has('$') && strings.Contains(folded, "${") && isParameterExpansion(folded) {
		return true
	}
	if b.hasAny("$'\"\\`<>") && obfuscatedCommand(folded) {
		return true
	}
	if b.has('{') && forkBomb(folded) {
		return true
	}
	if b.has('$') && strings.Contains(folded, "$[") && shellArithmetic(folded) || b.has('<') && strings.Contains(folded, "<<<") && hereString(folded) {
		return true
	}
	s := unquoteShell(folded)
	if hasMarker(s) {
		return true
	}
	return commandAtPosition(s, 0, posStart)
}

// dirStackExpansion reports a value that is a shell tilde expansion of the directory stack or
// the previous directory and nothing else: "~+", "~-", "~+2", "~-1" (the shell expands it to a
// path the application never meant to take).
func dirStackExpansion(v string) bool {
	if len(v) < 2 || v[0] != '~' || v[1] != '+' && v[1] != '-' {
		return false
	}
	return strings.Trim(v[2:], "0123456789") == ""
}

// wordSplitters are what shell payloads put inside a command's name to hide it from filters,
// which the shell drops: special parameters ("c$@url", "una$$me"), empty quotes and
// substitutions ("w”hoami", "p“ing"), process substitutions ("pi<()ng"), backslashes
// ("c\\at").
var wordSplitters = []string{"$@", "$*", "$$", "''", `""`, "``", "<()", ">()", "\\"}

// oneSidedSplitters are the wordSplitters that hide a name glued to one of its ends too (an empty
// backquote substitution after "ping", "$@whoami"); quotes and backslashes there are prose or
// escapes.
var oneSidedSplitters = setOf("``", "$@", "$*", "<()", ">()")

// obfuscatedCommand reports a command name with a wordSplitters entry between two of its
// letters, or a oneSidedSplitters entry glued to its start or end, anywhere in the value: no one
// writes a name so but to hide it, so the command's position and arguments do not matter. A
// name between two of the same (markdown's double-backquoted code) is not hidden.
func obfuscatedCommand(s string) bool {
	for _, m := range wordSplitters {
		if someIndex(s, m, func(i int) bool {
			before, after := isLetter(at(s, i-1)), isLetter(at(s, i+len(m)))
			if !before && !after || (!before || !after) && !oneSidedSplitters[m] {
				return false
			}
			start, end := i, i+len(m)
			for start > 0 && i-start < 32 && (isLetter(s[start-1]) || isSplitterByte(s[start-1])) {
				start--
			}
			for end < len(s) && end-i < 32 && (isIdent(s[end]) || isSplitterByte(s[end]) || s[end] == '-') {
				end++
			}
			if (!before || !after) && strings.HasPrefix(s[start:end], m) && strings.HasSuffix(s[start:end], m) {
				return false
			}
			w := unquoteShell(s[start:end])
			w = strings.NewReplacer("$$", "", "<()", "", ">()", "", "$@", "", "$*", "", "\\", "").Replace(w)
			return len(w) >= 2 && (strongCommands[w] || weakCommands[w])
		}) {
			return true
		}
	}
	return false
}

// isSplitterByte reports a byte of a wordSplitters entry.
func isSplitterByte(c byte) bool { return strings.IndexByte("$@*'\"`<>()\\", c) >= 0 }

// shellArithmetic reports bash's old arithmetic expansion "$[<digits><operator><digits>]"
// ("$[2+2]"); JSONPath's "$[0]" and "$[-1]" have no operator between numbers.
func shellArithmetic(s string) bool {
	return someIndex(s, "$[", func(i int) bool {
		j := i + 2
		k := j
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k == j || k >= len(s) || strings.IndexByte("+-*/%", s[k]) < 0 {
			return false
		}
		m := k + 1
		for m < len(s) && s[m] >= '0' && s[m] <= '9' {
			m++
		}
		return m > k+1 && at(s, m) == ']'
	})
}

// hereString reports a here-string glued to a word ("gcc<<<'int main(){}'", "cat<<<$x"):
// arrows in prose ("<<< back") stand alone.
func hereString(s string) bool {
	return someIndex(s, "<<<", func(i int) bool { return isIdent(at(s, i-1)) && at(s, i+3) != '<' })
}

// forkBomb reports a shell function that calls itself twice, piped or in the background, in
// its own body (":(){ :|:& };:", "f(){ f|f& };f", "f() { f() & f(); }"): white space and "()"
// dropped, "<name>{<name>|<name>" or "<name>{<name>&<name>".
func forkBomb(s string) bool {
	if !strings.Contains(s, "()") {
		return false
	}
	t := strings.NewReplacer(" ", "", "\t", "", "()", "").Replace(s)
	return someIndex(t, "{", func(i int) bool {
		start := i
		for start > 0 && i-start < 32 && (isIdent(t[start-1]) || t[start-1] == ':' || t[start-1] == '.') {
			start--
		}
		name := t[start:i]
		if name == "" {
			return false
		}
		body := t[i+1:]
		return strings.HasPrefix(body, name+"|"+name) || strings.HasPrefix(body, name+"&"+name)
	})
}

// hasMarker reports a cmdMarkers entry that ends at a word boundary ("| sh" but not "| shoes").
func hasMarker(s string) bool {
	return cmdMarkers.some(s, func(i int, p string) bool { return !isIdent(p[len(p)-1]) || !isIdent(at(s, i+len(p))) })
}

// position kinds: how a command position was reached.
const (
	posStart = iota // the start of the value
	posLoose        // a separator followed by a space or a line break ("dogs; cat", "x; id")
	posTight        // a separator glued to what follows it (";id", "x|ps", "a&&id")
	posPipe         // a pipe: "| id", "x|ps"
	posSubst        // a substitution: "$(", "`", "<(", ">("
)

// commandAtPosition scans s from i for command positions and reports a command at one of them.
// Each position is looked at once, so the scan is linear in s.
func commandAtPosition(s string, i, kind int) bool {
	for {
		if isCommandAt(s, i, kind, 0) {
			return true
		}
		j, k := nextSeparator(s, i)
		if j < 0 {
			return false
		}
		i, kind = j, k
	}
}

// nextSeparator finds the next command position after i: the index just after a separator, and
// its kind; -1 when there is none.
func nextSeparator(s string, i int) (int, int) {
	for j := i; j < len(s); j++ {
		switch c := s[j]; c {
		case ';', '|', '&', '\n', '\r', '{':
			n := j + 1
			for n < len(s) && (s[n] == c || s[n] == '&' || s[n] == '|') {
				n++
			}
			kind := posTight
			switch {
			case c == '|' && n == j+1:
				kind = posPipe
			case c == '\n' || c == '\r' || n < len(s) && (s[n] == ' ' || s[n] == '\t'):
				kind = posLoose
			}
			return n, kind
		case '`':
			return j + 1, posSubst
		case '(':
			if j > 0 && (s[j-1] == '$' || s[j-1] == '<' || s[j-1] == '>') {
				return j + 1, posSubst
			}
		}
	}
	return -1, 0
}

// isCommandAt reports a command at position i of s reached as kind. depth counts the wrappers
// before it ("time nohup sudo x"), at most 3, each looking only at the next word.
func isCommandAt(s string, i, kind, depth int) bool {
	for n := 0; n < 8 && i < len(s) && commandLead.has(s[i]); n++ {
		i++
	}
	w, next := shellWord(s, i)
	// Variable assignments before a command: "a=b cmd", "d=/dev&&…".
	for n := 0; n < 3 && strings.IndexByte(w, '=') > 0 && strings.HasPrefix(next, " "); n++ {
		i += len(w) + 1
		w, next = shellWord(s, i)
	}
	if w == "" || len(w) > 64 {
		return false
	}
	rest := strings.TrimLeft(next, " \t")
	if next != "" && (next[0] == '=' || next[0] == '(' || next[0] == ':') {
		return false // an assignment, a function call, a label: not a command
	}
	if strings.Contains(w, "bin/") && isBinaryPath(w) || w[0] == '/' && isGlobPath(w) {
		return true
	}
	if w == "for" && batchFor(rest) || w == "if" && batchIf(rest) {
		return true
	}
	if kind != posStart && strings.ContainsAny(w, "?*[") && globCommand(w) {
		return true
	}
	// firstWords holds every command and wrapper, with what it is, and rejects most other words
	// without hashing.
	k := firstWords.kind(w)
	strong, weak, wrapper := k&strongCommand != 0, k&weakCommand != 0, k&commandWrapper != 0
	if !strong && !weak && !wrapper {
		// Any word glued to a separator and followed by an option: ";rmt --version", "|foo -x".
		return kind == posTight && isWord(w) && strings.HasPrefix(rest, "-") && len(rest) > 1 && (isLetter(rest[1]) || rest[1] == '-')
	}
	if wrapper && depth < 3 && rest != "" && isCommandAt(s, len(s)-len(rest), max(kind, posLoose), depth+1) {
		return true
	}
	shellArg := shellLikeArgument(w, rest)
	switch {
	case strong:
		if kind != posStart || shellArg || hasOption(rest) || strings.IndexByte(w, '-') > 0 {
			return true // "ansible-config dump", "chef-shell": a hyphenated tool name is no word
		}
		return aloneCommands[w] && (rest == "" || strings.IndexByte(";|&`\n\r", rest[0]) >= 0)
	case weak:
		if kind == posSubst || shellArg && (kind != posStart || pathLikeArgument(rest)) {
			return true
		}
		if w == "net" && netSubcommand(rest) || w == "alias" && isAssignment(skipOptions(rest)) {
			return true
		}
		return (kind == posTight || kind == posPipe) && (rest == "" || strings.IndexByte(";|&`)\n\r", rest[0]) >= 0)
	}
	return false
}

// isWord reports a word of letters, digits and '-' starting with a letter.
func isWord(w string) bool {
	if w == "" || !isLetter(w[0]) {
		return false
	}
	for i := 0; i < len(w); i++ {
		if !isIdent(w[i]) && w[i] != '-' {
			return false
		}
	}
	return true
}

// hasOption reports an option ("-m", "--list") among the words of the simple command that
// starts rest (up to a separator).
func hasOption(rest string) bool {
	if i := strings.IndexAny(rest, ";|&`\n\r"); i >= 0 {
		rest = rest[:i]
	}
	return someIndex(rest, " -", func(i int) bool {
		c := at(rest, i+2)
		return isLetter(c) || c == '-' && isLetter(at(rest, i+3))
	})
}

// skipOptions drops the options ("-p", "+m") before the first operand of a command's rest.
func skipOptions(rest string) string {
	for n := 0; n < 4 && rest != "" && (rest[0] == '-' || rest[0] == '+'); n++ {
		w, next := shellWord(rest, 0)
		if w == "" {
			break
		}
		rest = strings.TrimLeft(next, " \t")
	}
	return rest
}

// isAssignment reports "name=" at the start of s.
func isAssignment(s string) bool {
	w, _ := shellWord(s, 0)
	eq := strings.IndexByte(w, '=')
	return eq > 0 && eq < len(w)
}

// shellWord reads a command word at i: up to a space, separator, redirection, parenthesis,
// brace or comma. It returns the word and what follows it.
func shellWord(s string, i int) (string, string) {
	j := i
	for j < len(s) && !shellWordEnds.has(s[j]) {
		j++
	}
	return s[i:j], s[j:]
}

// shellWordEnds are the bytes that end a shellWord: a set rather than a strings.IndexByte per
// byte, which in wasm is a call per byte of every value the command detector reads.
var shellWordEnds = bytesOf(" \t\r\n;|&`()<>,{}'\"")

// shellLikeArgument reports an argument that only a shell command takes: an option ("-la",
// "--version", "/c" after a Windows command), a path (absolute, home, relative, Windows drive),
// a variable, a redirection or pipe, a number (sleep, ping), a host (network commands).
func shellLikeArgument(cmd, rest string) bool {
	if rest == "" {
		return false
	}
	arg, _ := shellWord(rest, 0)
	switch c := rest[0]; {
	case c == '-':
		return len(rest) > 1 && (isLetter(rest[1]) || rest[1] == '-')
	case c == '/':
		// "cd /" alone; otherwise a path ("/etc", "/???/", "/[e]tc") or a Windows switch ("/c").
		return cmd == "cd" && (len(rest) == 1 || strings.IndexByte(" ;|&\n", rest[1]) >= 0) || len(rest) > 1 && (isIdent(rest[1]) || rest[1] == '?' || rest[1] == '*' || rest[1] == '[')
	case c == '~' || c == '$' || c == '%' || c == '>' || c == '<' || c == '|' || c == '`' || c == '\\':
		return true
	case c == '.':
		return strings.HasPrefix(rest, "./") || strings.HasPrefix(rest, "../")
	case isLetter(c) && len(rest) > 2 && rest[1] == ':' && (rest[2] == '\\' || rest[2] == '/'):
		return true
	case c >= '0' && c <= '9' && numberCommands[cmd]:
		// "sleep 5", "sleep 5 #", "sleep 5;id"; not "sleep 8 hours".
		tail := strings.TrimLeft(rest[len(arg):], " \t")
		return isNumber(strings.TrimRight(arg, "smhd")) && (tail == "" || strings.IndexByte(";|&`#\n\r)", tail[0]) >= 0)
	}
	return networkCommands[cmd] && strings.ContainsAny(arg, ".:") && !strings.HasSuffix(arg, ".")
}

// pathLikeArgument reports an argument that is a path, a variable, a redirection or a pipe: what a
// weak command opening the value needs ("cat /etc/x", "echo $PATH", "echo x | sh"; not
// "python -m venv tutorial", "sleep 8", which are searches as much as commands).
func pathLikeArgument(rest string) bool {
	if rest == "" || rest[0] == '-' || rest[0] >= '0' && rest[0] <= '9' {
		return false
	}
	return strings.IndexByte("/~$%><|`\\.", rest[0]) >= 0 || len(rest) > 2 && rest[1] == ':'
}

// netSubcommand reports the Windows "net" subcommands used for reconnaissance.
func netSubcommand(rest string) bool {
	w, _ := shellWord(rest, 0)
	switch w {
	case "user", "users", "localgroup", "group", "view", "share", "use", "accounts", "session", "start", "stop":
		return true
	}
	return false
}

// binDirs are the directories of executables.
var binDirs = []string{"/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/", "/usr/local/bin/", "/usr/local/sbin/"}

// isBinaryPath reports a path to an executable: "/bin/sh", "/usr/bin/python3", "bin/visudo".
func isBinaryPath(w string) bool {
	if strings.Contains(w, "://") {
		return false
	}
	for _, d := range binDirs {
		if i := strings.Index(w, d); i >= 0 && len(w) > i+len(d) && isIdent(w[i+len(d)]) {
			return true
		}
	}
	if rest, ok := strings.CutPrefix(w, "bin/"); ok && rest != "" {
		base, _, _ := strings.Cut(rest, "/")
		return strongCommands[base] || weakCommands[base]
	}
	return false
}

// globDirs are directory names a globbed command path walks through.
var globDirs = []string{"bin", "sbin", "usr", "etc", "local", "dev", "tmp", "proc", "var", "lib", "home", "root"}

// isGlobPath reports an absolute path with shell wildcards whose every directory matches a
// system directory and whose name matches a command or a system file: "/???/c?t",
// "/usr/[a-z]in/bash", "/?tc/pa??wd". Brackets count as one wildcard character.
func isGlobPath(w string) bool {
	if len(w) < 3 || w[0] != '/' || !strings.ContainsAny(w, "?*[") {
		return false
	}
	w = collapseBrackets(w)
	segs := strings.Split(w[1:], "/")
	if len(segs) == 1 {
		// "/?tc", "/b?n": one globbed system directory with a letter of its name.
		return strings.Trim(segs[0], "?*") != "" && globDir(segs[0])
	}
	for _, seg := range segs[:len(segs)-1] {
		if !globDir(seg) {
			return false
		}
	}
	base := segs[len(segs)-1]
	if globCommand(base) || strongCommands[base] || weakCommands[base] {
		return true
	}
	for _, f := range []string{"passwd", "shadow", "hosts", "group"} {
		if globMatch(base, f) {
			return true
		}
	}
	return false
}

// globDir reports a path segment that matches a system directory name.
func globDir(seg string) bool {
	for _, d := range globDirs {
		if globMatch(seg, d) {
			return true
		}
	}
	return false
}

// collapseBrackets replaces each bracket expression "[…]" (at most 16 bytes) with '?'.
func collapseBrackets(w string) string {
	if strings.IndexByte(w, '[') < 0 {
		return w
	}
	var b strings.Builder
	for i := 0; i < len(w); i++ {
		if w[i] == '[' {
			if j := strings.IndexByte(w[i+1:], ']'); j >= 0 && j <= 16 {
				b.WriteByte('?')
				i += j + 1
				continue
			}
		}
		b.WriteByte(w[i])
	}
	return b.String()
}

// globCommand reports a word with wildcards that matches a command of either list and is not
// only wildcards ("c?t", "/bi?/ca?", "wh*mi"; not "???").
func globCommand(w string) bool {
	w = collapseBrackets(w)
	if strings.Trim(w, "?*") == "" || len(w) > 32 {
		return false
	}
	if i := strings.LastIndexByte(w, '/'); i >= 0 {
		w = w[i+1:]
	}
	if !strings.ContainsAny(w, "?*") {
		return false
	}
	if strings.IndexByte(w, '*') < 0 {
		// Only '?': a command of the same length.
		for _, c := range commandsByLen[min(len(w), len(commandsByLen)-1)] {
			if globMatch(w, c) {
				return true
			}
		}
		return false
	}
	for _, c := range allCommands {
		if globMatch(w, c) {
			return true
		}
	}
	return false
}

// allCommands are the commands of both lists of at least two letters, and commandsByLen the same
// by length: what a globbed word is matched against (built once at init).
var allCommands, commandsByLen = func() ([]string, [33][]string) {
	var all []string
	var byLen [33][]string
	for _, list := range []map[string]bool{strongCommands, weakCommands} {
		for c := range list {
			if len(c) >= 2 && len(c) < len(byLen) {
				all = append(all, c)
				byLen[len(c)] = append(byLen[len(c)], c)
			}
		}
	}
	return all, byLen
}()

// globMatch reports whether pattern ('?' one byte, '*' any run) matches name. Patterns and names
// are short (bounded by the callers), so the backtracking is bounded too.
func globMatch(pattern, name string) bool {
	px, nx := 0, 0
	starP, starN := -1, 0
	for nx < len(name) {
		switch {
		case px < len(pattern) && pattern[px] == '*':
			starP, starN = px, nx
			px++
		case px < len(pattern) && (pattern[px] == '?' || pattern[px] == name[nx]):
			px++
			nx++
		case starP >= 0:
			starN++
			px, nx = starP+1, starN
		default:
			return false
		}
	}
	for px < len(pattern) && pattern[px] == '*' {
		px++
	}
	return px == len(pattern)
}

// batchFor reports a Windows batch loop: "for /f … in (…) do", "for %a in (…) do".
func batchFor(rest string) bool {
	if !(strings.HasPrefix(rest, "/") || strings.HasPrefix(rest, "%")) {
		return false
	}
	in := strings.Index(rest, " in")
	if in < 0 {
		return false
	}
	tail := rest[in:]
	return strings.Contains(tail, "(") && strings.Contains(tail, "do")
}

// batchIf reports a Windows batch condition: "if exist", "if not defined", "if errorlevel",
// "if /i", or a comparison of a %variable% ("if "%1"=="" goto").
func batchIf(rest string) bool {
	rest = strings.TrimPrefix(rest, "/i ")
	rest = strings.TrimLeft(rest, " ")
	rest = strings.TrimPrefix(rest, "not ")
	rest = strings.TrimLeft(rest, " ")
	for _, kw := range []string{"exist ", "defined ", "errorlevel ", "cmdextversion "} {
		if strings.HasPrefix(rest, kw) {
			return true
		}
	}
	for _, op := range []string{" equ ", " neq ", " lss ", " leq ", " gtr ", " geq "} {
		if strings.Contains(rest, op) {
			return true
		}
	}
	// "if a==b cmd", "if [%1]==[] goto x": a comparison then a command word, no code around it
	// ("if a == b:", "if (a == b) {").
	i := strings.Index(rest, "==")
	if i < 0 {
		return false
	}
	if batchVariable(rest) {
		return true // "if "%~1" == "%~2" (exit /b 0)", "if not {%1} == {}"
	}
	if strings.ContainsAny(rest, "{}:;") || strings.HasPrefix(rest, "(") {
		return false
	}
	right := strings.TrimLeft(rest[i+2:], " ")
	operand, after := shellWord(right, 0)
	if strings.HasPrefix(right, "\"") || strings.HasPrefix(right, "'") {
		if end := strings.IndexByte(right[1:], right[0]); end >= 0 {
			operand, after = right[:end+2], right[end+2:]
		}
	}
	after = strings.TrimLeft(after, " ")
	return operand != "" && after != "" && isLetter(after[0])
}

// batchVariable reports a batch parameter or variable: '%' followed by a digit, '~' or '*'
// ("%1", "%~dp0"), or "%name%".
func batchVariable(s string) bool {
	return someIndex(s, "%", func(i int) bool {
		c := at(s, i+1)
		if c >= '0' && c <= '9' || c == '~' || c == '*' {
			return true
		}
		j := i + 1
		for j < len(s) && j-i < 32 && isIdent(s[j]) {
			j++
		}
		return j > i+1 && at(s, j) == '%'
	})
}

// unquoteShell undoes the quoting and expansion tricks that split a command word: quotes
// (c'a't, c"a"t), backslashes (c\at), special parameters ($@, $*, $!), unset variables glued to a
// word (c${x}at, sh$u), empty substitutions (“, $()), $IFS as a space, $SHELL as "sh", and
// brace expansion ({cat,/etc/passwd} becomes ";cat /etc/passwd"). Values without any of these
// bytes are returned as they are.
func unquoteShell(s string) string {
	if !strings.ContainsAny(s, "'\"\\$`{") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\'', '"':
			continue
		case '\\':
			if len(b) > 0 && isIdent(b[len(b)-1]) || isIdent(at(s, i+1)) && (len(b) == 0 || b[len(b)-1] == ' ') {
				continue
			}
		case '`':
			if at(s, i+1) == '`' {
				i++
				continue
			}
		case '{':
			if j := strings.IndexByte(s[i+1:min(len(s), i+257)], '}'); j > 0 {
				inner := s[i+1 : i+1+j]
				if strings.IndexByte(inner, ',') >= 0 && !strings.ContainsAny(inner, " {") {
					b = append(b, ';')
					b = append(b, unquoteShell(strings.ReplaceAll(inner, ",", " "))...)
					b = append(b, ';')
					i += j + 1
					continue
				}
			}
		case '$':
			n, repl := shellExpansion(s[i:], len(b) > 0 && isIdent(b[len(b)-1]))
			if n > 0 {
				b = append(b, repl...)
				i += n - 1
				continue
			}
		}
		b = append(b, c)
	}
	return string(b)
}

// shellVariables are environment variables a shell payload expands ("${PATH#…}", "${HOME:0:1}").
var shellVariables = setOf("path", "home", "shell", "pwd", "oldpwd", "user", "ifs", "hostname", "ps1", "random", "ps4")

// isParameterExpansion reports "${" + a shell variable + a parameter expansion operator in s:
// "${PATH#*/}", "${HOME:0:1}", "${PWD//x/y}". JavaScript template literals ("${path}") have
// no such operator after the name.
func isParameterExpansion(s string) bool {
	return someIndex(s, "${", func(i int) bool {
		j := i + 2
		for j < len(s) && j-i < 20 && isIdent(s[j]) {
			j++
		}
		return shellVariables[s[i+2:j]] && j < len(s) && strings.IndexByte("#%/:^,", s[j]) >= 0
	})
}

// shellExpansion reads the expansion at the start of s ('$' first) and returns its length and
// what it stands for in unquoteShell, or 0 to keep it. glued says a word character precedes it.
func shellExpansion(s string, glued bool) (int, string) {
	switch c := at(s, 1); {
	case c == '@' || c == '*' || c == '!':
		return 2, ""
	case c == '\'' || c == '"':
		return 1, "" // ANSI-C and locale quoting, $'…' and $"…": a quote like the others
	case c == '(' && at(s, 2) == ')':
		return 3, ""
	case c == '{':
		j := strings.IndexByte(s[:min(len(s), 41)], '}')
		if j < 0 {
			return 0, ""
		}
		if v := expansionValue(s[2:j], glued); v != "$" {
			return j + 1, v
		}
	case isIdent(c):
		j := 1
		for j < len(s) && isIdent(s[j]) && j < 40 {
			j++
		}
		name := s[1:j]
		if v := expansionValue(name, glued); v != "$" {
			return j, v
		}
	}
	return 0, ""
}

// expansionValue is what a variable stands for: a space for IFS, "sh" for SHELL and BASH, ""
// for another variable glued to a word (c${x}at), else "$" (keep the expansion as written).
func expansionValue(name string, glued bool) string {
	switch {
	case strings.HasPrefix(name, "ifs"):
		return " "
	case name == "shell" || name == "bash":
		return "sh"
	case glued || name != "" && name[0] >= '0' && name[0] <= '9':
		return ""
	}
	return "$"
}
