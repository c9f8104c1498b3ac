//go:build !unix

package bus

// newRAM allocates guest RAM from the Go heap on hosts without mmap.
func newRAM(b *Bus, size uint64) error {
	b.RAM = make([]byte, size)
	return nil
}
