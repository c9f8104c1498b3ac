package builder

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/reprovm/reprovm/guest/proto"
	"github.com/reprovm/reprovm/machine"
)

// A slot reads as zeros until its contents are attached, then as the file
// followed by zeros up to its capacity; writes reach only a writable
// file, inside its size.
func TestSlotDisk(t *testing.T) {
	file := filepath.Join(t.TempDir(), "in.img")
	if err := os.WriteFile(file, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(file, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := &slotDisk{size: 4096}
	read := func(off int64, n int) string {
		t.Helper()
		p := bytes.Repeat([]byte{'x'}, n)
		if k, err := d.ReadAt(p, off); err != nil || k != n {
			t.Fatalf("ReadAt(%d, %d) = %d, %v", off, n, k, err)
		}
		return string(p)
	}
	if got := read(0, 16); got != string(make([]byte, 16)) {
		t.Errorf("empty slot reads %q", got)
	}
	if _, err := d.WriteAt([]byte("a"), 0); err == nil {
		t.Error("a write to an empty slot succeeded")
	}
	d.attach(f, nil, 10)
	if got := read(4, 12); got != "456789\x00\x00\x00\x00\x00\x00" {
		t.Errorf("read across the file's end: %q", got)
	}
	if got := read(4088, 8); got != string(make([]byte, 8)) {
		t.Errorf("read at the end of the capacity: %q", got)
	}
	if _, err := d.ReadAt(make([]byte, 8), 4090); err == nil {
		t.Error("a read past the capacity succeeded")
	}
	if _, err := d.WriteAt([]byte("ab"), 0); err == nil {
		t.Error("a write to a read-only file succeeded")
	}
	d.attach(f, f, 10)
	if n, err := d.WriteAt([]byte("ab"), 8); err != nil || n != 2 {
		t.Errorf("write inside the file: %d, %v", n, err)
	}
	if _, err := d.WriteAt([]byte("abc"), 8); err == nil {
		t.Error("a write past the file's end succeeded")
	}
	if got, _ := os.ReadFile(file); string(got) != "01234567ab" {
		t.Errorf("the file holds %q", got)
	}
	if d.Size() != 4096 {
		t.Errorf("Size() = %d", d.Size())
	}
}

// The output drive's disk reports the init's ready header once, while
// armed, and passes every write through.
func TestReadyDisk(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out.img"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(1 << 20); err != nil {
		t.Fatal(err)
	}
	fd, err := machine.NewFileDisk(f)
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	d := &readyDisk{FileDisk: fd, onReady: func() { calls++ }}
	ready := (&proto.Header{State: proto.Ready}).Marshal()
	d.WriteAt(ready, 0) // not armed: a restore writing back the snapshot's chunk
	d.armed = true
	d.WriteAt(ready, 512)                                           // not at offset 0
	d.WriteAt((&proto.Header{State: proto.Exited}).Marshal(), 0)    // not ready
	d.WriteAt(append(ready, make([]byte, 64<<10-len(ready))...), 0) // the signal, in a larger chunk
	d.WriteAt(ready, 0)                                             // disarmed after the first
	if calls != 1 {
		t.Errorf("onReady called %d times, want 1", calls)
	}
	got := make([]byte, proto.HeaderSize)
	if _, err := f.ReadAt(got, 0); err != nil || !bytes.Equal(got, ready) {
		t.Errorf("the drive holds %q (%v)", got[:24], err)
	}
}
