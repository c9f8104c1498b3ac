package dev

import "encoding/binary"

// mmioOp is one guest access in a fuzz input.
type mmioOp struct {
	store bool
	irq   bool // a line change instead of an access (PLIC only)
	off   uint64
	size  int
	v     uint64
}

// opLen is the encoded size of an mmioOp: a kind byte (bit 0 store, bits
// 1-2 log2 of the size, bit 3 line change), a 24-bit little-endian offset
// and a 32-bit value, repeated in both halves for 64-bit stores.
const opLen = 8

// decodeOps splits a fuzz input into accesses to a device of the given
// size.
func decodeOps(data []byte, devSize uint64) []mmioOp {
	var ops []mmioOp
	for ; len(data) >= opLen; data = data[opLen:] {
		k := data[0]
		off := uint64(data[1]) | uint64(data[2])<<8 | uint64(data[3])<<16
		v := uint64(binary.LittleEndian.Uint32(data[4:]))
		size := 1 << (k >> 1 & 3)
		ops = append(ops, mmioOp{
			store: k&1 != 0,
			irq:   k&8 != 0,
			off:   off % devSize &^ uint64(size-1),
			size:  size,
			v:     v | v<<32,
		})
	}
	return ops
}

// encodeOp is decodeOps' inverse, for seed corpora.
func encodeOp(op mmioOp) []byte {
	var b [opLen]byte
	sizeLog := map[int]byte{1: 0, 2: 1, 4: 2, 8: 3}[op.size]
	b[0] = sizeLog << 1
	if op.store {
		b[0] |= 1
	}
	if op.irq {
		b[0] |= 8
	}
	b[1], b[2], b[3] = byte(op.off), byte(op.off>>8), byte(op.off>>16)
	binary.LittleEndian.PutUint32(b[4:], uint32(op.v))
	return b[:]
}
