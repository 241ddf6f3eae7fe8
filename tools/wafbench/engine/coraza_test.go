package engine

import (
	"testing"

	"github.com/wasmward/wasmward/tools/wafbench/corpus"
)

// The CRS loads at both paranoia levels and blocks by anomaly score: an SQL injection in any
// request part is an interruption, a plain request is not.
func TestCorazaBlocks(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the CRS")
	}
	waf, err := NewCoraza(1)
	if err != nil {
		t.Fatal(err)
	}
	for _, pos := range []string{corpus.PosQuery, corpus.PosForm, corpus.PosJSON, corpus.PosMultipart, corpus.PosCookie} {
		if !CorazaBlocked(waf, corpus.Place(pos, "1' UNION SELECT password FROM users--", false)) {
			t.Errorf("%s: SQL injection not blocked", pos)
		}
		if CorazaBlocked(waf, corpus.Place(pos, "quarterly report", false)) {
			t.Errorf("%s: plain text blocked", pos)
		}
	}
	if _, err := NewCoraza(2); err != nil {
		t.Fatal(err)
	}
}
