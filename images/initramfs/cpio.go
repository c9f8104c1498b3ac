package initramfs

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// This file writes and reads the "newc" cpio format (magic "070701"), the
// only format the kernel's initramfs unpacker accepts besides "070702"
// (newc with checksums). The layout is in the kernel's
// Documentation/driver-api/early-userspace/buffer-format.rst:
//
//	header  110 bytes: "070701" then 13 fields of 8 uppercase-or-lowercase
//	        hex digits: ino, mode, uid, gid, nlink, mtime, filesize,
//	        devmajor, devminor, rdevmajor, rdevminor, namesize, check
//	name    namesize bytes including the terminating NUL, padded with NULs
//	        so that header+name is a multiple of 4
//	data    filesize bytes (a symlink's data is its target), padded to 4
//
// The archive ends with an entry named "TRAILER!!!".

const (
	newcMagic   = "070701"
	headerSize  = 110
	trailerName = "TRAILER!!!"

	// File type bits of the mode field (Linux stat.h).
	sIFMT  = 0o170000
	sIFREG = 0o100000
	sIFDIR = 0o040000
	sIFLNK = 0o120000
	sIFCHR = 0o020000

	// maxNameSize bounds a name read from an archive; PATH_MAX is 4096.
	maxNameSize = 4096
)

// Entry is one member of an archive.
type Entry struct {
	// Name is the slash-separated path inside the archive, relative and
	// clean ("bin/busybox", not "/bin/busybox" or "bin//busybox").
	Name string
	// Mode holds the type (0, fs.ModeDir, fs.ModeSymlink, or
	// fs.ModeDevice|fs.ModeCharDevice) and the permission bits
	// (fs.ModePerm, fs.ModeSetuid, fs.ModeSetgid, fs.ModeSticky).
	Mode fs.FileMode
	// Data is a regular file's contents or a symlink's target.
	Data []byte
	// Major and Minor are a character device's numbers.
	Major, Minor uint32
}

// Record is an entry as read back from an archive, with the header fields
// Write fixes.
type Record struct {
	Entry
	Ino, UID, GID, Nlink, MTime uint32
}

// Write writes entries as a newc archive that depends only on the entries
// and mtime: members in byte order of their names, every mtime set to
// mtime, uid and gid 0, inode numbers 1, 2, 3... in that order, nlink 2 for
// directories and 1 otherwise, device numbers of the archive's own files 0.
// Hard links are not represented; two entries are two files.
//
// Every entry's parent directory must be an entry too, so that the kernel,
// which does not create missing parents, can unpack it.
func Write(w io.Writer, entries []Entry, mtime uint32) error {
	sorted := slices.Clone(entries)
	slices.SortFunc(sorted, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
	dirs := map[string]bool{".": true}
	for i, e := range sorted {
		if err := checkEntry(e); err != nil {
			return err
		}
		if i > 0 && sorted[i-1].Name == e.Name {
			return fmt.Errorf("cpio: duplicate entry %q", e.Name)
		}
		if !dirs[path.Dir(e.Name)] {
			return fmt.Errorf("cpio: %q: parent directory is not in the archive", e.Name)
		}
		if e.Mode.IsDir() {
			dirs[e.Name] = true
		}
	}
	bw := bufio.NewWriter(w)
	for i, e := range sorted {
		mode, nlink := unixMode(e.Mode), uint32(1)
		if e.Mode.IsDir() {
			nlink = 2
		}
		writeMember(bw, uint32(i+1), mode, nlink, mtime, e.Major, e.Minor, e.Name, e.Data)
	}
	writeMember(bw, 0, 0, 1, 0, 0, 0, trailerName, nil)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("cpio: write: %w", err)
	}
	return nil
}

func checkEntry(e Entry) error {
	if e.Name == "" || e.Name == "." || path.Clean(e.Name) != e.Name || strings.HasPrefix(e.Name, "/") ||
		e.Name == ".." || strings.HasPrefix(e.Name, "../") || strings.ContainsRune(e.Name, 0) ||
		len(e.Name)+1 > maxNameSize || e.Name == trailerName {
		return fmt.Errorf("cpio: bad entry name %q", e.Name)
	}
	switch t := e.Mode.Type(); t {
	case 0, fs.ModeSymlink:
	case fs.ModeDir:
		if len(e.Data) != 0 {
			return fmt.Errorf("cpio: directory %q has data", e.Name)
		}
	case fs.ModeDevice | fs.ModeCharDevice:
		if len(e.Data) != 0 {
			return fmt.Errorf("cpio: device %q has data", e.Name)
		}
	default:
		return fmt.Errorf("cpio: %q: unsupported file type %v", e.Name, t)
	}
	if e.Mode.Type()&fs.ModeDevice == 0 && (e.Major != 0 || e.Minor != 0) {
		return fmt.Errorf("cpio: %q: device numbers on a non-device", e.Name)
	}
	if uint64(len(e.Data)) > 0xffffffff {
		return fmt.Errorf("cpio: %q: %d bytes is too large for newc", e.Name, len(e.Data))
	}
	if e.Mode&^(fs.ModeType|fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky) != 0 {
		return fmt.Errorf("cpio: %q: unsupported mode bits %v", e.Name, e.Mode)
	}
	return nil
}

// unixMode converts an fs.FileMode to the st_mode bits of the header.
func unixMode(m fs.FileMode) uint32 {
	u := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		u |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		u |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		u |= 0o1000
	}
	switch m.Type() {
	case fs.ModeDir:
		u |= sIFDIR
	case fs.ModeSymlink:
		u |= sIFLNK
	case fs.ModeDevice | fs.ModeCharDevice:
		u |= sIFCHR
	default:
		u |= sIFREG
	}
	return u
}

// fileMode is unixMode's inverse; ok is false for types Entry cannot hold.
func fileMode(u uint32) (m fs.FileMode, ok bool) {
	m = fs.FileMode(u & 0o777)
	if u&0o4000 != 0 {
		m |= fs.ModeSetuid
	}
	if u&0o2000 != 0 {
		m |= fs.ModeSetgid
	}
	if u&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	switch u & sIFMT {
	case sIFREG:
	case sIFDIR:
		m |= fs.ModeDir
	case sIFLNK:
		m |= fs.ModeSymlink
	case sIFCHR:
		m |= fs.ModeDevice | fs.ModeCharDevice
	default:
		return 0, false
	}
	return m, true
}

// writeMember writes one header, name and data; errors stick in bw and
// surface at Flush.
func writeMember(bw *bufio.Writer, ino, mode, nlink, mtime, rmaj, rmin uint32, name string, data []byte) {
	fmt.Fprintf(bw, "%s%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
		newcMagic, ino, mode, 0, 0, nlink, mtime, len(data), 0, 0, rmaj, rmin, len(name)+1, 0)
	bw.WriteString(name)
	bw.Write(make([]byte, 1+pad4(headerSize+len(name)+1)))
	bw.Write(data)
	bw.Write(make([]byte, pad4(len(data))))
}

// pad4 is the number of bytes that pads n to a multiple of 4.
func pad4(n int) int { return (4 - n%4) % 4 }

// Read parses a newc archive up to its trailer, for tests and inspection.
// It accepts what the kernel accepts in member layout but only the file
// types Entry can hold; it never allocates more than the input supplies.
func Read(r io.Reader) ([]Record, error) {
	br := bufio.NewReader(r)
	var recs []Record
	for off := int64(0); ; {
		var hdr [headerSize]byte
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			return nil, fmt.Errorf("cpio: header at %d: %w", off, noEOF(err))
		}
		if string(hdr[:6]) != newcMagic {
			return nil, fmt.Errorf("cpio: header at %d: bad magic %q", off, hdr[:6])
		}
		var f [13]uint32
		for i := range f {
			v, ok := parseHex(hdr[6+8*i : 14+8*i])
			if !ok {
				return nil, fmt.Errorf("cpio: header at %d: field %d is not hex: %q", off, i, hdr[6+8*i:14+8*i])
			}
			f[i] = v
		}
		ino, mode, uid, gid, nlink, mtime, size := f[0], f[1], f[2], f[3], f[4], f[5], f[6]
		rmaj, rmin, namesize := f[9], f[10], f[11]
		if namesize == 0 || namesize > maxNameSize {
			return nil, fmt.Errorf("cpio: header at %d: bad name size %d", off, namesize)
		}
		nameBuf := make([]byte, int(namesize)+pad4(headerSize+int(namesize)))
		if _, err := io.ReadFull(br, nameBuf); err != nil {
			return nil, fmt.Errorf("cpio: name at %d: %w", off, noEOF(err))
		}
		if nameBuf[namesize-1] != 0 {
			return nil, fmt.Errorf("cpio: name at %d is not NUL-terminated", off)
		}
		name := string(nameBuf[:namesize-1])
		data, err := readN(br, int64(size))
		if err != nil {
			return nil, fmt.Errorf("cpio: data of %q: %w", name, err)
		}
		if _, err := br.Discard(pad4(int(size % 4))); err != nil {
			return nil, fmt.Errorf("cpio: padding of %q: %w", name, noEOF(err))
		}
		off += int64(headerSize+len(nameBuf)) + int64(size) + int64(pad4(int(size%4)))
		if name == trailerName {
			return recs, nil
		}
		m, ok := fileMode(mode)
		if !ok {
			return nil, fmt.Errorf("cpio: %q: unsupported mode %#o", name, mode)
		}
		recs = append(recs, Record{
			Entry: Entry{Name: name, Mode: m, Data: data, Major: rmaj, Minor: rmin},
			Ino:   ino, UID: uid, GID: gid, Nlink: nlink, MTime: mtime,
		})
	}
}

// readN reads exactly n bytes, growing the buffer only as data arrives.
func readN(r io.Reader, n int64) ([]byte, error) {
	var b bytes.Buffer
	got, err := io.CopyN(&b, r, n)
	if err != nil {
		return nil, fmt.Errorf("got %d of %d bytes: %w", got, n, noEOF(err))
	}
	return b.Bytes(), nil
}

func parseHex(b []byte) (uint32, bool) {
	var v uint32
	for _, c := range b {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		v = v<<4 | uint32(c)
	}
	return v, true
}

func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
