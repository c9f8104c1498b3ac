package builder

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/reprovm/reprovm/machine"
)

// sizeShift gives the power of two for each accepted size suffix. Suffixes
// are binary (K = 1024), as in QEMU's -m, and case-insensitive; "KiB" style
// spellings are accepted too. Decimal spellings such as "MB" are rejected
// rather than guessed at.
var sizeShift = map[string]uint{
	"": 0, "k": 10, "m": 20, "g": 30, "t": 40,
	"kib": 10, "mib": 20, "gib": 30, "tib": 40,
}

// ParseSize parses a byte count such as "1048576", "256M" or "2G".
func ParseSize(s string) (uint64, error) {
	digits := strings.TrimRight(s, "KMGTkmgtIiBb")
	n, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("size %q: want a whole number of bytes with an optional K, M, G or T suffix (binary: 1K = 1024)", s)
	}
	shift, ok := sizeShift[strings.ToLower(s[len(digits):])]
	if !ok {
		return 0, fmt.Errorf("size %q: unknown suffix %q; use K, M, G or T (binary: 1K = 1024)", s, s[len(digits):])
	}
	if n > math.MaxUint64>>shift {
		return 0, fmt.Errorf("size %q: does not fit in 64 bits", s)
	}
	return n << shift, nil
}

// FormatSize writes n with the largest suffix that divides it exactly, so
// that ParseSize(FormatSize(n)) == n.
func FormatSize(n uint64) string {
	for _, u := range []struct {
		suffix string
		shift  uint
	}{{"T", 40}, {"G", 30}, {"M", 20}, {"K", 10}} {
		if n != 0 && n%(1<<u.shift) == 0 {
			return strconv.FormatUint(n>>u.shift, 10) + u.suffix
		}
	}
	return strconv.FormatUint(n, 10)
}

// CheckRAMSize accepts a guest RAM size that the machine boots: a non-zero
// multiple of 4 KiB of at most machine.MaxRAMSize.
func CheckRAMSize(n uint64) error {
	if n == 0 || n%4096 != 0 {
		return fmt.Errorf("RAM size %s: must be a non-zero multiple of 4K", FormatSize(n))
	}
	if n > machine.MaxRAMSize {
		return fmt.Errorf("RAM size %s: the board boots at most %s (Debian's kernel does not map more, and would lose the initrd); give --ram %s or less", FormatSize(n), FormatSize(machine.MaxRAMSize), FormatSize(machine.MaxRAMSize))
	}
	return nil
}
