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

// ramTree is the Merkle tree over RAM that the state roots keep up to
// date. While a root begun by BeginStateRoot is being hashed (or the tree
// is being built from a snapshot's leaf hashes, see leaves.go), a
// goroutine of its own owns tree and buf; busy is closed when it is done,
// and everything else that touches them waits for that first (wait). The
// goroutine reads only copies made while the machine stood still, so what
// it computes does not depend on when it runs, and nothing it does reaches
// the guest.
type ramTree struct {
	tree *merkle.Tree
	zero merkle.Hash   // the leaf hash of a zero page
	busy chan struct{} // nil when nothing is running
	buf  []byte        // the page copies of the last BeginStateRoot, reused
}

// wait returns once no goroutine owns the tree.
func (t *ramTree) wait() {
	if t.busy != nil {
		<-t.busy
		t.busy = nil
	}
}

// PendingRoot is a state root being computed beside the guest
// (BeginStateRoot).
type PendingRoot struct {
	done  chan struct{}
	roots StateRoots
}

// Wait returns the root, once it is computed.
func (p *PendingRoot) Wait() StateRoots {
	<-p.done
	return p.roots
}

// StateRoot hashes the machine's whole state (see StateRoots). RAM is a
// Merkle tree over 4 KiB pages (package merkle): zero pages hash to a
// constant, and after the first call only the pages written since the last
// call are hashed again, so checkpoints every few hundred million
// instructions cost little. The parts other than RAM are the snapshot's own
// encodings, so a root identifies exactly what a snapshot would hold, and a
// machine restored from a snapshot has the root of the one that saved it.
// Taking a root changes nothing the guest can see.
//
// StateRoot hashes in place on every host CPU and returns when done;
// BeginStateRoot is the same root for a caller that runs the guest on
// meanwhile.
func (m *Machine) StateRoot() (StateRoots, error) {
	p, err := m.beginRoot(false)
	if err != nil {
		return StateRoots{}, err
	}
	return p.Wait(), nil
}

// BeginStateRoot starts taking the state root of the machine as it is now
// and returns without waiting for the hashing: it copies what it must hash
// (the pages written since the last root, the hart's and devices'
// encodings) and hashes the copies on other goroutines while the caller
// runs the machine on (issue 14, "Checkpoints off the critical path"): a
// memcpy of a page costs a tenth of its sha256. The root is the one
// StateRoot would have returned at this point, whenever Wait is called.
// The next root of the machine, and anything else that needs its RAM
// tree, waits for this one first, so roots complete in the order they
// were begun. The written chunks of drives are hashed before it returns:
// they are read from the drives' files, which the guest may write next.
func (m *Machine) BeginStateRoot() (*PendingRoot, error) {
	return m.beginRoot(true)
}

// beginRoot takes a root; with async, from copies on another goroutine,
// else in place before it returns.
func (m *Machine) beginRoot(async bool) (*PendingRoot, error) {
	defer runtime.KeepAlive(m) // RAM is unmapped when the bus is garbage
	ram := m.bus.RAM
	var pages []uint64
	if m.ram == nil {
		async = false // all the RAM there is: in place, on every CPU, not a copy of it
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
	t := m.ram

	// The small sections are encoded now (a copy); the drives' chunks are
	// hashed now (see BeginStateRoot).
	var small [][]byte
	var tags []uint32
	for _, s := range m.smallSections() {
		var sw snap.Writer
		s.save(&sw)
		small, tags = append(small, sw.Bytes()), append(tags, s.tag)
	}
	var drives [32]byte
	vh := sha256.New()
	for i, v := range m.virtio[:len(m.drives)] {
		disk, chunks := v.Written()
		if disk == nil {
			continue
		}
		fmt.Fprintf(vh, "drive %d:%d:", i, len(chunks))
		vh.Write(chunkBitmap(chunks, disk.Size()))
		if err := v.SaveWritten(vh, chunks); err != nil {
			return nil, fmt.Errorf("state root: drive %d: %w", i, err)
		}
	}
	vh.Sum(drives[:0])

	p := &PendingRoot{done: make(chan struct{})}
	// finish hashes the pages (page i of the list is src(i)), waits for
	// the job before it (prev) to be done with the tree, and sets the
	// leaves and the root: the tree takes the roots' changes in the order
	// they were begun.
	finish := func(src func(i int) []byte, workers int, prev chan struct{}) {
		leaves := t.leaves(src, len(pages), workers)
		if prev != nil {
			<-prev
		}
		for i, h := range leaves {
			t.tree.Set(int(pages[i]), h)
		}
		p.roots = combineRoots(t.tree.Root(), small, tags, drives)
		close(p.done)
	}
	need := len(pages) * pageSize
	if !async || need > maxRootCopy {
		t.wait()
		finish(func(i int) []byte { return ram[pages[i]*pageSize : (pages[i]+1)*pageSize] }, runtime.GOMAXPROCS(0), nil)
		return p, nil
	}
	// The job before may still be reading its copies in t.buf.
	prev := t.busy
	if prev != nil || cap(t.buf) < need {
		t.buf = make([]byte, need)
	}
	buf := t.buf[:need]
	for i, pg := range pages {
		copy(buf[i*pageSize:(i+1)*pageSize], ram[pg*pageSize:(pg+1)*pageSize])
	}
	t.busy = p.done
	// One CPU runs the guest; the others hash.
	workers := max(1, runtime.GOMAXPROCS(0)-1)
	go finish(func(i int) []byte { return buf[i*pageSize : (i+1)*pageSize] }, workers, prev)
	return p, nil
}

// maxRootCopy bounds the pages BeginStateRoot copies; a root with more
// written pages than that (rare: a checkpoint interval that rewrote half a
// gigabyte) hashes them in place before it returns, on every CPU.
const maxRootCopy = 512 << 20

// combineRoots hashes the parts other than RAM and the whole root.
func combineRoots(ramRoot merkle.Hash, small [][]byte, tags []uint32, drives [32]byte) StateRoots {
	r := StateRoots{RAM: ramRoot, Drives: drives, Hart: sha256.Sum256(small[0])}
	dh := sha256.New()
	for i, b := range small[1:] {
		fmt.Fprintf(dh, "%d:%d:", tags[i+1], len(b))
		dh.Write(b)
	}
	dh.Sum(r.Devices[:0])
	h := sha256.New()
	h.Write([]byte(stateRootDomain))
	for _, part := range [][32]byte{r.Hart, r.Devices, r.RAM, r.Drives} {
		h.Write(part[:])
	}
	h.Sum(r.Root[:0])
	return r
}

// parallel calls fn(i) for every i < n on up to workers goroutines (fewer
// for little work), and returns when all are done.
func parallel(n, workers int, fn func(i int)) {
	workers = max(1, min(workers, n/64+1))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				fn(i)
			}
		})
	}
	wg.Wait()
}

// leafHash is the leaf of a page: the constant for a zero page.
func (t *ramTree) leafHash(b []byte) merkle.Hash {
	if bytes.Equal(b, zeroPage[:]) {
		return t.zero
	}
	return merkle.LeafHash(b)
}
