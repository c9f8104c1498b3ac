// Package snap encodes the fields of a machine snapshot: little-endian
// fixed-width integers, booleans as one byte, and byte strings with a
// 32-bit length. The encoding has no alignment, no padding and no map
// iteration, so the same values give the same bytes on every host.
//
// A Reader treats its input as hostile: every read is bounds-checked, every
// length is compared with a limit the caller gives, and the first failure
// is kept (later reads return zero values), so a decoder can read a whole
// record and check Err once.
package snap

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Writer appends encoded values to a buffer.
type Writer struct {
	buf []byte
}

// Bytes returns what has been written.
func (w *Writer) Bytes() []byte { return w.buf }

// U8 appends one byte.
func (w *Writer) U8(v uint8) { w.buf = append(w.buf, v) }

// Bool appends 1 for true and 0 for false.
func (w *Writer) Bool(v bool) {
	if v {
		w.U8(1)
	} else {
		w.U8(0)
	}
}

// U16 appends v in 2 bytes.
func (w *Writer) U16(v uint16) { w.buf = binary.LittleEndian.AppendUint16(w.buf, v) }

// U32 appends v in 4 bytes.
func (w *Writer) U32(v uint32) { w.buf = binary.LittleEndian.AppendUint32(w.buf, v) }

// U64 appends v in 8 bytes.
func (w *Writer) U64(v uint64) { w.buf = binary.LittleEndian.AppendUint64(w.buf, v) }

// Blob appends len(b) in 4 bytes, then b.
func (w *Writer) Blob(b []byte) {
	w.U32(uint32(len(b)))
	w.buf = append(w.buf, b...)
}

// Raw appends b with no length.
func (w *Writer) Raw(b []byte) { w.buf = append(w.buf, b...) }

// ErrShort reports a record that ends before its last field.
var ErrShort = errors.New("record ends early")

// Reader decodes values from a byte slice.
type Reader struct {
	b   []byte
	err error
}

// NewReader returns a Reader of b. It does not copy b.
func NewReader(b []byte) *Reader { return &Reader{b: b} }

// Err returns the first error, or nil.
func (r *Reader) Err() error { return r.err }

// Failf records an error (if none is recorded yet) for a value that decoded
// but is not valid, and returns the recorded error.
func (r *Reader) Failf(format string, args ...any) error {
	if r.err == nil {
		r.err = fmt.Errorf(format, args...)
	}
	return r.err
}

// Done returns the first error, or an error if bytes are left unread.
func (r *Reader) Done() error {
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("%d bytes left after the record", len(r.b))
	}
	return r.err
}

// take returns the next n bytes, or nil after recording ErrShort.
func (r *Reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.err = ErrShort
		r.b = nil
		return nil
	}
	p := r.b[:n:n]
	r.b = r.b[n:]
	return p
}

// U8 reads one byte.
func (r *Reader) U8() uint8 {
	if p := r.take(1); p != nil {
		return p[0]
	}
	return 0
}

// Bool reads a byte that must be 0 or 1.
func (r *Reader) Bool() bool {
	switch v := r.U8(); v {
	case 0:
		return false
	case 1:
		return true
	default:
		r.Failf("boolean byte is %d, want 0 or 1", v)
		return false
	}
}

// U16 reads 2 bytes.
func (r *Reader) U16() uint16 {
	if p := r.take(2); p != nil {
		return binary.LittleEndian.Uint16(p)
	}
	return 0
}

// U32 reads 4 bytes.
func (r *Reader) U32() uint32 {
	if p := r.take(4); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}

// U64 reads 8 bytes.
func (r *Reader) U64() uint64 {
	if p := r.take(8); p != nil {
		return binary.LittleEndian.Uint64(p)
	}
	return 0
}

// Blob reads a byte string of at most max bytes. The result aliases the
// Reader's input.
func (r *Reader) Blob(what string, max int) []byte {
	n := r.U32()
	if r.err != nil {
		return nil
	}
	if uint64(n) > uint64(max) {
		r.Failf("%s is %d bytes, more than the %d allowed", what, n, max)
		return nil
	}
	return r.take(int(n))
}

// Raw reads exactly n bytes. The result aliases the Reader's input.
func (r *Reader) Raw(n int) []byte { return r.take(n) }

// Count reads a 32-bit element count that must be at most max, and that
// the remaining input can hold at minSize bytes per element, so that a
// hostile count cannot make the caller allocate more than the input's size.
func (r *Reader) Count(what string, max, minSize int) int {
	n := r.U32()
	if r.err != nil {
		return 0
	}
	if uint64(n) > uint64(max) {
		r.Failf("%d %s, more than the %d allowed", n, what, max)
		return 0
	}
	if minSize > 0 && uint64(n)*uint64(minSize) > uint64(len(r.b)) {
		r.err = ErrShort
		return 0
	}
	return int(n)
}
