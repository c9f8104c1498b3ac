//go:build unix

package jit

import (
	"fmt"
	"syscall"

	"github.com/reprovm/reprovm/machine/internal/bus"
)

// allocate maps size bytes of zeroed private memory: pages the guest never
// touches cost no host memory. The mapping lives as long as the returned
// Translator using it (see New).
func allocate(size uint64) ([]byte, error) {
	mem, err := syscall.Mmap(-1, 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE|syscall.MAP_NORESERVE)
	if err != nil {
		return nil, fmt.Errorf("map %d bytes of wasm memory: %w", size, err)
	}
	bus.AdviseHugePages(mem) // guest RAM lives here when translating
	return mem, nil
}

// release unmaps what allocate mapped.
func release(mem []byte) { _ = syscall.Munmap(mem) }
