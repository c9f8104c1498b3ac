package machine

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// TestSnapshotDrives: the snapshot carries what the guest wrote to a
// writable drive, not a read-only drive's contents, and restore checks the
// drives it is given against the snapshot's.
func TestSnapshotDrives(t *testing.T) {
	ro := MemDisk(bytes.Repeat([]byte{0xa5}, 1<<20))
	rw := make(MemDisk, 1<<20+512) // a short last chunk
	copy(rw[4096:], "written by the guest")
	copy(rw[1<<20:], "the last sector")
	cfg := Config{RAMSize: 1 << 20, Drives: []Drive{
		{Disk: ro, ReadOnly: true, Serial: "ro"},
		{Disk: rw, Serial: "rw"},
	}}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Write two chunks through the device, as a guest would: a virtio-blk
	// request built in RAM and announced through the MMIO registers.
	for _, sector := range []uint64{8, 2048} {
		blkWrite(t, m, 1, sector, rw[sector*512:sector*512+512])
	}
	var buf bytes.Buffer
	if err := m.SaveSnapshot(&buf, []byte("note")); err != nil {
		t.Fatal(err)
	}
	snap := buf.Bytes()
	info, err := ReadSnapshotInfo(bytes.NewReader(snap))
	if err != nil {
		t.Fatal(err)
	}
	wantDrives := []SnapshotDrive{{Size: 1 << 20, ReadOnly: true, Serial: "ro"}, {Size: 1<<20 + 512, Serial: "rw"}}
	if !slices.Equal(info.Drives, wantDrives) || string(info.Note) != "note" {
		t.Fatalf("info %+v", info)
	}
	if len(snap) > 64<<10 {
		t.Errorf("snapshot is %d bytes: read-only drive contents or zero pages were stored", len(snap))
	}
	fresh := make(MemDisk, len(rw))
	cfg2 := cfg
	cfg2.Drives = []Drive{cfg.Drives[0], {Disk: fresh, Serial: "rw"}}
	if _, err := RestoreSnapshot(bytes.NewReader(snap), cfg2); err != nil {
		t.Fatal(err)
	}
	for _, off := range []int{4096, 1 << 20} {
		if !bytes.Equal(fresh[off:off+512], rw[off:off+512]) {
			t.Errorf("the restored drive lacks the write at %d", off)
		}
	}
	if bytes.Count(fresh, []byte{0}) != len(fresh)-1024+bytes.Count(rw[4096:4096+512], []byte{0})+bytes.Count(rw[1<<20:], []byte{0}) {
		t.Errorf("the restored drive holds more than the written chunks")
	}

	bad := []struct {
		name   string
		drives []Drive
		ram    uint64
		want   string
	}{
		{"fewer drives", cfg.Drives[:1], 1 << 20, "2 drives"},
		{"other size", []Drive{cfg.Drives[0], {Disk: make(MemDisk, 4096), Serial: "rw"}}, 1 << 20, "drive 1"},
		{"read-only flag", []Drive{cfg.Drives[0], {Disk: fresh, ReadOnly: true, Serial: "rw"}}, 1 << 20, "read-only"},
		{"serial", []Drive{cfg.Drives[0], {Disk: fresh, Serial: "xx"}}, 1 << 20, "serial"},
		{"RAM size", cfg2.Drives, 2 << 20, "MiB of RAM"},
	}
	for _, tc := range bad {
		_, err := RestoreSnapshot(bytes.NewReader(snap), Config{RAMSize: tc.ram, Drives: tc.drives})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
}

// blkWrite writes one 512-byte sector to the block device in virtio slot
// slot, driving the virtio-mmio transport from the host side the way
// Linux's driver does from the guest: reset, features, one queue, a
// three-descriptor request, notify.
func blkWrite(t testing.TB, m *Machine, slot int, sector uint64, data []byte) {
	t.Helper()
	base := uint64(VirtioBase + slot*0x1000)
	const (
		desc   = RAMBase + 0x1000
		avail  = RAMBase + 0x2000
		used   = RAMBase + 0x3000
		header = RAMBase + 0x4000
		buf    = RAMBase + 0x5000
		status = RAMBase + 0x6000
	)
	w32 := func(off uint64, v uint32) {
		if !m.bus.StoreIO(base+off, 4, uint64(v)) {
			t.Fatalf("store to virtio register %#x failed", off)
		}
	}
	w32(0x70, 0)       // reset
	w32(0x70, 1|2)     // ACKNOWLEDGE | DRIVER
	w32(0x24, 1)       // driver features, high word
	w32(0x20, 1)       // VIRTIO_F_VERSION_1
	w32(0x70, 1|2|8)   // FEATURES_OK
	w32(0x30, 0)       // queue 0
	w32(0x38, 4)       // 4 entries
	w32(0x80, desc)    // descriptor table
	w32(0x84, 0)       //
	w32(0x90, avail)   // available ring
	w32(0x94, 0)       //
	w32(0xa0, used)    // used ring
	w32(0xa4, 0)       //
	w32(0x44, 1)       // ready
	w32(0x70, 1|2|8|4) // DRIVER_OK
	le := func(v uint64, n int) []byte {
		b := make([]byte, n)
		for i := range n {
			b[i] = byte(v >> (8 * i))
		}
		return b
	}
	d := slices.Concat(
		le(header, 8), le(16, 4), le(1, 2), le(1, 2), // header, NEXT
		le(buf, 8), le(512, 4), le(1, 2), le(2, 2), // data, NEXT
		le(status, 8), le(1, 4), le(2, 2), le(0, 2), // status, WRITE
	)
	for _, w := range []struct {
		addr uint64
		b    []byte
	}{
		{desc, d},
		{header, slices.Concat(le(1, 4), le(0, 4), le(sector, 8))}, // VIRTIO_BLK_T_OUT
		{buf, data},
		{avail, slices.Concat(le(0, 2), le(1, 2), le(0, 2))}, // flags, idx 1, ring[0] = 0
		{status, []byte{0xff}},
	} {
		if err := m.WritePhys(w.addr, w.b); err != nil {
			t.Fatal(err)
		}
	}
	w32(0x50, 0) // notify queue 0
	var st [1]byte
	if err := m.ReadPhys(status, st[:]); err != nil || st[0] != 0 {
		t.Fatalf("write of sector %d: status %d, %v", sector, st[0], err)
	}
}

// FuzzReadSections feeds arbitrary section streams to the decoder behind
// the zstd layer (whose checksum would reject most mutations before they
// reach the validators): a 1 MiB machine with a writable drive must load
// them or return an error, never panic, and a machine that loads must run.
func FuzzReadSections(f *testing.F) {
	cfg := func() Config {
		return Config{RAMSize: 1 << 20, Drives: []Drive{{Disk: make(MemDisk, 8192+512), Serial: "rw"}}}
	}
	m, err := New(cfg())
	if err != nil {
		f.Fatal(err)
	}
	if err := m.WritePhys(RAMBase, []byte{0x05, 0x03, 0xfd, 0xbf}); err != nil { // c.addi t1, 1; c.j -2
		f.Fatal(err)
	}
	m.Reset(RAMBase)
	if _, err := m.Run(f.Context(), 100); err != nil {
		f.Fatal(err)
	}
	blkWrite(f, m, 0, 16, make([]byte, 512))
	var body bytes.Buffer
	if err := m.writeSections(&body, true); err != nil {
		f.Fatal(err)
	}
	f.Add(body.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := New(cfg())
		if err != nil {
			t.Fatal(err)
		}
		if err := m.readSections(bytes.NewReader(data), true); err != nil {
			return
		}
		m.plic.Update()
		if _, err := m.StateRoot(); err != nil { // with the leaves it adopted, if any
			t.Fatal(err)
		}
		if _, err := m.Run(t.Context(), 1000); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := m.SaveSnapshot(&out, nil); err != nil {
			t.Fatal(err)
		}
	})
}
