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
