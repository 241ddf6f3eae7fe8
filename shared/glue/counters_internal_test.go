package glue

import (
	"strings"
	"testing"
)

// TestRecentCountersFindByContent: a key counted before is found whether its strings are the
// very strings remembered or equal copies of them, and a key differing in any field, or only in
// length, is not.
func TestRecentCountersFindByContent(t *testing.T) {
	var r recentCounters
	k := counterKey{"order-items", "", "allow"}
	r.add(k, counter{id: 7, name: "n"})
	copied := counterKey{strings.Clone(k.rule), strings.Clone(k.reason), strings.Clone(k.decision)}
	for _, key := range []counterKey{k, copied} {
		if c, ok := r.find(key); !ok || c.id != 7 {
			t.Fatalf("find(%q) = %v, %v", key, c, ok)
		}
	}
	for _, key := range []counterKey{{"order-items", "", "deny"}, {"order-item", "", "allow"},
		{k.rule[:5], "", "allow"}, {"order-items", "x", "allow"}, {"", "", ""}} {
		if c, ok := r.find(key); ok {
			t.Errorf("find(%q) = %v, want none", key, c)
		}
	}
}
