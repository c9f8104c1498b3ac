// Package merkle keeps a binary sha256 Merkle tree over a fixed number of
// leaves and recomputes only the paths of the leaves that changed, so that
// a state root after a few writes costs time in proportion to the leaves
// written, not to the tree's size (issue 8, "State root").
//
// Nodes are domain-separated as in RFC 6962 §2.1: a leaf's hash is
// sha256(0x00 || data) (the caller computes it with LeafHash), an inner
// node's sha256(0x01 || left || right). The leaf count is padded to a power
// of two with leaves that hash the zero leaf, so a tree over all-zero data
// is a chain of precomputed constants.
package merkle

import (
	"crypto/sha256"
	"slices"
)

// Hash is one node of the tree.
type Hash = [sha256.Size]byte

// LeafHash returns the hash of a leaf holding data.
func LeafHash(data []byte) Hash {
	h := sha256.New()
	h.Write([]byte{0})
	h.Write(data)
	var out Hash
	h.Sum(out[:0])
	return out
}

// NodeHash returns the hash of an inner node.
func NodeHash(left, right *Hash) Hash {
	var buf [1 + 2*sha256.Size]byte
	buf[0] = 1
	copy(buf[1:], left[:])
	copy(buf[1+sha256.Size:], right[:])
	return sha256.Sum256(buf[:])
}

// Tree is a Merkle tree with a fixed number of leaves. The zero value is
// not usable; call New.
type Tree struct {
	// levels[0] holds the leaves, levels[len-1] the root; each level is
	// half the one below (the leaf count is a power of two).
	levels [][]Hash
	// dirty lists the leaves Set since the last Root, unsorted, possibly
	// with repeats.
	dirty []int
}

// New returns a tree of n leaves (n > 0), each set to zero, the hash of an
// empty leaf of the caller's kind (for RAM, LeafHash of a zero page).
func New(n int, zero Hash) *Tree {
	size := 1
	for size < n {
		size *= 2
	}
	t := &Tree{}
	level := make([]Hash, size)
	for i := range level {
		level[i] = zero
	}
	t.levels = append(t.levels, level)
	for len(level) > 1 {
		up := make([]Hash, len(level)/2)
		h := NodeHash(&level[0], &level[1]) // every node of a level is equal
		for i := range up {
			up[i] = h
		}
		t.levels = append(t.levels, up)
		level = up
	}
	return t
}

// Set sets leaf i (0 <= i < the n given to New) to h.
func (t *Tree) Set(i int, h Hash) {
	if t.levels[0][i] == h {
		return
	}
	t.levels[0][i] = h
	t.dirty = append(t.dirty, i)
}

// Leaf returns leaf i.
func (t *Tree) Leaf(i int) Hash { return t.levels[0][i] }

// Root brings the inner nodes above the leaves Set since the last call up
// to date and returns the root.
func (t *Tree) Root() Hash {
	idx := t.dirty
	for l := 1; l < len(t.levels) && len(idx) > 0; l++ {
		for k := range idx {
			idx[k] /= 2
		}
		slices.Sort(idx)
		idx = slices.Compact(idx)
		below, level := t.levels[l-1], t.levels[l]
		for _, i := range idx {
			level[i] = NodeHash(&below[2*i], &below[2*i+1])
		}
	}
	t.dirty = t.dirty[:0]
	return t.levels[len(t.levels)-1][0]
}
