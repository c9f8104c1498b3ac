package machine

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"runtime"

	"github.com/klauspost/compress/zstd"

	"github.com/reprovm/reprovm/machine/internal/dev"
	"github.com/reprovm/reprovm/machine/internal/snap"
)

// A snapshot is the complete state of a stopped machine, from which
// RestoreSnapshot builds a machine that continues exactly as the original
// would have: the same console output, drive writes and retired-instruction
// count, instruction for instruction.
//
// It holds the hart (registers, every CSR, counters and time, the LR
// reservation, the interrupt lines, and the TLB translations and code-page
// bookkeeping the guest can observe; see hart.SaveState), the PLIC, the
// UART with its output tail, each virtio transport, the power state, the
// device tree Boot wrote, the non-zero pages of RAM, and the chunks of each
// writable drive the guest has written. It does not hold the contents of
// read-only drives, nor what a writable drive held before the machine
// started: RestoreSnapshot must be given drives with the same size, flags
// and serial, read-only ones with the same bytes, and writable ones in the
// state they had when the snapshotted machine was made (for a fresh output
// drive: empty). Derived state (decoded instructions, host pointers, the
// run loop's next-event count) is rebuilt.
//
// Layout, all integers little-endian:
//
//	magic            8 bytes "RPVMSNAP"
//	format           uint32, SnapshotFormat
//	header length    uint32, then the header (SnapshotInfo's fields and the
//	                 board: RAM base and size, timebase, slots, drives)
//	body             one zstd stream (RFC 8878, klauspost/compress) of
//	                 sections, each a uint32 tag, a uint64 length and the
//	                 payload, in a fixed order: hart, PLIC, UART, power,
//	                 one per virtio slot, device tree, RAM (a bitmap of the
//	                 non-zero 4 KiB pages, then those pages), one per
//	                 writable drive (its index, a bitmap of written 4 KiB
//	                 chunks, then those chunks), end. Format 2 adds a
//	                 section after RAM: the Merkle leaf hashes of the
//	                 non-zero pages (see leaves.go). A snapshot without
//	                 them is written as format 1, byte for byte what it was
//	                 before format 2 existed.
//
// The encoder's settings are fixed (level SpeedFastest, one goroutine, an
// 8 MiB window, the content checksum on, no padding), so the same machine
// state gives the same bytes; they may change with the compression
// library's version (shared/notes/go-deps.md, §4), the state they decode
// to does not. SpeedFastest because a snapshot is written once and
// restored by every run that starts from it: on a booted Linux guest it
// decodes about twice as fast as SpeedDefault for 5% more bytes.

// SnapshotFormat is the version of the snapshot layout this reprovm
// writes with leaf hashes; it reads it and format 1 (the same without
// them).
const SnapshotFormat = 2

// snapshotFormatPlain is the format of a snapshot without leaf hashes.
const snapshotFormatPlain = 1

// MaxSnapshotNote bounds the caller's note in a snapshot.
const MaxSnapshotNote = 64 << 10

const (
	snapshotMagic   = "RPVMSNAP"
	maxHeader       = MaxSnapshotNote + 4096
	maxSmallSection = 4 << 20 // every section but the hart's, RAM and drives
	pageSize        = 4096
	// zstdWindow is the encoder's window and the most a decoder accepts.
	zstdWindow = 8 << 20
)

// Section tags, in the order they appear.
const (
	secHart uint32 = iota + 1
	secPLIC
	secUART
	secPower
	secVirtio
	secDTB
	secRAM
	secDrive
	secEnd
	secLeaves // format 2, after secRAM
)

// SnapshotDrive is a drive as a snapshot records it.
type SnapshotDrive struct {
	Size     int64
	ReadOnly bool
	Serial   string
}

// SnapshotInfo is the uncompressed header of a snapshot.
type SnapshotInfo struct {
	EmulatorVersion string // the EmulatorVersion that wrote it
	RAMSize         uint64
	Drives          []SnapshotDrive
	Instret         uint64 // retired instructions when it was taken
	// PoweredOff says the guest had powered the machine off (or asked for
	// a reset): Run on the restored machine returns that stop at once.
	PoweredOff bool
	Note       []byte // the caller's, from SaveSnapshot
}

// SaveSnapshot writes the machine's state to w (see the layout above).
// note is stored as is, for the caller to identify what the machine was
// running (at most MaxSnapshotNote bytes). The machine is not changed and
// may keep running afterwards; two snapshots of the same state are
// byte-identical.
func (m *Machine) SaveSnapshot(w io.Writer, note []byte) error {
	return m.saveSnapshot(w, note, false)
}

// SaveSnapshotWithLeaves is SaveSnapshot with the Merkle leaf hashes of
// RAM in the snapshot (format 2), so that the first state root of a
// machine restored from it costs only the pages written since, not a hash
// of all its RAM (issue 14): for snapshots that many runs restore and take
// roots from, such as a build's ready snapshot. It hashes every non-zero
// page of RAM, on every host CPU.
func (m *Machine) SaveSnapshotWithLeaves(w io.Writer, note []byte) error {
	return m.saveSnapshot(w, note, true)
}

func (m *Machine) saveSnapshot(w io.Writer, note []byte, leaves bool) error {
	if len(note) > MaxSnapshotNote {
		return fmt.Errorf("save snapshot: note of %d bytes, more than %d", len(note), MaxSnapshotNote)
	}
	info := m.snapshotInfo(note)
	var hdr snap.Writer
	hdr.Raw([]byte(snapshotMagic))
	if leaves {
		hdr.U32(SnapshotFormat)
	} else {
		hdr.U32(snapshotFormatPlain)
	}
	body := encodeInfo(info)
	hdr.U32(uint32(len(body)))
	hdr.Raw(body)
	if _, err := w.Write(hdr.Bytes()); err != nil {
		return fmt.Errorf("save snapshot: %w", err)
	}
	zw, err := zstd.NewWriter(w,
		zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithEncoderConcurrency(1),
		zstd.WithEncoderCRC(true),
		zstd.WithWindowSize(zstdWindow),
	)
	if err != nil {
		return fmt.Errorf("save snapshot: %w", err)
	}
	if err := m.writeSections(zw, leaves); err != nil {
		zw.Close()
		return fmt.Errorf("save snapshot: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("save snapshot: %w", err)
	}
	return nil
}

func (m *Machine) snapshotInfo(note []byte) *SnapshotInfo {
	info := &SnapshotInfo{
		EmulatorVersion: EmulatorVersion,
		RAMSize:         uint64(len(m.bus.RAM)),
		Instret:         m.hart.Instret(),
		PoweredOff:      m.power.off,
		Note:            note,
	}
	for _, d := range m.drives {
		info.Drives = append(info.Drives, SnapshotDrive{Size: d.Disk.Size(), ReadOnly: d.ReadOnly, Serial: d.Serial})
	}
	return info
}

// encodeInfo encodes the header, including the board constants a restore
// must agree on.
func encodeInfo(info *SnapshotInfo) []byte {
	var w snap.Writer
	w.Blob([]byte(info.EmulatorVersion))
	w.U64(RAMBase)
	w.U64(info.RAMSize)
	w.U64(TimebaseHz)
	w.U64(InsnsPerTick)
	w.U32(VirtioSlots)
	w.U32(uint32(len(info.Drives)))
	for _, d := range info.Drives {
		w.U64(uint64(d.Size))
		w.Bool(d.ReadOnly)
		w.Blob([]byte(d.Serial))
	}
	w.U64(info.Instret)
	w.Bool(info.PoweredOff)
	w.Blob(info.Note)
	return w.Bytes()
}

// section writes one section with a payload held in memory.
func section(w io.Writer, tag uint32, payload []byte) error {
	var h snap.Writer
	h.U32(tag)
	h.U64(uint64(len(payload)))
	if _, err := w.Write(h.Bytes()); err != nil {
		return err
	}
	_, err := w.Write(payload)
	return err
}

// sectionHeader writes the tag and length of a section whose payload the
// caller streams.
func sectionHeader(w io.Writer, tag uint32, n uint64) error {
	var h snap.Writer
	h.U32(tag)
	h.U64(n)
	_, err := w.Write(h.Bytes())
	return err
}

// smallSection is a snapshot section written in one piece.
type smallSection struct {
	tag  uint32
	save func(*snap.Writer)
}

// smallSections lists the sections before RAM, in order: the hart first,
// then the devices and the device tree.
func (m *Machine) smallSections() []smallSection {
	s := []smallSection{
		{secHart, m.hart.SaveState},
		{secPLIC, m.plic.SaveState},
		{secUART, m.uart.SaveState},
		{secPower, m.power.saveState},
	}
	for _, v := range m.virtio {
		s = append(s, smallSection{secVirtio, v.SaveState})
	}
	return append(s, smallSection{secDTB, func(w *snap.Writer) { w.Blob(m.dtb) }})
}

func (m *Machine) writeSections(w io.Writer, leaves bool) error {
	for _, s := range m.smallSections() {
		var sw snap.Writer
		s.save(&sw)
		if err := section(w, s.tag, sw.Bytes()); err != nil {
			return err
		}
	}
	bitmap, err := m.writeRAM(w)
	if err != nil {
		return err
	}
	if leaves {
		if err := m.writeLeaves(w, bitmap); err != nil {
			return err
		}
	}
	for i, v := range m.virtio[:len(m.drives)] {
		disk, chunks := v.Written()
		if disk == nil {
			continue
		}
		bitmap := chunkBitmap(chunks, disk.Size())
		if err := sectionHeader(w, secDrive, 4+uint64(len(bitmap))+dev.ChunkBytes(disk.Size(), chunks)); err != nil {
			return err
		}
		var sw snap.Writer
		sw.U32(uint32(i))
		sw.Raw(bitmap)
		if _, err := w.Write(sw.Bytes()); err != nil {
			return err
		}
		if err := v.SaveWritten(w, chunks); err != nil {
			return fmt.Errorf("drive %d: %w", i, err)
		}
	}
	return section(w, secEnd, nil)
}

var zeroPage [pageSize]byte

// writeRAM writes the RAM section: a bitmap with a bit per 4 KiB page
// (bit i%8 of byte i/8 for page i) set for the pages that are not all
// zero, then those pages in order. A machine with gigabytes of RAM costs
// only the pages its guest used, and the host's page tables say which
// pages were never touched (bus.TouchedPages), so those are not even read.
// It returns the bitmap.
func (m *Machine) writeRAM(w io.Writer) ([]byte, error) {
	defer runtime.KeepAlive(m) // RAM is unmapped when the bus is garbage
	ram := m.bus.RAM
	pages := len(ram) / pageSize
	touched := m.bus.TouchedPages()
	bitmap := make([]byte, (pages+7)/8)
	var n uint64
	for p := range pages {
		if touched != nil && touched[p/64]>>(p%64)&1 == 0 {
			continue
		}
		if !bytes.Equal(ram[p*pageSize:(p+1)*pageSize], zeroPage[:]) {
			bitmap[p/8] |= 1 << (p % 8)
			n++
		}
	}
	if err := sectionHeader(w, secRAM, uint64(len(bitmap))+n*pageSize); err != nil {
		return nil, err
	}
	if _, err := w.Write(bitmap); err != nil {
		return nil, err
	}
	for p := range pages {
		if bitmap[p/8]>>(p%8)&1 != 0 {
			if _, err := w.Write(ram[p*pageSize : (p+1)*pageSize]); err != nil {
				return nil, err
			}
		}
	}
	return bitmap, nil
}

// chunkBitmap is the bitmap of a drive section: a bit per chunk of the
// disk, set for the given chunks.
func chunkBitmap(chunks []uint64, size int64) []byte {
	bm := make([]byte, (chunkCount(size)+7)/8)
	for _, c := range chunks {
		bm[c/8] |= 1 << (c % 8)
	}
	return bm
}

func chunkCount(size int64) uint64 {
	return (uint64(size) + dev.WrittenChunk - 1) / dev.WrittenChunk
}

// ReadSnapshotInfo reads the header of a snapshot, without decompressing
// the rest.
func ReadSnapshotInfo(r io.Reader) (*SnapshotInfo, error) {
	info, _, err := readHeader(r)
	if err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	return info, nil
}

// ErrNotSnapshot reports input that does not start with a snapshot's magic.
var ErrNotSnapshot = errors.New("not a reprovm machine snapshot")

// readHeader reads the header and returns it with the format.
func readHeader(r io.Reader) (*SnapshotInfo, uint32, error) {
	var fixed [16]byte
	if _, err := io.ReadFull(r, fixed[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, 0, ErrNotSnapshot
		}
		return nil, 0, err
	}
	if string(fixed[:8]) != snapshotMagic {
		return nil, 0, ErrNotSnapshot
	}
	fr := snap.NewReader(fixed[8:])
	format, n := fr.U32(), fr.U32()
	if format != SnapshotFormat && format != snapshotFormatPlain {
		return nil, 0, fmt.Errorf("snapshot format %d; this reprovm reads formats %d and %d", format, snapshotFormatPlain, SnapshotFormat)
	}
	if n > maxHeader {
		return nil, 0, fmt.Errorf("snapshot header of %d bytes, more than %d", n, maxHeader)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, 0, fmt.Errorf("snapshot header: %w", noEOF(err))
	}
	hr := snap.NewReader(body)
	info := &SnapshotInfo{EmulatorVersion: string(hr.Blob("emulator version", 64))}
	ramBase := hr.U64()
	info.RAMSize = hr.U64()
	timebase, perTick, slots := hr.U64(), hr.U64(), hr.U32()
	if err := hr.Err(); err != nil {
		return nil, 0, fmt.Errorf("snapshot header: %w", err)
	}
	if info.EmulatorVersion != EmulatorVersion {
		return nil, 0, fmt.Errorf("snapshot taken by emulator version %q; this is %q, whose guest-visible behaviour may differ",
			info.EmulatorVersion, EmulatorVersion)
	}
	if ramBase != RAMBase || timebase != TimebaseHz || perTick != InsnsPerTick || slots != VirtioSlots {
		return nil, 0, fmt.Errorf("snapshot of a different board (RAM at %#x, timebase %d Hz, %d instructions per tick, %d virtio slots)",
			ramBase, timebase, perTick, slots)
	}
	nd := hr.Count("drives", VirtioSlots, 13)
	for range nd {
		d := SnapshotDrive{Size: int64(hr.U64()), ReadOnly: hr.Bool(), Serial: string(hr.Blob("drive serial", 20))}
		info.Drives = append(info.Drives, d)
	}
	info.Instret = hr.U64()
	info.PoweredOff = hr.Bool()
	if note := hr.Blob("note", MaxSnapshotNote); len(note) > 0 {
		info.Note = bytes.Clone(note)
	}
	if err := hr.Done(); err != nil {
		return nil, 0, fmt.Errorf("snapshot header: %w", err)
	}
	return info, format, nil
}

// RestoreSnapshot builds a machine from a snapshot that SaveSnapshot wrote.
// cfg gives what a snapshot does not hold: the console, which receives only
// what the guest writes from now on, and the drives, which must match the
// snapshot's (count, size, read-only flag and serial are checked; the
// contents of read-only drives and the initial contents of writable ones
// cannot be, see the layout comment). The chunks the guest had written to
// a writable drive are written back into cfg's disk. cfg.RAMSize must be
// the snapshot's (0 means DefaultRAMSize, as for New): the caller, not the
// snapshot, decides how much host memory a machine may take.
//
// The input is treated as hostile: every length and value is checked, and
// a snapshot that is corrupt, truncated or from another emulator version
// or board is an error.
func RestoreSnapshot(r io.Reader, cfg Config) (*Machine, error) {
	m, err := restore(r, cfg)
	if err != nil {
		return nil, fmt.Errorf("restore snapshot: %w", err)
	}
	return m, nil
}

func restore(r io.Reader, cfg Config) (*Machine, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	info, format, err := readHeader(br)
	if err != nil {
		return nil, err
	}
	if cfg.RAMSize == 0 {
		cfg.RAMSize = DefaultRAMSize
	}
	if cfg.RAMSize != info.RAMSize {
		return nil, fmt.Errorf("the snapshot has %d MiB of RAM, the machine %d MiB", info.RAMSize>>20, cfg.RAMSize>>20)
	}
	if len(cfg.Drives) != len(info.Drives) {
		return nil, fmt.Errorf("the snapshot has %d drives, the machine %d", len(info.Drives), len(cfg.Drives))
	}
	for i, d := range cfg.Drives {
		s := info.Drives[i]
		if d.Disk == nil {
			return nil, fmt.Errorf("drive %d has no disk", i)
		}
		if d.Disk.Size() != s.Size || d.ReadOnly != s.ReadOnly || d.Serial != s.Serial {
			return nil, fmt.Errorf("drive %d is %d bytes, read-only %v, serial %q; the snapshot's was %d bytes, read-only %v, serial %q",
				i, d.Disk.Size(), d.ReadOnly, d.Serial, s.Size, s.ReadOnly, s.Serial)
		}
	}
	m, err := New(cfg)
	if err != nil {
		return nil, err
	}
	zr, err := zstd.NewReader(br,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderMaxWindow(zstdWindow),
		zstd.WithDecoderMaxMemory(zstdWindow*2),
	)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	if err := m.readSections(zr, format == SnapshotFormat); err != nil {
		if errors.Is(err, zstd.ErrCRCMismatch) {
			// zstd checks its checksum at the end of the frame, so the
			// mismatch surfaces in whatever section comes last (a drive,
			// usually); it is the whole compressed body that is damaged.
			return nil, errors.New("the compressed body (every section after the header) is damaged: its zstd checksum does not match; the file was changed or damaged after it was written")
		}
		return nil, err
	}
	if m.hart.Instret() != info.Instret || m.power.off != info.PoweredOff {
		return nil, fmt.Errorf("the header says %d instructions and powered off %v, the hart state %d and %v",
			info.Instret, info.PoweredOff, m.hart.Instret(), m.power.off)
	}
	// The PLIC's outputs must agree with the hart's interrupt lines.
	m.plic.Update()
	return m, nil
}

// noEOF turns the end of input inside a record into ErrUnexpectedEOF.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// sectionReader reads the sections of a snapshot body in order.
type sectionReader struct {
	r io.Reader
}

// next reads the header of the next section, which must have the given
// tag and a length of at most max.
func (s *sectionReader) next(tag uint32, max uint64) (uint64, error) {
	var b [12]byte
	if _, err := io.ReadFull(s.r, b[:]); err != nil {
		return 0, fmt.Errorf("section %s: %w", sectionName(tag), noEOF(err))
	}
	hr := snap.NewReader(b[:])
	got, n := hr.U32(), hr.U64()
	if got != tag {
		return 0, fmt.Errorf("found section %s where %s belongs", sectionName(got), sectionName(tag))
	}
	if n > max {
		return 0, fmt.Errorf("section %s is %d bytes, more than %d", sectionName(tag), n, max)
	}
	return n, nil
}

// small reads a whole section of at most max bytes into memory.
func (s *sectionReader) small(tag uint32, max uint64) ([]byte, error) {
	n, err := s.next(tag, max)
	if err != nil {
		return nil, err
	}
	// Read what is there rather than allocate what the length claims: a
	// lying length costs no more memory than the data behind it.
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(s.r, int64(n))); err != nil {
		return nil, fmt.Errorf("section %s: %w", sectionName(tag), err)
	}
	if uint64(buf.Len()) != n {
		return nil, fmt.Errorf("section %s: %w", sectionName(tag), io.ErrUnexpectedEOF)
	}
	return buf.Bytes(), nil
}

func sectionName(tag uint32) string {
	names := [...]string{secHart: "hart", secPLIC: "plic", secUART: "uart", secPower: "power",
		secVirtio: "virtio", secDTB: "device tree", secRAM: "ram", secDrive: "drive", secEnd: "end", secLeaves: "leaves"}
	if tag < uint32(len(names)) && names[tag] != "" {
		return names[tag]
	}
	return fmt.Sprintf("#%d", tag)
}

func (m *Machine) readSections(r io.Reader, leaves bool) error {
	s := &sectionReader{r: r}
	pages := uint64(len(m.bus.RAM) / pageSize)
	parts := []struct {
		tag  uint32
		max  uint64
		load func(*snap.Reader) error
	}{
		{secHart, 128<<10 + 12*pages, m.hart.LoadState},
		{secPLIC, maxSmallSection, m.plic.LoadState},
		{secUART, maxSmallSection, m.uart.LoadState},
		{secPower, maxSmallSection, m.power.loadState},
	}
	for _, v := range m.virtio {
		parts = append(parts, struct {
			tag  uint32
			max  uint64
			load func(*snap.Reader) error
		}{secVirtio, maxSmallSection, v.LoadState})
	}
	parts = append(parts, struct {
		tag  uint32
		max  uint64
		load func(*snap.Reader) error
	}{secDTB, maxSmallSection, func(r *snap.Reader) error {
		if dtb := r.Blob("device tree", fdtFromEnd); len(dtb) > 0 {
			m.dtb = bytes.Clone(dtb)
		}
		return r.Err()
	}})
	for _, p := range parts {
		b, err := s.small(p.tag, p.max)
		if err != nil {
			return err
		}
		sr := snap.NewReader(b)
		if err := p.load(sr); err != nil {
			return fmt.Errorf("section %s: %w", sectionName(p.tag), err)
		}
		if err := sr.Done(); err != nil {
			return fmt.Errorf("section %s: %w", sectionName(p.tag), err)
		}
	}
	nonZero, err := m.readRAM(s)
	if err != nil {
		return err
	}
	if leaves {
		if err := m.readLeaves(s, nonZero); err != nil {
			return err
		}
	}
	for i, v := range m.virtio[:len(m.drives)] {
		if disk, _ := v.Written(); disk == nil {
			continue
		}
		if err := m.readDrive(s, i, v); err != nil {
			return fmt.Errorf("section drive %d: %w", i, err)
		}
	}
	if _, err := s.small(secEnd, 0); err != nil {
		return err
	}
	var one [1]byte
	if n, err := io.ReadFull(r, one[:]); n != 0 || !errors.Is(err, io.EOF) {
		if err == nil || errors.Is(err, io.ErrUnexpectedEOF) {
			err = errors.New("data after the end section")
		}
		return fmt.Errorf("after the end section: %w", err)
	}
	return nil
}

// readRAM reads the RAM section into the machine's zeroed RAM and returns
// the numbers of the pages it held, in order.
func (m *Machine) readRAM(s *sectionReader) ([]uint64, error) {
	defer runtime.KeepAlive(m)
	ram := m.bus.RAM
	pages := uint64(len(ram) / pageSize)
	bmLen := (pages + 7) / 8
	n, err := s.next(secRAM, bmLen+pages*pageSize)
	if err != nil {
		return nil, err
	}
	bitmap := make([]byte, bmLen)
	if _, err := io.ReadFull(s.r, bitmap); err != nil {
		return nil, fmt.Errorf("section ram: %w", noEOF(err))
	}
	var set uint64
	for i, b := range bitmap {
		if uint64(i) == bmLen-1 && pages%8 != 0 && b>>(pages%8) != 0 {
			return nil, errors.New("section ram: the page bitmap marks pages beyond the end of RAM")
		}
		set += uint64(bits.OnesCount8(b))
	}
	if n != bmLen+set*pageSize {
		return nil, fmt.Errorf("section ram is %d bytes; its bitmap says %d", n, bmLen+set*pageSize)
	}
	held := make([]uint64, 0, set)
	for p := range pages {
		if bitmap[p/8]>>(p%8)&1 != 0 {
			if _, err := io.ReadFull(s.r, ram[p*pageSize:(p+1)*pageSize]); err != nil {
				return nil, fmt.Errorf("section ram: page %d: %w", p, noEOF(err))
			}
			held = append(held, p)
		}
	}
	return held, nil
}

// readDrive reads drive i's section and writes its chunks into the disk.
func (m *Machine) readDrive(s *sectionReader, i int, v *dev.VirtioMMIO) error {
	size := m.drives[i].Disk.Size()
	count := chunkCount(size)
	bmLen := (count + 7) / 8
	n, err := s.next(secDrive, 4+bmLen+uint64(size))
	if err != nil {
		return err
	}
	head := make([]byte, 4+bmLen)
	if _, err := io.ReadFull(s.r, head); err != nil {
		return noEOF(err)
	}
	hr := snap.NewReader(head)
	if idx := hr.U32(); idx != uint32(i) {
		return fmt.Errorf("the section is for drive %d", idx)
	}
	bitmap := hr.Raw(int(bmLen))
	var chunks []uint64
	for c := range count {
		if bitmap[c/8]>>(c%8)&1 != 0 {
			chunks = append(chunks, c)
		}
	}
	if bmLen > 0 && count%8 != 0 && bitmap[bmLen-1]>>(count%8) != 0 {
		return errors.New("the chunk bitmap marks chunks beyond the end of the disk")
	}
	if n != 4+bmLen+dev.ChunkBytes(size, chunks) {
		return fmt.Errorf("the section is %d bytes; its bitmap says %d", n, 4+bmLen+dev.ChunkBytes(size, chunks))
	}
	return v.LoadWritten(s.r, chunks)
}

// saveState and loadState carry the power state: whether the guest has
// powered off or reset the machine, and how.
func (p *power) saveState(w *snap.Writer) {
	w.Bool(p.off)
	w.U8(uint8(p.state.Reason))
	w.U32(uint32(p.state.ExitCode))
}

func (p *power) loadState(r *snap.Reader) error {
	p.off = r.Bool()
	reason, code := StopReason(r.U8()), r.U32()
	if err := r.Err(); err != nil {
		return err
	}
	switch {
	case !p.off && (reason != 0 || code != 0):
		return r.Failf("power: a running machine with stop %d, code %d", reason, code)
	case p.off && reason == StopReset && code != 0,
		p.off && reason != StopPowerOff && reason != StopReset,
		code > 0xffff:
		return r.Failf("power: stop %d with code %d", reason, code)
	}
	if p.off {
		p.state = Stop{Reason: reason, ExitCode: int(code)}
	}
	return nil
}
