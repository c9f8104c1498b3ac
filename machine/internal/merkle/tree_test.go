package merkle

import (
	"math/rand/v2"
	"testing"
)

// naiveRoot computes the root of leaves (a power of two) from scratch.
func naiveRoot(leaves []Hash) Hash {
	for len(leaves) > 1 {
		up := make([]Hash, len(leaves)/2)
		for i := range up {
			up[i] = NodeHash(&leaves[2*i], &leaves[2*i+1])
		}
		leaves = up
	}
	return leaves[0]
}

// TestIncrementalRoot sets random leaves in rounds and checks the
// incremental root against one computed from scratch after every round,
// for leaf counts that are and are not powers of two.
func TestIncrementalRoot(t *testing.T) {
	for _, n := range []int{1, 2, 3, 7, 64, 1000} {
		zero := LeafHash(make([]byte, 16))
		tree := New(n, zero)
		size := len(tree.levels[0])
		leaves := make([]Hash, size)
		for i := range leaves {
			leaves[i] = zero
		}
		if got, want := tree.Root(), naiveRoot(leaves); got != want {
			t.Fatalf("n=%d: empty root %x, want %x", n, got, want)
		}
		rng := rand.New(rand.NewPCG(uint64(n), 1))
		for round := range 20 {
			for range rng.IntN(5) + 1 {
				i := rng.IntN(n)
				h := LeafHash([]byte{byte(round), byte(i), byte(rng.IntN(3))})
				tree.Set(i, h)
				leaves[i] = h
			}
			if got, want := tree.Root(), naiveRoot(leaves); got != want {
				t.Fatalf("n=%d round %d: root %x, want %x", n, round, got, want)
			}
		}
	}
}

// TestRootDependsOnEveryLeaf changes each leaf of a small tree in turn
// and requires a different root each time.
func TestRootDependsOnEveryLeaf(t *testing.T) {
	const n = 13
	tree := New(n, Hash{})
	base := tree.Root()
	seen := map[Hash]int{base: -1}
	for i := range n {
		tree.Set(i, LeafHash([]byte{1}))
		r := tree.Root()
		if j, dup := seen[r]; dup {
			t.Fatalf("leaf %d: root equals the one after leaf %d", i, j)
		}
		seen[r] = i
		tree.Set(i, Hash{})
		if tree.Root() != base {
			t.Fatalf("leaf %d: root did not return to the base after undoing", i)
		}
	}
}

func BenchmarkRootAfterOneWrite(b *testing.B) {
	tree := New(1<<19, LeafHash(make([]byte, 4096))) // 2 GiB of 4 KiB pages
	tree.Root()
	for i := 0; b.Loop(); i++ {
		tree.Set(i%(1<<19), LeafHash([]byte{byte(i)}))
		tree.Root()
	}
}
