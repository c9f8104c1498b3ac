//go:build !(amd64 || arm64 || riscv64 || 386 || loong64 || ppc64le || mips64le || mipsle || wasm)

package hart

import (
	"encoding/binary"
	"unsafe"
)

// On a big-endian host guest words are byte-swapped on access.

func page(p unsafe.Pointer) []byte { return unsafe.Slice((*byte)(p), pageSize) }

func ld8(p unsafe.Pointer, off uint64) uint64 { return uint64(page(p)[off]) }
func ld16(p unsafe.Pointer, off uint64) uint64 {
	return uint64(binary.LittleEndian.Uint16(page(p)[off:]))
}
func ld32(p unsafe.Pointer, off uint64) uint64 {
	return uint64(binary.LittleEndian.Uint32(page(p)[off:]))
}
func ld64(p unsafe.Pointer, off uint64) uint64 { return binary.LittleEndian.Uint64(page(p)[off:]) }

func st8(p unsafe.Pointer, off, v uint64)  { page(p)[off] = byte(v) }
func st16(p unsafe.Pointer, off, v uint64) { binary.LittleEndian.PutUint16(page(p)[off:], uint16(v)) }
func st32(p unsafe.Pointer, off, v uint64) { binary.LittleEndian.PutUint32(page(p)[off:], uint32(v)) }
func st64(p unsafe.Pointer, off, v uint64) { binary.LittleEndian.PutUint64(page(p)[off:], v) }
