package proto

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

// The output drive holds a header block at offset 0 and the output archive
// right after it, at offset HeaderSize. The init writes and syncs the
// archive first and the header last, so a header with the magic is the
// commit record of a finished run. All integers are little-endian:
//
//	offset size
//	0      12   magic "REPROVM-OUT\x00"
//	12     4    format version, 1 or 2
//	16     4    state: 1 exited, 2 killed by a signal, 3 init failed,
//	            4 ready (the init's signal at the ready point, see Boot),
//	            5 copying (format 2: the command has ended, /out is being
//	            archived)
//	20     4    code: exit status (0-255), signal number, or the failed
//	            init stage (see Stage)
//	24     8    archive length in bytes; in a copying header, the bytes of
//	            regular files in /out
//	32     32   format 1: SHA-256 of the archive; format 2: zero
//	64     256  message: UTF-8, NUL-padded; why the init failed
//	320    192  zero
//
// Format 2 (this init) drops the guest's hash of the archive: it cost
// about 36 guest instructions per output byte, more than half of the copy,
// and protects nothing the host does not check itself (the header is the
// commit record, the length is exact, and the host hashes every output
// when it reads it). It adds the copying header, written the moment the
// command ends, so that the host can tell the command's instructions from
// the copy's. Headers of format 1 (the init of images made before) are
// still read, and their hash checked.
//
// The archive is a tar stream (POSIX ustar, with PAX records only for
// names or link targets too long for ustar) whose members are sorted by
// name in byte order: directories (mode 0755), regular files (0755 if any
// execute bit was set in the guest, else 0644) and symbolic links (0777),
// all with mtime 0, uid and gid 0 and empty user and group names. Member
// names are relative to /out, without a leading "./".
const (
	HeaderSize    = 512
	Magic         = "REPROVM-OUT\x00"
	FormatVersion = 2
	maxMessage    = 256
)

// State says how the guest run ended.
type State uint32

const (
	Exited     State = 1 // the command exited; Code is its exit status
	Signaled   State = 2 // the command was killed; Code is the signal
	InitFailed State = 3 // the init failed; Code is a Stage
	// Ready is the header the init writes at the ready point (see [Boot]);
	// left on the drive, it means the init never finished the job.
	Ready State = 4
	// Copying is the header the init writes when the command has ended,
	// before it archives /out (format 2); ArchiveLen holds the bytes of
	// the regular files there. Left on the drive, it means the copy never
	// finished.
	Copying State = 5
)

// IsReady reports whether b, the data of a write at offset 0 of the
// output drive, is the init's ready signal.
func IsReady(b []byte) bool {
	return signal(b) == Ready
}

// IsCopying reports whether b, the data of a write at offset 0 of the
// output drive, is the init's signal that the command has ended, and
// how many bytes of files it is about to archive.
func IsCopying(b []byte) (size uint64, ok bool) {
	if signal(b) != Copying {
		return 0, false
	}
	return binary.LittleEndian.Uint64(b[24:]), true
}

// signal returns the state of b if it is a header of a known format
// version, and 0 otherwise.
func signal(b []byte) State {
	if len(b) < HeaderSize || string(b[:len(Magic)]) != Magic {
		return 0
	}
	if v := binary.LittleEndian.Uint32(b[12:]); v < 1 || v > FormatVersion {
		return 0
	}
	return State(binary.LittleEndian.Uint32(b[16:]))
}

// Stage names the step of the init that failed.
type Stage int32

const (
	StageSetup   Stage = 1 // mounting /proc, /sys, /dev, /tmp, /out
	StageJob     Stage = 2 // reading or decoding the job
	StageModules Stage = 3 // loading kernel modules
	StageDrives  Stage = 4 // finding or mounting drives
	StageRun     Stage = 5 // starting or waiting for the command
	StageOutput  Stage = 6 // archiving /out or writing the output drive
	StageWarmup  Stage = 7 // the image's warm-up command failed
	StageReady   Stage = 8 // signalling the ready point, or reading the job drive
)

func (s Stage) String() string {
	switch s {
	case StageSetup:
		return "setup"
	case StageJob:
		return "job"
	case StageModules:
		return "modules"
	case StageDrives:
		return "drives"
	case StageRun:
		return "run"
	case StageOutput:
		return "output"
	case StageWarmup:
		return "warm-up"
	case StageReady:
		return "ready"
	}
	return fmt.Sprintf("stage %d", int32(s))
}

// Header is the output drive's header block.
type Header struct {
	// Version is the format version: Marshal writes FormatVersion,
	// ParseHeader reports what the drive holds.
	Version       uint32
	State         State
	Code          int32
	ArchiveLen    uint64
	ArchiveSHA256 [32]byte
	Message       string
}

// Marshal encodes h in its Version (FormatVersion if 0); a message longer
// than the field is cut at a UTF-8 boundary.
func (h *Header) Marshal() []byte {
	b := make([]byte, HeaderSize)
	copy(b, Magic)
	v := h.Version
	if v == 0 {
		v = FormatVersion
	}
	binary.LittleEndian.PutUint32(b[12:], v)
	binary.LittleEndian.PutUint32(b[16:], uint32(h.State))
	binary.LittleEndian.PutUint32(b[20:], uint32(h.Code))
	binary.LittleEndian.PutUint64(b[24:], h.ArchiveLen)
	copy(b[32:64], h.ArchiveSHA256[:])
	msg := h.Message
	for len(msg) > maxMessage || !utf8.ValidString(msg) {
		msg = msg[:len(msg)-1]
	}
	copy(b[64:64+maxMessage], msg)
	return b
}

// ParseHeader decodes a header block.
func ParseHeader(b []byte) (*Header, error) {
	if len(b) < HeaderSize {
		return nil, fmt.Errorf("output header: %d bytes, want %d", len(b), HeaderSize)
	}
	if string(b[:len(Magic)]) != Magic {
		if bytes.Count(b[:HeaderSize], []byte{0}) == HeaderSize {
			return nil, fmt.Errorf("output header: the drive is blank: the guest init did not finish")
		}
		return nil, fmt.Errorf("output header: bad magic %q", b[:len(Magic)])
	}
	v := binary.LittleEndian.Uint32(b[12:])
	if v < 1 || v > FormatVersion {
		return nil, fmt.Errorf("output header: format version %d, want 1 to %d", v, FormatVersion)
	}
	h := &Header{
		Version:    v,
		State:      State(binary.LittleEndian.Uint32(b[16:])),
		Code:       int32(binary.LittleEndian.Uint32(b[20:])),
		ArchiveLen: binary.LittleEndian.Uint64(b[24:]),
	}
	copy(h.ArchiveSHA256[:], b[32:64])
	msg := b[64 : 64+maxMessage]
	if i := bytes.IndexByte(msg, 0); i >= 0 {
		msg = msg[:i]
	}
	if !utf8.Valid(msg) {
		return nil, fmt.Errorf("output header: message is not UTF-8")
	}
	h.Message = string(msg)
	switch h.State {
	case Exited:
		if h.Code < 0 || h.Code > 255 {
			return nil, fmt.Errorf("output header: exit status %d out of range", h.Code)
		}
	case Signaled:
		if h.Code < 1 || h.Code > 64 {
			return nil, fmt.Errorf("output header: signal %d out of range", h.Code)
		}
	case InitFailed:
	case Ready:
		return nil, fmt.Errorf("output header: the guest init reached the ready point but did not finish the job")
	case Copying:
		if v < 2 {
			return nil, fmt.Errorf("output header: unknown state %d", h.State)
		}
		return nil, fmt.Errorf("output header: the command ended but the guest init did not finish archiving /out")
	default:
		return nil, fmt.Errorf("output header: unknown state %d", h.State)
	}
	return h, nil
}
