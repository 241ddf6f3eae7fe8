//go:build !wasip1

package glue

import "github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"

// getProperty reads the property at p through the SDK, whose native build calls the test
// host (proxytest); the wasip1 build calls the host itself (hostread_wasip1.go).
func getProperty(p propertyPath) (value []byte, ok bool) {
	v, err := proxywasm.GetProperty(p.parts)
	return v, err == nil
}

// setProperty sets the property at p through the SDK.
func setProperty(p propertyPath, value []byte) bool {
	return proxywasm.SetProperty(p.parts, value) == nil
}

// hostString is v as a string: a copy, since the test host may keep and change the bytes it
// returns (the wasip1 build takes the host's copy as it is, hostread_wasip1.go).
func hostString(v []byte) string { return string(v) }

// readProperty reads the property at path through the SDK.
func readProperty(path []string) (value []byte, ok bool) {
	v, err := proxywasm.GetProperty(path)
	return v, err == nil
}

// getResponseStatus is proxywasm.GetHttpResponseHeader(":status"), "" when absent.
func getResponseStatus() string {
	status, _ := proxywasm.GetHttpResponseHeader(":status")
	return status
}

// getRequestHeaders is proxywasm.GetHttpRequestHeaders, which allocates its own pairs.
func getRequestHeaders([][2]string) ([][2]string, error) { return proxywasm.GetHttpRequestHeaders() }

// getResponseHeaders is proxywasm.GetHttpResponseHeaders, which allocates its own pairs.
func getResponseHeaders([][2]string) ([][2]string, error) { return proxywasm.GetHttpResponseHeaders() }

// incrementCounter adds one to the counter c through the SDK, ignoring a host that refuses (the
// SDK panics then): a request never fails for its metric.
func incrementCounter(c proxywasm.MetricCounter) {
	defer func() { _ = recover() }()
	c.Increment(1)
}

// getSharedData is proxywasm.GetSharedData, its errors the policy's (mapStatus).
func getSharedData(key string) ([]byte, uint32, error) {
	v, cas, err := proxywasm.GetSharedData(key)
	return v, cas, mapStatus(err)
}

// setSharedData is proxywasm.SetSharedData, its errors the policy's (mapStatus).
func setSharedData(key string, value []byte, cas uint32) error {
	return mapStatus(proxywasm.SetSharedData(key, value, cas))
}

// propertyStrings turns the requests' string properties into strings (hostProperties.
// PropertyString). Natively each is a copy (hostString), so it remembers the last value of each
// of a few property paths (one or two parts, as Request reads them), per plugin, and answers a
// repeated one without a copy. Entries are replaced oldest first.
type propertyStrings struct {
	entries [4]struct {
		path  [2]string
		value string
	}
	next int
}

// str returns v, a host result, as a string: the remembered one when it has v's bytes, else a
// copy (hostString), then remembered for path.
func (m *propertyStrings) str(path []string, v []byte) string {
	if len(path) == 0 || len(path) > 2 {
		return hostString(v)
	}
	second := ""
	if len(path) == 2 {
		second = path[1]
	}
	for i := range m.entries {
		e := &m.entries[i]
		if e.path[0] == path[0] && e.path[1] == second {
			if string(v) != e.value { // the comparison copies nothing
				e.value = hostString(v)
			}
			return e.value
		}
	}
	e := &m.entries[m.next]
	m.next = (m.next + 1) % len(m.entries)
	e.path, e.value = [2]string{path[0], second}, hostString(v)
	return e.value
}
