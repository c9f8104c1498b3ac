package dev

import (
	"errors"
	"fmt"
	"io"
	"math/bits"

	"github.com/reprovm/reprovm/machine/internal/snap"
)

// Device state for machine snapshots. Each device saves its registers and
// loads them into a fresh device of the same configuration, rejecting
// values its own register writes could never produce. Loading does not
// touch interrupt lines: the hart's saved line state already reflects
// them, and the machine re-drives the PLIC's outputs once every part is
// loaded. The CLINT and the test finisher keep no state of their own (the
// timer lives in the hart).

// SaveState appends the PLIC's state to w.
func (p *PLIC) SaveState(w *snap.Writer) {
	for _, v := range p.priority {
		w.U32(v)
	}
	w.U32(p.level)
	w.U32(p.pending)
	w.U32(p.claimed)
	for c := range PLICContexts {
		w.U32(p.enable[c])
		w.U32(p.threshold[c])
	}
}

// LoadState reads what SaveState wrote.
func (p *PLIC) LoadState(r *snap.Reader) error {
	for i := range p.priority {
		p.priority[i] = r.U32()
	}
	p.level, p.pending, p.claimed = r.U32(), r.U32(), r.U32()
	for c := range PLICContexts {
		p.enable[c], p.threshold[c] = r.U32(), r.U32()
	}
	if err := r.Err(); err != nil {
		return err
	}
	if p.priority[0] != 0 {
		return r.Failf("plic: source 0 has priority %d", p.priority[0])
	}
	for n, v := range p.priority {
		if v > PLICPriorityMask {
			return r.Failf("plic: source %d has priority %d, above %d", n, v, PLICPriorityMask)
		}
	}
	for c := range PLICContexts {
		if p.threshold[c] > PLICPriorityMask || p.enable[c]&1 != 0 {
			return r.Failf("plic: context %d has threshold %d and enables %#x", c, p.threshold[c], p.enable[c])
		}
	}
	// Pending sources have their line high and are not claimed (see SetIRQ,
	// claim and complete); source 0 does not exist.
	if (p.level|p.pending|p.claimed)&1 != 0 || p.pending&^p.level != 0 || p.pending&p.claimed != 0 {
		return r.Failf("plic: inconsistent lines %#x, pending %#x, claimed %#x", p.level, p.pending, p.claimed)
	}
	return nil
}

// Update drives the PLIC's outputs into the hart from its current state.
func (p *PLIC) Update() { p.update() }

// SaveState appends the UART's registers and its output tail to w.
func (u *UART) SaveState(w *snap.Writer) {
	for _, v := range []byte{u.ier, u.lcr, u.mcr, u.scr, u.fcr, u.dll, u.dlm, u.rbr, u.lsr} {
		w.U8(v)
	}
	w.Bool(u.thrIP)
	w.Bool(u.line)
	w.U64(u.tailN)
	// The ring's bytes in order, not Tail's whole lines, so that a restored
	// UART holds exactly the same tail.
	n := min(u.tailN, UARTTailSize)
	w.U32(uint32(n))
	for i := u.tailN - n; i < u.tailN; i++ {
		w.U8(u.tail[i%UARTTailSize])
	}
}

// LoadState reads what SaveState wrote. The output tail returns to Tail;
// nothing is written to Out.
func (u *UART) LoadState(r *snap.Reader) error {
	for _, p := range []*byte{&u.ier, &u.lcr, &u.mcr, &u.scr, &u.fcr, &u.dll, &u.dlm, &u.rbr, &u.lsr} {
		*p = r.U8()
	}
	u.thrIP = r.Bool()
	u.line = r.Bool()
	u.tailN = r.U64()
	tail := r.Blob("uart tail", UARTTailSize)
	if err := r.Err(); err != nil {
		return err
	}
	switch {
	case u.ier&^ierMask != 0, u.mcr&^mcrMask != 0, u.fcr&^0xc9 != 0, u.lsr&^(lsrDR|lsrOE) != 0:
		return r.Failf("uart: register values IER %#x, MCR %#x, FCR %#x, LSR %#x are not ones the UART can hold", u.ier, u.mcr, u.fcr, u.lsr)
	case u.line != (u.iir()&iirNoInt == 0):
		return r.Failf("uart: interrupt line %v disagrees with the registers", u.line)
	case uint64(len(tail)) != min(u.tailN, UARTTailSize):
		return r.Failf("uart: %d tail bytes of %d written", len(tail), u.tailN)
	}
	for i, b := range tail {
		u.tail[(u.tailN-uint64(len(tail))+uint64(i))%UARTTailSize] = b
	}
	return nil
}

// Present reports whether a device sits behind the transport.
func (v *VirtioMMIO) Present() bool { return v.dev != nil }

// SaveState appends the transport's registers and queues to w. A block
// device's written contents are saved apart (SaveWritten).
func (v *VirtioMMIO) SaveState(w *snap.Writer) {
	w.Bool(v.dev != nil)
	if v.dev == nil {
		return // an empty slot ignores every write: it has no state
	}
	for _, x := range []uint32{v.status, v.devFeatSel, v.drvFeatSel, v.queueSel, v.interrupt} {
		w.U32(x)
	}
	w.U64(v.drvFeatures)
	w.Bool(v.lineHigh)
	w.U32(uint32(len(v.queues)))
	for _, q := range v.queues {
		w.U32(q.num)
		w.Bool(q.ready)
		w.U64(q.desc)
		w.U64(q.driver)
		w.U64(q.device)
		w.U16(q.lastAvail)
		w.U16(q.used)
	}
}

// LoadState reads what SaveState wrote into a transport built the same way
// (the same device type, or empty).
func (v *VirtioMMIO) LoadState(r *snap.Reader) error {
	present := r.Bool()
	if err := r.Err(); err != nil {
		return err
	}
	if present != (v.dev != nil) {
		return r.Failf("virtio: the snapshot's slot has a device: %v; this machine's: %v", present, v.dev != nil)
	}
	if !present {
		return nil
	}
	for _, p := range []*uint32{&v.status, &v.devFeatSel, &v.drvFeatSel, &v.queueSel, &v.interrupt} {
		*p = r.U32()
	}
	v.drvFeatures = r.U64()
	v.lineHigh = r.Bool()
	if n := r.U32(); r.Err() == nil && n != uint32(len(v.queues)) {
		return r.Failf("virtio: %d queues, the device has %d", n, len(v.queues))
	}
	for i := range v.queues {
		q := &v.queues[i]
		q.num = r.U32()
		q.ready = r.Bool()
		q.desc, q.driver, q.device = r.U64(), r.U64(), r.U64()
		q.lastAvail, q.used = r.U16(), r.U16()
	}
	if err := r.Err(); err != nil {
		return err
	}
	switch {
	case v.status > 0xff:
		return r.Failf("virtio: device status %#x", v.status)
	case v.interrupt&^(intUsedBuffer|intConfigChange) != 0:
		return r.Failf("virtio: interrupt status %#x", v.interrupt)
	case v.lineHigh != (v.interrupt != 0):
		return r.Failf("virtio: interrupt line %v with interrupt status %#x", v.lineHigh, v.interrupt)
	}
	return nil
}

// WrittenChunk is the unit in which a writable block device remembers
// what the guest wrote, for snapshots.
const WrittenChunk = 4096

// Written returns the disk of a writable block device and the ascending
// numbers of the WrittenChunk-byte chunks the guest has written since the
// device was made (or that LoadWritten restored), or nil, nil for other
// slots.
func (v *VirtioMMIO) Written() (Disk, []uint64) {
	b, ok := v.dev.(*block)
	if !ok || b.cfg.ReadOnly {
		return nil, nil
	}
	var chunks []uint64
	for i, word := range b.written {
		for ; word != 0; word &= word - 1 {
			chunks = append(chunks, uint64(i)*64+uint64(bits.TrailingZeros64(word)))
		}
	}
	return b.cfg.Disk, chunks
}

// SaveWritten copies the written chunks (see Written) from the disk to w,
// in ascending order; the last chunk of a disk whose size is not a
// multiple of WrittenChunk is short.
func (v *VirtioMMIO) SaveWritten(w io.Writer, chunks []uint64) error {
	disk, _ := v.Written()
	if disk == nil {
		return errors.New("virtio: not a writable block device")
	}
	buf := make([]byte, WrittenChunk)
	for _, c := range chunks {
		p := buf[:chunkLen(disk.Size(), c)]
		n, err := disk.ReadAt(p, int64(c*WrittenChunk))
		if n == len(p) && err == io.EOF {
			err = nil
		} else if err == nil && n < len(p) {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return fmt.Errorf("read chunk %d of the disk: %w", c, err)
		}
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return nil
}

// LoadWritten copies chunks, which must be ascending and inside the disk,
// from r into the disk and marks them written.
func (v *VirtioMMIO) LoadWritten(r io.Reader, chunks []uint64) error {
	b, ok := v.dev.(*block)
	if !ok || b.cfg.ReadOnly {
		return errors.New("virtio: not a writable block device")
	}
	size := b.cfg.Disk.Size()
	buf := make([]byte, WrittenChunk)
	for i, c := range chunks {
		if c >= chunkCount(size) || i > 0 && c <= chunks[i-1] {
			return fmt.Errorf("virtio-blk: written chunk %d out of order or beyond the disk's %d bytes", c, size)
		}
		p := buf[:chunkLen(size, c)]
		if _, err := io.ReadFull(r, p); err != nil {
			return fmt.Errorf("read chunk %d: %w", c, err)
		}
		if _, err := b.cfg.Disk.WriteAt(p, int64(c*WrittenChunk)); err != nil {
			return fmt.Errorf("write chunk %d to the disk: %w", c, err)
		}
		b.markWritten(int64(c*WrittenChunk), len(p))
	}
	return nil
}

// ChunkBytes returns the bytes the given chunks of a disk of size bytes
// hold.
func ChunkBytes(size int64, chunks []uint64) uint64 {
	var n uint64
	for _, c := range chunks {
		n += chunkLen(size, c)
	}
	return n
}

// chunkCount is the number of chunks of a disk of size bytes.
func chunkCount(size int64) uint64 {
	return (uint64(size) + WrittenChunk - 1) / WrittenChunk
}

// chunkLen is the length of chunk c of a disk of size bytes.
func chunkLen(size int64, c uint64) uint64 {
	return min(WrittenChunk, uint64(size)-min(uint64(size), c*WrittenChunk))
}

// markWritten records that the guest wrote n bytes at pos.
func (b *block) markWritten(pos int64, n int) {
	if n <= 0 {
		return
	}
	if b.written == nil {
		b.written = make([]uint64, (chunkCount(b.cfg.Disk.Size())+63)/64)
	}
	for c := uint64(pos) / WrittenChunk; c <= (uint64(pos)+uint64(n)-1)/WrittenChunk; c++ {
		if c/64 < uint64(len(b.written)) {
			b.written[c/64] |= 1 << (c % 64)
		}
	}
}
