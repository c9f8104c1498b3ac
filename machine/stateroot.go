package machine

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"runtime"
	"sync"

	"github.com/reprovm/reprovm/machine/internal/merkle"
	"github.com/reprovm/reprovm/machine/internal/snap"
)

// StateRoots is a hash of the machine's whole state and of its four parts.
// Two machines with the same Root are in the same state: the same
// registers, CSRs, counters and TLB translations (Hart), device registers,
// queues and device tree (Devices), RAM (RAM) and contents written to
// writable drives (Drives).
type StateRoots struct {
	Root    [32]byte
	Hart    [32]byte // sha256 of the hart's snapshot section
	Devices [32]byte // sha256 of the device sections, in snapshot order
	RAM     [32]byte // root of a Merkle tree over the 4 KiB pages of RAM
	Drives  [32]byte // sha256 of the written chunks of writable drives
}

// stateRootDomain starts the hash of Root, so that it cannot be confused
// with any other sha256 the project computes.
const stateRootDomain = "reprovm machine state v1\x00"

// ramTree is the Merkle tree over RAM that StateRoot keeps up to date.
type ramTree struct {
	tree *merkle.Tree
	zero merkle.Hash // the leaf hash of a zero page
}

// StateRoot hashes the machine's whole state (see StateRoots). RAM is a
// Merkle tree over 4 KiB pages (package merkle): zero pages hash to a
// constant, and after the first call only the pages written since the last
// call are hashed again, so checkpoints every few hundred million
// instructions cost little. The parts other than RAM are the snapshot's own
// encodings, so a root identifies exactly what a snapshot would hold, and a
// machine restored from a snapshot has the root of the one that saved it.
// Taking a root changes nothing the guest can see.
func (m *Machine) StateRoot() (StateRoots, error) {
	defer runtime.KeepAlive(m) // RAM is unmapped when the bus is garbage
	var r StateRoots
	ram := m.bus.RAM
	var pages []uint64
	if m.ram == nil {
		zero := merkle.LeafHash(zeroPage[:])
		m.ram = &ramTree{tree: merkle.New(len(ram)/pageSize, zero), zero: zero}
		m.hart.TrackDirty()
		m.hart.TakeDirty(func(uint64) {}) // every page is looked at now
		touched := m.bus.TouchedPages()
		for p := range uint64(len(ram) / pageSize) {
			if touched == nil || touched[p/64]>>(p%64)&1 != 0 {
				pages = append(pages, p)
			}
		}
	} else {
		m.hart.TakeDirty(func(p uint64) { pages = append(pages, p) })
	}
	m.ram.hashPages(ram, pages)
	r.RAM = m.ram.tree.Root()

	sections := m.smallSections()
	var sw snap.Writer
	sections[0].save(&sw)
	r.Hart = sha256.Sum256(sw.Bytes())
	dh := sha256.New()
	for _, s := range sections[1:] {
		var sw snap.Writer
		s.save(&sw)
		fmt.Fprintf(dh, "%d:%d:", s.tag, len(sw.Bytes()))
		dh.Write(sw.Bytes())
	}
	dh.Sum(r.Devices[:0])

	vh := sha256.New()
	for i, v := range m.virtio[:len(m.drives)] {
		disk, chunks := v.Written()
		if disk == nil {
			continue
		}
		fmt.Fprintf(vh, "drive %d:%d:", i, len(chunks))
		vh.Write(chunkBitmap(chunks, disk.Size()))
		if err := v.SaveWritten(vh, chunks); err != nil {
			return StateRoots{}, fmt.Errorf("state root: drive %d: %w", i, err)
		}
	}
	vh.Sum(r.Drives[:0])

	h := sha256.New()
	h.Write([]byte(stateRootDomain))
	for _, part := range [][32]byte{r.Hart, r.Devices, r.RAM, r.Drives} {
		h.Write(part[:])
	}
	h.Sum(r.Root[:0])
	return r, nil
}

// hashPages sets the leaves of the given pages from their contents,
// hashing on every host CPU: a build's checkpoint may find hundreds of
// megabytes written. Each leaf depends only on its page, so the result does
// not depend on how the work is split.
func (t *ramTree) hashPages(ram []byte, pages []uint64) {
	leaves := make([]merkle.Hash, len(pages))
	workers := min(runtime.GOMAXPROCS(0), len(pages)/64+1)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(pages); i += workers {
				b := ram[pages[i]*pageSize : (pages[i]+1)*pageSize]
				if bytes.Equal(b, zeroPage[:]) {
					leaves[i] = t.zero
				} else {
					leaves[i] = merkle.LeafHash(b)
				}
			}
		})
	}
	wg.Wait()
	for i, p := range pages {
		t.tree.Set(int(p), leaves[i])
	}
}
