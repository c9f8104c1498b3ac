// Package dev holds the memory-mapped devices of the reprovm board, one
// file each. Every register value written by the guest is untrusted input.
package dev

// CLINT register offsets, as on SiFive's CLINT and QEMU's virt board
// (ACLINT MSWI at +0, MTIMER at +0x4000).
const (
	CLINTBase = 0x0200_0000
	CLINTSize = 0x1_0000

	clintMSIP     = 0x0000
	clintMTimeCmp = 0x4000
	clintMTime    = 0xbff8
)

// TimerHart is what the CLINT needs from the hart it serves: the timer
// lives in the hart, because mtime is a function of the hart's retired
// instructions.
type TimerHart interface {
	MTime() uint64
	SetMTime(uint64)
	MTimeCmp() uint64
	SetMTimeCmp(uint64)
	SetPending(mask uint64, on bool)
	Pending() uint64
}

// CLINT is the core-local interruptor for one hart: msip, mtimecmp, mtime.
type CLINT struct {
	Hart    TimerHart
	MSIPBit uint64 // the mip bit msip drives
}

// Load reads a CLINT register. 32-bit accesses to either half of the 64-bit
// registers are allowed, as RV32 software needs them.
func (c *CLINT) Load(off uint64, size int) (uint64, bool) {
	switch {
	case off == clintMSIP && size == 4:
		if c.Hart.Pending()&c.MSIPBit != 0 {
			return 1, true
		}
		return 0, true
	case off&^7 == clintMTimeCmp:
		return half(c.Hart.MTimeCmp(), off, size)
	case off&^7 == clintMTime:
		return half(c.Hart.MTime(), off, size)
	}
	return 0, false
}

// Store writes a CLINT register.
func (c *CLINT) Store(off uint64, size int, v uint64) bool {
	switch {
	case off == clintMSIP && size == 4:
		c.Hart.SetPending(c.MSIPBit, v&1 != 0)
		return true
	case off&^7 == clintMTimeCmp:
		nv, ok := setHalf(c.Hart.MTimeCmp(), off, size, v)
		if ok {
			c.Hart.SetMTimeCmp(nv)
		}
		return ok
	case off&^7 == clintMTime:
		nv, ok := setHalf(c.Hart.MTime(), off, size, v)
		if ok {
			c.Hart.SetMTime(nv)
		}
		return ok
	}
	return false
}

func half(reg, off uint64, size int) (uint64, bool) {
	switch {
	case size == 8 && off&7 == 0:
		return reg, true
	case size == 4:
		return reg >> (8 * (off & 4)) & 0xffffffff, true
	}
	return 0, false
}

func setHalf(reg, off uint64, size int, v uint64) (uint64, bool) {
	switch {
	case size == 8 && off&7 == 0:
		return v, true
	case size == 4:
		sh := 8 * (off & 4)
		return reg&^(0xffffffff<<sh) | (v&0xffffffff)<<sh, true
	}
	return 0, false
}
