package initramfs

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/ulikunitz/xz"
)

// signed appends a signature the way scripts/sign-file does.
func signed(elf, sig []byte) []byte {
	info := make([]byte, 12)
	info[2] = 2 // PKEY_ID_PKCS7
	binary.BigEndian.PutUint32(info[8:], uint32(len(sig)))
	return append(append(append(bytes.Clone(elf), sig...), info...), sigMagic...)
}

func TestPlainModule(t *testing.T) {
	elf := []byte("\x7fELF module body")
	ko := signed(elf, bytes.Repeat([]byte{0x30}, 700))
	var xzBuf bytes.Buffer
	w, err := xz.NewWriter(&xzBuf)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(ko)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"ext4.ko.xz", xzBuf.Bytes()},
		{"ext4.ko", ko},
		{"ext4.ko", elf}, // unsigned stays as it is
	} {
		m, err := PlainModule(tc.name, tc.data)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if m.Name != "ext4.ko" || !bytes.Equal(m.Data, elf) {
			t.Errorf("%s: got %q %q, want ext4.ko %q", tc.name, m.Name, m.Data, elf)
		}
	}
}

func TestStripSignatureRejects(t *testing.T) {
	elf := []byte("\x7fELF module body")
	long := signed(elf, []byte("sig"))
	binary.BigEndian.PutUint32(long[len(long)-len(sigMagic)-4:], 1000)
	for _, tc := range []struct {
		name string
		ko   []byte
	}{
		{"not ELF", []byte("MZ")},
		{"truncated", append([]byte("\x7fELF"), sigMagic...)},
		{"signature too long", long},
		{"signature covers header", signed(nil, []byte("\x7fELF"))},
	} {
		if _, err := StripSignature(tc.ko); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
	if _, err := PlainModule("x.ko.xz", []byte("not xz")); err == nil {
		t.Error("PlainModule accepted a corrupt .xz")
	}
}

func FuzzStripSignature(f *testing.F) {
	f.Add(signed([]byte("\x7fELF"), []byte("sig")))
	f.Fuzz(func(t *testing.T, ko []byte) {
		plain, err := StripSignature(ko)
		if err != nil {
			return
		}
		if len(plain) > len(ko) || !bytes.Equal(plain, ko[:len(plain)]) {
			t.Fatal("the result is not a prefix of the input")
		}
	})
}
