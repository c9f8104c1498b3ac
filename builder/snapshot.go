package builder

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"github.com/reprovm/reprovm/machine"
)

// Snapshots of a run (RunSpec.SaveSnapshot, RunSpec.FromSnapshot).
//
// A run's snapshot is a machine snapshot (machine.SaveSnapshot) whose note
// names the run: a hash of everything the machine was booted with (the
// firmware, the kernel, the initramfs with the job appended, the kernel
// command line and the rng seed). The job holds the command, its
// environment and working directory, and each input's file system and
// mount, so a resume with another command, image, boot file or kernel
// command line is refused. The machine checks the RAM size and each
// drive's size, read-only flag and serial. What neither can check is the
// bytes of the input drives: a resume must attach the same files, and a
// writable input drive must be in the state it had before the first run
// (the snapshot writes back what the guest had written by then). The
// output drive is always fresh and empty, and gets the guest's writes back
// from the snapshot.

// runNoteVersion prefixes the note, so that a change in what the hash
// covers makes older snapshots fail the comparison instead of matching by
// accident.
const runNoteVersion = "reprovm run v1 sha256:"

// runNote returns the note that identifies the run booted with b.
func runNote(b *machine.BootConfig) []byte {
	h := sha256.New()
	for _, part := range [][]byte{b.Firmware, b.Kernel, b.Initrd, []byte(b.Bootargs), b.RNGSeed} {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(part)))
		h.Write(n[:])
		h.Write(part)
	}
	if b.NoBanner {
		h.Write([]byte{1})
	} else {
		h.Write([]byte{0})
	}
	return []byte(runNoteVersion + hex.EncodeToString(h.Sum(nil)))
}

// saveSnapshot writes m's snapshot to path through a temporary file, so a
// failure leaves no partial snapshot behind.
func saveSnapshot(path string, m *machine.Machine, note []byte) error {
	err := writeFileWith(path, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<20)
		if err := m.SaveSnapshot(bw, note); err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	return nil
}

// restoreSnapshot builds the machine of a run from the snapshot at path,
// after checking that the snapshot was taken of the same run.
func restoreSnapshot(path string, cfg machine.Config, note []byte) (*machine.Machine, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("resume: %w", err)
	}
	defer f.Close()
	info, err := machine.ReadSnapshotInfo(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("resume from %s: %w", path, err)
	}
	if !bytes.Equal(info.Note, note) {
		return nil, fmt.Errorf("resume from %s: the snapshot was taken of a different run: the command, its environment, "+
			"its inputs' file systems or mounts, the image, the boot files or the kernel command line differ", path)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("resume from %s: %w", path, err)
	}
	m, err := machine.RestoreSnapshot(f, cfg)
	if err != nil {
		return nil, fmt.Errorf("resume from %s: %w", path, err)
	}
	return m, nil
}
