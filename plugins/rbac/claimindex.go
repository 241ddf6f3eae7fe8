package rbac

import "github.com/tidwall/gjson"

// The claim index makes string claim matchers (contains, equals, anyOf) cost one bit test: at
// Parse, every (claim path, string value) pair they name gets a bit; per request, each indexed
// path is read with gjson once and its string value or string array elements set their bits.
// The index is bounded (maxIndexedPaths paths, maxIndexedValues values) so evalCtx stays a fixed
// size; matchers past the bounds query gjson directly, with the same result.
const (
	maxIndexedPaths  = 8
	maxIndexedValues = 512
)

// claimIndex is built at Parse.
type claimIndex struct {
	paths  []string
	values []map[string]uint16 // per path: value → bit
	nbits  int
}

// add registers path=value and returns the path index and bit, or ok=false when full.
func (x *claimIndex) add(path, value string) (pathIdx int, bit uint16, ok bool) {
	pathIdx = -1
	for i, p := range x.paths {
		if p == path {
			pathIdx = i
		}
	}
	if pathIdx < 0 {
		if len(x.paths) == maxIndexedPaths {
			return 0, 0, false
		}
		x.paths = append(x.paths, path)
		x.values = append(x.values, map[string]uint16{})
		pathIdx = len(x.paths) - 1
	}
	if b, seen := x.values[pathIdx][value]; seen {
		return pathIdx, b, true
	}
	if x.nbits == maxIndexedValues {
		return 0, 0, false
	}
	bit = uint16(x.nbits)
	x.nbits++
	x.values[pathIdx][value] = bit
	return pathIdx, bit, true
}

// claimBits is the indexed claims of one claims value: which paths were read, and which value
// bits are set by a string claim (scalar) or by a string element of an array claim (elem).
type claimBits struct {
	loaded       uint8
	scalar, elem [maxIndexedValues / 64]uint64
}

// noClaims is the bits of a request without claims: none set. Read only.
var noClaims claimBits

// indexed returns the bits of the request's claims with path pi read. The bits belong to the
// claims last checked (claimsCheck), which the request's are: consecutive requests of one
// caller share them, and each path is read with gjson once per claims value, not per request.
func (c *evalCtx) indexed(pi int) *claimBits {
	claims := c.claims()
	if claims == "" {
		return &noClaims
	}
	b := &c.p.lastClaims.bits
	if b.loaded&(1<<pi) != 0 {
		return b
	}
	b.loaded |= 1 << pi
	x := &c.p.claimIndex
	r := gjson.Get(claims, x.paths[pi])
	values := x.values[pi]
	switch {
	case r.Type == gjson.String:
		if bit, ok := values[r.Str]; ok {
			b.scalar[bit/64] |= 1 << (bit % 64)
		}
	case r.IsArray():
		r.ForEach(func(_, el gjson.Result) bool {
			if el.Type == gjson.String {
				if bit, ok := values[el.Str]; ok {
					b.elem[bit/64] |= 1 << (bit % 64)
				}
			}
			return true
		})
	}
	return b
}

func (b *claimBits) has(set *[maxIndexedValues / 64]uint64, bit uint16) bool {
	return set[bit/64]&(1<<(bit%64)) != 0
}
