// Package wasmbin reads and writes the integers and names of the WebAssembly binary format
// (LEB128), for the tools that look into built modules (wasmsize, jumpthread).
// Hand-written: a few dozen lines, and no well-kept Go library exposes a wasm decoder (wazero's
// is internal).
package wasmbin

import "fmt"

// Reader decodes from B at Off; the first error sticks in Err, and every later read returns zero.
type Reader struct {
	B   []byte
	Off int
	Err error
}

// Byte reads one byte.
func (r *Reader) Byte() byte {
	if r.Err != nil || r.Off >= len(r.B) {
		r.fail(fmt.Errorf("unexpected end at %d", r.Off))
		return 0
	}
	r.Off++
	return r.B[r.Off-1]
}

// Uint reads an unsigned LEB128 integer.
func (r *Reader) Uint() uint64 {
	var v uint64
	for shift := 0; shift < 64; shift += 7 {
		c := r.Byte()
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v
		}
	}
	r.fail(fmt.Errorf("integer too long at %d", r.Off))
	return 0
}

// Int reads a signed LEB128 integer (i32.const, i64.const, block types).
func (r *Reader) Int() int64 {
	var v int64
	for shift := 0; shift < 70; shift += 7 {
		c := r.Byte()
		v |= int64(c&0x7f) << shift
		if c&0x80 == 0 {
			if shift+7 < 64 && c&0x40 != 0 {
				v |= -1 << (shift + 7)
			}
			return v
		}
	}
	r.fail(fmt.Errorf("integer too long at %d", r.Off))
	return 0
}

// Name reads a length-prefixed string.
func (r *Reader) Name() string {
	n := r.Uint()
	start := r.Off
	if !r.Skip(n) {
		return ""
	}
	return string(r.B[start:r.Off])
}

// Skip moves past n bytes; it fails, and reports false, when fewer remain.
func (r *Reader) Skip(n uint64) bool {
	if r.Err == nil && n > uint64(len(r.B)-r.Off) {
		r.fail(fmt.Errorf("%d bytes past the end at %d", n, r.Off))
	}
	if r.Err != nil {
		return false
	}
	r.Off += int(n)
	return true
}

// Section reads a section (or a name subsection, which is laid out alike): its id and content,
// and moves past it. A size past the end sets Err.
func (r *Reader) Section() (id byte, content []byte) {
	start := r.Off
	id = r.Byte()
	size := r.Uint()
	if r.Err == nil && size > uint64(len(r.B)-r.Off) {
		r.fail(fmt.Errorf("truncated section at %d", start))
	}
	if r.Err != nil {
		return 0, nil
	}
	content = r.B[r.Off : r.Off+int(size)]
	r.Off += int(size)
	return id, content
}

// Limits reads a table's or memory's limits.
func (r *Reader) Limits() {
	if r.Byte()&1 == 1 {
		r.Uint()
	}
	r.Uint()
}

func (r *Reader) fail(err error) {
	if r.Err == nil {
		r.Err = err
	}
}

// AppendUint appends v as an unsigned LEB128 integer.
func AppendUint(b []byte, v uint64) []byte {
	for {
		c := byte(v & 0x7f)
		if v >>= 7; v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// AppendInt appends v as a signed LEB128 integer.
func AppendInt(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 && c&0x40 == 0 || v == -1 && c&0x40 != 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}
