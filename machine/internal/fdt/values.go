package fdt

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// Uint32 decodes a value of exactly one cell.
func Uint32(v []byte) (uint32, error) {
	if len(v) != 4 {
		return 0, fmt.Errorf("fdt: want a 4-byte <u32>, have %d bytes", len(v))
	}
	return binary.BigEndian.Uint32(v), nil
}

// Uint64 decodes a value of exactly two cells.
func Uint64(v []byte) (uint64, error) {
	if len(v) != 8 {
		return 0, fmt.Errorf("fdt: want an 8-byte <u64>, have %d bytes", len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

// Cells decodes a value as 32-bit cells; its length must be a multiple of 4.
func Cells(v []byte) ([]uint32, error) {
	if len(v)%4 != 0 {
		return nil, fmt.Errorf("fdt: %d bytes is not a whole number of cells", len(v))
	}
	out := make([]uint32, len(v)/4)
	for i := range out {
		out[i] = binary.BigEndian.Uint32(v[4*i:])
	}
	return out, nil
}

// Strings decodes a <string> or <stringlist>: one or more NUL-terminated
// strings, the last byte being NUL.
func Strings(v []byte) ([]string, error) {
	if len(v) == 0 || v[len(v)-1] != 0 {
		return nil, fmt.Errorf("fdt: string value is not NUL-terminated")
	}
	return strings.Split(string(v[:len(v)-1]), "\x00"), nil
}

// String decodes a value holding exactly one string.
func String(v []byte) (string, error) {
	list, err := Strings(v)
	if err != nil {
		return "", err
	}
	if len(list) != 1 {
		return "", fmt.Errorf("fdt: want one string, have %d", len(list))
	}
	return list[0], nil
}
