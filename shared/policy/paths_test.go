package policy

import (
	"errors"
	"testing"

	"github.com/wasmward/wasmward/shared/pathnorm"
)

func TestNormalizedPathAndHost(t *testing.T) {
	r := NewRequest([][2]string{{":path", "/public/..;/ADMIN%2fx?q=/../a"}, {":authority", "API.example.com.:443"}}, nil, nil)
	if _, err := r.NormalizedPath(); !errors.Is(err, pathnorm.ErrAmbiguous) {
		t.Fatalf("default options: err = %v, want ErrAmbiguous", err)
	}
	if d := PathRejected(pathnorm.ErrAmbiguous); d.Verdict != Deny || d.Reply.Status != 400 || d.Reason != ReasonAmbiguousPath {
		t.Errorf("PathRejected(ErrAmbiguous) = %+v", d)
	}
	if d := PathRejected(pathnorm.ErrMalformed); d.Reason != ReasonMalformedPath {
		t.Errorf("PathRejected(ErrMalformed) = %+v", d)
	}
	r.SetPathOptions(pathnorm.Options{DecodeAmbiguous: true, FoldCase: true})
	if p, err := r.NormalizedPath(); p != "/admin/x" || err != nil {
		t.Errorf("NormalizedPath() = %q, %v", p, err)
	}
	r.Path = "/Other"
	if p, err := r.NormalizedPath(); p != "/other" || err != nil {
		t.Errorf("after a new Path: NormalizedPath() = %q, %v", p, err)
	}
	if !r.PathOptions().FoldCase {
		t.Error("PathOptions lost FoldCase")
	}
	if h := r.NormalizedHost(); h != "api.example.com" {
		t.Errorf("NormalizedHost() = %q", h)
	}
	if h := r.NormalizedHost(); h != "api.example.com" {
		t.Errorf("NormalizedHost() again = %q", h)
	}
	r.Authority = "Other.example.com:8443"
	if h := r.NormalizedHost(); h != "other.example.com" {
		t.Errorf("after a new Authority: NormalizedHost() = %q", h)
	}
}
