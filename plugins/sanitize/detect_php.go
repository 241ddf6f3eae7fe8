package sanitize

import "strings"

// PHP code injection (CRS 933): code an application would hand to eval(), include() or
// unserialize(). Everything is matched on the folded value:
//
//   - an opening tag: "<?php", "<?=", "<? echo", "[php]", "[/php]";
//   - a superglobal ("$_GET[", "$_SERVER[", "$GLOBALS[") or a stream wrapper ("php://input",
//     "phar://", "expect://", "data://text/plain");
//   - a call of a function only PHP code calls ("shell_exec(", "base64_decode (", "phpinfo()",
//     "call_user_func(", comments and whitespace allowed before the parenthesis); functions
//     named like words ("system", "exec", "include", "file") only with the parenthesis glued and
//     an argument that is code ("system('id')", "include($f)", "exec()");
//   - a dynamic call: a variable, variable variable or indexed variable called
//     ("$_(1)", "$__['o'](5)", "${'a'}(11)", "$f->$m()"), a function name in quotes or
//     parentheses called ("(system)('uname')", "\"system\"(ls)");
//   - a PHP built-in C, Python or SQL share the name of ("printf", "chr", "strlen") on a '$'
//     variable, quoted, parenthesized or with a comment before its parenthesis, and as the whole
//     value on no data ("printf(foo)", "chroot\t()"), a built-in named like a word ("floor",
//     "count") as the whole value on nothing or variables (phpLoneCall);
//   - a value that is nothing but "${name}" (phpLoneVariable), a callee expression or quoted
//     name called as a statement ("{0}(ls);", "'sys'.'tem'(ls);");
//   - a serialized object ("O:8:\"stdClass\":0:{}");
//   - a variable variable, a call of a PHP extension's function ("array_diff(", "pg_connect("),
//     a PHP-only function name as a word, a superglobal as a whole name, a php.ini directive
//     assigned, a PHP script or session file name as an upload's file name (detect_upload.go).
//
// Prose ("the system (which is down)", "file (pdf)", "$5 (approx)") does not match.

// phpMarkers fire anywhere.
var phpMarkers = newKeywordSet(
	"<?php", "<?=", "[php]", "[/php]", "[\\php]", "php://", "phar://", "zlib://", "glob://",
	"expect://", "compress.zlib://", "compress.bzip2://", "data://text/plain", "ogg://", "rar://",
	"$_get[", "$_post[", "$_server[", "$_cookie[", "$_request[", "$_files[", "$_env[",
	"$_session[", "$globals[", "$http_raw_post_data", "$_get)", "$_post)", "$_request)",
	"ssh2.shell://", "ssh2.exec://", "ssh2.tunnel://", "ssh2.sftp://", "ssh2.scp://", "ssh2://", "zip://",
	"data:text/plain", "data:application/x-httpd-php", "data://application", "bzip2://",
	"<script language=php", "<script language=\"php\"", "<script language='php'",
)

// phpVariables are PHP's superglobals and predefined variables, reported as whole names
// ("$_SERVER", "$GLOBALS)", "$argv;"): no other language spells them so.
var phpVariables = newKeywordSet(
	"$_get", "$_post", "$_server", "$_cookie", "$_request", "$_files", "$_env", "$_session",
	"$globals", "$http_raw_post_data", "$http_response_header", "$php_errormsg", "$argv", "$argc",
	"$http_get_vars", "$http_post_vars", "$http_cookie_vars", "$http_server_vars", "$http_env_vars",
	"$http_post_files", "$http_session_vars", "$http_request_vars",
)

// phpVariable reports a phpVariables name not followed by an identifier character.
func phpVariable(s string) bool {
	if strings.IndexByte(s, '$') < 0 {
		return false
	}
	return phpVariables.some(s, func(i int, p string) bool { return !isIdent(at(s, i+len(p))) })
}

// phpFunctions are functions only PHP code calls (names C, Python, JavaScript or SQL call too,
// "chr", "substr", "sprintf", "md5", "serialize", "gethostbyname", are left out).
var phpFunctions = setOf(
	"shell_exec", "passthru", "proc_open", "pcntl_exec", "phpinfo", "base64_decode", "gzinflate",
	"gzuncompress", "gzdecode", "str_rot13", "zlib_decode", "call_user_func", "call_user_func_array",
	"create_function", "assert_options", "get_defined_vars", "get_defined_functions",
	"get_defined_constants", "curl_init", "curl_exec", "fsockopen", "pfsockopen",
	"file_get_contents", "file_put_contents", "move_uploaded_file", "highlight_file", "show_source",
	"print_r", "var_dump", "var_export", "posix_getpwuid", "posix_kill", "posix_setuid",
	"posix_getuid", "posix_uname", "ini_set", "ini_get", "ini_restore", "proc_nice", "escapeshellcmd",
	"escapeshellarg", "unserialize", "hex2bin", "convert_uudecode", "stream_get_contents",
	"stream_socket_client", "putenv", "apache_setenv", "preg_replace_callback", "array_map",
	"array_filter", "usort", "uasort", "register_shutdown_function", "register_tick_function",
	"mb_ereg_replace", "filegroup", "fileowner", "fileperms", "file_exists", "is_writable",
	"strip_tags", "strrev", "gzcompress", "parse_str", "extract", "import_request_variables",
	"get_current_user", "getmypid", "php_uname", "phpversion", "symlink", "readlink", "chgrp",
	"lchown", "disk_free_space", "opendir", "readdir", "scandir", "glob", "include_once",
	"require_once", "popen", "fwrite", "fputs", "readfile", "unlink", "proc_terminate",
	"fopen", "fread", "fgets", "fgetc", "fpassthru", "tmpfile", "tempnam", "getenv", "dl",
	"get_cfg_var", "getmyuid", "getmygid", "getmyinode", "getlastmod", "dns_get_record",
	"sys_get_temp_dir", "highlight_string", "php_strip_whitespace", "get_included_files",
	"get_loaded_extensions", "phpcredits", "zend_version", "debug_zval_dump", "array_walk",
	"iterator_apply", "ob_start", "htmlspecialchars", "htmlentities", "addslashes", "stripslashes",
	"implode", "str_replace", "strtolower", "strtoupper", "ucfirst", "vsprintf", "preg_match",
	"preg_replace", "checkdate", "mt_rand", "uksort", "set_error_handler", "set_exception_handler",
	"forward_static_call", "forward_static_call_array", "header_register_callback", "filter_var",
	"bzdecompress", "sqlite_create_function", "xml_set_element_handler", "array_reduce",
	"strpos", "stripos", "strripos", "substr_count", "ucwords", "lcfirst", "nl2br", "wordwrap",
	"number_format", "in_array", "isset", "compact", "settype", "gettype", "intval", "floatval",
	"strval", "boolval", "is_numeric", "is_array", "is_string", "is_callable", "urlencode",
	"rawurlencode", "urldecode", "rawurldecode", "parse_url", "http_build_query", "md5_file",
	"sha1_file", "hash_file", "hash_hmac", "password_hash", "password_verify", "gzopen", "gzread",
	"gzwrite", "bzopen", "filemtime", "filesize", "filetype", "fileatime", "is_dir", "is_file",
	"is_link", "is_readable", "is_executable", "is_uploaded_file", "pathinfo", "error_log",
	"error_reporting", "set_time_limit", "set_include_path", "get_class", "get_object_vars",
	"get_parent_class", "get_called_class", "debug_backtrace", "debug_print_backtrace",
	"class_exists", "method_exists", "function_exists", "property_exists", "mktime", "strtotime",
	"gmdate", "microtime", "uniqid", "lcg_value", "random_bytes", "ereg", "eregi", "ereg_replace",
	"eregi_replace", "spliti", "quotemeta", "gc_collect_cycles", "headers_sent", "headers_list",
	"setcookie", "setrawcookie", "http_response_code", "htmlspecialchars_decode",
	"html_entity_decode", "get_headers", "get_meta_tags", "getimagesize", "exif_read_data",
	"simplexml_load_string", "simplexml_load_file", "mb_send_mail", "imap_open", "is_a", "imagegif",
	"imagejpeg", "imagepng", "imagewbmp", "imagexbm", "imagecreatefromgif", "imagecreatefromjpeg",
	"imagecreatefrompng", "imagecreatefromstring", "imagecreatefromwbmp", "imagecreatefromxbm",
	"imagecreatefromxpm", "image2wbmp", "imagegd", "imagegd2", "iptcembed", "bson_decode",
	"bson_encode", "get_class_methods", "get_class_vars", "gzdeflate", "gzencode", "gzfile",
	"readgzfile", "hash_hmac_file", "hash_update_file", "is_int", "is_null", "is_object",
	"is_writeable", "parse_ini_file", "read_exif_data", "rename_function", "set_magic_quotes_runtime",
	"setdefaultstub", "stripcslashes",
)

// phpExtensionPrefixes name PHP extensions whose functions are "<prefix>_<name>" (array_map,
// mysqli_query, openssl_decrypt): such a name called is PHP code.
var phpExtensionPrefixes = setOf(
	"array", "bcmath", "bzip2", "ctype", "curl", "date", "dba", "exif", "fastcgi", "ftp", "gmp",
	"iconv", "ibase", "imap", "intl", "ldap", "libxml", "mb", "mcrypt", "mysql", "mysqli", "ob",
	"oci", "odbc", "openssl", "pcntl", "pg", "posix", "preg", "readline", "sodium", "sqlite",
	"stream", "socket", "xmlrpc", "yaml", "zend", "zip", "zlib", "str", "proc", "base64", "json",
	"spl", "iterator", "php", "html", "gz", "bz", "apache", "session", "func", "ini", "mt", "gc",
	"runkit", "finfo",
)

// phpWordFunctions are PHP functions named like words: they need a glued parenthesis and code.
// Output functions (print, printf, echo) are left out: C and Python snippets call them too.
var phpWordFunctions = setOf(
	"system", "exec", "eval", "assert", "include", "require", "unpack", "copy", "mail", "header",
	"chmod", "chown", "mkdir", "rmdir", "touch", "rename", "link", "file",
)

// phpOutputFunctions are PHP's output and exit functions, which C, Python and shell snippets
// call too: only a '$' variable as their argument makes them PHP.
var phpOutputFunctions = setOf("print", "printf", "echo", "sprintf", "vprintf", "die", "exit", "print_r")

// phpSharedFunctions are PHP built-ins (CRS 933160 and 933161 name them) whose names C, Python,
// SQL or the shell call too ("printf", "chr", "md5", "substr", "chroot", "stat"): a call of one is
// PHP only in a shape those languages do not write: on a '$' variable ("md5($x)"), the name
// quoted or parenthesized ("\"printf\"(x)", "(chr)(112)"), a comment before the parenthesis
// ("chr/**/(112)"), or as the whole value on no data (phpLoneCall). Names that are English
// words ("count", "date", "floor", "end") and mathematical functions a calculator's input calls
// ("exp(1)", "sqrt(2)", "abs(x)") are left out.
var phpSharedFunctions = setOf(
	"printf", "sprintf", "vprintf", "chr", "ord", "md5", "sha1", "crc32", "stat", "lstat", "substr",
	"rtrim", "ltrim", "prev", "chroot", "basename", "dirname", "crypt", "decoct", "dechex", "hexdec",
	"octdec", "bindec", "decbin", "explode", "idate", "syslog", "strlen", "strcmp", "strncmp",
	"strcasecmp", "strstr", "strchr", "strrchr", "fclose", "fflush", "feof", "fseek", "ftell",
	"rewind", "getcwd", "chdir", "umask", "gethostbyname", "gethostbyaddr", "gethostname",
	"getservbyname", "getprotobyname", "fileinode", "fileatime", "filectime",
)

// isPHP reports PHP code injection in a folded value (see above).
func isPHP(folded string) bool {
	if phpNamedFunction(folded) {
		return true
	}
	if !strings.ContainsAny(folded, "<[$:(=;") {
		return false
	}
	if phpMarkers.in(folded) || phpOpenTag(folded) || serializedObject(folded) || phpINIAssignment(folded) || phpVariable(folded) {
		return true
	}
	if strings.IndexByte(folded, '$') >= 0 && (phpVariableVariable(folded) || spacedSuperglobal(folded) || phpLoneVariable(folded)) {
		return true
	}
	return strings.IndexByte(folded, '(') >= 0 && (phpCall(folded) || phpLoneCall(folded))
}

// phpVariableVariable reports PHP's variable variables: "${…}" holding a variable or a string
// ("${$a}", "$ { $a }", "${'_VAR'.'IABLE'}"), or a bare name with white space between the '$'
// and the brace ("$ {a}", "$ { CONSTANT }"). "${name}" alone is left to templates (shell,
// JavaScript template literals, "Total: ${price}").
func phpVariableVariable(s string) bool {
	return someIndex(s, "$", func(i int) bool {
		j := i + 1
		for j < len(s) && j-i < 32 && (s[j] == ' ' || s[j] == '\t') {
			j++
		}
		if at(s, j) != '{' {
			return false
		}
		end := strings.IndexByte(s[j+1:min(len(s), j+128)], '}')
		if end < 0 {
			return false
		}
		inner := strings.TrimSpace(s[j+1 : j+1+end])
		if inner == "" {
			return false
		}
		switch c := inner[0]; {
		case c == '$' || c == '\'' || c == '"':
			return true
		case j > i+1 && isIdent(c) && (c < '0' || c > '9'):
			// "$ {a}", "$ { CONSTANT }": a bare name; "$ {user.name}" or "$ {7*7}" is not one.
			for k := 0; k < len(inner); k++ {
				if !isIdent(inner[k]) {
					return false
				}
			}
			return true
		}
		return false
	})
}

// phpRiskyFunctions are PHP functions named by code only (not words of prose or other
// languages' library names): reported as whole words wherever they stand (phpNamedFunction).
var phpRiskyFunctions = newKeywordSet(
	"shell_exec", "base64_decode", "call_user_func", "create_function", "file_get_contents",
	"file_put_contents", "proc_open", "pcntl_exec", "str_rot13", "zlib_decode", "gzinflate",
	"gzuncompress", "move_uploaded_file", "highlight_file", "show_source", "escapeshellcmd",
	"escapeshellarg", "fsockopen", "pfsockopen", "phpinfo", "passthru", "get_defined_vars",
	"assert_options", "preg_replace_callback", "register_shutdown_function", "posix_setuid",
	"posix_kill", "php_uname", "stream_socket_client", "convert_uudecode", "popen", "gzdecode",
	"include_once", "require_once", "invokeargs", "mb_ereg_replace", "mb_eregi_replace",
	"stream_get_contents", "unserialize", "proc_nice", "proc_get_status", "proc_close",
	"posix_getpwuid", "posix_uname", "posix_getuid", "highlight_string", "get_cfg_var",
	"php_strip_whitespace", "call_user_func_array", "forward_static_call", "pcntl_fork",
	"pcntl_signal", "fpassthru", "readfile", "hex2bin", "convert_uuencode", "get_defined_functions",
	"get_defined_constants", "ini_get_all", "ini_restore", "php_sapi_name", "set_error_handler",
)

// phpNamedFunction reports a phpRiskyFunctions name as a whole word, anywhere ("shell_exec",
// "base64_decode", "passthru": no word of prose is spelled so).
func phpNamedFunction(s string) bool {
	return phpRiskyFunctions.some(s, func(i int, p string) bool {
		if isIdent(at(s, i-1)) || isIdent(at(s, i+len(p))) {
			return false
		}
		return true
	})
}

// superglobalNames are PHP's superglobals without "$_".
var superglobalNames = setOf("get", "post", "server", "cookie", "request", "files", "env", "session")

// spacedSuperglobal reports "$_" and a superglobal's letters with white space among them, then
// '[' ("$_S ERVER['X']"): a filter that removes white space turns it into "$_SERVER[".
func spacedSuperglobal(s string) bool {
	return someIndex(s, "$_", func(i int) bool {
		var name [8]byte
		n, spaced := 0, false
		j := i + 2
		for ; j < len(s) && j-i < 40; j++ {
			switch c := s[j]; {
			case c == ' ' || c == '\t':
				spaced = true
			case c >= 'a' && c <= 'z' && n < len(name):
				name[n] = c
				n++
			default:
				return spaced && c == '[' && superglobalNames[string(name[:n])]
			}
		}
		return false
	})
}

// phpOpenTag reports "<?" followed by white space or nothing (PHP's short open tag), or by "php"
// or a PHP statement keyword.
func phpOpenTag(s string) bool {
	return someIndex(s, "<?", func(i int) bool {
		if c := at(s, i+2); c == 0 || c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			return true // a short open tag, "<? …": XML declarations and processing instructions name a target
		}
		rest := strings.TrimLeft(s[i+2:min(len(s), i+66)], " \t\r\n")
		for _, kw := range []string{"php", "echo", "system", "print", "eval", "include", "require", "passthru", "exec", "$"} {
			if strings.HasPrefix(rest, kw) {
				return true
			}
		}
		return false
	})
}

// serializedObject reports "o:<digits>:\"" or "c:<digits>:\"" (PHP serialize of an object), the
// length signed or not.
func serializedObject(s string) bool {
	return someIndex(s, ":\"", func(i int) bool {
		j := i
		for j > 0 && i-j < 8 && s[j-1] >= '0' && s[j-1] <= '9' {
			j--
		}
		if j < i && j > 0 && s[j-1] == '+' {
			j-- // "O:+8:\"…": unserialize() reads a signed length
		}
		return j < i && j >= 2 && s[j-1] == ':' && (s[j-2] == 'o' || s[j-2] == 'c') && !isIdent(at(s, j-3))
	})
}

// phpCall reports a call of a PHP function or a dynamic call at one of the '(' of s.
func phpCall(s string) bool { return someIndex(s, "(", func(i int) bool { return phpCallAt(s, i) }) }

// phpCallAt looks at what precedes the '(' at i: whitespace and comments, then quotes, ')' or
// ']' closing a callee, then a name or a variable.
func phpCallAt(s string, i int) bool {
	j, comment := skipBackSpaceComments(s, i)
	glued := j == i
	if expr, escaped := dynamicCallee(s, j); escaped || expr && phpCallArgument(s, i) {
		return true
	} else if (expr || quotedName(s, j)) && (glued || comment || phpCallArgument(s, i) || oneWordArgument(s, i)) && calledAsStatement(s, i) {
		return true
	}
	closers := 0
	for j > 0 && closers < 4 && strings.IndexByte("'\")]}", s[j-1]) >= 0 {
		if s[j-1] == ']' || s[j-1] == '}' {
			// "$x['o'](", "${'a'}(": an indexed or braced variable called.
			if open := strings.LastIndexAny(s[max(0, j-40):j-1], "[{"); open >= 0 && strings.IndexByte(s[max(0, j-40):j], '$') >= 0 {
				return true
			}
		}
		j--
		closers++
	}
	end := j
	for j > 0 && end-j < 40 && isIdent(s[j-1]) {
		j--
	}
	name := s[j:end]
	if j > 0 && s[j-1] == '$' {
		// "$_(3)", "$__(…)", "->$m()", "::$v()", "$f(1)": a variable called ("$5 (approx)" is
		// no variable).
		return strings.HasPrefix(name, "_") || j > 2 && (s[j-3:j-1] == "->" || s[j-3:j-1] == "::") || j > 1 && s[j-2] == '$' ||
			name != "" && (name[0] < '0' || name[0] > '9') && (glued || comment || phpCallArgument(s, i))
	}
	if name == "" {
		return false
	}
	for k := 0; k < len(name); k++ {
		// Any suffix: "FOOcall_user_func()".
		if phpFunctions[name[k:]] && (k == 0 || len(name)-k >= 6) {
			return true
		}
	}
	if prefix, _, ok := strings.Cut(name, "_"); ok && phpExtensionPrefixes[prefix] && len(name) > len(prefix)+2 {
		return true // "array_diff (", "ldap_get_entries()", "pg_connect("
	}
	if (phpOutputFunctions[name] || phpSharedFunctions[name]) && glued && !isIdent(at(s, j-1)) && strings.HasPrefix(strings.TrimLeft(s[i+1:], " "), "$") {
		return true // "printf($_GET['f'])", "die($x)", "md5($x)": C and Python name no variable with '$'
	}
	if phpSharedFunctions[name] && !isIdent(at(s, j-1)) && (comment || sharedCalleeQuoted(s, j, end)) {
		return true // "chr/**/(112)", "\"printf\"(x)", "(chr)(112)"
	}
	if !phpWordFunctions[name] || isIdent(at(s, j-1)) {
		return false
	}
	if closers > 0 || comment && name != "file" {
		// "(system)(", "\"system\"(", "exec /*x*/ (": code, not prose; a comment before
		// "file (" is more likely prose ("the file # notes\n(attached)").
		return true
	}
	if (name == "include" || name == "require") && (glued || closers > 0) && remoteOrPathArgument(s[i+1:]) {
		return true // "include(http://evil.example/x.txt)", "require(/etc/passwd)"
	}
	arg := strings.TrimLeft(s[i+1:min(len(s), i+4)], " ")
	if !glued {
		// "file\r\n()", "system ('id')": an empty or string argument after white space is code;
		// "file (pdf)" is prose.
		if arg != "" && strings.IndexByte("'\"$)@", arg[0]) >= 0 {
			return true
		}
		w, _ := shellWord(s, len(s)-len(strings.TrimLeft(s[i+1:], " \t")))
		return w != "" && phpFunctions[w] // "eval (base64_decode(…))"
	}
	if arg == "" || strings.IndexByte("'\"$)`_@", arg[0]) >= 0 {
		return true
	}
	if w, _ := shellWord(s, i+1); isIdent(at(s, i+1)) && at(s, i+1+len(w)) == '(' {
		return true // a call as the argument: "system(chr(105).chr(100))"
	}
	// "system(whoami)": a shell command as the argument.
	w, _ := shellWord(s, i+1)
	return strongCommands[w] || weakCommands[w] && at(s, i+1+len(w)) == ')'
}

// sharedCalleeQuoted reports the name s[j:end] closed by a quote it opened ("\"printf\"(",
// "'chr'(") or by a parenthesis it opened ("(chr)("): a quoted or parenthesized callee, which C
// and Python do not call; a markdown link "[printf](…)" is no such callee.
func sharedCalleeQuoted(s string, j, end int) bool {
	switch c := at(s, end); c {
	case '"', '\'':
		return at(s, j-1) == c
	case ')':
		return at(s, j-1) == '('
	}
	return false
}

// phpWordBuiltins are PHP built-ins CRS 933161 names that are English words or mathematical
// functions ("date", "floor", "count", "sqrt"): only a value that is nothing but one of them
// called on nothing or on '$' variables is PHP ("floor\t()", "count($a)"; phpLoneCall), not a
// calculator's "sqrt(2)" or prose.
var phpWordBuiltins = setOf(
	"abs", "acos", "asin", "atan", "ceil", "compact", "constant", "cos", "cosh", "count",
	"current", "date", "define", "defined", "dir", "end", "exp", "extract", "flock", "floor",
	"flush", "hash", "key", "log", "max", "min", "next", "pi", "pow", "rand", "range", "reset",
	"round", "serialize", "shuffle", "sin", "sinh", "sleep", "sort", "sqrt", "tan", "tanh",
	"time", "trim", "virtual",
)

// phpLoneCall reports a value that is nothing but one call, an '@' before and a ';' after
// allowed, white space and comments before the parenthesis: of a phpSharedFunctions name on no
// data (nothing, or names, numbers and '$' variables separated by commas: "printf(foo)",
// "chroot\t()", "@chr(112);"), or of a phpWordBuiltins name on nothing or '$' variables. That is
// an eval() probe: prose does not consist of a call, and code samples call these functions on
// data ("printf(\"%d\", n)", "basename('/a/b')") in statements among others.
func phpLoneCall(s string) bool {
	s = strings.TrimSpace(s)
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s, "@"), ";"))
	open := strings.IndexByte(s, '(')
	if open <= 0 || len(s) > 128 || s[len(s)-1] != ')' {
		return false
	}
	end, _ := skipBackSpaceComments(s, open)
	name := s[:end]
	shared := phpSharedFunctions[name]
	if !shared && !phpWordBuiltins[name] {
		return false
	}
	args := strings.TrimSpace(s[open+1 : len(s)-1])
	if args == "" {
		return true
	}
	for _, arg := range strings.Split(args, ",") {
		arg = strings.TrimSpace(arg)
		word := strings.TrimPrefix(arg, "$")
		if !isName(word) || !shared && word == arg {
			return false
		}
	}
	return true
}

// phpLoneVariable reports a value that is nothing but a braced variable, "${a}" (a ';' after and
// white space around allowed): PHP reads it as $a (CRS 933135). Template text puts words around
// its placeholders ("Total: ${price}"), which are not findings.
func phpLoneVariable(s string) bool {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), ";"))
	if len(s) < 4 || len(s) > 66 || !strings.HasPrefix(s, "${") || s[len(s)-1] != '}' {
		return false
	}
	name := strings.TrimSpace(s[2 : len(s)-1])
	return isName(name) && (name[0] < '0' || name[0] > '9')
}

// remoteOrPathArgument reports an argument list opening (after white space and a quote) with a
// URL of a scheme PHP includes from or an absolute path.
func remoteOrPathArgument(s string) bool {
	s = strings.TrimLeft(s, " \t'\"")
	for _, p := range []string{"http:", "https:", "ftp:", "ftps:", "php:", "data:", "file:", "/"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// skipBackSpaceComments returns the index before i past whitespace, /* */ comments and, when a
// line break was crossed, a // or # comment ending the line before ("exec //x\n (…)"), and
// whether it passed a comment.
func skipBackSpaceComments(s string, i int) (j int, comment bool) {
	j = i
	for n := 0; n < 8; n++ {
		newline := false
		for j > 0 && strings.IndexByte(" \t\r\n", s[j-1]) >= 0 && i-j < 64 {
			newline = newline || s[j-1] == '\n'
			j--
		}
		if j >= 2 && s[j-2:j] == "*/" {
			if k := strings.LastIndex(s[max(0, j-128):j-2], "/*"); k >= 0 {
				j, comment = max(0, j-128)+k, true
				continue
			}
		}
		if newline {
			from := max(0, j-128)
			line := s[from:j]
			if nl := strings.LastIndexByte(line, '\n'); nl >= 0 {
				from, line = from+nl+1, line[nl+1:]
			}
			if k := strings.IndexByte(line, '#'); k >= 0 {
				j, comment = from+k, true
				continue
			}
			if k := strings.Index(line, "//"); k >= 0 {
				j, comment = from+k, true
				continue
			}
		}
		break
	}
	return j, comment
}

// dynamicCallee reports whether the callee ending before index j is an expression rather than
// a name (expr: a parenthesized or indexed expression, "(sy.(st).em)(", "(['system'])[0](",
// "{[system][0]} (") or a quoted name spelled with escapes (escaped: "\"\x73y\x73tem\"(").
func dynamicCallee(s string, j int) (expr, escaped bool) {
	switch at(s, j-1) {
	case ')', ']', '}':
		return true, false
	case '"', '\'':
		from := max(0, j-64)
		open := strings.LastIndexByte(s[from:j-1], s[j-1])
		return false, open >= 0 && strings.Contains(s[from+open:j], "\\x")
	}
	return false, false
}

// quotedName reports a quoted name ending at j: letters, digits, '_', '-' and '\\' escapes between
// quotes ("'system'", "\"\\163ystem\"").
func quotedName(s string, j int) bool {
	q := at(s, j-1)
	if q != '"' && q != '\'' {
		return false
	}
	k := j - 2
	for k >= 0 && j-k < 66 && (isIdent(s[k]) || s[k] == '-' || s[k] == '\\') {
		k--
	}
	return k >= 0 && k < j-2 && s[k] == q
}

// calledAsStatement reports that the argument list opened at i closes with ");" (CRS 933210): with
// a callee expression or a quoted name before it, a call as a PHP statement, "(s.y.s.t.e.m)(id);",
// "{0}(ls);", "'sys'.'tem'(ls);". PHP allows white space before the parenthesis; the caller then
// wants arguments that read as code (phpCallArgument, oneWordArgument): a parenthesis of prose
// holds a phrase ("said \"yes\" (sort of);").
func calledAsStatement(s string, i int) bool {
	depth := 0
	for k := i; k < len(s) && k-i < 512; k++ {
		switch s[k] {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return strings.HasPrefix(strings.TrimLeft(s[k+1:min(len(s), k+9)], " \t"), ";")
			}
		}
	}
	return false
}

// oneWordArgument reports that the argument list opened at i holds one word and is closed:
// "(ls)", "( id )".
func oneWordArgument(s string, i int) bool {
	arg := strings.TrimLeft(s[i+1:min(len(s), i+66)], " \t")
	n := 0
	for n < len(arg) && isIdent(arg[n]) {
		n++
	}
	return n > 0 && strings.HasPrefix(strings.TrimLeft(arg[n:], " \t"), ")")
}

// phpCallArgument reports that the argument list opened at i starts (after white space) with
// a string, a variable or an error-suppressed expression (a quote, '$' or '@') and is closed,
// or is empty or a number alone: "('uname')", "(@id)", "($y)", "()", "(22)".
func phpCallArgument(s string, i int) bool {
	arg := strings.TrimLeft(s[i+1:min(len(s), i+16)], " \t")
	if arg != "" && arg[0] >= '0' && arg[0] <= '9' {
		// "(22)": a number alone; "(2 items)" is prose.
		return strings.TrimLeft(arg, "0123456789") != "" && strings.TrimLeft(arg, "0123456789")[0] == ')'
	}
	return arg != "" && (arg[0] == ')' || strings.IndexByte("'\"$@", arg[0]) >= 0 && strings.IndexByte(s[i+1:], ')') >= 0)
}
