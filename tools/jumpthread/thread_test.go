package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/wasmward/wasmward/tools/internal/wasmbin"
)

// TestThreadedRunsAlike builds testdata/prog with Go for wasip1, threads it, and runs both in
// wazero: the same output, with most jumps threaded and loops of their own.
func TestThreadedRunsAlike(t *testing.T) {
	module := filepath.Join(t.TempDir(), "prog.wasm")
	build := exec.Command("go", "build", "-o", module, "./testdata/prog")
	build.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	original, err := os.ReadFile(module)
	require.NoError(t, err)

	threaded, st, err := Thread(original)
	require.NoError(t, err)
	require.Zero(t, st.Skipped, "every body Go emits decodes")
	require.Zero(t, st.Kept, "every rewrite branches to enclosing blocks")
	require.Greater(t, st.Threaded, 1000)
	require.Greater(t, st.Loops, 200)
	require.Greater(t, st.Reentered, 20, "loops with calls move too (pipeline's goroutines resume inside theirs)")
	require.Greater(t, st.Threaded, 5*st.Dispatched, "few jumps are left to the dispatch")
	t.Logf("%d jumps threaded, %d loops of their own (%d resumed inside), %d jumps left to the dispatch, in %d functions; %d → %d bytes",
		st.Threaded, st.Loops, st.Reentered, st.Dispatched, st.Functions, len(original), len(threaded))

	want := run(t, original)
	require.Contains(t, want, "pipeline 41791750")
	require.Contains(t, want, "recovered: runtime error: index out of range [5] with length 3")
	require.Equal(t, want, run(t, threaded))
}

// run runs a wasip1 command module in wazero and returns its standard output.
func run(t *testing.T, module []byte) string {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	var stdout bytes.Buffer
	_, err := r.InstantiateWithConfig(ctx, module, wazero.NewModuleConfig().WithStdout(&stdout).WithStderr(os.Stderr))
	require.NoError(t, err)
	return stdout.String()
}

// body assembles a function body: no locals, then code.
func body(code ...byte) []byte { return append([]byte{0}, code...) }

// A dispatch loop of two chain blocks and three segments, as Go lays one out: PC_B (local 0)
// picks segment 0 (after $b1), 1 (after $b0) or 2 (after the loop's blocks, inside the loop).
var (
	dispatchHead = []byte{
		0x03, 0x40, // loop $dispatch
		0x02, 0x40, // block $b0
		0x02, 0x40, // block $b1
		0x20, 0x00, // local.get 0
		0x0e, 0x02, 0x00, 0x01, 0x01, // br_table 0 1, default 1: PC_B 0 → $b1, else $b0
		0x0b, // end $b1: segment 0
	}
	jumpTo1 = []byte{0x41, 0x01, 0x21, 0x00, 0x0c, 0x01} // i32.const 1; local.set 0; br $dispatch (depth 1 inside $b0)
	jumpTo0 = []byte{0x41, 0x00, 0x21, 0x00, 0x0c, 0x00} // from segment 1: br $dispatch is depth 0
)

func TestThreadBody(t *testing.T) {
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	for _, tc := range []struct {
		name       string
		in, want   []byte
		threaded   int
		dispatched int
		skipped    int
		functions  int
	}{
		{
			name:     "forward jump from segment 0 to segment 1 branches to $b0",
			in:       body(cat(dispatchHead, jumpTo1, []byte{0x0b, 0x0b, 0x0b})...),
			want:     body(cat(dispatchHead, []byte{0x41, 0x01, 0x21, 0x00, 0x0c, 0x00}, []byte{0x0b, 0x0b, 0x0b})...),
			threaded: 1, functions: 1,
		},
		{
			name:       "backward jump from segment 1 to segment 0 stays",
			in:         body(cat(dispatchHead, []byte{0x0b}, jumpTo0, []byte{0x0b, 0x0b})...),
			want:       body(cat(dispatchHead, []byte{0x0b}, jumpTo0, []byte{0x0b, 0x0b})...),
			dispatched: 1, functions: 1,
		},
		{
			name:      "a jump that does not set PC_B just before is not a dispatch jump",
			in:        body(cat(dispatchHead, []byte{0x41, 0x01, 0x21, 0x05, 0x0c, 0x01}, []byte{0x0b, 0x0b, 0x0b})...),
			want:      body(cat(dispatchHead, []byte{0x41, 0x01, 0x21, 0x05, 0x0c, 0x01}, []byte{0x0b, 0x0b, 0x0b})...),
			functions: 1,
		},
		{
			name: "no dispatch loop",
			in:   body(0x41, 0x01, 0x1a, 0x0b),
			want: body(0x41, 0x01, 0x1a, 0x0b),
		},
		{
			name:    "an instruction Go does not emit (table.grow) leaves the body",
			in:      body(cat(dispatchHead, []byte{0xfc, 0x0f, 0x00}, jumpTo1, []byte{0x0b, 0x0b, 0x0b})...),
			want:    body(cat(dispatchHead, []byte{0xfc, 0x0f, 0x00}, jumpTo1, []byte{0x0b, 0x0b, 0x0b})...),
			skipped: 1,
		},
		{
			name: "unbalanced ends leave the body",
			in:   body(cat(dispatchHead, []byte{0x0b, 0x0b, 0x0b, 0x0b, 0x0b})...),
			want: body(cat(dispatchHead, []byte{0x0b, 0x0b, 0x0b, 0x0b, 0x0b})...),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var st Stats
			require.Equal(t, tc.want, threadBody(tc.in, &st))
			require.Equal(t, tc.threaded, st.Threaded)
			require.Equal(t, tc.dispatched, st.Dispatched)
			require.Equal(t, tc.skipped, st.Skipped)
			require.Equal(t, tc.functions, st.Functions)
		})
	}
}

// sumTo and sumToRotated are functions (pc, n i32) → i32 laid out as Go lays one out: a
// dispatch loop on PC_B (pc) over four segments, of which two are a loop. Called with pc 0 they
// return 0+1+...+(n-1). sumTo's loop is entered at its top (the condition, then the body, which
// jumps back); sumToRotated's, as Go lays out a `for` loop, at its condition after its body.
var sumTo = body(
	0x03, 0x40, // loop $dispatch
	0x02, 0x40, 0x02, 0x40, 0x02, 0x40, 0x02, 0x40, // block $c0 $c1 $c2 $c3
	0x20, 0x00, 0x0e, 0x04, 0x00, 0x01, 0x02, 0x03, 0x03, // br_table on pc: 0 → $c3 ... 3 → $c0
	0x0b,                                           // end $c3: segment 3, pc 0
	0x41, 0x00, 0x21, 0x02, 0x41, 0x00, 0x21, 0x03, // sum = 0; i = 0
	0x0b,                                     // end $c2: segment 2, pc 1: the loop's condition
	0x20, 0x03, 0x20, 0x01, 0x4e, 0x04, 0x40, // if i >= n
	0x41, 0x03, 0x21, 0x00, 0x0c, 0x03, 0x0b, //   jump to pc 3 (forward)
	0x0b,                                     // end $c1: segment 1, pc 2: the loop's body
	0x20, 0x02, 0x20, 0x03, 0x6a, 0x21, 0x02, // sum += i
	0x20, 0x03, 0x41, 0x01, 0x6a, 0x21, 0x03, // i++
	0x41, 0x01, 0x21, 0x00, 0x0c, 0x01, // jump to pc 1 (backward)
	0x0b,             // end $c0: segment 0, pc 3
	0x20, 0x02, 0x0f, // return sum
	0x0b, 0x00, 0x0b, // end $dispatch; unreachable; end
)

var sumToRotated = body(
	0x03, 0x40, // loop $dispatch
	0x02, 0x40, 0x02, 0x40, 0x02, 0x40, 0x02, 0x40, // block $c0 $c1 $c2 $c3
	0x20, 0x00, 0x0e, 0x04, 0x00, 0x01, 0x02, 0x03, 0x03, // br_table on pc: 0 → $c3 ... 3 → $c0
	0x0b,                                           // end $c3: segment 3, pc 0
	0x41, 0x00, 0x21, 0x02, 0x41, 0x00, 0x21, 0x03, // sum = 0; i = 0
	0x41, 0x02, 0x21, 0x00, 0x0c, 0x03, // jump to pc 2, the condition (forward)
	0x0b,                                     // end $c2: segment 2, pc 1: the loop's body
	0x20, 0x02, 0x20, 0x03, 0x6a, 0x21, 0x02, // sum += i
	0x20, 0x03, 0x41, 0x01, 0x6a, 0x21, 0x03, // i++, then on into the condition
	0x0b,                                     // end $c1: segment 1, pc 2: the loop's condition
	0x20, 0x03, 0x20, 0x01, 0x48, 0x04, 0x40, // if i < n
	0x41, 0x01, 0x21, 0x00, 0x0c, 0x02, 0x0b, //   jump to pc 1, the body (backward)
	0x0b,             // end $c0: segment 0, pc 3, after the loop
	0x20, 0x02, 0x0f, // return sum
	0x0b, 0x00, 0x0b, // end $dispatch; unreachable; end
)

// sumToResumed is sumToRotated adding i+1, with a call in its loop's body after which Go's code
// would resume an unwound goroutine: segment 2 (pc 2), inside the loop. Called at pc 0 it returns
// 1000+1+2+...+n; called at pc 2 (a resumption: its locals zero, i becomes 1 there) 2+...+n,
// where a resumption that went to the loop's condition instead would add the 1 too.
var sumToResumed = body(
	0x03, 0x40, // loop $dispatch
	0x02, 0x40, 0x02, 0x40, 0x02, 0x40, 0x02, 0x40, 0x02, 0x40, // block $c0 ... $c4
	0x20, 0x00, 0x0e, 0x05, 0x00, 0x01, 0x02, 0x03, 0x04, 0x04, // br_table on pc: 0 → $c4 ... 4 → $c0
	0x0b,                                                 // end $c4: segment 4, pc 0
	0x41, 0xe8, 0x07, 0x21, 0x02, 0x41, 0x00, 0x21, 0x03, // sum = 1000; i = 0
	0x41, 0x03, 0x21, 0x00, 0x0c, 0x04, // jump to pc 3, the condition (forward)
	0x0b,                                                       // end $c3: segment 3, pc 1: the loop's body
	0x20, 0x02, 0x20, 0x03, 0x6a, 0x41, 0x01, 0x6a, 0x21, 0x02, // sum += i + 1
	0x41, 0x00, 0x41, 0x00, 0x10, 0x01, 0x1a, // call 1 (returns 0: no unwinding), on into pc 2
	0x0b,                                     // end $c2: segment 2, pc 2: where the call resumes
	0x20, 0x03, 0x41, 0x01, 0x6a, 0x21, 0x03, // i++, then on into the condition
	0x0b,                                     // end $c1: segment 1, pc 3: the loop's condition
	0x20, 0x03, 0x20, 0x01, 0x48, 0x04, 0x40, // if i < n
	0x41, 0x01, 0x21, 0x00, 0x0c, 0x02, 0x0b, //   jump to pc 1, the body (backward)
	0x0b,             // end $c0: segment 0, pc 4, after the loop
	0x20, 0x02, 0x0f, // return sum
	0x0b, 0x00, 0x0b, // end $dispatch; unreachable; end
)

// module wraps a body of type (i32, i32) → i32 with two more i32 locals as the exported "f",
// then function 1 of the same type, which returns 0.
func module(b []byte) []byte {
	code := append([]byte{0x01, 0x02, 0x7f}, b[1:]...) // the locals: two i32
	zero := []byte{0x00, 0x41, 0x00, 0x0b}             // no locals; i32.const 0
	sec := func(id byte, content ...byte) []byte {
		return append(append([]byte{id}, wasmbin.AppendUint(nil, uint64(len(content)))...), content...)
	}
	return bytes.Join([][]byte{[]byte("\x00asm\x01\x00\x00\x00"),
		sec(1, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f),
		sec(3, 0x02, 0x00, 0x00),
		sec(7, 0x01, 0x01, 'f', 0x00, 0x00),
		sec(10, bytes.Join([][]byte{{0x02}, wasmbin.AppendUint(nil, uint64(len(code))), code,
			{byte(len(zero))}, zero}, nil)...),
	}, nil)
}

// TestLoopRunsAlike threads sumTo, sumToRotated and sumToResumed (the jumps direct, the loop a
// loop of its own) and runs each as it was and threaded in wazero, from its start and, for
// sumToResumed, resumed inside its loop.
func TestLoopRunsAlike(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		body []byte
		want Stats
		runs map[[2]uint64]uint64 // pc, n → the result
	}{
		{"entered at its top", sumTo, Stats{Functions: 1, Threaded: 2, Loops: 1}, sumsFromStart},
		{"rotated, entered at its condition", sumToRotated, Stats{Functions: 1, Threaded: 2, Loops: 1}, sumsFromStart},
		{"resumed after a call inside", sumToResumed, Stats{Functions: 1, Threaded: 2, Loops: 1, Reentered: 1},
			map[[2]uint64]uint64{{0, 0}: 1000, {0, 10}: 1055, {2, 0}: 0, {2, 1}: 0, {2, 2}: 2, {2, 10}: 54}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			original := module(tc.body)
			threaded, st, err := Thread(original)
			require.NoError(t, err)
			require.Equal(t, tc.want, st)
			for _, m := range [][]byte{original, threaded} {
				r := wazero.NewRuntime(ctx)
				inst, err := r.Instantiate(ctx, m)
				require.NoError(t, err)
				for in, want := range tc.runs {
					got, err := inst.ExportedFunction("f").Call(ctx, in[0], in[1])
					require.NoError(t, err)
					require.Equal(t, want, got[0], "pc %d, n %d", in[0], in[1])
				}
				require.NoError(t, r.Close(ctx))
			}
		})
	}
}

// sumsFromStart is sumTo's results called at pc 0, by (pc, n): 0+1+...+(n-1).
var sumsFromStart = map[[2]uint64]uint64{{0, 0}: 0, {0, 1}: 0, {0, 2}: 1, {0, 10}: 45}

// FuzzThread: any input is refused or rewritten without a panic.
func FuzzThread(f *testing.F) {
	code := body(append(append(append([]byte(nil), dispatchHead...), jumpTo1...), 0x0b, 0x0b, 0x0b)...)
	section := append([]byte{0x01, byte(len(code))}, code...)
	f.Add(append([]byte("\x00asm\x01\x00\x00\x00\x0a"), append([]byte{byte(len(section))}, section...)...))
	f.Add([]byte("\x00asm\x01\x00\x00\x00"))
	f.Add(module(sumTo))
	f.Add(module(sumToRotated))
	f.Add(module(sumToResumed))
	f.Fuzz(func(t *testing.T, b []byte) { _, _, _ = Thread(b) })
}
