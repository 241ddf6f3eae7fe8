package nginx

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// RSS returns the resident set size of pid in bytes, 0 if it is gone. It counts every page the
// process maps in full, shared ones included (see Smaps for the proportional share).
func RSS(pid int) int64 { return statusKB(pid, "VmRSS") }

// RSSAnon is the part of RSS (in bytes) that is the process's own anonymous memory: RSS less the
// file-backed pages (binaries, shared libraries, a Wasmtime cache file's code mapped from disk),
// which the page cache holds once for every worker that maps them, and shared memory.
func RSSAnon(pid int) int64 { return statusKB(pid, "RssAnon") }

// statusKB reads a "kB" field of /proc/<pid>/status, in bytes; 0 when it cannot be read.
func statusKB(pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	kb, _ := kBFields(string(b))
	return kb[field]
}

// Smaps is a process's memory from /proc/<pid>/smaps_rollup, in bytes. PSS (proportional set
// size) charges each resident page to the processes mapping it in equal parts: a page shared by
// a master and two workers counts a third in each, so the PSS of all processes adds up to the
// physical memory they use, which the sum of their RSS overstates. The breakdown (Linux 5.7 and
// later; HasBreakdown false before) splits PSS into anonymous memory (the process's own, and
// copy-on-write pages still shared with the master since fork), file-backed pages (nginx,
// libraries, mapped files) and shared memory (nginx's shm zones, memfd images).
type Smaps struct {
	RSS, PSS                   int64
	PSSAnon, PSSFile, PSSShmem int64
	HasBreakdown               bool
}

// ErrNoPSS is returned when smaps_rollup text has no Rss or no Pss line.
var ErrNoPSS = errors.New("smaps_rollup: no Rss or Pss line")

// ReadSmaps reads /proc/<pid>/smaps_rollup.
func ReadSmaps(pid int) (Smaps, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return Smaps{}, err
	}
	return ParseSmapsRollup(string(b))
}

// ParseSmapsRollup parses the text of /proc/<pid>/smaps_rollup: a header line naming the
// [rollup] range, then "Name:   <n> kB" lines. Rss and Pss are required (ErrNoPSS); the
// Pss_Anon, Pss_File and Pss_Shmem breakdown is taken when all three are present. A kB line
// whose number does not parse is an error.
func ParseSmapsRollup(text string) (Smaps, error) {
	kb, err := kBFields(text)
	if err != nil {
		return Smaps{}, err
	}
	rss, okRSS := kb["Rss"]
	pss, okPSS := kb["Pss"]
	if !okRSS || !okPSS {
		return Smaps{}, ErrNoPSS
	}
	s := Smaps{RSS: rss, PSS: pss}
	anon, okA := kb["Pss_Anon"]
	file, okF := kb["Pss_File"]
	shmem, okS := kb["Pss_Shmem"]
	if okA && okF && okS {
		s.PSSAnon, s.PSSFile, s.PSSShmem, s.HasBreakdown = anon, file, shmem, true
	}
	return s, nil
}

// ErrBadKB is returned for a "Name: ... kB" line whose amount is not a whole number of kB.
var ErrBadKB = errors.New("bad kB amount")

// kBFields returns the "Name:   <n> kB" lines of a /proc file (status, smaps_rollup) as bytes by
// name; lines of other shapes (status's Name:, State:, smaps' range header) are skipped. The
// format is the kernel's and this small, so it is parsed here: prometheus/procfs (v0.12) reads
// smaps_rollup but not the Pss_Anon/Pss_File/Pss_Shmem breakdown.
func kBFields(text string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, line := range strings.Split(text, "\n") {
		name, rest, ok := strings.Cut(line, ":")
		amount, isKB := strings.CutSuffix(strings.TrimSpace(rest), " kB")
		if !ok || !isKB || strings.ContainsAny(name, " \t") {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSpace(amount), 10, 50)
		if err != nil {
			return nil, fmt.Errorf("%w: %q", ErrBadKB, line)
		}
		out[name] = int64(n) << 10
	}
	return out, nil
}
