package main

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
)

// wantELF says what `reprovm run --elf` expects, for error messages.
const wantELF = "a static little-endian RV64 executable (ELF64, EM_RISCV, ET_EXEC) linked for RAM at 0x80000000 with a tohost symbol"

// checkTestELF reports why data cannot be a riscv-tests style program, or nil.
// It runs before the machine is built so that a wrong file gets a message
// that names the problem rather than a loader error.
func checkTestELF(data []byte) error {
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return errors.New("not an ELF file")
	}
	defer f.Close()
	switch {
	case f.Class != elf.ELFCLASS64:
		return fmt.Errorf("ELF class is %v", f.Class)
	case f.Data != elf.ELFDATA2LSB:
		return fmt.Errorf("ELF byte order is %v", f.Data)
	case f.Machine != elf.EM_RISCV:
		return fmt.Errorf("ELF machine is %v", f.Machine)
	case f.Type != elf.ET_EXEC:
		return fmt.Errorf("ELF type is %v (a position-independent or unlinked file?)", f.Type)
	}
	syms, err := f.Symbols()
	if err != nil {
		return fmt.Errorf("no symbol table (stripped?): %w", err)
	}
	for _, s := range syms {
		if s.Name == "tohost" {
			return nil
		}
	}
	return errors.New("no tohost symbol")
}
