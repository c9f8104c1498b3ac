package proto

import (
	"bytes"
	"encoding/binary"
	"testing"
)

func TestDetectFS(t *testing.T) {
	img := func(off int, magic []byte) *bytes.Reader {
		b := make([]byte, 4096)
		copy(b[off:], magic)
		return bytes.NewReader(b)
	}
	tests := []struct {
		name string
		r    *bytes.Reader
		want string
	}{
		{"squashfs", img(0, []byte("hsqs")), "squashfs"},
		{"erofs", img(1024, binary.LittleEndian.AppendUint32(nil, 0xe0f5e1e2)), "erofs"},
		{"ext4", img(1080, binary.LittleEndian.AppendUint16(nil, 0xef53)), "ext4"},
		{"zeros", img(0, nil), ""},
		{"short", bytes.NewReader([]byte("hsqs")), "squashfs"},
		{"empty", bytes.NewReader(nil), ""},
	}
	for _, tc := range tests {
		got, err := DetectFS(tc.r)
		if err != nil || got != tc.want {
			t.Errorf("%s: DetectFS = %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}
