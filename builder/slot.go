package builder

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/reprovm/reprovm/guest/proto"
	"github.com/reprovm/reprovm/machine"
)

// The machine's drives are the same for every job on an image (see
// proto.Boot): InputSlots input slots, the job drive, the image's root and
// the output drive. The input slots and the job drive have a fixed
// capacity and are empty (all zeros) until the ready point, when the host
// attaches the job's files; that is what lets one snapshot taken at the
// ready point serve every job.

// InputSlotSize is the capacity of an input slot: 64 GiB, more than any
// source tree or dependency set a build needs. Capacity is only a number
// here: the guest reads the attached file and zeros after its end, and
// nothing is allocated for the rest. It is not larger because a snapshot
// carries a bitmap of each writable drive's 64 KiB chunks (128 KiB for 64
// GiB, compressed to almost nothing when unwritten).
const InputSlotSize = 64 << 30

// slotDisk is a drive of fixed capacity whose contents are attached later:
// the first n bytes come from r, the rest reads as zeros. Writes reach w
// when the attached file is writable and only inside its n bytes; any
// other write fails (the guest sees an I/O error), so a read-only input
// stays read-only whatever the guest does, although the slot itself is a
// writable device (whether a slot is writable must be fixed at boot).
type slotDisk struct {
	size int64
	r    io.ReaderAt
	w    io.WriterAt // nil: read-only contents
	n    int64
}

// attach gives the slot its contents.
func (d *slotDisk) attach(r io.ReaderAt, w io.WriterAt, n int64) { d.r, d.w, d.n = r, w, n }

// ReadAt implements io.ReaderAt.
func (d *slotDisk) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off > d.size || int64(len(p)) > d.size-off {
		return 0, fmt.Errorf("slot: read of %d bytes at %d: beyond its %d bytes", len(p), off, d.size)
	}
	clear(p)
	if d.r == nil || off >= d.n {
		return len(p), nil
	}
	k := min(int64(len(p)), d.n-off)
	if m, err := d.r.ReadAt(p[:k], off); int64(m) < k {
		if err == nil || errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return m, fmt.Errorf("slot: read at %d: %w", off, err)
	}
	return len(p), nil
}

// WriteAt implements io.WriterAt.
func (d *slotDisk) WriteAt(p []byte, off int64) (int, error) {
	if d.w == nil {
		return 0, errors.New("slot: the attached contents are read-only")
	}
	if off < 0 || off > d.n || int64(len(p)) > d.n-off {
		return 0, fmt.Errorf("slot: write of %d bytes at %d: beyond the attached file's %d bytes", len(p), off, d.n)
	}
	return d.w.WriteAt(p, off)
}

// Size implements machine.Disk.
func (d *slotDisk) Size() int64 { return d.size }

// readyDisk is the output drive: it passes everything to the file and,
// while armed, calls onReady when the guest init writes its ready header
// (proto.IsReady) at offset 0, and onCopying when it writes its copying
// header (proto.IsCopying) there.
type readyDisk struct {
	*machine.FileDisk
	armed     bool
	onReady   func()
	onCopying func(bytes uint64)
}

// WriteAt implements io.WriterAt.
func (d *readyDisk) WriteAt(p []byte, off int64) (int, error) {
	n, err := d.FileDisk.WriteAt(p, off)
	if off != 0 {
		return n, err
	}
	if d.armed && proto.IsReady(p) {
		d.armed = false
		d.onReady()
	}
	if size, ok := proto.IsCopying(p); ok && d.onCopying != nil {
		d.onCopying(size)
	}
	return n, err
}

// openInput opens an input drive's file for attaching to a slot.
func openInput(in InputDrive) (*os.File, int64, error) {
	flag := os.O_RDONLY
	if in.Writable {
		flag = os.O_RDWR
	}
	f, err := os.OpenFile(in.Path, flag, 0)
	if err != nil {
		return nil, 0, fmt.Errorf("open drive: %w", err)
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("not a regular file")
	}
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("drive %s: %w", in.Path, err)
	}
	return f, st.Size(), nil
}
