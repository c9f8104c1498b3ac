package rvgen

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Privileged programs: random PMP configurations and trigger settings,
// with loads, stores and AMOs from M, S and U after each change, for a
// differential test against QEMU's system emulation (its spike machine,
// bare metal, as the ISA suite runs). A PrivProgram is one assembly file
// for the ISA suite's environment (testdata/isa/env.h): it records the
// outcome of every access (the trap cause, or 0) and a few CSR read-backs
// in the array res, one doubleword each, then prints res through the HTIF
// console (QEMU) and passes. A harness on the hart reads res from memory at
// the first tohost write instead.
//
// The programs stay inside what the spec defines and QEMU 7.2 implements
// the same way (see testdata/isa/pmp.S and trigger.S for the rest):
//
//   - Entries 0-13 are the random rules, all within a 16 KiB arena; entry
//     14 is off (0x80000000, the base of entry 15) and entry 15 is a TOR
//     entry giving S and U all of the image below the arena, so that their
//     code is always executable and an entry is always active (QEMU refuses
//     an mret into S or U without one).
//   - Every pmpaddr holds an arena address from the start, so a TOR entry
//     never reaches below the arena, and entry 0 is never TOR. No rule
//     covers code, so QEMU's fetch check (per page, once) never matters.
//   - pmpcfg values are legal as written: no reserved bits, no R=0 W=1, so
//     QEMU's keeping them does not show.
//   - Triggers match loads and stores (no execute) at 8-byte aligned
//     addresses in a page below the arena, which no rule covers (so no PMP
//     fault competes with a breakpoint, whose order QEMU gets wrong), and
//     the accesses there start at 8-byte aligned addresses (so QEMU's
//     8-byte match window equals the spec's byte match). mstatus.MIE is 1
//     in M-mode and breakpoints are not delegated, so the rule that stops
//     triggers while MIE (SIE) is clear, which QEMU lacks, never applies.
//     tval is not recorded (QEMU writes 0).
//   - Each pmpaddr write is followed by writing pmpcfg0 and pmpcfg2 back
//     as they are, since QEMU 7.2 does not move the start of a TOR entry
//     when the address below it changes.
//   - AMOs other than LR access only the trigger page, which PMP always
//     allows: QEMU 7.2 reports an AMO's access fault as a load fault.
type PrivProgram struct {
	Seed uint64
	// Results is the number of doublewords the program stores in res.
	Results int
	// Lines is the program's body (after the environment's entry code).
	Lines []string
}

// PrivArena and PrivTPage are the sizes of the rule arena and of the
// trigger page.
const (
	PrivArena = 16 << 10
	privTPage = 4096
)

// GeneratePriv returns the privileged program for seed, with n items (a
// PMP or trigger change followed by accesses); 0 means 24.
func GeneratePriv(seed uint64, n int) *PrivProgram {
	if n <= 0 {
		n = 24
	}
	g := &privGen{r: rand.New(rand.NewPCG(seed, pcgStream^0x70726976)), p: &PrivProgram{Seed: seed}}
	g.emit(
		"li t0, 0x80000000 >> 2",
		"csrw pmpaddr14, t0",
		"la t0, arena",
		"srli t0, t0, 2",
		"csrw pmpaddr15, t0",
	)
	for i := range 14 {
		g.emit(fmt.Sprintf("csrw pmpaddr%d, t0", i))
	}
	g.emit(
		"li t0, 0x0f << 56", // entry 15: TOR, RWX
		"csrw pmpcfg2, t0",
		"csrw pmpcfg0, zero",
		"la s0, res",
	)
	for range n {
		switch g.r.IntN(8) {
		case 0, 1, 2:
			g.cfgWrite()
		case 3, 4:
			g.addrWrite()
			g.refreshCfg()
		case 5:
			g.readBack()
		default:
			g.trigger()
		}
		for range 1 + g.r.IntN(8) {
			g.access()
		}
	}
	g.emit("j report_res")
	return g.p
}

type privGen struct {
	r *rand.Rand
	p *PrivProgram
	// toff holds each trigger's offset in the trigger page, so that
	// accesses hit it often.
	toff [2]int
}

func (g *privGen) emit(lines ...string) { g.p.Lines = append(g.p.Lines, lines...) }

// record stores t0 as the next result.
func (g *privGen) record() {
	g.emit("sd t0, 0(s0)", "addi s0, s0, 8")
	g.p.Results++
}

// cfgByte returns a random legal pmpcfg byte for entry i.
func (g *privGen) cfgByte(i int) uint64 {
	a := g.r.IntN(4)
	if i == 0 && a == 1 {
		a = 2 // entry 0 is never TOR: it would start at 0, below the arena
	}
	perm := oneOf(g.r, 0, 1, 3, 4, 5, 7) // no R=0 W=1
	v := uint64(a<<3 | perm)
	if g.r.IntN(40) == 0 {
		v |= 0x80 // L, rarely: it stays until the end
	}
	return v
}

func (g *privGen) cfgWrite() {
	if g.r.IntN(2) == 0 {
		var v uint64
		for i := range 8 {
			if g.r.IntN(3) != 0 {
				v |= g.cfgByte(i) << (8 * i)
			}
		}
		g.emit(fmt.Sprintf("li t0, %#x", v), "csrw pmpcfg0, t0")
		return
	}
	v := uint64(0x0f) << 56
	for i := range 6 {
		if g.r.IntN(3) != 0 {
			v |= g.cfgByte(8+i) << (8 * i)
		}
	}
	g.emit(fmt.Sprintf("li t0, %#x", v), "csrw pmpcfg2, t0")
}

// addrWrite sets a rule's pmpaddr to an arena address: a NAPOT encoding
// of 8 bytes to the whole arena, or a plain 4-byte aligned address.
func (g *privGen) addrWrite() {
	i := g.r.IntN(14)
	if g.r.IntN(2) == 0 {
		size := 8 << g.r.IntN(12) // 8 B .. 16 KiB
		base := g.r.IntN(PrivArena/size) * size
		g.emit(fmt.Sprintf("la t0, arena + %d", base), "srli t0, t0, 2",
			fmt.Sprintf("ori t0, t0, %d", size/8-1), fmt.Sprintf("csrw pmpaddr%d, t0", i))
		return
	}
	// At most arena + 16 KiB - 8, so that the trailing ones of an address
	// read as NAPOT never make a region beyond the arena.
	off := 4 * g.r.IntN(PrivArena/4-1)
	g.emit(fmt.Sprintf("la t0, arena + %d", off), "srli t0, t0, 2", fmt.Sprintf("csrw pmpaddr%d, t0", i))
}

// addrWrite's pmpaddr writes are followed by writing both pmpcfg registers
// back unchanged: QEMU 7.2 does not move a TOR entry's start when the
// address below it changes (pmp.S, test 29) until its pmpcfg is written.
func (g *privGen) refreshCfg() {
	g.emit("csrr t0, pmpcfg0", "csrw pmpcfg0, t0", "csrr t0, pmpcfg2", "csrw pmpcfg2, t0")
}

func (g *privGen) readBack() {
	switch g.r.IntN(3) {
	case 0:
		g.emit("csrr t0, pmpcfg0")
	case 1:
		g.emit("csrr t0, pmpcfg2")
	default:
		g.emit(fmt.Sprintf("csrr t0, pmpaddr%d", g.r.IntN(16)))
	}
	g.record()
}

// trigger sets one of the two triggers on an 8-byte aligned address of
// the trigger page, for loads, stores or both in a random set of modes,
// or disables it.
func (g *privGen) trigger() {
	sel := g.r.IntN(2)
	bits := 0
	if g.r.IntN(4) != 0 {
		bits = oneOf(g.r, 1, 2, 3) | oneOf(g.r, 0x08, 0x10, 0x40, 0x18, 0x48, 0x50, 0x58)
	}
	g.toff[sel] = 8 * g.r.IntN(privTPage/8)
	g.emit(
		fmt.Sprintf("li t0, %d", sel), "csrw 0x7a0, t0",
		"li t0, 2 << 60", "csrw 0x7a1, t0",
		fmt.Sprintf("la t0, tpage + %d", g.toff[sel]), "csrw 0x7a2, t0",
		fmt.Sprintf("li t0, (2 << 60) | %#x", bits), "csrw 0x7a1, t0",
	)
	if g.r.IntN(4) == 0 {
		g.emit("csrr t0, 0x7a1")
		g.record()
	}
}

// privOps are the accesses, with their size.
var privOps = []struct {
	op   string
	size int
	amo  bool
}{
	{"lb", 1, false}, {"lbu", 1, false}, {"lh", 2, false}, {"lhu", 2, false},
	{"lw", 4, false}, {"lwu", 4, false}, {"ld", 8, false},
	{"sb", 1, false}, {"sh", 2, false}, {"sw", 4, false}, {"sd", 8, false},
	{"amoadd.w", 4, true}, {"amoor.d", 8, true}, {"amoswap.w", 4, true},
	{"lr.w", 4, true}, {"lr.d", 8, true},
}

// access makes one naturally aligned access from M, S or U and records its
// trap cause (0: none; 8 or 9: it completed and the ecall back to M came
// first).
func (g *privGen) access() {
	o := privOps[g.r.IntN(len(privOps))]
	var addr string
	// AMOs (not LR) stay on the trigger page: QEMU 7.2 reports an AMO's
	// access fault as a load access fault (see rv64ua.S).
	if g.r.IntN(10) < 7 && (!o.amo || strings.HasPrefix(o.op, "lr")) {
		addr = fmt.Sprintf("arena + %d", o.size*g.r.IntN(PrivArena/o.size))
	} else if g.r.IntN(2) == 0 {
		addr = fmt.Sprintf("tpage + %d", g.toff[g.r.IntN(2)])
	} else {
		addr = fmt.Sprintf("tpage + %d", 8*g.r.IntN(privTPage/8))
	}
	var insn string
	switch {
	case strings.HasPrefix(o.op, "lr"):
		insn = fmt.Sprintf("%s a3, (a1)", o.op)
	case o.amo:
		insn = fmt.Sprintf("%s a3, a2, (a1)", o.op)
	case o.op[0] == 's':
		insn = fmt.Sprintf("%s a2, 0(a1)", o.op)
	default:
		insn = fmt.Sprintf("%s a3, 0(a1)", o.op)
	}
	g.emit(fmt.Sprintf("la a1, %s", addr), fmt.Sprintf("li a2, %#x", g.r.Uint64()), "CLEAR_TRAPS")
	switch g.r.IntN(3) {
	case 0:
		g.emit("csrsi mstatus, MSTATUS_MIE", insn)
	case 1:
		g.emit("RESUME 1f", "ENTER_S 2f", "2: "+insn, "ecall", "1:")
	default:
		g.emit("RESUME 1f", "ENTER_U 2f", "2: "+insn, "ecall", "1:")
	}
	g.emit("LOAD_TRAP t0, TR_CAUSE")
	g.record()
}

// Source renders the program as assembly for the ISA suite's environment.
func (p *PrivProgram) Source() string {
	var b strings.Builder
	fmt.Fprintf(&b, "/* rvgen.GeneratePriv seed %d: %d results */\n#include \"env.h\"\nRVTEST_CODE_BEGIN\n", p.Seed, p.Results)
	for _, l := range p.Lines {
		fmt.Fprintf(&b, "\t%s\n", l)
	}
	b.WriteString(strings.ReplaceAll(privReport, "RESULTS", fmt.Sprint(p.Results)))
	fmt.Fprintf(&b, "RVTEST_DATA_BEGIN\n\t.align 3\n\t.globl res\nres:\t.zero %d\n", 8*p.Results+8)
	fmt.Fprintf(&b, "\t.align 12\ntpage:\t.zero %d\n\t.align 16\narena:\t.zero %d\n", privTPage, PrivArena)
	return b.String()
}

// privReport prints res as one line of 16 hex digits per result through
// the HTIF console (device 1, command 1: putchar), then passes.
const privReport = `
report_res:
	la s1, res
	la s2, res + 8 * RESULTS
1:	beq s1, s2, pass
	ld s3, 0(s1)
	li s4, 60
2:	srl a0, s3, s4
	andi a0, a0, 15
	li t0, 10
	blt a0, t0, 3f
	addi a0, a0, 'a' - 10 - '0'
3:	addi a0, a0, '0'
	jal putc_htif
	addi s4, s4, -4
	bgez s4, 2b
	li a0, 10
	jal putc_htif
	addi s1, s1, 8
	j 1b
putc_htif:
	li t0, 0x0101000000000000
	or t0, t0, a0
	la t1, tohost
	sd t0, 0(t1)
4:	ld t0, 0(t1)
	bnez t0, 4b
	la t1, fromhost
	sd zero, 0(t1)
	ret
`
