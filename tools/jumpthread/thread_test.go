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
)

// TestThreadedRunsAlike builds testdata/prog with Go for wasip1, threads it, and runs both in
// wazero: the same output, and most jumps threaded. Threading the result again changes nothing.
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
	require.Greater(t, st.Threaded, 1000)
	require.Greater(t, st.Threaded, 3*st.Dispatched, "most jumps are forward ones")
	t.Logf("%d jumps threaded, %d left to the dispatch, in %d functions; %d → %d bytes",
		st.Threaded, st.Dispatched, st.Functions, len(original), len(threaded))

	want := run(t, original)
	require.Contains(t, want, "pipeline 41791750")
	require.Contains(t, want, "recovered: runtime error: index out of range [5] with length 3")
	require.Equal(t, want, run(t, threaded))

	again, st2, err := Thread(threaded)
	require.NoError(t, err)
	require.Zero(t, st2.Threaded)
	require.Equal(t, threaded, again)
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
		name         string
		in, want     []byte
		threaded     int
		dispatched   int
		skipped      int
		noDispatcher bool
	}{
		{
			name:     "forward jump from segment 0 to segment 1 branches to $b0",
			in:       body(cat(dispatchHead, jumpTo1, []byte{0x0b, 0x0b, 0x0b})...),
			want:     body(cat(dispatchHead, []byte{0x41, 0x01, 0x21, 0x00, 0x0c, 0x00}, []byte{0x0b, 0x0b, 0x0b})...),
			threaded: 1,
		},
		{
			name:       "backward jump from segment 1 to segment 0 stays",
			in:         body(cat(dispatchHead, []byte{0x0b}, jumpTo0, []byte{0x0b, 0x0b})...),
			want:       body(cat(dispatchHead, []byte{0x0b}, jumpTo0, []byte{0x0b, 0x0b})...),
			dispatched: 1,
		},
		{
			name: "a jump that does not set PC_B just before is not a dispatch jump",
			in:   body(cat(dispatchHead, []byte{0x41, 0x01, 0x21, 0x05, 0x0c, 0x01}, []byte{0x0b, 0x0b, 0x0b})...),
			want: body(cat(dispatchHead, []byte{0x41, 0x01, 0x21, 0x05, 0x0c, 0x01}, []byte{0x0b, 0x0b, 0x0b})...),
		},
		{
			name:         "no dispatch loop",
			in:           body(0x41, 0x01, 0x1a, 0x0b),
			want:         body(0x41, 0x01, 0x1a, 0x0b),
			noDispatcher: true,
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
			if !tc.noDispatcher && tc.skipped == 0 {
				require.Equal(t, 1, st.Functions)
			}
		})
	}
}

// FuzzThread: any input is refused or rewritten without a panic.
func FuzzThread(f *testing.F) {
	code := body(append(append(append([]byte(nil), dispatchHead...), jumpTo1...), 0x0b, 0x0b, 0x0b)...)
	section := append([]byte{0x01, byte(len(code))}, code...)
	f.Add(append([]byte("\x00asm\x01\x00\x00\x00\x0a"), append([]byte{byte(len(section))}, section...)...))
	f.Add([]byte("\x00asm\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) { _, _, _ = Thread(b) })
}
