//go:build amd64 || arm64 || riscv64 || 386 || loong64 || ppc64le || mips64le || mipsle || wasm

package hart

import "unsafe"

// Guest memory is little-endian. On a little-endian host a guest word is a
// host word, so the TLB fast paths read and write it directly through the
// page pointer of a TLB entry; these hosts also allow unaligned access.
// p points into the RAM slice and the callers keep off+size within the page.

func ld8(p unsafe.Pointer, off uint64) uint64  { return uint64(*(*uint8)(unsafe.Add(p, off))) }
func ld16(p unsafe.Pointer, off uint64) uint64 { return uint64(*(*uint16)(unsafe.Add(p, off))) }
func ld32(p unsafe.Pointer, off uint64) uint64 { return uint64(*(*uint32)(unsafe.Add(p, off))) }
func ld64(p unsafe.Pointer, off uint64) uint64 { return *(*uint64)(unsafe.Add(p, off)) }

func st8(p unsafe.Pointer, off, v uint64)  { *(*uint8)(unsafe.Add(p, off)) = uint8(v) }
func st16(p unsafe.Pointer, off, v uint64) { *(*uint16)(unsafe.Add(p, off)) = uint16(v) }
func st32(p unsafe.Pointer, off, v uint64) { *(*uint32)(unsafe.Add(p, off)) = uint32(v) }
func st64(p unsafe.Pointer, off, v uint64) { *(*uint64)(unsafe.Add(p, off)) = v }
