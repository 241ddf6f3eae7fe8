package main

import (
	"fmt"
	"sort"

	"github.com/wasmward/wasmward/tools/internal/wasmbin"
)

// Go's WebAssembly code and what threading changes.
//
// Go compiles every function to one dispatch loop: the function's basic blocks are the code
// after the ends of a chain of nested blocks (a segment each), and a `br_table` on the PC_B local
// at the top of the loop picks the one to run (a resumed goroutine re-enters a function at a
// saved PC_B):
//
//	loop $dispatch
//	  block $c0 block $c1 ... block $cN
//	    local.get $PC_B
//	    br_table ...        ;; PC_B → one of the blocks
//	  end ;; segment N: the code after $cN
//	  ...
//	end ;; segment 0: the code after $c0
//
// Every jump between basic blocks is "i32.const K; local.set $PC_B; br $dispatch": back to the
// top of the loop and through the br_table, an indirect jump. Thread rewrites them:
//
//   - Forward: the target's block encloses the jump, so a plain `br` to it reaches the same
//     code directly.
//   - Backward: a loop, the segments hi, hi-1, ..., lo some jump goes back within, moves into a
//     loop of its own in hi's place, starting at the one segment e the loop is entered at, with
//     a block of its own before each other segment: e, e-1, ..., lo, hi, ..., e+1. Jumps within
//     it then go forward to those blocks, or back to e, a `br` to the loop; where the order
//     changed, the fall-through gets a `br` (out of lo to lo-1, from e+1 back to e). Go lays a
//     `for` loop out rotated (its condition after its body, entered at the condition), so e is
//     mostly lo. The loop's old blocks stay in the chain, empty, and the dispatch's entry for e
//     goes to the loop. A loop qualifies when nothing enters it elsewhere than at e: no jump
//     from outside to another of its segments, no fall-through into hi unless hi is e; and
//     when every jump back in it goes to e. Innermost loops first, none overlapping another;
//     other backward jumps keep the dispatch. A function with any other branch to a chain
//     block than the br_table's (Go emits none) keeps all its loops.
//   - Resumed inside: the dispatch resumes an unwound goroutine in the segment after the call
//     that unwound, which in a loop with calls is inside the loop, and Wasm enters a loop only
//     at its top. So such a loop gets a reenter block, innermost in the chain: the dispatch's
//     entries for those segments go there, and it sets a mark bit in PC_B (reenterMark) and
//     branches to the loop's place. At the loop's top, before e, an `if` on the mark takes it
//     off and a br_table of the loop's own picks the segment's block. The loop's own rounds
//     pay for the `if` only.
//
// Every PC_B assignment stays, so the dispatch and a goroutine's resumption see what they saw
// before. A body whose shape is not Go's, or whose rewrite would branch to a block that does not
// enclose the branch, is copied as it is.

// Stats counts what Thread did to a module.
type Stats struct {
	Functions  int // function bodies with a dispatch loop
	Threaded   int // jumps now a direct br: forward, or back to their loop's own entry
	Loops      int // loops moved into loops of their own
	Reentered  int // of those, loops a goroutine may resume inside (after a call in them)
	Dispatched int // jumps left to the dispatch
	Skipped    int // bodies left as they were: an instruction this pass does not decode
	Kept       int // bodies left as they were: the rewrite would branch to a block not enclosing the branch
}

// Thread returns module with the jumps of Go's dispatch loops threaded (see above). Bodies
// without a dispatch loop, or with an instruction Thread does not know, are copied as they are.
func Thread(module []byte) ([]byte, Stats, error) {
	var st Stats
	if len(module) < 8 || string(module[:4]) != "\x00asm" {
		return nil, st, fmt.Errorf("not a wasm module")
	}
	out := append([]byte(nil), module[:8]...)
	r := &wasmbin.Reader{B: module, Off: 8}
	for r.Off < len(module) {
		start := r.Off
		id, content := r.Section()
		if r.Err != nil {
			return nil, st, r.Err
		}
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
	opBlock        = 0x02
	opLoop         = 0x03
	opIf           = 0x04
	opEnd          = 0x0b
	opBr           = 0x0c
	opBrIf         = 0x0d
	opBrTable      = 0x0e
	opLocalGet     = 0x20
	opLocalSet     = 0x21
	opLocalTee     = 0x22
	opI32Sub       = 0x6b
	opI32And       = 0x71
	opI32Or        = 0x72
	opI32Const     = 0x41
	opCall         = 0x10
	opCallIndirect = 0x11
	opUnreachable  = 0x00
	opReturn       = 0x0f
)

// reenterMark is the bit of PC_B a reenter block sets on the way to its loop's top, where the
// loop's own br_table takes it off and picks the segment. No value Go puts in PC_B has it: a
// block index, below 1<<16 (a resumption point packs it into 16 bits; Go refuses a function
// with more blocks), or, as scratch before an indirect call, the callee's function table index
// (cmd/internal/obj/wasm), which a loop's top may then see: tens of thousands at most.
const reenterMark = 1 << 30

// bodyFrame is the frame id of the function body itself; a block's id is its opener's index in
// the body's instructions, and frames the rewrite adds have ids below bodyFrame.
const bodyFrame = -1

// dispatch is a body's dispatch loop and what the walk over the body learned of it.
type dispatch struct {
	loop, chain int      // the loop's instruction index; the chain's length
	pcb         int64    // PC_B's local
	table       []uint64 // the br_table's depths, the default last
	chainEnd    []int    // chainEnd[s]: the end of chain block s (outermost 0)
	loopEnd     int      // the loop's end
	seg         []int    // per instruction: the segment it is in, or -1
	targets     [][]int  // per branch: the frame ids it may branch to
	jumps       []jump   // the jumps through the dispatch
	chainBrs    int      // other branches to a chain block than the br_table's (Go emits none)
}

// jump is a jump through the dispatch: "i32.const pc; local.set $PC_B; br $dispatch".
type jump struct {
	k        int   // the br's instruction index
	pc       int64 // the PC_B it sets
	from, to int   // its segment and the target's
}

// segmentOf is the segment the dispatch runs for PC_B = pc.
func (d *dispatch) segmentOf(pc int64) int {
	depth := d.table[len(d.table)-1]
	if pc >= 0 && pc < int64(len(d.table)-1) {
		depth = d.table[pc]
	}
	return d.chain - 1 - int(depth)
}

// region is a loop of segments hi, hi-1, ..., lo entered at entry, moved into a loop of its own.
type region struct {
	lo, hi, entry int
	order         []int        // its segments in their new order: entry, entry-1, ..., lo, hi, ..., entry+1
	pos           map[int]int  // segment → its place in order
	loop          int          // the new loop's frame id
	blocks        map[int]int  // segment → the frame id of the block before it (all but entry)
	resumes       map[int]bool // segments but entry a call in the loop resumes in
	pcs           []int64      // the PC_Bs the dispatch runs those segments for
	reenter       int          // when pcs: the frame id of the block the dispatch's br_table enters them by
	cond          int          // when pcs: the frame id of the `if` at the loop's top that dispatches them
}

// threadBody returns body with its dispatch loop's jumps threaded, or body itself.
func threadBody(body []byte, st *Stats) []byte {
	ins, ok := decodeBody(body)
	if !ok {
		st.Skipped++
		return body
	}
	d := walk(ins)
	if d == nil {
		return body
	}
	st.Functions++
	regions := pickRegions(ins, d)
	inRegion := make([]*region, d.chain) // per segment
	next := bodyFrame - 1
	newFrame := func() int { next--; return next + 1 }
	for _, r := range regions {
		r.loop, r.blocks = newFrame(), map[int]int{}
		for _, s := range r.order[1:] {
			r.blocks[s] = newFrame()
		}
		for s := r.lo; s <= r.hi; s++ {
			inRegion[s] = r
		}
		for pc := range int64(len(d.table) - 1) {
			if r.resumes[d.segmentOf(pc)] {
				r.pcs = append(r.pcs, pc)
			}
		}
		if len(r.pcs) > 0 {
			r.reenter, r.cond = newFrame(), newFrame()
		}
	}
	// Each segment's block, as its id: the chain block the dispatch branches to for it.
	chainBlock := func(s int) int { return d.loop + 1 + s }
	var local Stats
	for _, j := range d.jumps {
		from, to := inRegion[j.from], inRegion[j.to]
		target := chainBlock(j.to)
		switch {
		case j.to >= j.from && (from == nil || to != from): // backward, outside any loop or out of one
			local.Dispatched++
			continue
		case from != nil && to == from && from.pos[j.to] <= from.pos[j.from]:
			target = from.loop // back to the loop's entry
		case from != nil && to == from:
			target = from.blocks[j.to] // forward within the loop
		case to != nil:
			target = chainBlock(to.hi) // forward into a loop: its entry, at the loop's place
		}
		local.Threaded++
		d.targets[j.k] = []int{target}
	}
	bt := d.loop + d.chain + 2 // the dispatch enters a loop at its place, a resumption by its reenter block
	for i, t := range d.targets[bt] {
		s := t - d.loop - 1
		if s < 0 || s >= d.chain || inRegion[s] == nil {
			continue
		}
		switch r := inRegion[s]; {
		case r.entry == s:
			d.targets[bt][i] = chainBlock(r.hi)
		case r.resumes[s] && i < len(d.targets[bt])-1:
			d.targets[bt][i] = r.reenter
		}
	}
	out, ok := emit(body, ins, d, regions, inRegion)
	if !ok {
		st.Kept++
		st.Dispatched += len(d.jumps)
		return body
	}
	st.Threaded += local.Threaded
	st.Loops += len(regions)
	for _, r := range regions {
		if len(r.pcs) > 0 {
			st.Reentered++
		}
	}
	st.Dispatched += local.Dispatched
	return out
}

// walk finds the dispatch loop and follows the body's control stack: the segment of each
// instruction, the frames each branch may go to, the jumps through the dispatch. nil: no
// dispatch loop, or a body this pass does not follow.
func walk(ins []instr) *dispatch {
	loop, chain, pcb, table := findDispatch(ins)
	if loop < 0 {
		return nil
	}
	d := &dispatch{loop: loop, chain: chain, pcb: pcb, table: table,
		chainEnd: make([]int, chain), seg: make([]int, len(ins)), targets: make([][]int, len(ins))}
	stack := []int{bodyFrame}
	cur := -1
	frame := func(depth uint64) (int, bool) {
		if depth >= uint64(len(stack)) {
			return 0, false
		}
		return stack[len(stack)-1-int(depth)], true
	}
	for k := range ins {
		in := &ins[k]
		d.seg[k] = cur
		switch in.op {
		case opBlock, opLoop, opIf:
			stack = append(stack, k)
		case opEnd:
			if len(stack) == 0 {
				return nil // more ends than blocks: not a valid body
			}
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if s := top - loop - 1; s >= 0 && s < chain {
				d.chainEnd[s], cur = k, s
				d.seg[k] = -1 // the chain's structure, not a segment's code
			}
			if top == loop {
				d.loopEnd, cur = k, -1
				d.seg[k] = -1
			}
		case opBr, opBrIf:
			f, ok := frame(uint64(in.imm))
			if !ok {
				return nil
			}
			d.targets[k] = []int{f}
			if f > loop && f <= loop+chain {
				d.chainBrs++
			}
			if in.op == opBr && f == loop && cur >= 0 && k >= 2 && ins[k-2].op == opI32Const &&
				ins[k-1].op == opLocalSet && ins[k-1].imm == pcb {
				j := jump{k: k, pc: ins[k-2].imm, from: cur}
				j.to = d.segmentOf(j.pc)
				d.jumps = append(d.jumps, j)
			}
		case opBrTable:
			for _, depth := range in.table {
				f, ok := frame(depth)
				if !ok {
					return nil
				}
				d.targets[k] = append(d.targets[k], f)
			}
		}
	}
	if len(stack) != 0 {
		return nil
	}
	return d
}

// pickRegions chooses the loops that move into loops of their own (see the top of this file):
// for each segment some jump goes back to, the segments from it down to the last that jumps back
// to it; the smallest first, none overlapping one chosen, each entered at one segment only.
func pickRegions(ins []instr, d *dispatch) []*region {
	if d.chainBrs > 0 { // a branch to a segment this pass does not know of could enter a loop
		return nil
	}
	var cands []*region
	byHead := map[int]*region{}
	for _, j := range d.jumps {
		if j.to < j.from {
			continue
		}
		r := byHead[j.to]
		if r == nil {
			r = &region{lo: j.from, hi: j.to}
			byHead[j.to] = r
			cands = append(cands, r)
		}
		r.lo = min(r.lo, j.from)
	}
	sort.SliceStable(cands, func(a, b int) bool { return cands[a].hi-cands[a].lo < cands[b].hi-cands[b].lo })
	calls := make([]bool, d.chain) // per segment: it calls a function
	for k := range ins {
		if s := d.seg[k]; s >= 0 && (ins[k].op == opCall || ins[k].op == opCallIndirect) {
			calls[s] = true
		}
	}
	taken := make([]bool, d.chain)
	var picked []*region
	for _, r := range cands {
		if !r.plan(ins, d, calls) {
			continue
		}
		overlaps := false
		for s := r.lo; s <= r.hi; s++ {
			overlaps = overlaps || taken[s]
		}
		if overlaps {
			continue
		}
		for s := r.lo; s <= r.hi; s++ {
			taken[s] = true
		}
		picked = append(picked, r)
	}
	return picked
}

// plan finds r's one entry and its segments' new order; false when r does not qualify (see the
// top of this file).
func (r *region) plan(ins []instr, d *dispatch, calls []bool) bool {
	in := func(s int) bool { return s >= r.lo && s <= r.hi }
	entries := map[int]bool{}
	if last := ins[d.chainEnd[r.hi]-1].op; r.hi == d.chain-1 || // the first segment: the function's start
		last != opBr && last != opReturn && last != opUnreachable && last != opBrTable { // may fall into hi
		entries[r.hi] = true
	}
	for _, j := range d.jumps {
		if in(j.to) && !in(j.from) {
			entries[j.to] = true
		}
	}
	if def := d.segmentOf(-1); in(def) {
		entries[def] = true
	}
	if len(entries) > 1 {
		return false
	}
	r.entry = r.hi
	for s := range entries {
		r.entry = s
	}
	if r.entry != r.hi && r.lo == 0 { // lo's fall-through would need a block after the dispatch loop
		return false
	}
	r.order, r.pos = nil, map[int]int{}
	for s := r.entry; s >= r.lo; s-- {
		r.order = append(r.order, s)
	}
	for s := r.hi; s > r.entry; s-- {
		r.order = append(r.order, s)
	}
	for i, s := range r.order {
		r.pos[s] = i
	}
	r.resumes = map[int]bool{}
	for s := r.lo + 1; s <= r.hi; s++ { // a call resumes in the segment after it
		if calls[s] && s-1 != r.entry {
			r.resumes[s-1] = true
		}
	}
	for _, j := range d.jumps { // every jump back within the loop goes to its entry
		if in(j.from) && in(j.to) && r.pos[j.to] <= r.pos[j.from] && j.to != r.entry {
			return false
		}
	}
	return true
}

// emit writes the body again: the regions' segments moved into their loops, every branch's
// depth recomputed from the frame it goes to. ok is false when a branch's frame does not
// enclose it.
func emit(body []byte, ins []instr, d *dispatch, regions []*region, inRegion []*region) (out []byte, ok bool) {
	out = append(make([]byte, 0, len(body)+len(body)/8), body[:ins[0].start]...) // the locals
	stack := []int{bodyFrame}
	open := func(op byte, id int) {
		out = append(out, op, 0x40)
		stack = append(stack, id)
	}
	end := func() bool {
		if len(stack) == 0 {
			return false
		}
		stack = stack[:len(stack)-1]
		out = append(out, opEnd)
		return true
	}
	depth := func(id int) (uint64, bool) {
		for i := len(stack) - 1; i >= 0; i-- {
			if stack[i] == id {
				return uint64(len(stack) - 1 - i), true
			}
		}
		return 0, false
	}
	branch := func(op byte, targets []int) bool {
		out = append(out, op)
		if op == opBrTable {
			out = wasmbin.AppendUint(out, uint64(len(targets)-1))
		}
		for _, t := range targets {
			n, ok := depth(t)
			if !ok {
				return false
			}
			out = wasmbin.AppendUint(out, n)
		}
		return true
	}
	original := func(k int) bool {
		in := &ins[k]
		switch in.op {
		case opBlock, opLoop, opIf:
			out = append(out, body[in.start:in.end]...)
			stack = append(stack, k)
		case opEnd:
			return end()
		case opBr, opBrIf, opBrTable:
			return branch(in.op, d.targets[k])
		default:
			out = append(out, body[in.start:in.end]...)
		}
		return true
	}
	segment := func(s int) bool { // its code: up to its parent's end, the next chain block's or the loop's
		last := d.loopEnd
		if s > 0 {
			last = d.chainEnd[s-1]
		}
		for k := d.chainEnd[s] + 1; k < last; k++ {
			if !original(k) {
				return false
			}
		}
		return true
	}
	pcb := func(op byte) { out = wasmbin.AppendUint(append(out, op), uint64(d.pcb)) }
	i32 := func(v int64) { out = wasmbin.AppendInt(append(out, opI32Const), v) }
	var reentered []*region
	for _, r := range regions {
		if len(r.pcs) > 0 {
			reentered = append(reentered, r)
		}
	}
	regionAt := map[int]*region{} // the end of the chain block before a region's top → the region
	for _, r := range inRegion {
		if r != nil {
			regionAt[d.chainEnd[r.hi]] = r
		}
	}
	for k := 0; k < len(ins); k++ {
		if s := d.seg[k]; s >= 0 && inRegion[s] != nil {
			continue // moved into its region
		}
		if k == d.loop+d.chain+1 { // the dispatch's local.get: inside the chain, a block per reentered loop
			for _, r := range reentered {
				open(opBlock, r.reenter)
			}
		}
		if !original(k) {
			return nil, false
		}
		if k == d.loop+d.chain+2 { // the dispatch's br_table: each reenter block marks PC_B and goes to its loop
			for i := len(reentered) - 1; i >= 0; i-- {
				r := reentered[i]
				if !end() {
					return nil, false
				}
				pcb(opLocalGet)
				i32(reenterMark)
				out = append(out, opI32Or)
				pcb(opLocalSet)
				if !branch(opBr, []int{d.loop + 1 + r.hi}) { // chain block hi: the loop's place
					return nil, false
				}
			}
		}
		r := regionAt[k]
		if r == nil {
			continue
		}
		// The loop: a block before each of its segments but the entry, the segments in order.
		open(opLoop, r.loop)
		for i := len(r.order) - 1; i > 0; i-- {
			open(opBlock, r.blocks[r.order[i]])
		}
		if len(r.pcs) > 0 { // reentered: PC_B's mark clears, and its br_table picks the segment
			pcb(opLocalGet)
			i32(reenterMark)
			out = append(out, opI32And)
			open(opIf, r.cond)
			pcb(opLocalGet)
			i32(reenterMark - 1)
			out = append(out, opI32And)
			pcb(opLocalTee)
			lo, hi := r.pcs[0], r.pcs[len(r.pcs)-1]
			i32(lo)
			out = append(out, opI32Sub)
			targets := make([]int, hi-lo+2) // each PC_B from lo to hi, then the default: the entry
			for i := range targets {
				targets[i] = r.cond
			}
			for _, pc := range r.pcs {
				targets[pc-lo] = r.blocks[d.segmentOf(pc)]
			}
			if !branch(opBrTable, targets) || !end() {
				return nil, false
			}
		}
		for i, s := range r.order {
			if i > 0 && !end() || !segment(s) {
				return nil, false
			}
			rotated := r.entry != r.hi
			if rotated && s == r.lo && !branch(opBr, []int{d.loop + s}) { // lo falls out to lo-1
				return nil, false
			}
			if rotated && i == len(r.order)-1 && !branch(opBr, []int{r.loop}) { // entry+1 falls back into the entry
				return nil, false
			}
		}
		if !end() { // the loop
			return nil, false
		}
	}
	if len(stack) != 0 {
		return nil, false
	}
	return out, true
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
		case op == opUnreachable || op == 0x01 || op == 0x05 || op == opEnd || op == opReturn || op == 0x1a || op == 0x1b:
			// unreachable, nop, else, end, return, drop, select
		case op == opBr || op == opBrIf || op == opCall || op >= opLocalGet && op <= 0x24:
			in.imm = int64(r.Uint()) // br, br_if, call, local.get/set/tee, global.get/set
		case op == opBrTable:
			for n := r.Uint(); n > 0 && r.Err == nil; n-- {
				in.table = append(in.table, r.Uint())
			}
			in.table = append(in.table, r.Uint())
		case op == opCallIndirect: // type, table
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
