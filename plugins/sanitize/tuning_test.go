package sanitize_test

import (
	"os"
	"sort"
	"testing"

	"github.com/wasmward/wasmward/tools/wafbench/corpus"
)

// TestTuningCorpus runs the in-sample part of the wafbench corpus (corpus.Tuning: CRS tests as
// shipped, Debian payloads in every position, benign sets) through the default config and logs
// detection per class and set and false positives per benign set. It never sees the held-out
// split. It is a tuning aid, off unless SANITIZE_TUNING=1 (it needs the Debian lists of
// `make test-deps`); SANITIZE_TUNING_MISSES=<class> logs that class's misses,
// SANITIZE_TUNING_FP=1 the false positives.
//
//	SANITIZE_TUNING=1 go test -run TestTuningCorpus -v ./plugins/sanitize
func TestTuningCorpus(t *testing.T) {
	if os.Getenv("SANITIZE_TUNING") == "" {
		t.Skip("set SANITIZE_TUNING=1")
	}
	c, err := corpus.Tuning()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range c.Notes {
		t.Log("note:", n)
	}
	p := mustParse(t, `{}`)
	type key struct{ class, set string }
	hit, total := map[key]int{}, map[key]int{}
	missClass := os.Getenv("SANITIZE_TUNING_MISSES")
	for _, it := range c.Attacks {
		k := key{it.Class, it.Set}
		total[k]++
		total[key{it.Class, "all"}]++
		if verdict(p, fromCorpus(it.Req)) != "" {
			hit[k]++
			hit[key{it.Class, "all"}]++
		} else if it.Class == missClass {
			t.Logf("miss %s %s %q", it.ID, it.Position, string(it.Req.Raw(false)))
		}
	}
	keys := make([]key, 0, len(total))
	for k := range total {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].class < keys[j].class || keys[i].class == keys[j].class && keys[i].set < keys[j].set
	})
	for _, k := range keys {
		t.Logf("%-10s %-9s %5d/%-5d %5.1f%%", k.class, k.set, hit[k], total[k], pct(hit[k], total[k]))
	}
	fp, n := map[string]int{}, map[string]int{}
	rules := map[string]int{}
	for _, it := range c.Benign {
		n[it.Set]++
		if rule := verdict(p, fromCorpus(it.Req)); rule != "" {
			fp[it.Set]++
			rules[rule]++
			if os.Getenv("SANITIZE_TUNING_FP") != "" {
				t.Logf("fp %s %s %s %q", rule, it.ID, it.Position, string(it.Req.Raw(false)))
			}
		}
	}
	all, allN := 0, 0
	for _, s := range corpus.BenignSets {
		t.Logf("benign %-15s fp %4d/%-6d %6.3f%%", s, fp[s], n[s], pct(fp[s], n[s]))
		all += fp[s]
		allN += n[s]
	}
	t.Logf("benign all fp %d/%d = %.3f%% by rule %v", all, allN, pct(all, allN), rules)
}
