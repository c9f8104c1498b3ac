package snap

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	var w Writer
	w.U8(0xab)
	w.Bool(true)
	w.Bool(false)
	w.U16(0xbeef)
	w.U32(0xdeadbeef)
	w.U64(0x0123456789abcdef)
	w.Blob([]byte("blob"))
	w.Raw([]byte{1, 2, 3})
	w.U32(2) // a count
	want := []byte{
		0xab, 1, 0,
		0xef, 0xbe,
		0xef, 0xbe, 0xad, 0xde,
		0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01,
		4, 0, 0, 0, 'b', 'l', 'o', 'b',
		1, 2, 3,
		2, 0, 0, 0,
	}
	if !bytes.Equal(w.Bytes(), want) {
		t.Fatalf("encoding\n got %x\nwant %x", w.Bytes(), want)
	}
	r := NewReader(append(want, 9, 9))
	if r.U8() != 0xab || !r.Bool() || r.Bool() || r.U16() != 0xbeef || r.U32() != 0xdeadbeef ||
		r.U64() != 0x0123456789abcdef || string(r.Blob("b", 4)) != "blob" || !bytes.Equal(r.Raw(3), []byte{1, 2, 3}) ||
		r.Count("things", 2, 1) != 2 {
		t.Fatalf("decoding gave other values (err %v)", r.Err())
	}
	if err := r.Done(); err == nil || !strings.Contains(err.Error(), "2 bytes left") {
		t.Fatalf("Done with 2 bytes left: %v", err)
	}
}

func TestReaderErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		read func(r *Reader)
		want string
	}{
		{"short u64", []byte{1, 2, 3}, func(r *Reader) { r.U64() }, "ends early"},
		{"bool 2", []byte{2}, func(r *Reader) { r.Bool() }, "want 0 or 1"},
		{"blob over max", []byte{5, 0, 0, 0, 'h', 'e', 'l', 'l', 'o'}, func(r *Reader) { r.Blob("name", 4) }, "name is 5 bytes, more than the 4"},
		{"blob short", []byte{5, 0, 0, 0, 'h'}, func(r *Reader) { r.Blob("name", 10) }, "ends early"},
		{"count over max", []byte{3, 0, 0, 0}, func(r *Reader) { r.Count("pages", 2, 0) }, "3 pages, more than the 2"},
		{"count beyond input", []byte{0xff, 0xff, 0, 0, 1, 2}, func(r *Reader) { r.Count("pages", 1<<20, 8) }, "ends early"},
		{"first error kept", []byte{7}, func(r *Reader) { r.Bool(); r.U64(); r.Failf("later") }, "boolean byte is 7"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReader(tc.in)
			tc.read(r)
			if err := r.Err(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if r.U64() != 0 || r.Blob("x", 10) != nil {
				t.Fatal("reads after an error return values")
			}
		})
	}
	if !errors.Is(NewReader(nil).take1(), ErrShort) {
		t.Fatal("reading an empty input is not ErrShort")
	}
}

// take1 reads one byte and returns the error.
func (r *Reader) take1() error { r.U8(); return r.Err() }

// FuzzReader reads arbitrary input as a mix of fields: never a panic, and
// never a value after the first error.
func FuzzReader(f *testing.F) {
	f.Add([]byte{1, 0, 0, 0, 'x', 1, 2, 0, 0, 0, 9})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(data)
		for r.Err() == nil && len(r.b) > 0 {
			switch r.U8() % 6 {
			case 0:
				r.Bool()
			case 1:
				r.U16()
			case 2:
				r.U64()
			case 3:
				r.Blob("b", 16)
			case 4:
				for range r.Count("c", 8, 2) {
					r.U16()
				}
			case 5:
				r.Raw(3)
			}
		}
		if r.Err() != nil && r.U32() != 0 {
			t.Fatal("a value after an error")
		}
	})
}
