package sanitize

import (
	"fmt"
	"testing"
)

// TestHeaderNames checks that what headerNames remembers of a name is what the name says, for
// names that share slots and for names looked up again after another took their slot.
func TestHeaderNames(t *testing.T) {
	var hn headerNames
	names := []string{"user-agent", "accept", "referer", "origin", "authorization", "x-api-key", "cookie",
		"content-length", "sec-ch-ua-platform", "x-note", ""}
	for i := 0; i < 3*headerNameSlots; i++ {
		names = append(names, fmt.Sprintf("x-custom-%d", i))
	}
	for round := 0; round < 2; round++ {
		for _, name := range names {
			got, want := hn.get(name), newHeaderName(name)
			if *got != *want {
				t.Fatalf("get(%q) = %+v, want %+v", name, *got, *want)
			}
		}
	}
	for name, want := range map[string]headerName{
		"user-agent":     {name: "user-agent", loc: "header.user-agent"},
		"referer":        {name: "referer", loc: "header.referer", urlQuery: "header.referer|query"},
		"authorization":  {name: "authorization", loc: "header.authorization", skip: true, secret: true},
		"content-length": {name: "content-length", loc: "header.content-length", skip: true},
	} {
		if got := hn.get(name); *got != want {
			t.Errorf("get(%q) = %+v, want %+v", name, *got, want)
		}
	}
}
