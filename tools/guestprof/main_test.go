package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// profile is `perf script -F ip,sym` output: two modules (3 and 5 functions), a start, a sample
// outside the guest, and one stack with a bogus frame above its export.
const profile = `
	    7f01 [1/5].github.com_x.Policy.OnRequest:::::L12
	    7f02 [2/5].glue.OnHttpRequestHeaders:::::L3
	    7f03 [3/5]proxy_on_request_headers:::::L0
	    7f04 entry_preamble::type=i32i32i32_i32

	    7f05 [4/5].runtime.mapaccess2_fast32:::::L1
	    7f06 [2/5].glue.OnHttpRequestHeaders:::::L9
	    7f07 [3/5]proxy_on_request_headers:::::L0
	    7f08 [0/5].audit.Excerpt.func1:::::L2

	    7f09 [1/5].github.com_x.Policy.OnRequest:::::L7
	    7f0a [0/5]proxy_on_configure:::::L0

	    7f0b [0/3]proxy_on_log:::::L4

	    7f0c harness.(*Host).Do
	    7f0d testing.(*B).run1
`

func TestReport(t *testing.T) {
	samples, err := parse(strings.NewReader(profile))
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) != 3 { // the start's and the host's stacks are left out
		t.Fatalf("%d samples, want 3: %+v", len(samples), samples)
	}
	if got := samples[1].frames; strings.Join(got, " ") != "runtime.mapaccess2_fast32 glue.OnHttpRequestHeaders proxy_on_request_headers" {
		t.Errorf("frames above the export not cut: %q", got)
	}
	var b bytes.Buffer
	report(&b, samples, 10)
	for _, want := range []string{
		"module of 5 functions: 2 samples\n  by export:\n        2  proxy_on_request_headers\n",
		"  self:\n        1  github.com_x.Policy.OnRequest\n        1  runtime.mapaccess2_fast32\n",
		"        2  glue.OnHttpRequestHeaders\n",
		"module of 3 functions: 1 samples\n  by export:\n        1  proxy_on_log\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	report(&b, ofModule(slices.Clone(samples), "3"), 10)
	if strings.Contains(b.String(), "module of 5") {
		t.Errorf("-module 3 reported another module:\n%s", b.String())
	}
	b.Reset()
	callees(&b, samples, "OnHttpRequestHeaders", 10)
	if want := "2 samples under \"OnHttpRequestHeaders\"\n        1  github.com_x.Policy.OnRequest\n        1  runtime.mapaccess2_fast32\n"; b.String() != want {
		t.Errorf("callees:\n%s\nwant:\n%s", b.String(), want)
	}
}
