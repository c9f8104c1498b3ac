package machine

import (
	"crypto/sha256"
	"encoding/binary"
	"io"
	"runtime"

	"github.com/reprovm/reprovm/machine/internal/merkle"
	"github.com/reprovm/reprovm/machine/internal/snap"
)

// The leaf-hash section of a format-2 snapshot (SaveSnapshotWithLeaves):
// the Merkle leaf (stateroot.go) of every page the RAM section holds, so
// that a machine restored from the snapshot has its RAM tree at once and
// its first state root hashes only the pages written since the restore.
// Without it, that root hashes all the RAM the machine holds: after the go
// image's warm-up, hundreds of megabytes.
//
// The leaves decide a result (the roots in a transcript and a stamp), and
// a snapshot is local cache, so they are checked before they are trusted,
// and a record that fails a check is dropped (the first root then hashes
// everything, as without the section), never used:
//
//   - the section is inside the snapshot's zstd stream, whose content
//     checksum covers it like every other section;
//   - it ends with a sha256 of its own contents (leavesDomain, the count,
//     the leaves), which any damage to the leaves fails;
//   - it must have one leaf per page of the RAM section;
//   - leavesChecked pages spread over RAM are hashed again and compared,
//     which a record saved for other RAM (a bug, or a spliced file) fails.
//
// Layout: uint64 count, count leaves of 32 bytes in page order, 32 bytes
// of sha256.

// leavesDomain starts the record's own hash.
const leavesDomain = "reprovm ram leaves v1\x00"

// leavesChecked is how many pages a restore hashes to check the leaves.
const leavesChecked = 32

// leavesDigest is the record's own hash over count and leaves.
func leavesDigest(body []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte(leavesDomain))
	h.Write(body)
	var d [32]byte
	h.Sum(d[:0])
	return d
}

// writeLeaves writes the leaf-hash section for the pages set in bitmap
// (the RAM section's).
func (m *Machine) writeLeaves(w io.Writer, bitmap []byte) error {
	defer runtime.KeepAlive(m)
	ram := m.bus.RAM
	var pages []uint64
	for p := range uint64(len(ram) / pageSize) {
		if bitmap[p/8]>>(p%8)&1 != 0 {
			pages = append(pages, p)
		}
	}
	t := &ramTree{zero: merkle.LeafHash(zeroPage[:])}
	leaves := t.leaves(func(i int) []byte { return ram[pages[i]*pageSize : (pages[i]+1)*pageSize] }, len(pages), runtime.GOMAXPROCS(0))
	var sw snap.Writer
	sw.U64(uint64(len(leaves)))
	for i := range leaves {
		sw.Raw(leaves[i][:])
	}
	d := leavesDigest(sw.Bytes())
	sw.Raw(d[:])
	return section(w, secLeaves, sw.Bytes())
}

// readLeaves reads the leaf-hash section of a restore whose RAM section
// held the pages held, and adopts the leaves if they pass the checks.
// Only a section that cannot be read (the stream is damaged) is an error.
func (m *Machine) readLeaves(s *sectionReader, held []uint64) error {
	pages := uint64(len(m.bus.RAM) / pageSize)
	b, err := s.small(secLeaves, 8+pages*32+32)
	if err != nil {
		return err
	}
	leaves, ok := parseLeaves(b, len(held))
	if ok && m.leavesMatch(held, leaves) {
		m.adoptLeaves(held, leaves)
	}
	return nil
}

// parseLeaves returns the n leaves of the record b, or false if b is not
// a whole record of n leaves with its own hash right.
func parseLeaves(b []byte, n int) ([]merkle.Hash, bool) {
	if len(b) < 8+32 || binary.LittleEndian.Uint64(b) != uint64(n) || len(b) != 8+32*n+32 {
		return nil, false
	}
	body := b[:8+32*n]
	if leavesDigest(body) != [32]byte(b[len(body):]) {
		return nil, false
	}
	leaves := make([]merkle.Hash, n)
	for i := range leaves {
		leaves[i] = merkle.Hash(body[8+32*i:])
	}
	return leaves, true
}

// leavesMatch hashes leavesChecked of the held pages, spread evenly, and
// compares them with their leaves.
func (m *Machine) leavesMatch(held []uint64, leaves []merkle.Hash) bool {
	defer runtime.KeepAlive(m)
	if len(held) == 0 {
		return true
	}
	ram := m.bus.RAM
	t := &ramTree{zero: merkle.LeafHash(zeroPage[:])}
	for k := range leavesChecked {
		i := k * (len(held) - 1) / (leavesChecked - 1)
		p := held[i]
		if t.leafHash(ram[p*pageSize:(p+1)*pageSize]) != leaves[i] {
			return false
		}
	}
	return true
}

// adoptLeaves makes the machine's RAM tree from the leaves of the held
// pages (every other page is zero) and starts dirty tracking, as if a
// root had just been taken. The tree's inner nodes are computed on
// another goroutine; the first root waits for them.
func (m *Machine) adoptLeaves(held []uint64, leaves []merkle.Hash) {
	n := len(m.bus.RAM) / pageSize
	zero := merkle.LeafHash(zeroPage[:])
	t := &ramTree{zero: zero, busy: make(chan struct{})}
	m.ram = t
	m.hart.TrackDirty()
	go func() {
		defer close(t.busy)
		tree := merkle.New(n, zero)
		for i, p := range held {
			tree.Set(int(p), leaves[i])
		}
		tree.Root()
		t.tree = tree
	}()
}

// HasRAMTree reports whether the machine keeps a Merkle tree of its RAM,
// so that its next state root hashes only the pages written since the
// last one (or since it was restored from a snapshot with leaf hashes).
func (m *Machine) HasRAMTree() bool { return m.ram != nil }

// leaves returns the leaf hashes of n pages (page i is src(i)) hashed on
// up to workers goroutines.
func (t *ramTree) leaves(src func(i int) []byte, n, workers int) []merkle.Hash {
	out := make([]merkle.Hash, n)
	parallel(n, workers, func(i int) { out[i] = t.leafHash(src(i)) })
	return out
}
