package sanitize

// Rule ids: the fixed vocabulary used as the decision Reason (metric label "reason"), as the
// audit detail "rule" and as keys of the "rules" mode overrides. Each constant names the check
// that produces it; grep for the constant to find the code.
const (
	RuleMethod = "method" // limits.methods (limits.go)
	// RuleMethodUnusual: a method (or a method override header's value) that is not an HTTP
	// token or not one of usualMethods, unless limits.methods lists it (limits.go).
	RuleMethodUnusual = "method_unusual"
	// RuleProtocol: a request protocol other than HTTP/1.0, 1.1, 2 and 3 (limits.go).
	RuleProtocol    = "protocol"
	RuleHeaderCount = "header_count" // limits.maxHeaders (limits.go)
	RuleHeaderSize  = "header_size"  // limits.maxHeaderNameBytes, limits.maxHeaderValueBytes (limits.go)
	RuleHeaderCRLF  = "header_crlf"  // CR or LF in a header value (limits.go)
	// RuleHeaderDenied: a header of limits.deniedHeaders (protocol.go).
	RuleHeaderDenied = "header_denied"
	// RuleHeaderInvalid: a malformed or ambiguous Content-Type, Accept, Connection or Range, or
	// an IP address as Host with limits.requireHostName (protocol.go).
	RuleHeaderInvalid = "header_invalid"
	RulePathLength    = "path_length"    // limits.maxPathBytes (limits.go)
	RuleQueryLength   = "query_length"   // limits.maxQueryBytes (limits.go)
	RuleBodySize      = "body_too_large" // limits.maxBodyBytes (limits.go; the glue's 413 past the buffer)
	RuleContentType   = "content_type"   // routes[].contentTypes (limits.go)
	// RuleContentTypeMissing: a body (announced by content-length other than 0 or
	// transfer-encoding, or arriving unannounced) without a Content-Type, which RFC 9110 asks
	// senders to give and CRS refuses at paranoia level 1 (920340, 920640): the backend guesses
	// what the body is while the WAF cannot know which guess (limits.go, protocol.go).
	RuleContentTypeMissing = "content_type_missing"
	RuleBadEncoding        = "bad_encoding"   // malformed percent-encoding, overlong UTF-8 (decode.go)
	RuleNulByte            = "nul_byte"       // NUL in a value at any decoding layer (decode.go)
	RuleJSONMalformed      = "json_malformed" // body is not well-formed JSON (jsonbody.go)
	RuleJSONLimits         = "json_limits"    // json.maxDepth, json.maxKeys, json.maxStringBytes (jsonbody.go)
	RuleJSONSchema         = "json_schema"    // routes[].jsonSchema (jsonschema.go)
	// RuleMultipartMalformed: a multipart body without a boundary, with a malformed part or
	// Content-Disposition (multipart.go).
	RuleMultipartMalformed = "multipart_malformed"
	RuleMultipartLimits    = "multipart_limits" // multipart.maxParts (multipart.go)
	// RuleMultipartCharset: a multipart part (or its "_charset_" field) in a charset other than
	// UTF-8, ASCII or Latin-1 (multipart.go).
	RuleMultipartCharset = "multipart_charset"
	RuleXMLDTD           = "xml_dtd" // DOCTYPE, ENTITY or another declaration in an XML body: XXE (xmlbody.go)
	// RuleInspectionBudget: limits.maxInspectBytes ran out before every value of the phase was
	// inspected (inspect.go). Reject whatever the route's mode, unless rules names it.
	RuleInspectionBudget = "inspection_budget"
	RuleSQLi             = "sqli"           // SQL injection, libinjection tokenizer (detect.go)
	RuleXSS              = "xss"            // cross-site scripting, libinjection HTML5 tokenizer (detect.go)
	RuleTraversal        = "path_traversal" // ../ sequences and well-known sensitive files (detect.go)
	// RuleCmdInjection: a shell command after a command separator or substitution anywhere,
	// or any shell metacharacter in routes[].commandFields (detect_cmd.go)
	RuleCmdInjection = "cmd_injection"
	RuleCRLF         = "crlf"           // CR/LF followed by a header line or status line: response splitting (detect_crlf.go)
	RuleSSTI         = "ssti"           // server-side template expressions (detect_ssti.go)
	RuleLDAP         = "ldap"           // LDAP filter injection (detect_ldap.go)
	RuleXXE          = "xxe"            // DTD entity declarations and external identifiers in any value (detect_xxe.go)
	RuleJNDI         = "jndi"           // Log4j lookups, log4shell (detect_jndi.go)
	RuleNoSQL        = "nosql"          // MongoDB query operators (detect_nosql.go)
	RuleScanner      = "scanner"        // a vulnerability scanner's User-Agent (detect_scanner.go)
	RulePHP          = "php_injection"  // PHP code: tags, superglobals, wrappers, PHP-only calls (detect_php.go)
	RuleJava         = "java_injection" // Java gadget and engine classes, serialized objects (detect_java.go)
	RuleCode         = "code_injection" // Node.js, Ruby, Perl code and prototype pollution (detect_code.go)
	RuleSSRF         = "ssrf"           // metadata endpoints, internal and IP-literal URLs (detect_ssrf.go)
	// RuleSessionFixation: a session identifier in the query or a form from another site or no
	// page (detect_session.go).
	RuleSessionFixation = "session_fixation"
)

// injectionRules are the content detectors: they run on every inspected value, may be
// sanitized, and may be allow-listed per route and location.
var injectionRules = []string{
	RuleSQLi, RuleXSS, RuleTraversal, RuleCmdInjection, RuleCRLF, RuleSSTI, RuleLDAP, RuleXXE,
	RuleJNDI, RuleNoSQL, RuleScanner, RulePHP, RuleJava, RuleCode, RuleSSRF, RuleSessionFixation,
}

// validationRules are the protocol and body checks: reject or detect only.
var validationRules = []string{
	RuleMethod, RuleMethodUnusual, RuleProtocol, RuleHeaderCount, RuleHeaderSize, RuleHeaderCRLF, RuleHeaderDenied, RuleHeaderInvalid, RulePathLength, RuleQueryLength,
	RuleBodySize, RuleContentType, RuleContentTypeMissing, RuleBadEncoding, RuleNulByte, RuleJSONMalformed, RuleJSONLimits,
	RuleJSONSchema, RuleMultipartMalformed, RuleMultipartLimits, RuleMultipartCharset, RuleXMLDTD, RuleInspectionBudget,
}

// Mode is what a finding does to the request.
type Mode string

const (
	// Reject denies the request (4xx, the rule id in the reply, never the input).
	Reject Mode = "reject"
	// Sanitize removes the offending value (query parameter, cookie, header, form field) or
	// empties it (JSON string) and lets the request through. Injection rules only.
	Sanitize Mode = "sanitize"
	// Detect records the finding (shadow deny: metrics and audit) and lets the request through.
	Detect Mode = "detect"
)

func isInjection(rule string) bool {
	for _, r := range injectionRules {
		if r == rule {
			return true
		}
	}
	return false
}

func isRule(rule string) bool {
	if isInjection(rule) {
		return true
	}
	for _, r := range validationRules {
		if r == rule {
			return true
		}
	}
	return false
}

// status is the reply status of a rejected rule.
func status(rule string) int {
	switch rule {
	case RuleMethod, RuleMethodUnusual:
		return 405
	case RuleProtocol:
		return 505
	case RuleHeaderCount, RuleHeaderSize:
		return 431
	case RulePathLength, RuleQueryLength:
		return 414
	case RuleBodySize, RuleInspectionBudget, RuleMultipartLimits:
		return 413
	case RuleContentType, RuleContentTypeMissing:
		return 415
	}
	if isInjection(rule) {
		return 403
	}
	return 400
}
