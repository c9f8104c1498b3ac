package bus

import (
	"encoding/binary"
	"os"
	"unsafe"
)

// Linux's /proc/PID/pagemap (Documentation/admin-guide/mm/pagemap.rst) has
// one 64-bit entry per virtual page of the process: bit 63 says the page
// is present in RAM, bit 62 that it is swapped out. Both bits are readable
// without privileges (only the frame number is hidden).
const (
	pagemapPresent = 1 << 63
	pagemapSwapped = 1 << 62
)

// TouchedPages returns a bitmap with a bit per 4 KiB page of RAM (bit i%64
// of word i/64 for page i), set for every page the host has backed with
// memory, in RAM or in swap. RAM is a private anonymous mapping (newRAM),
// so a page that is neither has never been written and reads as zero: a
// snapshot can skip it without reading it, which for a large guest that
// used little of its RAM saves faulting in gigabytes of zero pages. It
// returns nil when the host cannot tell, and the caller must then look at
// every page.
func (b *Bus) TouchedPages() []uint64 {
	if len(b.RAM) == 0 || !b.mapped {
		return nil
	}
	host := uint64(os.Getpagesize())
	if host%4096 != 0 {
		return nil
	}
	f, err := os.Open("/proc/self/pagemap")
	if err != nil {
		return nil
	}
	defer f.Close()
	start := uint64(uintptr(unsafe.Pointer(&b.RAM[0])))
	if start%host != 0 {
		return nil
	}
	hostPages := (uint64(len(b.RAM)) + host - 1) / host
	per := host / 4096 // guest pages per host page
	bitmap := make([]uint64, (uint64(len(b.RAM))/4096+63)/64)
	buf := make([]byte, 8*4096)
	for hp := uint64(0); hp < hostPages; {
		n := min(hostPages-hp, uint64(len(buf)/8))
		k, err := f.ReadAt(buf[:8*n], int64((start/host+hp)*8))
		if err != nil && uint64(k) < 8*n {
			return nil
		}
		for i := range n {
			if binary.LittleEndian.Uint64(buf[8*i:])&(pagemapPresent|pagemapSwapped) == 0 {
				continue
			}
			for g := (hp + i) * per; g < (hp+i+1)*per && g < uint64(len(b.RAM))/4096; g++ {
				bitmap[g/64] |= 1 << (g % 64)
			}
		}
		hp += n
	}
	return bitmap
}
