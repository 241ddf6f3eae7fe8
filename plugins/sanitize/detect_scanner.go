package sanitize

// scannerAgents are product names that vulnerability scanners, fuzzers and exploitation tools
// put in their User-Agent. General-purpose HTTP clients (curl, Wget, python-requests,
// Go-http-client, okhttp, libwww-perl) are legitimate automation and are not listed.
var scannerAgents = newKeywordSet(
	"sqlmap", "nikto", "nmap scripting engine", "nmap nse", "masscan", "acunetix", "wpscan",
	"nuclei", "dirbuster", "gobuster", "w3af", "zgrab", "nessus", "openvas", "fimap", "havij",
	"netsparker", "arachni", "skipfish", "wfuzz", "ffuf", "feroxbuster", "dirb", "whatweb",
	"jaeles", "commix", "xsstrike", "paros", "webinspect", "sqlninja", "pangolin", "bsqlbf",
	"morfeus", "zmeu", "jorgee", "nsauditor", "appscan", "wapiti", "httprint", "webshag",
	"uniscan", "joomscan", "droopescan", "cmsmap", "dotdotpwn", "absinthe", "n-stealth",
	"sqlsus", "blackwidow", "grendel-scan", "crimscanner", "brutus", "qualysguard",
	"detectify", "zmap", "fuzz faster u fool",
)

// scannerHeader is the one header the scanner rule reads, at scannerLocation.
const (
	scannerHeader   = "user-agent"
	scannerLocation = "header." + scannerHeader
)

// isScanner reports a scanner's name in a folded User-Agent, as a whole word ("dirb" is not
// found in "dirbx").
func isScanner(folded string) bool {
	return scannerAgents.some(folded, func(i int, name string) bool {
		return !isLetter(at(folded, i-1)) && !isLetter(at(folded, i+len(name)))
	})
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
