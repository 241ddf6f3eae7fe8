package mask

import (
	"bytes"
	"slices"
	"testing"

	"github.com/tidwall/gjson"
)

// refRewrite is rewrite with the walk through gjson.Result and ForEach that the hand-written
// walk replaced: FuzzWalk's oracle.
func (set *ruleSet) refRewrite(body []byte, nrules int) (out []byte, fired []bool, changed bool, err error) {
	w := &set.w
	defer w.reset()
	src, err := w.start(set, body, nrules)
	if err != nil || len(w.selected) == 0 && len(set.detecting) == 0 {
		return nil, nil, false, err
	}
	if w.refValue(gjson.Parse(src), nil) {
		w.out = append(w.out[:0], "null"...)
	}
	return w.result()
}

// value writes v (rewritten) to w.out and returns true when v must be dropped instead. forced is
// the rule of an enclosing selected container whose action applies to every scalar inside.
func (w *rewriter) refValue(v gjson.Result, forced *rule) (drop bool) {
	if forced == nil && v.Index > 0 {
		if r := w.seek(v.Index); r != nil {
			w.fired[r.index] = true
			return w.refWhole(v, r)
		}
		if len(w.set.detecting) == 0 && !w.selectedBefore(v.Index+len(v.Raw)) {
			w.out = append(w.out, v.Raw...)
			return false
		}
	}
	switch {
	case v.IsObject():
		w.refContainer(v, forced, '{', '}', true)
	case v.IsArray():
		w.refContainer(v, forced, '[', ']', false)
	case forced != nil:
		w.refScalar(v, forced)
	case v.Type == gjson.String:
		return w.detect(v.Str, v.Raw)
	case v.Type == gjson.Number:
		return w.detect(v.Raw, v.Raw)
	default:
		w.out = append(w.out, v.Raw...)
	}
	return false
}

// container rewrites an object or array member by member; dropped members leave no trace.
func (w *rewriter) refContainer(v gjson.Result, forced *rule, open, close byte, object bool) {
	w.out = append(w.out, open)
	first := true
	v.ForEach(func(k, el gjson.Result) bool {
		mark := len(w.out)
		if !first {
			w.out = append(w.out, ',')
		}
		if object {
			w.out = append(w.out, k.Raw...)
			w.out = append(w.out, ':')
		}
		if w.refValue(el, forced) {
			w.out = w.out[:mark]
		} else {
			first = false
		}
		return true
	})
	w.out = append(w.out, close)
}

// whole applies r to a value selected by one of its paths.
func (w *rewriter) refWhole(v gjson.Result, r *rule) (drop bool) {
	switch {
	case r.action == actionDrop:
		return true
	case r.action == actionRedact:
		w.out = appendString(w.out, r.replacement)
	case v.IsObject():
		w.refContainer(v, r, '{', '}', true)
	case v.IsArray():
		w.refContainer(v, r, '[', ']', false)
	default:
		w.refScalar(v, r)
	}
	return false
}

// scalar applies a partial or hmac rule to a string or number; true, false and null have nothing
// to mask and stay.
func (w *rewriter) refScalar(v gjson.Result, r *rule) {
	switch v.Type {
	case gjson.String:
		w.buf = w.appendMasked(w.buf[:0], v.Str, r)
		w.out = appendBytes(w.out, w.buf)
	case gjson.Number:
		w.buf = w.appendMasked(w.buf[:0], v.Raw, r)
		w.out = appendBytes(w.out, w.buf)
	default:
		if r.action == actionRedact {
			w.out = appendString(w.out, r.replacement)
			return
		}
		w.out = append(w.out, v.Raw...)
	}
}

// FuzzWalk: the hand-written walk rewrites every valid body as the walk through gjson.Result
// did (same output, same fired rules), with detectors and with paths alone.
func FuzzWalk(f *testing.F) {
	for _, seed := range []string{
		`{"a":"alice@example.com","b":[1,"4111 1111 1111 1111",{"c":"+14155552671"}]}`,
		`[{"email":"x@y.io","card":4111111111111111},"DE89370400440532013000",null,true]`,
		`"\u00e9\ud83d\ude00 x@y.io \\ \" \u0000"`,
		` {"users" : [ {"password":"p", "cards":["5500000000000004"] } ] ,"session":{"token":"t"}} `,
		`{"":{"":[[],{}]}," a ":-1.5e-3, "b":[true,false,null,{"x":[]}]}`,
		"{\"a\":\"\xff\xfe x@y.io\"}",
		`{"a\"b":{"c":"d"},"card":{"n":"4111111111111111","m":[1,2.5e3,"x"]},"session":[1,{"a":"b"}]}`,
	} {
		f.Add([]byte(seed))
	}
	specs := []string{`{"rules":[
		{"id":"drop","paths":["users.#.password","session","a"],"detectors":["iban"],"action":"drop"},
		{"id":"part","paths":["users.#.cards","b.1"],"detectors":["card"],"action":"partial","keepLast":2},
		{"id":"tok","paths":["#.email","card"],"detectors":["email"],"action":"hmac"},
		{"id":"red","detectors":["phone"],"patterns":["[0-9]{3,}","é+"]}
	]}`, `{"rules":[
		{"id":"drop","paths":["users.#.password","a.c"],"action":"drop"},
		{"id":"part","paths":["users.#.cards","b.1","card"],"action":"partial"},
		{"id":"tok","paths":["#.email","b.2.c"],"action":"hmac"},
		{"id":"red","paths":["session","b"]}
	]}`}
	var ps []*Policy
	for _, spec := range specs {
		ps = append(ps, startedPolicy(f, []byte(spec)))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, p := range ps {
			want, wantFired, wantChanged, wantErr := p.resp.refRewrite(body, p.nrules)
			want, wantFired = bytes.Clone(want), slices.Clone(wantFired)
			got, gotFired, gotChanged, gotErr := p.resp.rewrite(body, p.nrules)
			if !bytes.Equal(got, want) || !slices.Equal(gotFired, wantFired) || gotChanged != wantChanged || gotErr != wantErr {
				t.Fatalf("rewrite(%q) = %q %v %v %v, through gjson.Result %q %v %v %v",
					body, got, gotFired, gotChanged, gotErr, want, wantFired, wantChanged, wantErr)
			}
		}
	})
}
