package dev

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// The virtio block device (VIRTIO 1.2, §5.2) behind a virtio-mmio slot.
const (
	virtioBlkID = 2

	// Feature bits (§5.2.3).
	blkFeatSegMax = 1 << 2
	blkFeatRO     = 1 << 5

	// Request types and status values (§5.2.6).
	blkTIn    = 0
	blkTOut   = 1
	blkTFlush = 4
	blkTGetID = 8

	blkSOK     = 0
	blkSIOErr  = 1
	blkSUnsupp = 2

	// SectorSize is the unit of the capacity and of request offsets.
	SectorSize = 512
	// blkIDLen is the size of a GET_ID answer (VIRTIO_BLK_ID_BYTES).
	blkIDLen = 20
	// blkSegMax is the most data segments a request may have: all of a
	// queue but the header and status descriptors, since indirect
	// descriptors are not offered (Linux's virtio_ring refuses a request
	// with more descriptors than the queue holds).
	blkSegMax = VirtioQueueNumMax - 2
	// blkChunk is the most bytes copied between the disk and guest memory
	// at a time, which bounds the host memory a request can make the
	// device use.
	blkChunk = 64 << 10
)

// Disk is the storage behind a block device. Its size is fixed while the
// device exists.
type Disk interface {
	io.ReaderAt
	io.WriterAt
	Size() int64
}

// MemDisk is a disk held in memory; it cannot grow.
type MemDisk []byte

// ReadAt implements io.ReaderAt.
func (m MemDisk) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off > int64(len(m)) {
		return 0, fmt.Errorf("memdisk: read at %d: out of range", off)
	}
	n := copy(p, m[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// WriteAt implements io.WriterAt.
func (m MemDisk) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 || off > int64(len(m)) || int64(len(p)) > int64(len(m))-off {
		return 0, fmt.Errorf("memdisk: write of %d bytes at %d: beyond the disk's %d bytes", len(p), off, len(m))
	}
	return copy(m[off:], p), nil
}

// Size is the disk's size in bytes.
func (m MemDisk) Size() int64 { return int64(len(m)) }

// FileDisk is a disk backed by a host file whose size is taken once, when
// it is opened.
type FileDisk struct {
	f    *os.File
	size int64
}

// NewFileDisk wraps an open file. The caller keeps ownership of f.
func NewFileDisk(f *os.File) (*FileDisk, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("file disk %s: %w", f.Name(), err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("file disk %s: not a regular file", f.Name())
	}
	return &FileDisk{f: f, size: st.Size()}, nil
}

// ReadAt implements io.ReaderAt.
func (d *FileDisk) ReadAt(p []byte, off int64) (int, error) { return d.f.ReadAt(p, off) }

// WriteAt implements io.WriterAt.
func (d *FileDisk) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 || int64(len(p)) > d.size-off {
		return 0, fmt.Errorf("file disk %s: write of %d bytes at %d: beyond its %d bytes", d.f.Name(), len(p), off, d.size)
	}
	return d.f.WriteAt(p, off)
}

// Size is the disk's size in bytes when it was opened.
func (d *FileDisk) Size() int64 { return d.size }

// Sync commits the file's contents to stable storage.
func (d *FileDisk) Sync() error { return d.f.Sync() }

// BlockConfig describes a drive.
type BlockConfig struct {
	Disk     Disk
	ReadOnly bool   // offer VIRTIO_BLK_F_RO and fail every write
	Serial   string // answer to GET_ID, at most 20 bytes
	// OnRead, if set, is called for each piece of a completed read: n
	// bytes of the disk at diskOff went to guest-physical address pa.
	// It observes; it must not touch the guest.
	OnRead func(diskOff int64, pa, n uint64)
}

// block is the virtio-blk device. Its capacity is the disk's size in whole
// sectors; a partial last sector is not reachable.
//
// It does not offer VIRTIO_BLK_F_FLUSH: every write reaches the Disk before
// its request completes, which is the write-through behaviour the driver
// assumes without that feature (§5.2.5.2). A FLUSH request is still served.
type block struct {
	cfg    BlockConfig
	space  [0x14]byte // configuration space: capacity, size_max, seg_max, geometry
	buf    []byte
	header [16]byte
	// written has a bit per WrittenChunk bytes of the disk that the guest
	// wrote (or that a snapshot restored), allocated on the first write;
	// a snapshot carries those chunks (see SaveWritten).
	written []uint64
}

// NewVirtioBlock returns a virtio-mmio slot holding a block device that
// raises PLIC source irq.
func NewVirtioBlock(cfg BlockConfig, dma DMA, sink IRQSink, irq int) (*VirtioMMIO, error) {
	if cfg.Disk == nil {
		return nil, errors.New("virtio-blk: no disk")
	}
	if len(cfg.Serial) > blkIDLen {
		return nil, fmt.Errorf("virtio-blk: serial %q is longer than %d bytes", cfg.Serial, blkIDLen)
	}
	b := &block{cfg: cfg}
	binary.LittleEndian.PutUint64(b.space[0:], uint64(cfg.Disk.Size())/SectorSize)
	binary.LittleEndian.PutUint32(b.space[0x0c:], blkSegMax)
	return newVirtioMMIO(b, 1, dma, sink, irq), nil
}

func (b *block) deviceID() uint32 { return virtioBlkID }
func (b *block) config() []byte   { return b.space[:] }

func (b *block) features() uint64 {
	f := uint64(featVersion1 | blkFeatSegMax)
	if b.cfg.ReadOnly {
		f |= blkFeatRO
	}
	return f
}

// request serves one block request (§5.2.6): a 16-byte header (type,
// reserved, sector) in the device-readable part, the data, and a status
// byte at the very end of the device-writable part.
func (b *block) request(c *chain) (uint32, error) {
	if c.outLen < uint64(len(b.header)) || c.inLen < 1 {
		return 0, errors.New("virtio-blk: request without header or status")
	}
	if err := c.readOut(0, b.header[:]); err != nil {
		return 0, err
	}
	typ := binary.LittleEndian.Uint32(b.header[0:])
	sector := binary.LittleEndian.Uint64(b.header[8:])
	dataIn := c.inLen - 1
	var written uint64
	var status byte
	switch typ {
	case blkTIn:
		status = b.transfer(c, sector, 0, dataIn, false)
		if status == blkSOK {
			written = dataIn
		}
	case blkTOut:
		status = blkSIOErr
		if !b.cfg.ReadOnly {
			status = b.transfer(c, sector, uint64(len(b.header)), c.outLen-uint64(len(b.header)), true)
		}
	case blkTFlush:
		status = blkSOK
		if s, ok := b.cfg.Disk.(interface{ Sync() error }); ok && !b.cfg.ReadOnly {
			if s.Sync() != nil {
				status = blkSIOErr
			}
		}
	case blkTGetID:
		var id [blkIDLen]byte
		copy(id[:], b.cfg.Serial)
		n := min(dataIn, blkIDLen)
		status = blkSOK
		if c.writeIn(0, id[:n]) != nil {
			status = blkSIOErr
		} else {
			written = n
		}
	default:
		status = blkSUnsupp
	}
	if err := c.writeIn(dataIn, []byte{status}); err != nil {
		return 0, err
	}
	return uint32(min(written+1, uint64(^uint32(0)))), nil
}

// transfer copies n bytes between sector and the chain's data, starting at
// byte off of the device-readable stream (write) or of the device-writable
// stream (read). The data must be whole sectors inside the disk; a bad
// range or a failing disk or guest address gives VIRTIO_BLK_S_IOERR.
func (b *block) transfer(c *chain, sector, off, n uint64, write bool) byte {
	capacity := uint64(b.cfg.Disk.Size()) / SectorSize
	if n%SectorSize != 0 || sector > capacity || n/SectorSize > capacity-sector {
		return blkSIOErr
	}
	if b.buf == nil {
		b.buf = make([]byte, blkChunk)
	}
	pos := int64(sector * SectorSize)
	for done := uint64(0); done < n; {
		p := b.buf[:min(n-done, blkChunk)]
		var err error
		if write {
			if err = c.readOut(off+done, p); err == nil {
				_, err = b.cfg.Disk.WriteAt(p, pos)
				// Even a failed write may have changed part of the range.
				b.markWritten(pos, len(p))
			}
		} else {
			var k int
			k, err = b.cfg.Disk.ReadAt(p, pos)
			if k == len(p) && err == io.EOF {
				err = nil
			}
			if err == nil {
				err = c.writeIn(off+done, p)
			}
			if err == nil && b.cfg.OnRead != nil {
				at := pos
				pieces(c.in, off+done, uint64(len(p)), func(pa, n uint64) error {
					b.cfg.OnRead(at, pa, n)
					at += int64(n)
					return nil
				})
			}
		}
		if err != nil {
			return blkSIOErr
		}
		done += uint64(len(p))
		pos += int64(len(p))
	}
	return blkSOK
}
