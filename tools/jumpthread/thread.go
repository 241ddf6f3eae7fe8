package main

import (
	"fmt"

	"github.com/wasmward/wasmward/tools/internal/wasmbin"
)

// Go's WebAssembly code and what threading changes.
//
// Go compiles every function to one dispatch loop: the function's basic blocks are the code
// after the ends of a chain of nested blocks, and a `br_table` on the PC_B local at the top of
// the loop picks the one to run (a resumed goroutine re-enters a function at a saved PC_B):
//
//	loop $dispatch
//	  block $b0 block $b1 ... block $bN
//	    local.get $PC_B
//	    br_table ...        ;; PC_B → one of the blocks
//	  end ;; code of the segment after $bN
//	  ...
//	end ;; code of the segment after $b0
//
// Every jump between basic blocks, forward ones included, is "i32.const K; local.set $PC_B;
// br $dispatch": back to the top of the loop and through the br_table, an indirect jump. A
// forward jump's target block encloses the jump, so a plain `br` to that block reaches the same
// code directly; Thread rewrites those. The PC_B assignment stays (a later jump through the
// dispatch sets its own), so nothing that reads PC_B sees a difference. Backward jumps (loops)
// keep going through the dispatch: the target's block has already ended there.

// Stats counts what Thread did to a module.
type Stats struct {
	Functions  int // function bodies with a dispatch loop
	Threaded   int // forward jumps now a direct br
	Dispatched int // jumps left to the dispatch (backward ones)
	Skipped    int // bodies left as they were: an instruction this pass does not decode
}

// Thread returns module with the forward jumps of Go's dispatch loops threaded (see above).
// Bodies without a dispatch loop, or with an instruction Thread does not know, are copied as
// they are.
func Thread(module []byte) ([]byte, Stats, error) {
	var st Stats
	if len(module) < 8 || string(module[:4]) != "\x00asm" {
		return nil, st, fmt.Errorf("not a wasm module")
	}
	out := append([]byte(nil), module[:8]...)
	r := &wasmbin.Reader{B: module, Off: 8}
	for r.Off < len(module) {
		start := r.Off
		id := r.Byte()
		size := r.Uint()
		if r.Err != nil || size > uint64(len(module)-r.Off) {
			return nil, st, fmt.Errorf("truncated section at %d", start)
		}
		content := module[r.Off : r.Off+int(size)]
		r.Off += int(size)
		if id != 10 {
			out = append(out, module[start:r.Off]...)
			continue
		}
		code, err := threadCode(content, &st)
		if err != nil {
			return nil, st, fmt.Errorf("code section: %w", err)
		}
		out = append(out, id)
		out = wasmbin.AppendUint(out, uint64(len(code)))
		out = append(out, code...)
	}
	return out, st, nil
}

// threadCode rewrites the code section's function bodies.
func threadCode(section []byte, st *Stats) ([]byte, error) {
	r := &wasmbin.Reader{B: section}
	n := r.Uint()
	out := wasmbin.AppendUint(nil, n)
	for i := uint64(0); i < n && r.Err == nil; i++ {
		size := r.Uint()
		start := r.Off
		if !r.Skip(size) {
			break
		}
		body := threadBody(section[start:r.Off], st)
		out = wasmbin.AppendUint(out, uint64(len(body)))
		out = append(out, body...)
	}
	if r.Err != nil {
		return nil, r.Err
	}
	return out, nil
}

// instr is one decoded instruction: its bytes body[start:end], its opcode and, for the ones
// threading looks at, its immediate (br's depth, local.set's index, i32.const's value).
type instr struct {
	start, end int
	op         byte
	imm        int64
	table      []uint64 // br_table's depths, the default last
	void       bool     // a block type with no parameters or results
}

const (
	opBlock    = 0x02
	opLoop     = 0x03
	opIf       = 0x04
	opEnd      = 0x0b
	opBr       = 0x0c
	opBrTable  = 0x0e
	opLocalGet = 0x20
	opLocalSet = 0x21
	opI32Const = 0x41
)

// threadBody returns body with its dispatch loop's forward jumps threaded, or body itself.
func threadBody(body []byte, st *Stats) []byte {
	ins, ok := decodeBody(body)
	if !ok {
		st.Skipped++
		return body
	}
	loop, chain, pcb, table := findDispatch(ins)
	if loop < 0 {
		return body
	}
	st.Functions++
	// Walk the body with its control stack. cur is the chain block whose end the walk last
	// passed: the code from there on is the segment after it, inside the chain's outer blocks.
	type frame struct {
		chain    int  // the block's index in the chain (outermost 0), or -1
		dispatch bool // the dispatch loop
	}
	stack := []frame{{chain: -1}} // the body itself
	cur := -1
	depths := map[int]uint64{} // instruction index → the br's new depth
	for k := range ins {
		switch in := &ins[k]; in.op {
		case opBlock, opLoop, opIf:
			f := frame{chain: -1, dispatch: k == loop}
			if c := k - loop - 1; c >= 0 && c < chain {
				f.chain = c
			}
			stack = append(stack, f)
		case opEnd:
			if len(stack) == 0 {
				return body // more ends than blocks: not a valid body
			}
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if top.chain >= 0 {
				cur = top.chain
			}
			if top.dispatch {
				cur = -1
			}
		case opBr:
			if cur < 0 || k < 2 || ins[k-2].op != opI32Const || ins[k-1].op != opLocalSet || ins[k-1].imm != pcb {
				continue
			}
			if d := int(in.imm); d >= len(stack) || !stack[len(stack)-1-d].dispatch {
				continue // not a jump through the dispatch
			}
			depth := table[len(table)-1] // br_table's default
			if pc := ins[k-2].imm; pc >= 0 && pc < int64(len(table)-1) {
				depth = table[pc]
			}
			target := chain - 1 - int(depth) // the chain block whose end starts the target's code
			if target >= cur {
				st.Dispatched++ // backward, or to this segment's own start
				continue
			}
			for i := len(stack) - 1; i >= 0; i-- { // open: the walk is inside every block before cur
				if stack[i].chain == target {
					depths[k] = uint64(len(stack) - 1 - i)
					break
				}
			}
			st.Threaded++
		}
	}
	if len(depths) == 0 {
		return body
	}
	out := append(make([]byte, 0, len(body)), body[:ins[0].start]...) // the locals
	for k := range ins {
		if d, ok := depths[k]; ok {
			out = wasmbin.AppendUint(append(out, opBr), d)
			continue
		}
		out = append(out, body[ins[k].start:ins[k].end]...)
	}
	return out
}

// findDispatch finds Go's dispatch loop: a loop whose body opens chain void blocks, then reads
// a local (PC_B) into a br_table that targets only those blocks. It returns the loop's
// instruction index (-1: none), the chain's length, PC_B's index and the br_table's depths.
func findDispatch(ins []instr) (loop, chain int, pcb int64, table []uint64) {
	for k := range ins {
		if ins[k].op != opLoop || !ins[k].void {
			continue
		}
		n := 0
		for k+1+n < len(ins) && ins[k+1+n].op == opBlock && ins[k+1+n].void {
			n++
		}
		get, bt := k+1+n, k+2+n
		if n == 0 || bt >= len(ins) || ins[get].op != opLocalGet || ins[bt].op != opBrTable {
			continue
		}
		for _, d := range ins[bt].table {
			if d >= uint64(n) {
				return -1, 0, 0, nil
			}
		}
		return k, n, ins[get].imm, ins[bt].table
	}
	return -1, 0, 0, nil
}

// decodeBody decodes a function body's instructions (the first starts after the locals). ok is
// false when the body holds an instruction outside what Go emits and this pass decodes.
func decodeBody(body []byte) (ins []instr, ok bool) {
	r := &wasmbin.Reader{B: body}
	for n := r.Uint(); n > 0 && r.Err == nil; n-- { // locals: count, type
		r.Uint()
		r.Byte()
	}
	ins = make([]instr, 0, len(body)/3)
	for r.Off < len(body) && r.Err == nil {
		start := r.Off // before the opcode's read: a literal's field order does not order it
		in := instr{start: start, op: r.Byte()}
		switch op := in.op; {
		case op == opBlock || op == opLoop || op == opIf:
			in.void = r.Int() == -0x40 // else a value type or a type index
		case op == 0x00 || op == 0x01 || op == 0x05 || op == opEnd || op == 0x0f || op == 0x1a || op == 0x1b:
			// unreachable, nop, else, end, return, drop, select
		case op == opBr || op == 0x0d || op == 0x10 || op >= opLocalGet && op <= 0x24:
			in.imm = int64(r.Uint()) // br, br_if, call, local.get/set/tee, global.get/set
		case op == opBrTable:
			for n := r.Uint(); n > 0 && r.Err == nil; n-- {
				in.table = append(in.table, r.Uint())
			}
			in.table = append(in.table, r.Uint())
		case op == 0x11: // call_indirect: type, table
			r.Uint()
			r.Uint()
		case op >= 0x28 && op <= 0x3e: // loads and stores: alignment, offset
			r.Uint()
			r.Uint()
		case op == 0x3f || op == 0x40: // memory.size, memory.grow
			r.Byte()
		case op == opI32Const || op == 0x42:
			in.imm = r.Int()
		case op == 0x43:
			r.Skip(4)
		case op == 0x44:
			r.Skip(8)
		case op >= 0x45 && op <= 0xc4: // numeric, sign extension
		case op == 0xfc:
			switch r.Uint() {
			case 0, 1, 2, 3, 4, 5, 6, 7: // saturating truncations
			case 10: // memory.copy
				r.Byte()
				r.Byte()
			case 11: // memory.fill
				r.Byte()
			default:
				return nil, false
			}
		default:
			return nil, false
		}
		in.end = r.Off
		ins = append(ins, in)
	}
	if r.Err != nil || len(ins) == 0 {
		return nil, false
	}
	return ins, true
}
