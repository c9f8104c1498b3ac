package images

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// readAll returns every member of an ar archive as name=data strings.
func readAll(data []byte) ([]string, error) {
	ar := newArReader(bytes.NewReader(data))
	var got []string
	for {
		h, err := ar.Next()
		if err == io.EOF {
			return got, nil
		}
		if err != nil {
			return got, err
		}
		body, err := io.ReadAll(ar)
		if err != nil {
			return got, err
		}
		if int64(len(body)) != h.Size {
			return got, errors.New("size differs from header")
		}
		got = append(got, h.Name+"="+string(body))
	}
}

func TestArReader(t *testing.T) {
	good := writeAr(arMember{"debian-binary", []byte("2.0\n")}, arMember{"odd", []byte("abc")}, arMember{"empty", nil}, arMember{"last", []byte("xy")})
	header := func(name, size string) string {
		return name + strings.Repeat(" ", 16-len(name)) + "0           0     0     644     " + size + strings.Repeat(" ", 10-len(size)) + "`\n"
	}
	tests := []struct {
		name    string
		data    []byte
		want    []string
		wantErr string
	}{
		{"members and padding", good, []string{"debian-binary=2.0\n", "odd=abc", "empty=", "last=xy"}, ""},
		{"gnu trailing slash", []byte(arMagic + header("data.tar.xz/", "2") + "hi"), []string{"data.tar.xz=hi"}, ""},
		{"magic only", []byte(arMagic), nil, ""},
		{"empty input", nil, nil, "reading magic"},
		{"bad magic", []byte("!<arch>X"), nil, "bad magic"},
		{"truncated header", []byte(arMagic + header("a", "1")[:30]), nil, "truncated"},
		{"bad terminator", []byte(arMagic + header("a", "1")[:58] + "xx" + "a\n"), nil, "terminator"},
		{"negative size", []byte(arMagic + header("a", "-1")), nil, "bad size"},
		{"plus size", []byte(arMagic + header("a", "+1") + "a\n"), nil, "bad size"},
		{"hex size", []byte(arMagic + header("a", "0x10")), nil, "bad size"},
		{"blank size", []byte(arMagic + header("a", "")), nil, "bad size"},
		{"empty name", []byte(arMagic + header("", "0")), nil, "empty member name"},
		{"truncated data", []byte(arMagic + header("a", "10") + "abc"), []string{}, "unexpected EOF"},
		{"truncated padding", []byte(arMagic + header("a", "1") + "a" + header("b", "0")[:0]), []string{"a=a"}, ""},
		{"data then short skip", []byte(arMagic + header("a", "9999") + "abc" + header("b", "0")), nil, "unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAll(tt.data)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("error %v", err)
				}
				if strings.Join(got, "|") != strings.Join(tt.want, "|") {
					t.Fatalf("members %q, want %q", got, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one containing %q (members %q)", err, tt.wantErr, got)
			}
		})
	}
}

// TestArReaderSkip checks that Next skips unread data and padding.
func TestArReaderSkip(t *testing.T) {
	data := writeAr(arMember{"one", []byte("12345")}, arMember{"two", []byte("ab")})
	ar := newArReader(bytes.NewReader(data))
	if h, err := ar.Next(); err != nil || h.Name != "one" || h.Size != 5 {
		t.Fatalf("first: %+v, %v", h, err)
	}
	var b [2]byte
	if _, err := io.ReadFull(ar, b[:]); err != nil || string(b[:]) != "12" {
		t.Fatalf("partial read %q, %v", b, err)
	}
	h, err := ar.Next()
	if err != nil || h.Name != "two" {
		t.Fatalf("second: %+v, %v", h, err)
	}
	if body, err := io.ReadAll(ar); err != nil || string(body) != "ab" {
		t.Fatalf("second body %q, %v", body, err)
	}
	if _, err := ar.Next(); err != io.EOF {
		t.Fatalf("end: %v, want io.EOF", err)
	}
}
