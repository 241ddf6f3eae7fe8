package nginx

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// BenchRoundsEnv sets how many rounds TestBenchNginx runs (default 3). A round runs every row
// once, in the table's order, so each row's rounds are spread over the run and a ratio compares
// rows measured a minute or two apart. On a shared two-core machine one row's req/s moves by
// 10–30 % between runs while the ratios of rows measured together move less: the table gives
// each row's median over the rounds and each ratio as the median of the rounds' ratios, with
// their range.
const BenchRoundsEnv = "WASMWARD_BENCH_ROUNDS"

// benchRounds is the number of rounds (BenchRoundsEnv, default 3).
func benchRounds(t *testing.T) int { return envCount(t, BenchRoundsEnv, "rounds", 3, 20) }

// roundResults is one row's results, one per round, in round order.
type roundResults []benchResult

// median returns the row's result with each measured field the median of the rounds' (field by
// field: the medians need not come from one round). A row skipped in any round is skipped. The
// compile cache and the statuses are given once when every round agrees, else round by round.
func (rs roundResults) median() benchResult {
	if len(rs) == 0 {
		return benchResult{}
	}
	out := benchResult{row: rs[0].row, pssRead: true}
	var caches, statuses []string
	for _, r := range rs {
		if r.skipped != "" {
			return r
		}
		out.pssRead = out.pssRead && r.pssRead
		caches, statuses = append(caches, r.cached), append(statuses, r.statuses)
	}
	out.cached, out.statuses = sameOrEach(caches), sameOrEach(statuses)
	out.ready = medianOf(rs, func(r benchResult) time.Duration { return r.ready })
	out.rate = medianOf(rs, func(r benchResult) float64 { return r.rate })
	out.p50 = medianOf(rs, func(r benchResult) time.Duration { return r.p50 })
	out.p99 = medianOf(rs, func(r benchResult) time.Duration { return r.p99 })
	out.cpu = medianOf(rs, func(r benchResult) time.Duration { return r.cpu })
	out.rssWarm = medianOf(rs, func(r benchResult) int64 { return r.rssWarm })
	out.rssEnd = medianOf(rs, func(r benchResult) int64 { return r.rssEnd })
	out.anonEnd = medianOf(rs, func(r benchResult) int64 { return r.anonEnd })
	out.pssTotal = medianOf(rs, func(r benchResult) int64 { return r.pssTotal })
	out.pssEnd = Smaps{
		RSS:          medianOf(rs, func(r benchResult) int64 { return r.pssEnd.RSS }),
		PSS:          medianOf(rs, func(r benchResult) int64 { return r.pssEnd.PSS }),
		PSSAnon:      medianOf(rs, func(r benchResult) int64 { return r.pssEnd.PSSAnon }),
		PSSFile:      medianOf(rs, func(r benchResult) int64 { return r.pssEnd.PSSFile }),
		PSSShmem:     medianOf(rs, func(r benchResult) int64 { return r.pssEnd.PSSShmem }),
		HasBreakdown: rs[0].pssEnd.HasBreakdown,
	}
	return out
}

// rateRatio is the row's req/s over ref's, round by round (rows of one round were measured
// together): the median of those ratios, and with more than one round their range, as
// "0.86 (0.84–0.88)"; "-" when a rate is missing, "1.00" against itself.
func (rs roundResults) rateRatio(ref roundResults) string {
	switch {
	case len(ref) != len(rs) || len(rs) == 0:
		return "-"
	case rs[0].row.name == ref[0].row.name:
		return "1.00"
	}
	ratios := make([]float64, len(rs))
	for i := range rs {
		if rs[i].rate == 0 || ref[i].rate == 0 {
			return "-"
		}
		ratios[i] = rs[i].rate / ref[i].rate
	}
	med := medianOf(ratios, func(f float64) float64 { return f })
	if len(ratios) == 1 {
		return fmt.Sprintf("%.2f", med)
	}
	return fmt.Sprintf("%.2f (%.2f–%.2f)", med, slices.Min(ratios), slices.Max(ratios))
}

// medianOf is the median of field over xs: the middle value, or the mean of the two middle ones.
func medianOf[X any, T int64 | float64 | time.Duration](xs []X, field func(X) T) T {
	vs := make([]T, len(xs))
	for i, x := range xs {
		vs[i] = field(x)
	}
	slices.SortFunc(vs, cmp.Compare[T])
	if n := len(vs); n%2 == 0 {
		return (vs[n/2-1] + vs[n/2]) / 2
	}
	return vs[len(vs)/2]
}

// sameOrEach is the one value every round gave, or each round's, " / "-separated.
func sameOrEach(vs []string) string {
	for _, v := range vs {
		if v != vs[0] {
			return strings.Join(vs, " / ")
		}
	}
	return vs[0]
}

func TestBenchRoundsMedian(t *testing.T) {
	rs := roundResults{
		{rate: 100, cpu: 30 * time.Microsecond, cached: "miss", statuses: "200×10", pssRead: true},
		{rate: 300, cpu: 10 * time.Microsecond, cached: "hit", statuses: "200×10", pssRead: true},
		{rate: 200, cpu: 20 * time.Microsecond, cached: "hit", statuses: "200×10", pssRead: true},
	}
	m := rs.median()
	if m.rate != 200 || m.cpu != 20*time.Microsecond || m.cached != "miss / hit / hit" || m.statuses != "200×10" || !m.pssRead {
		t.Errorf("median = rate %v, cpu %v, cached %q, statuses %q, pssRead %v", m.rate, m.cpu, m.cached, m.statuses, m.pssRead)
	}
	if got := medianOf([]float64{4, 1, 3, 2}, func(f float64) float64 { return f }); got != 2.5 {
		t.Errorf("medianOf even = %v, want 2.5", got)
	}
	ref := roundResults{{row: benchRow{name: "ref"}, rate: 200}, {rate: 300}, {rate: 400}}
	if got, want := rs.rateRatio(ref), "0.50 (0.50–1.00)"; got != want {
		t.Errorf("rateRatio = %q, want %q", got, want)
	}
	if got := ref.rateRatio(ref); got != "1.00" {
		t.Errorf("against itself: rateRatio = %q", got)
	}
	if got := rs[:1].rateRatio(ref[:1]); got != "0.50" {
		t.Errorf("one round: rateRatio = %q", got)
	}
	if got := rs.rateRatio(ref[:2]); got != "-" {
		t.Errorf("rounds differ: rateRatio = %q", got)
	}
	skipped := append(rs, benchResult{skipped: "skipped: no apt"})
	if m := skipped.median(); m.skipped == "" {
		t.Error("a row skipped in one round is not skipped")
	}
}

// TestClosing: the settling request is the measured one with Connection: close after its
// request line, headers and body untouched.
func TestClosing(t *testing.T) {
	req := PostRequest("/p", "h", [][2]string{{"a", "1"}}, "application/json", []byte(`{"x":1}`))
	want := "POST /p HTTP/1.1\r\nConnection: close\r\nHost: h\r\na: 1\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"x\":1}"
	if got := string(closing(req)); got != want {
		t.Errorf("closing = %q, want %q", got, want)
	}
	if string(req) == want {
		t.Error("closing changed its argument")
	}
}

// TestSelectRows: an exact row name selects that row alone, commas and all; otherwise each
// comma-separated prefix selects the rows starting with it.
func TestSelectRows(t *testing.T) {
	rows := []benchRow{{name: "sanitize"}, {name: "sanitize, JSON body"}, {name: "full chain, separate filters"}, {name: "full chain, one VM"}}
	names := func(rs []benchRow) (out []string) {
		for _, r := range rs {
			out = append(out, r.name)
		}
		return out
	}
	for only, want := range map[string][]string{
		"sanitize, JSON body": {"sanitize, JSON body"},
		"full chain, one VM":  {"full chain, one VM"},
		"sanitize":            {"sanitize"},
		"sanitiz":             {"sanitize", "sanitize, JSON body"},
		"full chain,sanitize": {"sanitize", "sanitize, JSON body", "full chain, separate filters", "full chain, one VM"},
		"nothing":             nil,
	} {
		if got := names(selectRows(rows, only)); !slices.Equal(got, want) {
			t.Errorf("selectRows(%q) = %q, want %q", only, got, want)
		}
	}
}
