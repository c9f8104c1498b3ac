package machine

import (
	"bytes"
	"debug/elf"
	"fmt"
)

// LoadELF copies the PT_LOAD segments of a static little-endian RV64 ELF into
// RAM at their physical addresses (bytes past a segment's file size are
// zeroed), resets the hart to M-mode at the entry point, and returns the
// entry and the symbol table.
func (m *Machine) LoadELF(data []byte) (*ELFImage, error) {
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("load ELF: %w", err)
	}
	defer f.Close()
	if f.Class != elf.ELFCLASS64 || f.Data != elf.ELFDATA2LSB || f.Machine != elf.EM_RISCV {
		return nil, fmt.Errorf("load ELF: want a 64-bit little-endian RISC-V ELF, got %v %v %v", f.Class, f.Data, f.Machine)
	}
	for i, p := range f.Progs {
		if p.Type != elf.PT_LOAD || p.Memsz == 0 {
			continue
		}
		if p.Filesz > p.Memsz {
			return nil, fmt.Errorf("load ELF: segment %d: file size %d exceeds memory size %d", i, p.Filesz, p.Memsz)
		}
		seg := make([]byte, p.Memsz)
		if _, err := p.ReadAt(seg[:p.Filesz], 0); err != nil {
			return nil, fmt.Errorf("load ELF: segment %d: %w", i, err)
		}
		if err := m.WritePhys(p.Paddr, seg); err != nil {
			return nil, fmt.Errorf("load ELF: segment %d at %#x (%d bytes) does not fit in RAM [%#x, %#x): %w",
				i, p.Paddr, p.Memsz, RAMBase, RAMBase+uint64(len(m.bus.RAM)), err)
		}
	}
	img := &ELFImage{Entry: f.Entry, Symbols: map[string]uint64{}}
	syms, err := f.Symbols()
	if err != nil && err != elf.ErrNoSymbols {
		return nil, fmt.Errorf("load ELF: symbols: %w", err)
	}
	for _, s := range syms {
		if s.Name != "" {
			img.Symbols[s.Name] = s.Value
		}
	}
	m.hart.Reset(f.Entry)
	return img, nil
}
