package glue

import (
	"strings"
	"testing"

	"github.com/wasmward/wasmward/shared/identity"
)

// TestIsHandoffHeaderIsEqualFold: the length shortcut answers as strings.EqualFold does, for
// spellings in any case, with runes that fold to ASCII ("ſ" to "s", the Kelvin sign to "k"),
// and for names shorter, longer or merely similar.
func TestIsHandoffHeaderIsEqualFold(t *testing.T) {
	h := identity.HeaderName
	names := []string{h, strings.ToUpper(h), "X-Wasmward-Identity", strings.Replace(h, "s", "ſ", 1),
		strings.Replace(strings.ToUpper(h), "S", "ſ", -1), h[:len(h)-1], h + "x", "x" + h, h[1:], "",
		"authorization", "x-wasmward-identitY", "x-wasmward-identit\u212a", strings.Repeat("a", len(h)),
		"x-waſmward-identity-and-more"}
	for _, n := range names {
		if got, want := isHandoffHeader(n), strings.EqualFold(n, h); got != want {
			t.Errorf("isHandoffHeader(%q) = %v, strings.EqualFold says %v", n, got, want)
		}
	}
	if !isHandoffHeader(strings.Replace(h, "s", "ſ", 1)) {
		t.Error("a name folding to the handoff header through a non-ASCII rune is not recognized")
	}
}

// TestStripHandoffHeaderKeepsOthers: every copy, in any case and position, is counted and
// dropped; the other pairs stay in order; a request without one keeps its pairs as they are.
func TestStripHandoffHeaderKeepsOthers(t *testing.T) {
	for _, tc := range []struct {
		in     [][2]string
		want   []string
		copies int
	}{
		{[][2]string{{"a", "1"}, {"b", "2"}}, []string{"a", "b"}, 0},
		{[][2]string{{identity.HeaderName, "x"}, {"a", "1"}}, []string{"a"}, 1},
		{[][2]string{{"a", "1"}, {strings.ToUpper(identity.HeaderName), "x"}, {"b", "2"}, {strings.Replace(identity.HeaderName, "s", "ſ", 1), "y"}}, []string{"a", "b"}, 2},
		{[][2]string{{"a", "1"}, {identity.HeaderName, "x"}}, []string{"a"}, 1},
	} {
		c := &httpContext{p: &pluginContext{host: &host{}}}
		c.p.host.caps.MarksRemovedHeaders = true
		c.sent = [][2]string{} // the host's list, read: removals of absent headers cost nothing
		out := c.stripHandoffHeader(append([][2]string(nil), tc.in...))
		var got []string
		for _, p := range out {
			got = append(got, p[0])
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") || c.handoffCopies != tc.copies {
			t.Errorf("%v: kept %v with %d copies, want %v with %d", tc.in, got, c.handoffCopies, tc.want, tc.copies)
		}
	}
}
