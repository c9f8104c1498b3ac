package builder

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/ipfs/go-cid"

	"github.com/reprovm/reprovm/guest/proto"
	"github.com/reprovm/reprovm/images"
	"github.com/reprovm/reprovm/ipfsfetch"
	"github.com/reprovm/reprovm/machine"
)

// Snapshots of a run (RunSpec.SaveSnapshot, RunSpec.FromSnapshot) and of
// an image's ready point (RunSpec.ReadySnapshot).
//
// A run's snapshot is a machine snapshot (machine.SaveSnapshot) whose note
// names the run: a hash of everything the machine was booted with (the
// firmware, the kernel, the initramfs with the boot record appended, the
// kernel command line and the rng seed) and of the job (the command, its
// environment and working directory, and each input's file system and
// mount), and whether the snapshot was taken after the ready point, when
// the job's drives are attached. A resume with another command, image,
// boot file or kernel command line is refused. The machine checks the RAM
// size and each drive's size, read-only flag and serial. What neither can
// check is the bytes of the input drives: a resume must attach the same
// files, and a writable input drive must be in the state it had before the
// first run (the snapshot writes back what the guest had written by then).
// The output drive is always fresh and empty, and gets the guest's writes
// back from the snapshot.
//
// A ready snapshot's note names the boot alone (the same hash without the
// job, and the root image's hash): it serves every job on that boot.

// runNoteVersion prefixes the note, so that a change in what the hash
// covers makes older snapshots fail the comparison instead of matching by
// accident.
const (
	runNoteVersion   = "reprovm run v2 sha256:"
	readyNoteVersion = "reprovm ready v1 sha256:"
)

// Phases of a run snapshot, after the note's hash.
const (
	phaseBoot = " before-ready"
	phaseJob  = " after-ready"
	phaseCopy = " copying"
)

// bootHash hashes what the machine was booted with.
func bootHash(b *machine.BootConfig, extra ...[]byte) []byte {
	h := sha256.New()
	for _, part := range append([][]byte{b.Firmware, b.Kernel, b.Initrd, []byte(b.Bootargs), b.RNGSeed}, extra...) {
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
	return h.Sum(nil)
}

// runNote returns the note that identifies the run of job booted with b,
// without its phase.
func runNote(b *machine.BootConfig, job []byte) []byte {
	return []byte(runNoteVersion + hex.EncodeToString(bootHash(b, []byte("job"), job)))
}

// runPhase is where in its run a run snapshot was taken: before the ready
// point (readyAt 0), in the command (the command's budget counts from
// readyAt), or in the copy of /out (which began at copyAt, with copyBytes
// to copy; its budget counts from there).
type runPhase struct {
	readyAt, copyAt, copyBytes uint64
}

// runNoteWithPhase adds the phase to a run's note.
func runNoteWithPhase(note []byte, p runPhase) []byte {
	switch {
	case p.readyAt == 0:
		return append(slices.Clip(note), phaseBoot...)
	case p.copyAt == 0:
		return fmt.Appendf(slices.Clip(note), "%s@%d", phaseJob, p.readyAt)
	}
	return fmt.Appendf(slices.Clip(note), "%s@%d%s@%d:%d", phaseJob, p.readyAt, phaseCopy, p.copyAt, p.copyBytes)
}

// parsePhase reads what runNoteWithPhase added after phaseJob+"@"; instret
// is the snapshot's count, which no phase can begin after.
func parsePhase(after []byte, instret uint64) (runPhase, bool) {
	var p runPhase
	ready, copying, isCopy := strings.Cut(string(after), phaseCopy+"@")
	at, bytes, ok := strings.Cut(copying, ":")
	var err error
	if p.readyAt, err = strconv.ParseUint(ready, 10, 64); err != nil || p.readyAt == 0 || p.readyAt > instret {
		return runPhase{}, false
	}
	if !isCopy {
		return p, true
	}
	p.copyAt, err = strconv.ParseUint(at, 10, 64)
	if err != nil || !ok || p.copyAt <= p.readyAt || p.copyAt > instret {
		return runPhase{}, false
	}
	if p.copyBytes, err = strconv.ParseUint(bytes, 10, 64); err != nil {
		return runPhase{}, false
	}
	return p, true
}

// readyNote returns the note of the ready snapshot of the boot b with the
// root image rootID ("" for none).
func readyNote(b *machine.BootConfig, rootID string) []byte {
	return []byte(readyNoteVersion + hex.EncodeToString(bootHash(b, []byte("root"), []byte(rootID))))
}

// saveSnapshot writes m's snapshot to path through a temporary file, so a
// failure leaves no partial snapshot behind.
func saveSnapshot(path string, m *machine.Machine, note []byte) error {
	return saveSnapshotWith(path, note, m.SaveSnapshot)
}

// saveSnapshotWith is saveSnapshot with the machine's save method.
func saveSnapshotWith(path string, note []byte, save func(io.Writer, []byte) error) error {
	err := writeFileWith(path, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<20)
		if err := save(bw, note); err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	return nil
}

// saveReady saves the ready snapshot at path and its CID at path+".cid".
// Two processes that save the same ready snapshot at once write the same
// bytes, each through its own temporary file and a rename, so the cache
// holds one whole copy whoever wins. The snapshot carries the leaf hashes
// of RAM (machine.SaveSnapshotWithLeaves), so that the ready point's state
// root of a run restored from it hashes only the pages written since.
func saveReady(ctx context.Context, path string, m *machine.Machine, note []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("ready snapshot: %w", err)
	}
	if err := saveSnapshotWith(path, note, m.SaveSnapshotWithLeaves); err != nil {
		return fmt.Errorf("ready %w", err)
	}
	return writeReadyCID(ctx, path)
}

// writeReadyCID records the CID of the ready snapshot at path beside it.
func writeReadyCID(ctx context.Context, path string) error {
	c, err := ipfsfetch.ComputeCID(ctx, path, ipfsfetch.ImportOptions{})
	if err != nil {
		return fmt.Errorf("ready snapshot: %w", err)
	}
	return WriteFileAtomic(path+".cid", []byte(c.String()+"\n"))
}

// restoreSnapshot builds the machine of a run from the snapshot at path,
// after checking that the snapshot was taken of the same run, and returns
// the ready point's instruction count (0 for a snapshot taken before it).
// For a snapshot taken after the ready point it calls attach first, so
// that the job's drives are there when the snapshot writes back what the
// guest had written to them.
func restoreSnapshot(path string, cfg machine.Config, note []byte, attach func()) (*machine.Machine, runPhase, error) {
	var phase runPhase
	f, err := os.Open(path)
	if err != nil {
		return nil, phase, fmt.Errorf("resume: %w", err)
	}
	defer f.Close()
	info, err := machine.ReadSnapshotInfo(bufio.NewReader(f))
	if err != nil {
		return nil, phase, fmt.Errorf("resume from %s: %w", path, err)
	}
	after, isAfter := bytes.CutPrefix(info.Note, append(slices.Clip(note), phaseJob+"@"...))
	switch {
	case bytes.Equal(info.Note, runNoteWithPhase(note, runPhase{})):
	case isAfter:
		var ok bool
		if phase, ok = parsePhase(after, info.Instret); !ok {
			return nil, phase, fmt.Errorf("resume from %s: bad phase %q in the snapshot's note", path, after)
		}
		attach()
	default:
		return nil, phase, fmt.Errorf("resume from %s: the snapshot was taken of a different run: the command, its environment, "+
			"its inputs' file systems or mounts, the image, the boot files or the kernel command line differ", path)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, phase, fmt.Errorf("resume from %s: %w", path, err)
	}
	m, err := machine.RestoreSnapshot(bufio.NewReaderSize(f, 1<<20), cfg)
	if err != nil {
		return nil, phase, fmt.Errorf("resume from %s: %w", path, err)
	}
	return m, phase, nil
}

// restoreReady builds a machine at the ready point from the ready snapshot
// at path, after checking that it was taken of the same boot.
func restoreReady(path string, cfg machine.Config, note []byte) (*machine.Machine, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("ready snapshot: %w", err)
	}
	defer f.Close()
	info, err := machine.ReadSnapshotInfo(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("ready snapshot %s: %w", path, err)
	}
	if !bytes.Equal(info.Note, note) {
		return nil, fmt.Errorf("ready snapshot %s: taken of a different boot (image, warm-up, boot files or kernel command line); delete it to boot from scratch", path)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("ready snapshot %s: %w", path, err)
	}
	m, err := machine.RestoreSnapshot(bufio.NewReaderSize(f, 1<<20), cfg)
	if err != nil {
		return nil, fmt.Errorf("ready snapshot %s: %w (delete it to make it again, or boot with --no-snapshot)", path, err)
	}
	return m, nil
}

// ReadySnapshotKey names the ready snapshot of a build: a hash of the
// image CID, its warm-up, the RAM size, the kernel command line, the
// emulator version and the layout of the drives and the protocol with the
// guest init (readyLayout). Everything else a booted machine depends on is
// in the image (boot files, initramfs with the init, root filesystem) or
// derived from these (the boot record, the rng seed).
func ReadySnapshotKey(image cid.Cid, warmup *proto.Command, ramSize uint64, bootargs string) string {
	h := sha256.New()
	var w []byte
	if warmup != nil {
		w, _ = json.Marshal(warmup)
	}
	for _, part := range [][]byte{
		[]byte(readyLayout), image.Bytes(), w,
		binary.LittleEndian.AppendUint64(nil, ramSize),
		[]byte(bootargs), []byte(machine.EmulatorVersion),
	} {
		h.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(part))))
		h.Write(part)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// readyLayout changes whenever the drives at boot (input slots, their
// capacity, the job drive) or the ready protocol change, or what the
// snapshot holds: v2 carries the RAM's leaf hashes (saveReady), so a cache
// of v1 snapshots, which would restore fine but make every run's first
// root hash all RAM, is made again once. (An archive's v1 snapshot still
// restores: the key is only its file's name there.)
const readyLayout = "reprovm ready layout v2: 5 slots of 64 GiB, job drive 4 MiB, output 1 GiB, RAM leaf hashes"

// ReadySnapshotPath is where the ready snapshot with key lives in the
// cache: beside the images, <cache>/images/<image CID>.ready/<key>.snap.
func ReadySnapshotPath(cacheRoot string, image cid.Cid, key string) string {
	return filepath.Join(cacheRoot, "images", image.String()+".ready", key+".snap")
}

// SetReadySnapshot points spec.ReadySnapshot at the ready snapshot of
// spec's boot in f's cache (ReadySnapshotPath, ReadySnapshotKey). spec.Image
// must be set and c be its CID; the boot files must be the image's (no
// Kernel, Firmware or Initrd override, which the key does not cover).
func (spec *RunSpec) SetReadySnapshot(f *images.Fetcher, c cid.Cid) error {
	if spec.Image == "" || !c.Defined() {
		return fmt.Errorf("ready snapshot: needs an image and its CID")
	}
	if spec.Kernel != "" || spec.Firmware != "" || spec.Initrd != "" {
		return fmt.Errorf("ready snapshot: not with a kernel, firmware or initrd override")
	}
	warmup := spec.Warmup
	if warmup == nil {
		im, err := images.OpenImage(spec.Image)
		if err != nil {
			return fmt.Errorf("ready snapshot: %w", err)
		}
		warmup = im.Manifest.WarmupCommand()
	}
	cache, err := f.CacheRoot()
	if err != nil {
		return fmt.Errorf("ready snapshot: %w", err)
	}
	key := ReadySnapshotKey(c, warmup, cmp.Or(spec.RAMSize, DefaultRAMSize), spec.bootargs())
	spec.ReadySnapshot = ReadySnapshotPath(cache, c, key)
	return nil
}
