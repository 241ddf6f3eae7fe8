package main

import "testing"

func TestGoPackage(t *testing.T) {
	for sym, want := range map[string]string{
		"runtime.mallocgc": "runtime",
		"runtime.__gcCPULimiterState_.startGCTransition":              "runtime",
		"encoding_json.stringEncoder":                                 "encoding_json",
		"github.com_santhosh_tekuri_jsonschema_v5.__Schema_.validate": "github.com_santhosh_tekuri_jsonschema_v5",
		"golang.org_x_text_unicode_norm.Form.String":                  "golang.org_x_text_unicode_norm",
		"go.yaml.in_yaml_v3.Unmarshal":                                "go.yaml.in_yaml_v3",
		"type_.eq.internal_abi.ITab":                                  "type_",
		"go_buildid":                                                  "go_buildid",
		"":                                                            "(unnamed)",
	} {
		if got := goPackage(sym); got != want {
			t.Errorf("goPackage(%q) = %q, want %q", sym, got, want)
		}
	}
}

// tiny is a module with one imported function, two defined ones (bodies of 4 and 2 bytes),
// a 3-byte data section and names for both defined functions.
var tiny = []byte("\x00asm\x01\x00\x00\x00" +
	"\x01\x04\x01\x60\x00\x00" + // type: () -> ()
	"\x02\x07\x01\x01m\x01f\x00\x00" + // import m.f as function 0
	"\x03\x03\x02\x00\x00" + // functions 1 and 2
	"\x0a\x09\x02\x04\x00\x01\x01\x0b\x02\x00\x0b" + // code: bodies of 4 and 2 bytes
	"\x0b\x03\x00\x00\x00" + // data (content irrelevant here)
	"\x00\x16\x04name\x01\x0f\x02\x01\x05pkg.a\x02\x05pkg.b") // function names of 1 and 2

func TestParse(t *testing.T) {
	m, err := parse(tiny)
	if err != nil {
		t.Fatal(err)
	}
	if m.perPackage["pkg"] != 6 || len(m.perPackage) != 1 || m.data != 3 || m.code != 9 {
		t.Fatalf("got %+v", m)
	}
	for _, bad := range [][]byte{nil, []byte("\x00asm"), tiny[:len(tiny)-3], []byte("\x00asm\x01\x00\x00\x00\x0a\xff\xff\xff\xff\x0f")} {
		if _, err := parse(bad); err == nil {
			t.Errorf("parse(%q): no error", bad)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(tiny)
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = parse(b) })
}
