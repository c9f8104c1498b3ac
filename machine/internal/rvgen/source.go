package rvgen

import (
	"fmt"
	"strings"
)

// Memory layout of one program's data, relative to its buffer (BaseReg):
//
//	[-TableSize, 0)        initial x0..x31 then f0..f31 (x0, sp, s0 unused)
//	[0, BufSize)           the data buffer the body loads from and stores to
//	[BufSize, +DumpSize)   the final x0..x31, f0..f31 and fcsr
//
// The program writes [0, OutSize) to stdout, so each program's output is
// exactly OutSize bytes.
const (
	BufSize   = 512
	TableSize = 64 * 8
	DumpSize  = 65 * 8
	OutSize   = BufSize + DumpSize
	pageSize  = 4096
)

// GCCArgs are the riscv64-linux-gnu-gcc arguments that turn Source output
// into a static ELF whose first segment (ELF headers, then .text) starts at
// 0x80000000, the base of the hart's RAM, which qemu-riscv64's user address
// space accepts too. (-Ttext would leave the headers below RAM.) Linker relaxation is off:
// it would rewrite lla to gp-relative addressing, and the body clobbers gp.
// The code lives in a writable section (see selfModify), so the linker
// makes one read-write-execute segment; its warning about that is off.
var GCCArgs = []string{
	"-march=rv64gc", "-mabi=lp64d", "-nostdlib", "-static",
	"-Wl,--no-relax", "-Wl,-Ttext-segment=0x80000000", "-Wl,--build-id=none",
	"-Wl,--no-warn-rwx-segments",
}

// Linux system call numbers (riscv64 uses the generic table).
const (
	SysWrite     = 64
	SysExit      = 93
	SysExitGroup = 94
)

// Prefix returns a copy of p whose body is its first n items. Running the
// prefixes of a failing program finds the first item after which the two
// implementations' states differ.
func (p *Program) Prefix(n int) *Program {
	q := *p
	q.Body = p.Body[:n:n]
	return &q
}

// Source returns the assembly source of a static ELF that runs progs in
// order, each writing its OutSize-byte state to stdout, then exits with
// status 0.
func Source(progs ...*Program) string {
	var b strings.Builder
	b.WriteString("\t.section .rwxcode, \"awx\", @progbits\n\t.globl _start\n_start:\n")
	for i, p := range progs {
		p.text(&b, i)
	}
	fmt.Fprintf(&b, "\tli a0, 0\n\tli a7, %d\n\tecall\n", SysExitGroup)
	b.WriteString("\t.data\n")
	for i, p := range progs {
		p.data(&b, i)
	}
	return b.String()
}

// text writes the code of program i: prologue, body and epilogue.
func (p *Program) text(b *strings.Builder, i int) {
	fmt.Fprintf(b, "# program %d: seed %d, %d items\n", i, p.Seed, len(p.Body))
	fmt.Fprintf(b, "\tlla x%d, .Lbuf%d\n", BaseReg, i)
	fmt.Fprintf(b, "\taddi x%d, x%d, %d\n", Base2Reg, BaseReg, base2Off)
	b.WriteString("\tfscsr x0\n")
	for r := 1; r < 32; r++ {
		if r != BaseReg && r != Base2Reg {
			fmt.Fprintf(b, "\tld x%d, %d(x%d)\n", r, -TableSize+8*r, BaseReg)
		}
	}
	for r := range 32 {
		fmt.Fprintf(b, "\tfld f%d, %d(x%d)\n", r, -TableSize+8*(32+r), BaseReg)
	}
	labels := make(map[int][]string) // item index -> labels placed before it
	for k, it := range p.Body {
		for _, l := range labels[k] {
			fmt.Fprintf(b, "%s:\n", l)
		}
		label := fmt.Sprintf(".Lp%d_%d", i, k)
		fmt.Fprintf(b, "# item %d\n", k)
		for _, line := range it.Lines {
			if strings.Contains(line, "{L}") {
				line = strings.ReplaceAll(line, "{L}", label)
				t := k + 1 + it.Skip
				labels[t] = append(labels[t], label)
			}
			fmt.Fprintf(b, "\t%s\n", line)
		}
	}
	// Targets beyond a truncated body land on the epilogue.
	for k := len(p.Body); k <= len(p.Body)+maxSkip; k++ {
		for _, l := range labels[k] {
			fmt.Fprintf(b, "%s:\n", l)
		}
	}
	for r := range 32 {
		fmt.Fprintf(b, "\tsd x%d, %d(x%d)\n", r, BufSize+8*r, BaseReg)
	}
	for r := range 32 {
		fmt.Fprintf(b, "\tfsd f%d, %d(x%d)\n", r, BufSize+8*(32+r), BaseReg)
	}
	fmt.Fprintf(b, "\tfrcsr x1\n\tsd x1, %d(x%d)\n", BufSize+8*64, BaseReg)
	fmt.Fprintf(b, "\tli a0, 1\n\tmv a1, x%d\n\tli a2, %d\n\tli a7, %d\n\tecall\n", BaseReg, OutSize, SysWrite)
}

// data writes the table, buffer and dump area of program i, padded so that
// a page boundary falls at buffer offset PageOff.
func (p *Program) data(b *strings.Builder, i int) {
	fmt.Fprintf(b, "\t.p2align 12\n\t.zero %d\n.Ltab%d:\n", (2*pageSize-TableSize-p.PageOff)%pageSize, i)
	for r := range 32 {
		fmt.Fprintf(b, "\t.dword 0x%016x\n", p.X[r])
	}
	for r := range 32 {
		fmt.Fprintf(b, "\t.dword 0x%016x\n", p.F[r])
	}
	fmt.Fprintf(b, ".Lbuf%d:\n", i)
	for off := 0; off < BufSize; off += 8 {
		var v uint64
		for k := range 8 {
			v |= uint64(p.Mem[off+k]) << (8 * k)
		}
		fmt.Fprintf(b, "\t.dword 0x%016x\n", v)
	}
	fmt.Fprintf(b, "\t.zero %d\n", DumpSize)
}

// Listing returns the body as numbered items, one line per statement, for
// failure reports. Branch targets are shown as item numbers.
func (p *Program) Listing() string {
	var b strings.Builder
	for k, it := range p.Body {
		for j, line := range it.Lines {
			line = strings.ReplaceAll(line, "{L}", fmt.Sprintf("<item %d>", k+1+it.Skip))
			if j == 0 {
				fmt.Fprintf(&b, "%4d  %s\n", k, line)
			} else {
				fmt.Fprintf(&b, "      %s\n", line)
			}
		}
	}
	return b.String()
}
