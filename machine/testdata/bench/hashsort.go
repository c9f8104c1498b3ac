// Command hashsort is the integer benchmark workload of package machine.
//
// Its kernel, hashSort, is lifted out of the linked riscv64 binary and run
// bare metal by the benchmark harness (gostart.S); run natively, this program
// prints the value the guest must produce. The kernel is a leaf that calls
// nothing, allocates nothing and cannot panic (every index is masked), so its
// machine code runs without the Go runtime. It uses only small constants, so
// the compiler never loads one from a constant pool with auipc: the code is
// position independent and can be copied anywhere.
//
// Usage: hashsort N ROUNDS SEED
package main

import (
	"fmt"
	"os"
	"strconv"
)

// bufLen is the capacity of the sort buffer; a power of two so that masking
// an index with bufLen-1 proves it in range.
const bufLen = 1 << 14

type buffer [bufLen]uint64

// hashSort runs rounds rounds of: fill buf[:n] with xorshift64 values, sort
// them with heapsort, and fold their bytes into a 32-bit FNV-1a hash. n is
// clamped to bufLen and seed must be non-zero.
//
//go:nosplit
//go:noinline
func hashSort(buf *buffer, n, rounds, seed uint64) uint64 {
	const mask = bufLen - 1
	if n > bufLen {
		n = bufLen
	}
	h := uint32(2166136261)
	x := seed
	for r := uint64(0); r < rounds; r++ {
		for i := uint64(0); i < n; i++ {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			buf[i&mask] = x
		}
		// Heapsort: build a max-heap, then move the maximum to the end.
		// The sift-down is written out because a call would need the
		// runtime's stack checks.
		heap := n
		for k := n + n/2; k > 1; k-- {
			var root uint64
			if k > n {
				root = k - n - 1 // heap construction: sift k-n-1 down
			} else {
				heap = k - 1 // sort phase: move the maximum past the heap
				buf[0], buf[heap&mask] = buf[heap&mask], buf[0]
			}
			for {
				child := 2*root + 1
				if child >= heap {
					break
				}
				if child+1 < heap && buf[(child+1)&mask] > buf[child&mask] {
					child++
				}
				if buf[root&mask] >= buf[child&mask] {
					break
				}
				buf[root&mask], buf[child&mask] = buf[child&mask], buf[root&mask]
				root = child
			}
		}
		for i := uint64(0); i < n; i++ {
			v := buf[i&mask]
			for b := 0; b < 8; b++ {
				h ^= uint32(v & 0xff)
				h *= 16777619
				v >>= 8
			}
		}
	}
	return uint64(h)
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: hashsort N ROUNDS SEED")
		os.Exit(2)
	}
	var args [3]uint64
	for i := range args {
		v, err := strconv.ParseUint(os.Args[i+1], 0, 64)
		if err != nil {
			fmt.Fprintln(os.Stderr, "hashsort:", err)
			os.Exit(2)
		}
		args[i] = v
	}
	var buf buffer
	fmt.Printf("%#x\n", hashSort(&buf, args[0], args[1], args[2]))
}
