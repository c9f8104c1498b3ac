package jit

// A minimal WebAssembly binary encoder: just what the translator emits
// (WebAssembly Core Specification 2.0, §5 "Binary Format"). Functions are
// built as byte slices of instructions; a module is assembled from them by
// module.go.

// wasm value types and opcodes (Core spec §5.3.1, §5.4).
const (
	tI32 = 0x7f
	tI64 = 0x7e

	opUnreachable  = 0x00
	opBlock        = 0x02
	opLoop         = 0x03
	opIf           = 0x04
	opElse         = 0x05
	opEnd          = 0x0b
	opBr           = 0x0c
	opBrIf         = 0x0d
	opBrTable      = 0x0e
	opReturn       = 0x0f
	opCall         = 0x10
	opCallIndirect = 0x11
	opSelect       = 0x1b
	opLocalGet     = 0x20
	opLocalSet     = 0x21
	opLocalTee     = 0x22

	opI32Load    = 0x28
	opI64Load    = 0x29
	opI64Load8S  = 0x30
	opI64Load8U  = 0x31
	opI64Load16S = 0x32
	opI64Load16U = 0x33
	opI64Load32S = 0x34
	opI64Load32U = 0x35
	opI32Store   = 0x36
	opI64Store   = 0x37
	opI64Store8  = 0x3c
	opI64Store16 = 0x3d
	opI64Store32 = 0x3e

	opI32Const = 0x41
	opI64Const = 0x42

	opI32Eqz = 0x45
	opI32Eq  = 0x46
	opI32Ne  = 0x47
	opI32LeU = 0x4d
	opI64Eqz = 0x50
	opI64Eq  = 0x51
	opI64Ne  = 0x52
	opI64LtS = 0x53
	opI64LtU = 0x54
	opI64GtU = 0x56
	opI64GeS = 0x59
	opI64GeU = 0x5a

	opI32Add  = 0x6a
	opI32Sub  = 0x6b
	opI32Mul  = 0x6c
	opI32DivS = 0x6d
	opI32DivU = 0x6e
	opI32RemS = 0x6f
	opI32RemU = 0x70
	opI32And  = 0x71
	opI32Or   = 0x72
	opI32Shl  = 0x74
	opI32ShrS = 0x75
	opI32ShrU = 0x76

	opI64Add  = 0x7c
	opI64Sub  = 0x7d
	opI64Mul  = 0x7e
	opI64DivS = 0x7f
	opI64DivU = 0x80
	opI64RemS = 0x81
	opI64RemU = 0x82
	opI64And  = 0x83
	opI64Or   = 0x84
	opI64Xor  = 0x85
	opI64Shl  = 0x86
	opI64ShrS = 0x87
	opI64ShrU = 0x88

	opI32WrapI64    = 0xa7
	opI64ExtendI32S = 0xac
	opI64ExtendI32U = 0xad
	opI64Extend32S  = 0xc4
)

// code is a function body or constant expression under construction.
type code []byte

func (c *code) op(b ...byte) { *c = append(*c, b...) }

func (c *code) u32(v uint32) { *c = appendU(*c, uint64(v)) }

func (c *code) i32(v int32) { c.op(opI32Const); *c = appendS(*c, int64(v)) }

func (c *code) i64(v int64) { c.op(opI64Const); *c = appendS(*c, v) }

func (c *code) get(l uint32) { c.op(opLocalGet); c.u32(l) }

func (c *code) set(l uint32) { c.op(opLocalSet); c.u32(l) }

func (c *code) tee(l uint32) { c.op(opLocalTee); c.u32(l) }

// mem emits a load or store with the given static offset; alignment hint 0
// (the translator's accesses may be misaligned).
func (c *code) mem(o byte, offset uint32) { c.op(o, 0); c.u32(offset) }

// appendU appends v as unsigned LEB128.
func appendU(b []byte, v uint64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// appendS appends v as signed LEB128.
func appendS(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 && c&0x40 == 0 || v == -1 && c&0x40 != 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// section appends a section with the given id and contents.
func section(b []byte, id byte, content []byte) []byte {
	b = append(b, id)
	b = appendU(b, uint64(len(content)))
	return append(b, content...)
}

// name appends a length-prefixed UTF-8 name.
func name(b []byte, s string) []byte {
	b = appendU(b, uint64(len(s)))
	return append(b, s...)
}

var wasmHeader = []byte{0, 'a', 's', 'm', 1, 0, 0, 0}
