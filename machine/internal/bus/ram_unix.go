//go:build unix

package bus

import (
	"fmt"
	"runtime"
	"syscall"
)

// newRAM maps size bytes of anonymous private memory. The kernel supplies
// zero pages on first touch, so a 2 GiB guest costs host memory only for
// the pages it uses (Go's make would be lazy too for a fresh heap arena, but
// zeroes a reused one). The mapping is released when b is garbage.
func newRAM(b *Bus, size uint64) error {
	if size == 0 {
		return nil
	}
	mem, err := syscall.Mmap(-1, 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE|syscall.MAP_NORESERVE)
	if err != nil {
		return fmt.Errorf("map %d bytes of guest RAM: %w", size, err)
	}
	adviseHugePages(mem)
	b.RAM = mem
	b.mapped = true
	runtime.AddCleanup(b, func(m []byte) { _ = syscall.Munmap(m) }, mem)
	return nil
}
