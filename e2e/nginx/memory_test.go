package nginx

import (
	"errors"
	"os"
	"testing"
)

// rollup517 is /proc/<pid>/smaps_rollup as Linux 5.7 and later write it (Pss_Anon, Pss_File,
// Pss_Shmem), taken from a running process.
const rollup517 = `562363549000-7ffff9f24000 ---p 00000000 00:00 0                          [rollup]
Rss:                1752 kB
Pss:                 307 kB
Pss_Dirty:           116 kB
Pss_Anon:            116 kB
Pss_File:            191 kB
Pss_Shmem:             0 kB
Shared_Clean:       1596 kB
Private_Dirty:       116 kB
Anonymous:           116 kB
Swap:                  0 kB
SwapPss:               0 kB
`

func TestParseSmapsRollup(t *testing.T) {
	const kB = 1 << 10
	for _, tc := range []struct {
		name string
		text string
		want Smaps
		err  error
	}{
		{"with breakdown", rollup517, Smaps{RSS: 1752 * kB, PSS: 307 * kB, PSSAnon: 116 * kB, PSSFile: 191 * kB, HasBreakdown: true}, nil},
		{"before Linux 5.7: no breakdown", "00400000-7fff ---p 00000000 00:00 0 [rollup]\nRss:  900 kB\nPss:  450 kB\nSwapPss: 0 kB\n",
			Smaps{RSS: 900 * kB, PSS: 450 * kB}, nil},
		{"partial breakdown is no breakdown", "Rss: 10 kB\nPss: 8 kB\nPss_Anon: 4 kB\nPss_File: 4 kB\n", Smaps{RSS: 10 * kB, PSS: 8 * kB}, nil},
		{"tabs, no header, no final newline", "Rss:\t12 kB\nPss:\t6 kB\nPss_Anon:\t1 kB\nPss_File:\t2 kB\nPss_Shmem:\t3 kB",
			Smaps{RSS: 12 * kB, PSS: 6 * kB, PSSAnon: kB, PSSFile: 2 * kB, PSSShmem: 3 * kB, HasBreakdown: true}, nil},
		{"decoy: Pss in the header's path is not a field", "00-ff r--p 0 00:00 0 /tmp/Pss: 99 kB\nRss: 5 kB\nPss: 5 kB\n", Smaps{RSS: 5 * kB, PSS: 5 * kB}, nil},
		{"no Pss (a status file)", "Name:\tnginx\nVmRSS:\t  1234 kB\nRssAnon:\t 1000 kB\n", Smaps{}, ErrNoPSS},
		{"no Rss", "Pss: 5 kB\n", Smaps{}, ErrNoPSS},
		{"empty", "", Smaps{}, ErrNoPSS},
		{"negative amount", "Rss: 5 kB\nPss: -5 kB\n", Smaps{}, ErrBadKB},
		{"not a number", "Rss: 5 kB\nPss: 5x kB\n", Smaps{}, ErrBadKB},
		{"overflowing amount", "Rss: 5 kB\nPss: 99999999999999999999 kB\n", Smaps{}, ErrBadKB},
		{"amount without a unit is skipped", "Rss: 5 kB\nPss: 5\n", Smaps{}, ErrNoPSS},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseSmapsRollup(tc.text)
			if !errors.Is(err, tc.err) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestReadSmapsSelf reads this test process's smaps_rollup where the kernel has one: PSS is at
// most RSS and, with the breakdown, its parts add up to it (the kernel rounds each to a kB).
func TestReadSmapsSelf(t *testing.T) {
	if _, err := os.Stat("/proc/self/smaps_rollup"); err != nil {
		t.Skip("no /proc/self/smaps_rollup on this kernel")
	}
	s, err := ReadSmaps(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if s.PSS <= 0 || s.PSS > s.RSS {
		t.Errorf("PSS %d, RSS %d: want 0 < PSS <= RSS", s.PSS, s.RSS)
	}
	if sum := s.PSSAnon + s.PSSFile + s.PSSShmem; s.HasBreakdown && (sum < s.PSS-3<<10 || sum > s.PSS+3<<10) {
		t.Errorf("Pss_Anon+Pss_File+Pss_Shmem = %d, Pss %d", sum, s.PSS)
	}
	if RSS(os.Getpid()) <= 0 || RSSAnon(os.Getpid()) <= 0 {
		t.Errorf("RSS %d, RssAnon %d from /proc/self/status: want both > 0", RSS(os.Getpid()), RSSAnon(os.Getpid()))
	}
}

// FuzzParseSmapsRollup: any text parses without panicking, to a result with no negative amount
// and the breakdown only when PSS parsed, or to one of the parser's errors.
func FuzzParseSmapsRollup(f *testing.F) {
	f.Add(rollup517)
	f.Add("Rss: 5 kB\nPss: 5 kB\n")
	f.Add("Name:\tnginx\nVmRSS:\t  1234 kB\n")
	f.Add("Rss: 5 kB\nPss: -5 kB\n")
	f.Fuzz(func(t *testing.T, text string) {
		s, err := ParseSmapsRollup(text)
		if err != nil {
			if !errors.Is(err, ErrNoPSS) && !errors.Is(err, ErrBadKB) {
				t.Fatalf("unexpected error %v", err)
			}
			if s != (Smaps{}) {
				t.Fatalf("error %v with a result %+v", err, s)
			}
			return
		}
		for _, v := range []int64{s.RSS, s.PSS, s.PSSAnon, s.PSSFile, s.PSSShmem} {
			if v < 0 || v%1024 != 0 {
				t.Fatalf("amount %d in %+v: want a non-negative whole number of kB", v, s)
			}
		}
		if !s.HasBreakdown && s.PSSAnon+s.PSSFile+s.PSSShmem != 0 {
			t.Fatalf("breakdown without HasBreakdown: %+v", s)
		}
	})
}
