//go:build linux

package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/reprovm/reprovm/guest/proto"
)

// writeOutput writes the archive of /out (only if the command ran) and
// then h to the output drive (serial proto.OutSerial). The header goes
// last and each part is synced, so a header on the drive means the archive
// behind it is complete.
func writeOutput(h *proto.Header) error {
	dev := listDrives()[proto.OutSerial]
	if dev == "" {
		return fmt.Errorf("no output drive (serial %s): the result cannot be recorded", proto.OutSerial)
	}
	f, err := os.OpenFile(dev, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("size of %s: %w", dev, err)
	}
	if size < proto.HeaderSize {
		return fmt.Errorf("%s: %d bytes is too small for the header", dev, size)
	}
	sum := sha256.New()
	if h.State != proto.InitFailed {
		aw := &archiveWriter{w: io.NewOffsetWriter(f, proto.HeaderSize), limit: size - proto.HeaderSize, dev: dev}
		err := proto.WriteArchive(io.MultiWriter(aw, sum), "/out", func(name string, mode fs.FileMode) {
			fmt.Fprintf(os.Stderr, "reprovm-init: /out/%s: skipped: a %v is neither a file, a directory nor a symlink\n", name, mode.Type())
		})
		if err == nil {
			err = f.Sync()
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "reprovm-init: output: %v\n", err)
			h = failed(proto.StageOutput, err)
			sum.Reset()
		} else {
			h.ArchiveLen = uint64(aw.n)
		}
	}
	copy(h.ArchiveSHA256[:], sum.Sum(nil))
	if _, err := f.WriteAt(h.Marshal(), 0); err != nil {
		return fmt.Errorf("write header to %s: %w", dev, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dev, err)
	}
	return nil
}

// archiveWriter writes to the drive after the header and fails cleanly
// when the drive is full.
type archiveWriter struct {
	w     io.Writer
	n     int64
	limit int64
	dev   string
}

func (a *archiveWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > a.limit-a.n {
		return 0, fmt.Errorf("output drive %s is full: the archive of /out needs more than its %d bytes", a.dev, a.limit)
	}
	n, err := a.w.Write(p)
	a.n += int64(n)
	return n, err
}
