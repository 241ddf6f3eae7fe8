package glue

import (
	"encoding/binary"
	"slices"
	"testing"
)

// encodeMap is the proxy-wasm map encoding decodeMap reads (what hosts write).
func encodeMap(pairs [][2]string) []byte {
	b := binary.LittleEndian.AppendUint32(nil, uint32(len(pairs)))
	for _, p := range pairs {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(p[0])))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(p[1])))
	}
	for _, p := range pairs {
		b = append(append(b, p[0]...), 0)
		b = append(append(b, p[1]...), 0)
	}
	return b
}

// TestDecodeMap: pairs come back as the host encoded them, empty keys and values and NUL-free
// binary included, whatever an ended stream's list left in the storage decodeMap reuses (room
// for more pairs, for fewer, or none); malformed input panics (the callers' guards fail the
// request closed), a pair count larger than the input before anything is allocated for it.
func TestDecodeMap(t *testing.T) {
	stale := [][2]string{{"old", "1"}, {"old", "2"}, {"old", "3"}, {"old", "4"}}
	for _, pairs := range [][][2]string{
		{},
		{{":method", "GET"}, {":path", "/a?b=c"}, {"Host", "example.com"}, {"x-empty", ""}, {"", "v"}},
		{{"a", "1"}, {"a", "2"}, {"k", "\xff\x01 é"}},
	} {
		for _, dst := range [][][2]string{nil, slices.Clone(stale), slices.Clone(stale)[:1], make([][2]string, 0, 16)} {
			if got := decodeMap(dst, encodeMap(pairs)); !slices.Equal(got, pairs) {
				t.Errorf("decodeMap(%q, encodeMap(%q)) = %q", dst, pairs, got)
			}
		}
	}
	for _, bad := range [][]byte{nil, {1, 0, 0, 0}, {0xff, 0xff, 0xff, 0x7f}, slices.Clip(encodeMap([][2]string{{"key", "value"}})[:20])} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("decodeMap(%q): no panic", bad)
				}
			}()
			decodeMap(nil, bad)
		}()
	}
}

// FuzzDecodeMap: any pairs, NUL bytes and invalid UTF-8 included, come back as encoded.
func FuzzDecodeMap(f *testing.F) {
	f.Add("host", "example.com", "x", "")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		pairs := [][2]string{{k1, v1}, {k2, v2}}
		if got := decodeMap(nil, encodeMap(pairs)); !slices.Equal(got, pairs) {
			t.Errorf("decodeMap(nil, encodeMap(%q)) = %q", pairs, got)
		}
	})
}

// TestAppendPropertyPath: the proxy-wasm path encoding (parts joined by NUL, as the SDK's
// SerializePropertyPath makes it), appended after what the buffer held, which readProperty
// reuses.
func TestAppendPropertyPath(t *testing.T) {
	for _, tc := range []struct {
		parts []string
		want  string
	}{
		{nil, ""},
		{[]string{"request", "protocol"}, "request\x00protocol"},
		{[]string{"source", "address"}, "source\x00address"},
		{[]string{"xds", "route_name"}, "xds\x00route_name"},
		{[]string{"a"}, "a"},
		{[]string{"", "b", ""}, "\x00b\x00"},
	} {
		if got := string(appendPropertyPath(nil, tc.parts)); got != tc.want {
			t.Errorf("appendPropertyPath(%q) = %q, want %q", tc.parts, got, tc.want)
		}
		scratch := append(make([]byte, 0, 64), "stale"...)
		if got := string(appendPropertyPath(scratch[:0], tc.parts)); got != tc.want {
			t.Errorf("appendPropertyPath(reused, %q) = %q, want %q", tc.parts, got, tc.want)
		}
	}
}
