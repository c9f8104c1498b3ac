//go:build linux

package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/reprovm/reprovm/guest/proto"
)

// directChunk is how much of the archive one write to the output drive
// carries. The drive is written with O_DIRECT, so each write is one
// virtio request whose data the host takes straight from the guest's
// buffer: no page-cache copy and no writeback in the guest.
const directChunk = 1 << 20

// writeOutput writes the copying header, then the archive of /out (only if
// the command ran), then h, to the output drive (serial proto.OutSerial).
// The header goes last and each part is synced, so a header on the drive
// means the archive behind it is complete.
func writeOutput(h *proto.Header) error {
	dev := listDrives()[proto.OutSerial]
	if dev == "" {
		return fmt.Errorf("no output drive (serial %s): the result cannot be recorded", proto.OutSerial)
	}
	d, err := openDirect(dev)
	if err != nil {
		return err
	}
	defer d.close()
	if h.State != proto.InitFailed {
		// The host counts the command's instructions up to this write, and
		// the copy's after it (proto.Copying).
		if err := d.writeHeader(&proto.Header{State: proto.Copying, ArchiveLen: treeBytes("/out")}); err != nil {
			return err
		}
		n, err := d.writeArchive("/out")
		if err != nil {
			fmt.Fprintf(os.Stderr, "reprovm-init: output: %v\n", err)
			h = failed(proto.StageOutput, err)
		} else {
			h.ArchiveLen = uint64(n)
		}
	}
	return d.writeHeader(h)
}

// treeBytes is the size of the regular files under root, for the copying
// header; a tree it cannot walk counts as what it walked.
func treeBytes(root string) uint64 {
	var n uint64
	filepath.WalkDir(root, func(_ string, e fs.DirEntry, err error) error {
		if err == nil && e.Type().IsRegular() {
			if fi, err := e.Info(); err == nil {
				n += uint64(fi.Size())
			}
		}
		return nil
	})
	return n
}

// directDrive is the output drive opened with O_DIRECT, with a
// page-aligned buffer (an anonymous mapping), as O_DIRECT requires.
type directDrive struct {
	f    *os.File
	dev  string
	size int64
	buf  []byte
}

func openDirect(dev string) (*directDrive, error) {
	f, err := os.OpenFile(dev, os.O_RDWR|syscall.O_DIRECT, 0)
	if err != nil {
		return nil, err
	}
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("size of %s: %w", dev, err)
	}
	if size < proto.HeaderSize {
		f.Close()
		return nil, fmt.Errorf("%s: %d bytes is too small for the header", dev, size)
	}
	buf, err := syscall.Mmap(-1, 0, directChunk, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("output buffer: %w", err)
	}
	return &directDrive{f: f, dev: dev, size: size, buf: buf}, nil
}

func (d *directDrive) close() {
	syscall.Munmap(d.buf)
	d.f.Close()
}

// writeHeader writes h at offset 0 and syncs the drive.
func (d *directDrive) writeHeader(h *proto.Header) error {
	clear(d.buf[:proto.HeaderSize])
	copy(d.buf, h.Marshal())
	if _, err := d.f.WriteAt(d.buf[:proto.HeaderSize], 0); err != nil {
		return fmt.Errorf("write header to %s: %w", d.dev, err)
	}
	if err := d.f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", d.dev, err)
	}
	return nil
}

// writeArchive writes the archive of root after the header and syncs the
// drive; it returns the archive's length.
func (d *directDrive) writeArchive(root string) (int64, error) {
	aw := &archiveWriter{d: d, off: proto.HeaderSize}
	err := proto.WriteArchive(aw, root, func(name string, mode fs.FileMode) {
		fmt.Fprintf(os.Stderr, "reprovm-init: /out/%s: skipped: a %v is neither a file, a directory nor a symlink\n", name, mode.Type())
	})
	if err == nil {
		err = aw.flush()
	}
	if err == nil {
		err = d.f.Sync()
	}
	return aw.off + int64(aw.n) - proto.HeaderSize, err
}

// archiveWriter fills the drive's buffer and writes it out a chunk at a
// time; it fails cleanly when the drive is full.
type archiveWriter struct {
	d   *directDrive
	off int64 // drive offset of buf[0]
	n   int   // bytes in buf
}

func (a *archiveWriter) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		c := copy(a.d.buf[a.n:], p)
		a.n, p, written = a.n+c, p[c:], written+c
		if a.n == len(a.d.buf) {
			if err := a.flush(); err != nil {
				return written, err
			}
		}
	}
	return written, nil
}

// flush writes the buffered bytes, padded to the 512-byte blocks O_DIRECT
// needs (a tar stream is whole blocks, so the padding never counts).
func (a *archiveWriter) flush() error {
	if a.n == 0 {
		return nil
	}
	w := (a.n + 511) &^ 511
	if a.off+int64(w) > a.d.size {
		return a.full()
	}
	clear(a.d.buf[a.n:w])
	if _, err := a.d.f.WriteAt(a.d.buf[:w], a.off); err != nil {
		return fmt.Errorf("write %s at %d: %w", a.d.dev, a.off, err)
	}
	a.off, a.n = a.off+int64(a.n), 0
	return nil
}

func (a *archiveWriter) full() error {
	return fmt.Errorf("output drive %s is full: the archive of /out needs more than its %d bytes", a.d.dev, a.d.size-proto.HeaderSize)
}
