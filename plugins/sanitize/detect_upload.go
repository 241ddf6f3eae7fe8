package sanitize

import "strings"

// Upload file names (CRS 932180, part of path_traversal): at a file name location
// (isFileNameLocation), a hidden file (".htaccess", ".user.ini", ".env", ".bashrc") or a server
// or credential file ("web.config", "wp-config.php.txt", "php.ini", "authorized_keys",
// "id_rsa"): files that change how the server runs code or whom it lets in, once written
// where it serves from.
//
// PHP through uploads and configuration (CRS 933110, 933120, 933220), part of php_injection:
//
//   - a file name (a multipart part's filename, or an X-Filename, X_Filename, X.Filename or
//     X-File-Name header, the names upload scripts read) with an extension a PHP server runs
//     (".php", ".php5", ".phtml", ".phar", ".phps", ".pht", ".phpt"), last or before another
//     one ("shell.php.png": Apache's multiple extensions run it), white space and trailing dots
//     ignored ("a. php", "a.php...": Windows drops them);
//   - a file name of a PHP session file ("sess_" and a session id): overwriting one forges a
//     session;
//   - a php.ini directive assigned ("allow_url_include=1", "opcache.jit=off"): input that an
//     application writes to a .user.ini or hands to ini_set().

// isPHPUploadName reports a PHP script or session file name at a file name location.
func isPHPUploadName(loc, folded string) bool {
	if !isFileNameLocation(loc) || !strings.Contains(folded, "ph") && !strings.Contains(folded, "sess_") {
		return false
	}
	name := uploadBaseName(folded)
	return sessionFileName(name) || hasExtension(name, phpExtension)
}

// isJSPUploadName reports a Java server page (".jsp", ".jspx", ".jspf") as an upload's file
// name (CRS 944140, part of java_injection), spelled as isPHPUploadName reads names.
func isJSPUploadName(loc, folded string) bool {
	if !isFileNameLocation(loc) || !strings.Contains(folded, "jsp") {
		return false
	}
	return hasExtension(uploadBaseName(folded), func(ext string) bool { return ext == "jsp" || ext == "jspx" || ext == "jspf" })
}

// uploadBaseName is a folded file name without white space and directories.
func uploadBaseName(folded string) string {
	name := folded
	if strings.ContainsAny(name, " \t") {
		name = strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, name)
	}
	return name[strings.LastIndexAny(name, "/\\")+1:]
}

// hasExtension reports an extension of name (the last, or one before it: "a.php.png"; trailing
// dots ignored) that is.
func hasExtension(name string, is func(ext string) bool) bool {
	exts := strings.Split(strings.TrimRight(name, "."), ".")
	for _, ext := range exts[1:] {
		if is(ext) {
			return true
		}
	}
	return false
}

// restrictedUploadNames are server configuration and credential file names (folded), matched as
// the start of an upload's base name ("wp-config-php.bak" too); restrictedUploadFiles are
// matched whole ("shadow" alone, not "shadow.png"): those and CRS 932180's restricted-upload.data
// names that are not hidden files (which any leading '.' refuses): application configuration,
// dependency manifests and lock files, credentials, logs, /proc and /sys file names
// ("config.yml", "package.json", "composer.lock", "secrets.json", "mtrr", "cpuinfo").
var (
	restrictedUploadNames = []string{
		"web.config", "wp-config", "php.ini", "php5.ini", "httpd.conf", "nginx.conf",
		"authorized_keys", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "known_hosts", "sudoers",
		"gitlab_config_",
	}
	restrictedUploadFiles = setOf("passwd", "shadow", "crontab",
		"blockcypher.log", "acpi", "asound", "auth.json", "aws-key.yaml", "aws-key.yml", "aws.yaml",
		"aws.yml", "boot.ini", "bootconfig", "bower.json", "buddyinfo", "cgroups", "cmdline",
		"compose.yaml", "compose.yml", "composer.json", "composer.lock", "config-dev.asp",
		"config-dev.ini", "config-dev.json", "config-dev.php", "config-dev.pl", "config-dev.py",
		"config-dev.rb", "config-dev.toml", "config-dev.txt", "config-dev.xml", "config-dev.yaml",
		"config-dev.yml", "config-prod.asp", "config-prod.ini", "config-prod.json", "config-prod.php",
		"config-prod.pl", "config-prod.py", "config-prod.rb", "config-prod.toml", "config-prod.txt",
		"config-prod.xml", "config-prod.yaml", "config-prod.yml", "config-sample.asp",
		"config-sample.ini", "config-sample.json", "config-sample.php", "config-sample.pl",
		"config-sample.py", "config-sample.rb", "config-sample.toml", "config-sample.txt",
		"config-sample.xml", "config-sample.yaml", "config-sample.yml", "config-test.asp",
		"config-test.ini", "config-test.json", "config-test.php", "config-test.pl", "config-test.py",
		"config-test.rb", "config-test.toml", "config-test.txt", "config-test.xml", "config-test.yaml",
		"config-test.yml", "config.asp", "config.dev.asp", "config.dev.ini", "config.dev.json",
		"config.dev.php", "config.dev.pl", "config.dev.py", "config.dev.rb", "config.dev.toml",
		"config.dev.txt", "config.dev.xml", "config.dev.yaml", "config.dev.yml", "config.gz",
		"config.inc.php", "config.ini", "config.json", "config.php", "config.pl", "config.prod.asp",
		"config.prod.ini", "config.prod.json", "config.prod.php", "config.prod.pl", "config.prod.py",
		"config.prod.rb", "config.prod.toml", "config.prod.txt", "config.prod.xml", "config.prod.yaml",
		"config.prod.yml", "config.py", "config.rb", "config.sample.asp", "config.sample.inc.php",
		"config.sample.ini", "config.sample.json", "config.sample.php", "config.sample.pl",
		"config.sample.py", "config.sample.rb", "config.sample.toml", "config.sample.txt",
		"config.sample.xml", "config.sample.yaml", "config.sample.yml", "config.test.asp",
		"config.test.ini", "config.test.json", "config.test.php", "config.test.pl", "config.test.py",
		"config.test.rb", "config.test.toml", "config.test.txt", "config.test.xml", "config.test.yaml",
		"config.test.yml", "config.toml", "config.txt", "config.xml", "config.yaml", "config.yml",
		"config_dev.asp", "config_dev.ini", "config_dev.json", "config_dev.php", "config_dev.pl",
		"config_dev.py", "config_dev.rb", "config_dev.toml", "config_dev.txt", "config_dev.xml",
		"config_dev.yaml", "config_dev.yml", "config_prod.asp", "config_prod.ini", "config_prod.json",
		"config_prod.php", "config_prod.pl", "config_prod.py", "config_prod.rb", "config_prod.toml",
		"config_prod.txt", "config_prod.xml", "config_prod.yaml", "config_prod.yml", "config_sample.asp",
		"config_sample.ini", "config_sample.json", "config_sample.php", "config_sample.pl",
		"config_sample.py", "config_sample.rb", "config_sample.toml", "config_sample.txt",
		"config_sample.xml", "config_sample.yaml", "config_sample.yml", "config_test.asp",
		"config_test.ini", "config_test.json", "config_test.php", "config_test.pl", "config_test.py",
		"config_test.rb", "config_test.toml", "config_test.txt", "config_test.xml", "config_test.yaml",
		"config_test.yml", "coverage.xml", "cpuinfo", "credentials.json", "database.yaml",
		"database.yml", "debian.cnf", "debug.log", "default.settings.php", "defaults.inc.php",
		"desktop.ini", "diskstats", "dockerfile", "dynamic_debug", "env.php", "execdomains",
		"filesystems", "fish_variables", "ftp-sync.json", "gitlab.rb", "gruntfile.js", "hplip.conf",
		"hypervisor", "initial_root_password", "iomem", "ioports", "ipmi", "kallsyms", "kcore",
		"key-users", "kmsg", "kpagecgroup", "kpagecount", "kpageflags", "latency_stats",
		"ldap-authentication-report.csv", "loadavg", "local.xml", "mdstat", "meminfo", "mtrr", "my.cnf",
		"mysql.cnf", "mysqldump.cnf", "notify-osd.log", "npm-debug.log", "npm-shrinkwrap.json",
		"package-lock.json", "package.json", "packages.json", "pagetypeinfo", "parameters.php",
		"parameters.yml", "php.ini", "php_error.log", "php_errors.log", "phpcs.xml", "phpcs.xml.dist",
		"phpinfo.php", "pm2.log", "routing.yml", "sched_debug", "schedstat", "scsi", "secrets.json",
		"secrets.yaml", "secrets.yml", "security.yml", "sendgrid.env", "services.yml",
		"settings.inc.php", "settings.local.php", "settings.php", "sftp.json", "slabinfo", "softirqs",
		"sslvpn_websession", "sysrq-trigger", "system.ini", "sysvipc", "thread-self", "thumbs.db",
		"timer_list", "timer_stats", "user_secrets.yml", "version_signature", "vmallocinfo", "vmstat",
		"web.config", "weblogic.xml", "webpack.config.js", "win.ini", "yarn-debug.log", "yarn-error.log",
		"yarn.lock", "zoneinfo",
	)
)

// isRestrictedUploadName reports a hidden file or a restrictedUploadNames file at a file name
// location.
func isRestrictedUploadName(loc, folded string) bool {
	if !isFileNameLocation(loc) {
		return false
	}
	name := strings.TrimSpace(folded)
	name = name[strings.LastIndexAny(name, "/\\")+1:]
	if len(name) > 1 && name[0] == '.' && strings.Trim(name, ".") != "" {
		return true
	}
	if restrictedUploadFiles[strings.TrimRight(name, ". ")] {
		return true
	}
	for _, r := range restrictedUploadNames {
		if strings.HasPrefix(name, r) {
			return true
		}
	}
	return false
}

// isFileNameLocation reports a location holding a client's file name: a multipart part's
// filename parameter, or a header named like X-Filename with any of '-', '_', '.' between the
// words.
func isFileNameLocation(loc string) bool {
	if h, ok := strings.CutPrefix(loc, "header.x"); ok {
		return len(h) <= len("-file-name") && fileNameHeader.Replace(h) == "filename"
	}
	return strings.HasPrefix(loc, "form.") && strings.HasSuffix(loc, ".filename")
}

// fileNameHeader drops the separators of a header name's words.
var fileNameHeader = strings.NewReplacer("-", "", "_", "", ".", "")

// phpExtension reports an extension PHP handlers are commonly mapped to: php, php followed by
// digits (php3, php7, php907), phtml, pht, phpt, phps, phar.
func phpExtension(ext string) bool {
	switch ext {
	case "phtml", "pht", "phpt", "phps", "phar":
		return true
	}
	digits, ok := strings.CutPrefix(ext, "php")
	return ok && strings.Trim(digits, "0123456789") == ""
}

// sessionFileName reports "sess_" followed by at least 20 characters of a PHP session id
// (letters, digits, '-', ',').
func sessionFileName(name string) bool {
	id, ok := strings.CutPrefix(name, "sess_")
	if !ok || len(id) < 20 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !isIdent(c) && c != '-' && c != ',' || c == '_' {
			return false
		}
	}
	return true
}

// phpINISections are the prefixes of php.ini directives of PHP's extensions and SAPIs
// ("opcache.enable", "session.save_path"): any of their keys assigned is a directive.
var phpINISections = setOf(
	"apc", "assert", "bcmath", "cgi", "cli_server", "curl", "date", "dba", "exif",
	"expect", "fastcgi", "ffi", "filter", "gd", "highlight", "ibase", "iconv", "intl", "ldap",
	"mail", "mbstring", "mcrypt", "memcache", "memcached", "mysql", "mysqli", "mysqlnd", "oci8",
	"odbc", "opcache", "openssl", "pcre", "pdo", "pdo_odbc", "pgsql", "phar", "phpdbg", "runkit",
	"session", "soap", "sqlite3", "swoole", "syslog", "tidy", "uopz", "url_rewriter", "user_ini",
	"xdebug", "yac", "yaf", "zend", "zlib", "pdo_mysql", "pdo_pgsql", "pdo_sqlite", "sqlite", "mssql",
	"sybase", "sybct", "imagick", "geoip", "xsl", "sysvshm", "windows", "wincache", "apcu",
	"blackfire", "newrelic", "ibm_db2", "v8js", "readline", "sodium", "gmp", "bz2", "igbinary",
	"imap", "mailparse", "seaslog", "stomp", "taint", "trader", "vld", "wkhtmltox", "xhprof",
	"yaconf", "yaml", "yar", "yaz", "zookeeper",
)

// phpINIDirectives are php.ini directives without a section prefix.
var phpINIDirectives = setOf(
	"allow_url_fopen", "allow_url_include", "auto_prepend_file", "auto_append_file",
	"auto_detect_line_endings", "auto_globals_jit", "arg_separator.input", "arg_separator.output",
	"browscap", "child_terminate", "default_charset", "default_mimetype", "default_socket_timeout",
	"disable_classes", "disable_functions", "display_errors", "display_startup_errors", "doc_root",
	"docref_ext", "docref_root", "enable_dl", "enable_post_data_reading", "engine",
	"error_append_string", "error_log", "error_prepend_string", "error_reporting", "exit_on_timeout",
	"expose_php", "extension", "extension_dir", "file_uploads", "hard_timeout", "html_errors",
	"ignore_repeated_errors", "ignore_repeated_source", "ignore_user_abort", "implicit_flush",
	"include_path", "input_encoding", "internal_encoding", "log_errors", "log_errors_max_len",
	"magic_quotes_gpc", "magic_quotes_runtime", "max_execution_time", "max_file_uploads",
	"max_input_nesting_level", "max_input_time", "max_input_vars", "memory_limit", "open_basedir",
	"output_buffering", "output_encoding", "output_handler", "post_max_size", "precision",
	"realpath_cache_size", "realpath_cache_ttl", "register_argc_argv", "report_memleaks",
	"request_order", "safe_mode", "sendmail_from", "sendmail_path", "serialize_precision",
	"short_open_tag", "smtp", "smtp_port", "sql.safe_mode", "sys_temp_dir", "track_errors",
	"unserialize_callback_func", "unserialize_max_depth", "upload_max_filesize", "upload_tmp_dir",
	"user_agent", "user_dir", "variables_order", "xbithack", "xmlrpc_errors", "zend_extension",
	"register_globals", "register_long_arrays", "always_populate_raw_post_data", "asp_tags",
	"safe_mode_exec_dir", "safe_mode_gid", "safe_mode_include_dir", "safe_mode_allowed_env_vars",
	"safe_mode_protected_env_vars", "y2k_compliance", "define_syslog_variables",
	"magic_quotes_sybase", "allow_call_time_pass_reference", "error_log_mode", "syslog.ident",
	"mail.log", "session.save_handler", "highlight.string", "max_input_nesting_level",
	"cgi.fix_pathinfo", "fastcgi.impersonate", "zend.enable_gc", "opcache.preload", "hard_timeout",
	"enable_dl", "docref_root", "realpath_cache_ttl", "log_errors_max_len", "track_vars",
	"report_zend_debug", "xmlrpc_error_number", "cli.pager", "cli.prompt", "com.allow_dcom",
	"com.autoregister_casesensitive", "com.autoregister_verbose", "com.autoregister_typelib",
	"com.code_page", "com.typelib_file", "com.dotnet_version", "session.upload_progress.cleanup",
	"session.upload_progress.enabled", "session.upload_progress.freq",
	"session.upload_progress.min_freq", "session.upload_progress.name",
	"session.upload_progress.prefix", "uploadprogress.file.filename_template",
)

// phpINIAssignment reports a php.ini directive followed by '=' (white space allowed before it,
// "==" a comparison and not an assignment), the directive starting a word.
func phpINIAssignment(folded string) bool {
	if strings.IndexByte(folded, '=') < 0 {
		return false
	}
	return someIndex(folded, "=", func(i int) bool {
		if at(folded, i+1) == '=' || at(folded, i-1) == '=' || at(folded, i-1) == '!' {
			return false
		}
		end := i
		for end > 0 && i-end < 8 && (folded[end-1] == ' ' || folded[end-1] == '\t') {
			end--
		}
		start := end
		for start > 0 && end-start < 48 && (isIdent(folded[start-1]) || folded[start-1] == '.') {
			start--
		}
		if start == end || start > 0 && folded[start-1] == '$' {
			return false
		}
		name := folded[start:end]
		if phpINIDirectives[name] {
			return true
		}
		section, key, ok := strings.Cut(name, ".")
		return ok && key != "" && phpINISections[section] && !strings.Contains(key, ".")
	})
}
