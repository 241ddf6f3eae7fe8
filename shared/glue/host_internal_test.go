package glue

import "testing"

// TestNginxLacks: the properties ngx_wasm_module lacks are answered absent whether the path
// comes in parts or dotted in one part; a neighbour of a missing property is read.
func TestNginxLacks(t *testing.T) {
	for _, tc := range []struct {
		path []string
		want bool
	}{
		{nil, true},
		{[]string{"xds", "route_name"}, true},
		{[]string{"route_name"}, true},
		{[]string{"response", "flags"}, true},
		{[]string{"response.flags"}, true},
		{[]string{"connection", "sha256_peer_certificate_digest"}, true},
		{[]string{"upstream", "transport_failure_reason"}, true},
		{[]string{"cluster_metadata", "filter_metadata"}, true},
		{[]string{"listener_direction"}, true},
		{[]string{"response", "grpc_status"}, true},
		{[]string{"connection", "termination_details"}, true},
		{[]string{"upstream.local_address"}, true},
		{[]string{"upstream", "address"}, false},
		{[]string{"response", "code"}, false},
		{[]string{"response.code"}, false},
		{[]string{"response", "flags", "x"}, false},
		{[]string{"source", "address"}, false},
		{[]string{"connection", "id"}, false},
		{[]string{"request", "path"}, false},
		{[]string{"node.id"}, false},
	} {
		if got := nginxLacks(tc.path); got != tc.want {
			t.Errorf("nginxLacks(%q) = %v, want %v", tc.path, got, tc.want)
		}
	}
}

// TestNginxLacksTable: every root and property of ngx_wasm_module's table that it lacks (commit
// 3bed2783) is answered absent, in parts and dotted.
func TestNginxLacksTable(t *testing.T) {
	for _, root := range []string{"node", "cluster_name", "cluster_metadata", "listener_direction",
		"listener_metadata", "route_name", "route_metadata", "upstream_host_metadata", "plugin_vm_id", "xds"} {
		if !nginxLacks([]string{root}) || !nginxLacks([]string{root, "x"}) {
			t.Errorf("root %s: read, want absent", root)
		}
	}
	for root, leaves := range map[string][]string{
		"response": {"grpc_status", "trailers", "code_details", "flags"},
		"connection": {"termination_details", "subject_peer_certificate", "dns_san_local_certificate",
			"dns_san_peer_certificate", "uri_san_local_certificate", "uri_san_peer_certificate",
			"sha256_peer_certificate_digest"},
		"upstream": {"tls_version", "subject_local_certificate", "subject_peer_certificate",
			"dns_san_local_certificate", "dns_san_peer_certificate", "uri_san_local_certificate",
			"uri_san_peer_certificate", "sha256_peer_certificate_digest", "local_address",
			"transport_failure_reason"},
	} {
		for _, leaf := range leaves {
			if !nginxLacks([]string{root, leaf}) || !nginxLacks([]string{root + "." + leaf}) {
				t.Errorf("%s.%s: read, want absent", root, leaf)
			}
			if nginxLacks([]string{"request", leaf}) {
				t.Errorf("request.%s: absent, want read", leaf)
			}
		}
	}
}

// TestPropertyMemoInterns: a repeated value is answered with the remembered string, allocating
// nothing; a changed value replaces it; paths beyond the memo's room evict the oldest, and every
// answer has the value's bytes, whatever was remembered.
func TestPropertyMemoInterns(t *testing.T) {
	var m propertyStrings
	src, proto := []string{"source", "address"}, []string{"request", "protocol"}
	a := m.str(src, []byte("10.0.0.1"))
	if allocs := testing.AllocsPerRun(100, func() { a = m.str(src, []byte("10.0.0.1")) }); allocs != 0 {
		t.Errorf("a repeated value allocates %.0f times", allocs)
	}
	if a != "10.0.0.1" {
		t.Fatalf("str = %q", a)
	}
	if got := m.str(proto, []byte("HTTP/1.1")); got != "HTTP/1.1" {
		t.Fatalf("str = %q", got)
	}
	if got := m.str(src, []byte("10.0.0.2")); got != "10.0.0.2" {
		t.Fatalf("a changed value: str = %q", got)
	}
	for i, p := range [][]string{{"a"}, {"b"}, {"c"}, {"d"}, {"e", "f"}, {"x", "y", "z"}, {}} {
		v := []byte{'v', byte('0' + i)}
		if got := m.str(p, v); got != string(v) {
			t.Fatalf("path %v: str = %q, want %q", p, got, v)
		}
	}
	if got := m.str(src, []byte("10.0.0.1")); got != "10.0.0.1" {
		t.Fatalf("after eviction: str = %q", got)
	}
	b := []byte("HTTP/2")
	got := m.str(proto, b)
	b[0] = 'X' // the caller's bytes change: the string must not
	if got != "HTTP/2" {
		t.Fatalf("the string shares the caller's bytes: %q", got)
	}
}
