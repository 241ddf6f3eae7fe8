package rbac

import "testing"

// TestAddrMemoIsParseHostPort: the remembered parse answers every input of a sequence as
// parseHostPort does, repeats and changes alike, invalid text included.
func TestAddrMemoIsParseHostPort(t *testing.T) {
	var m addrMemo
	for _, s := range []string{"10.0.0.1:443", "10.0.0.1:443", "10.0.0.2", "[::1]:80", "[::1]:80",
		"", "garbage", "garbage", "::ffff:10.0.0.1", "10.0.0.1:443", "[fe80::1%eth0]:1", "10.0.0.1:443"} {
		if got, want := m.parse(s), parseHostPort(s); got != want {
			t.Errorf("parse(%q) = %v, parseHostPort says %v", s, got, want)
		}
	}
}
