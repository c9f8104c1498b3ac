package builder

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/reprovm/reprovm/guest/proto"
	"github.com/reprovm/reprovm/machine"
)

// snapshotScript reads a read-only drive, writes a writable one, writes
// /out files, and prints the guest's clock and entropy, so that a resume
// that lost any state would show it in the console, the files, a drive or
// the instruction count.
const snapshotScript = `echo start; cat /proc/uptime; head -c 16 /dev/urandom | od -An -tx1
head -c 65536 /dev/vda | sha256sum > /out/sum.txt
printf 'written by the command' | dd of=/dev/vdb bs=512 conv=sync,fsync 2>/dev/null
head -c 22 /dev/vdb > /out/vdb.txt
date -u > /out/date.txt; echo done; exit 3`

// snapshotRun is the outcome of one straight or resumed run.
type snapshotRun struct {
	res     *Result
	console []byte
	rw      []byte // the writable drive's contents afterwards
}

// TestRunSnapshotResume runs a command straight through, saving a snapshot
// at power-off; then for several instruction counts (in the middle of the
// kernel's boot, at the first instruction of /init, exactly at the ready
// point where the host attaches the job, in the middle of the command, in
// the middle of the copy of /out, and at the end) it runs the same command to that count, saves a
// snapshot, resumes from it in a fresh machine and runs to the end. The
// console (before and after the snapshot together), the exit status, the
// /out files, the writable drive, the instruction counts and the power-off
// snapshot's bytes must all equal the straight run's.
func TestRunSnapshotResume(t *testing.T) {
	dir := t.TempDir()
	ro := filepath.Join(dir, "ro.img")
	if err := os.WriteFile(ro, bytes.Repeat([]byte("reprovm\n"), 8192), 0o644); err != nil {
		t.Fatal(err)
	}
	rw := filepath.Join(dir, "rw.img")
	freshRW := func() {
		t.Helper()
		if err := os.WriteFile(rw, make([]byte, 64<<10), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	spec := RunSpec{
		Argv:    []string{"sh", "-c", snapshotScript},
		Inputs:  []InputDrive{{Path: ro}, {Path: rw, Writable: true}},
		RAMSize: 512 << 20,
	}
	run := func(s RunSpec) snapshotRun {
		t.Helper()
		var console bytes.Buffer
		s.Console = &console
		start := time.Now()
		res, err := Run(context.Background(), s)
		if err != nil {
			t.Fatalf("run (snapshot at %d, from %q): %v", s.SnapshotAt, filepath.Base(s.FromSnapshot), err)
		}
		contents, err := os.ReadFile(rw)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("run to %d instructions (paused %v) in %v", res.Instret, res.Paused, time.Since(start).Round(time.Millisecond))
		return snapshotRun{res, console.Bytes(), contents}
	}

	freshRW()
	endSnap := filepath.Join(dir, "end.snap")
	straightSpec := spec
	straightSpec.SaveSnapshot = endSnap
	straight := run(straightSpec)
	want := straight.res
	if want.ExitStatus != 3 || len(want.Files) != 3 || !bytes.HasPrefix(straight.rw, []byte("written by the command")) {
		t.Fatalf("the straight run: status %d, %d files, drive %q\n%s", want.ExitStatus, len(want.Files), straight.rw[:32], straight.console)
	}
	endBytes, err := os.ReadFile(endSnap)
	if err != nil {
		t.Fatal(err)
	}
	info, err := machine.ReadSnapshotInfo(bytes.NewReader(endBytes))
	if err != nil || !info.PoweredOff || info.Instret != want.Instret {
		t.Fatalf("power-off snapshot: %+v, %v", info, err)
	}
	t.Logf("power-off snapshot: %d bytes for %d MiB of RAM", len(endBytes), info.RAMSize>>20)

	points := []struct {
		name string
		at   uint64
	}{
		{"kernel boot", 100_000_000},
		{"first instruction of /init", want.InitInstret + 1},
		{"ready point", want.ReadyInstret},
		{"command", want.ReadyInstret + want.CommandInstret/2},
		{"copy of /out", want.ReadyInstret + want.CommandInstret + want.CopyInstret/2},
		{"power-off", 0},
	}
	if !(points[0].at < want.InitInstret && want.InitInstret < want.ReadyInstret && want.ReadyInstret < points[3].at &&
		points[3].at < want.ReadyInstret+want.CommandInstret && want.ReadyInstret+want.CommandInstret < points[4].at && points[4].at < want.Instret) {
		t.Fatalf("the points are not where their names say: /init at %d, ready at %d, the copy at %d, the end at %d",
			want.InitInstret, want.ReadyInstret, want.ReadyInstret+want.CommandInstret, want.Instret)
	}
	for _, p := range points {
		t.Run(p.name, func(t *testing.T) {
			freshRW()
			snapPath := endSnap
			before := straight.console // a power-off snapshot resumes with nothing left to print
			if p.at != 0 {
				snapPath = filepath.Join(t.TempDir(), "mid.snap")
				pauseSpec := spec
				pauseSpec.SaveSnapshot, pauseSpec.SnapshotAt = snapPath, p.at
				paused := run(pauseSpec)
				if !paused.res.Paused || paused.res.Instret != p.at {
					t.Fatalf("paused run: %+v, want a pause at %d", paused.res, p.at)
				}
				before = paused.console
				freshRW() // the drive as it was before the first run
			}
			resumeSpec := spec
			resumeSpec.FromSnapshot = snapPath
			resumeSpec.SaveSnapshot = filepath.Join(t.TempDir(), "end.snap")
			resumed := run(resumeSpec)
			got := resumed.res
			if c := append(before, resumed.console...); !bytes.Equal(c, straight.console) {
				t.Errorf("console differs from the straight run's:\n--- resumed\n%s\n--- straight\n%s", c, straight.console)
			}
			if p.at != 0 && p.at < want.ReadyInstret && got.ReadyInstret != want.ReadyInstret {
				t.Errorf("resumed before the ready point: ready at %d, straight at %d", got.ReadyInstret, want.ReadyInstret)
			}
			if p.at != 0 && (got.CommandInstret != want.CommandInstret || got.CopyInstret != want.CopyInstret) {
				t.Errorf("resumed: command %d and copy %d instructions; straight: %d, %d", got.CommandInstret, got.CopyInstret, want.CommandInstret, want.CopyInstret)
			}
			if got.ExitStatus != want.ExitStatus || got.Instret != want.Instret || got.InitInstret != want.InitInstret || got.Paused {
				t.Errorf("resumed: status %d, %d instructions, init at %d; straight: %d, %d, %d",
					got.ExitStatus, got.Instret, got.InitInstret, want.ExitStatus, want.Instret, want.InitInstret)
			}
			if !reflect.DeepEqual(got.Files, want.Files) {
				t.Errorf("/out files differ: %+v vs %+v", got.Files, want.Files)
			}
			if !bytes.Equal(resumed.rw, straight.rw) {
				t.Errorf("the writable drive differs from the straight run's")
			}
			if end, err := os.ReadFile(resumeSpec.SaveSnapshot); err != nil || !bytes.Equal(end, endBytes) {
				t.Errorf("the power-off snapshot differs from the straight run's (%d and %d bytes, %v)", len(end), len(endBytes), err)
			}
		})
	}

	t.Run("another command", func(t *testing.T) {
		other := spec
		other.Argv = []string{"sh", "-c", "echo other"}
		other.FromSnapshot = endSnap
		if _, err := Run(context.Background(), other); err == nil || !strings.Contains(err.Error(), "different run") {
			t.Fatalf("err = %v, want a refusal to resume a different run", err)
		}
	})
	t.Run("other RAM size", func(t *testing.T) {
		other := spec
		other.RAMSize = 256 << 20
		other.FromSnapshot = endSnap
		if _, err := Run(context.Background(), other); err == nil || !strings.Contains(err.Error(), "MiB of RAM") {
			t.Fatalf("err = %v, want a RAM size mismatch", err)
		}
	})
}

// BenchmarkSnapshot measures snapshots of `sh -c 'echo hi'` at power-off
// with the default RAM: the snapshot's size against the RAM's, and the
// time to save and to restore it (the output drive holds the exit status
// archive, which the snapshot carries).
func BenchmarkSnapshot(b *testing.B) {
	dir := b.TempDir()
	path := filepath.Join(dir, "end.snap")
	res, err := Run(context.Background(), RunSpec{Argv: []string{"sh", "-c", "echo hi"}, SaveSnapshot: path})
	if err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	out, err := os.Create(filepath.Join(dir, "out.img"))
	if err != nil {
		b.Fatal(err)
	}
	defer out.Close()
	if err := out.Truncate(OutputDriveSize); err != nil {
		b.Fatal(err)
	}
	disk, err := machine.NewFileDisk(out)
	if err != nil {
		b.Fatal(err)
	}
	var drives []machine.Drive
	for i := range proto.InputSlots {
		drives = append(drives, machine.Drive{Disk: &slotDisk{size: InputSlotSize}, Serial: proto.SlotSerial(i)})
	}
	drives = append(drives,
		machine.Drive{Disk: &slotDisk{size: proto.JobDriveSize}, ReadOnly: true, Serial: proto.JobSerial},
		machine.Drive{Disk: disk, Serial: proto.OutSerial})
	cfg := machine.Config{RAMSize: DefaultRAMSize, Drives: drives}
	var save, restore time.Duration
	var buf bytes.Buffer
	for b.Loop() {
		start := time.Now()
		m, err := machine.RestoreSnapshot(bytes.NewReader(data), cfg)
		if err != nil {
			b.Fatal(err)
		}
		restore += time.Since(start)
		buf.Reset()
		start = time.Now()
		if err := m.SaveSnapshot(&buf, []byte(runNoteVersion)); err != nil {
			b.Fatal(err)
		}
		save += time.Since(start)
	}
	b.ReportMetric(float64(len(data))/(1<<20), "snapshot-MiB")
	b.ReportMetric(float64(DefaultRAMSize>>20), "RAM-MiB")
	b.ReportMetric(float64(res.Instret)/1e6, "Minsns")
	b.ReportMetric(float64(save.Milliseconds())/float64(b.N), "save-ms/op")
	b.ReportMetric(float64(restore.Milliseconds())/float64(b.N), "restore-ms/op")
}
