package softfloat

import (
	"math/big"
	"math/rand/v2"
	"testing"
)

// TestSqrtHi checks the integer square root against math/big on the ends
// of its domain, perfect squares and their neighbours, and random inputs.
func TestSqrtHi(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	inputs := []uint64{1 << 60, 1<<60 + 1, 1<<61 - 1, 1 << 61, 1<<61 + 1, 1<<62 - 1}
	for range 200_000 {
		inputs = append(inputs, 1<<60+r.Uint64N(3<<60))
		// hi × 2^64 = s² needs s = k × 2^32 with k² = hi.
		k := 1<<30 + r.Uint64N(1<<31-1<<30)
		inputs = append(inputs, k*k, k*k+1, k*k-1)
	}
	n := new(big.Int)
	for _, hi := range inputs {
		if hi < 1<<60 || hi >= 1<<62 {
			continue
		}
		n.Lsh(new(big.Int).SetUint64(hi), 64)
		want := new(big.Int).Sqrt(n)
		exact := new(big.Int).Mul(want, want).Cmp(n) == 0
		got, gotExact := sqrtHi(hi)
		if got != want.Uint64() || gotExact != exact {
			t.Fatalf("sqrtHi(%#x) = %#x %v, want %#x %v", hi, got, gotExact, want.Uint64(), exact)
		}
	}
}
