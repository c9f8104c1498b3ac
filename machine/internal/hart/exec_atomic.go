package hart

import (
	"encoding/binary"

	"github.com/reprovm/reprovm/machine/internal/rv"
)

// execAtomic executes the A extension. Addresses must be naturally aligned
// (else an address-misaligned exception, the only misaligned accesses that
// trap) and in RAM (else an access fault). aq/rl need nothing on one
// in-order hart.
func (h *Hart) execAtomic(in *rv.Inst) bool {
	va := h.X[in.Rs1]
	switch in.Op {
	case rv.OpLRW, rv.OpLRD:
		size := opSize(in.Op == rv.OpLRD)
		off, ok := h.amoAddr(va, size, accLoad)
		if !ok {
			return false
		}
		v := h.readRAM(off, size)
		h.resValid, h.resAddr = true, h.bus.RAMBase+off
		// Stores to the reserved page must take the slow path, which is
		// where the reservation is broken.
		h.bumpStoreEpoch()
		h.X[in.Rd] = v
		return true
	case rv.OpSCW, rv.OpSCD:
		size := opSize(in.Op == rv.OpSCD)
		off, ok := h.amoAddr(va, size, accStore)
		if !ok {
			return false
		}
		pa := h.bus.RAMBase + off
		if !h.resValid || h.resAddr != pa {
			h.resValid = false
			h.X[in.Rd] = 1
			return true
		}
		h.resValid = false
		h.writeRAM(off, size, h.X[in.Rs2])
		h.X[in.Rd] = 0
		return true
	}
	size := opSize(in.Op >= rv.OpLRD)
	// An AMO is a load and a store for the triggers (Sdtrig §5.6.1).
	if h.trigFires(accLoad, va, uint64(size)) {
		return false
	}
	off, ok := h.amoAddr(va, size, accStore)
	if !ok {
		return false
	}
	old := h.readRAM(off, size)
	src := h.X[in.Rs2]
	var v uint64
	switch in.Op {
	case rv.OpAMOSWAPW, rv.OpAMOSWAPD:
		v = src
	case rv.OpAMOADDW, rv.OpAMOADDD:
		v = old + src
	case rv.OpAMOXORW, rv.OpAMOXORD:
		v = old ^ src
	case rv.OpAMOANDW, rv.OpAMOANDD:
		v = old & src
	case rv.OpAMOORW, rv.OpAMOORD:
		v = old | src
	case rv.OpAMOMINW:
		v = pick(int32(old) < int32(src), old, src)
	case rv.OpAMOMAXW:
		v = pick(int32(old) > int32(src), old, src)
	case rv.OpAMOMINUW:
		v = pick(uint32(old) < uint32(src), old, src)
	case rv.OpAMOMAXUW:
		v = pick(uint32(old) > uint32(src), old, src)
	case rv.OpAMOMIND:
		v = pick(int64(old) < int64(src), old, src)
	case rv.OpAMOMAXD:
		v = pick(int64(old) > int64(src), old, src)
	case rv.OpAMOMINUD:
		v = pick(old < src, old, src)
	case rv.OpAMOMAXUD:
		v = pick(old > src, old, src)
	default:
		return h.raise(excIllegal, uint64(in.Raw))
	}
	h.writeRAM(off, size, v)
	h.X[in.Rd] = old
	return true
}

func opSize(double bool) int {
	if double {
		return 8
	}
	return 4
}

func pick(c bool, a, b uint64) uint64 {
	if c {
		return a
	}
	return b
}

// readRAM reads a naturally aligned word; 32-bit values are sign-extended,
// as every A-extension result is.
func (h *Hart) readRAM(off uint64, size int) uint64 {
	if size == 4 {
		return uint64(int32(binary.LittleEndian.Uint32(h.ram[off:])))
	}
	return binary.LittleEndian.Uint64(h.ram[off:])
}

func (h *Hart) writeRAM(off uint64, size int, v uint64) {
	if size == 4 {
		binary.LittleEndian.PutUint32(h.ram[off:], uint32(v))
	} else {
		binary.LittleEndian.PutUint64(h.ram[off:], v)
	}
	h.ramWritten(off, uint64(size))
}
