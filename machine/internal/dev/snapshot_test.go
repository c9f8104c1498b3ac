package dev

import (
	"bytes"
	"strings"
	"testing"

	"github.com/reprovm/reprovm/machine/internal/snap"
)

// saveLoad saves a device's state, loads it into a fresh device, and
// returns both encodings, which must be equal.
func saveLoad(t *testing.T, save func(*snap.Writer), load func(*snap.Reader) error, resave func(*snap.Writer)) []byte {
	t.Helper()
	var w snap.Writer
	save(&w)
	r := snap.NewReader(w.Bytes())
	if err := load(r); err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := r.Done(); err != nil {
		t.Fatal(err)
	}
	var w2 snap.Writer
	resave(&w2)
	if !bytes.Equal(w.Bytes(), w2.Bytes()) {
		t.Fatalf("state changed across save and load (%d bytes, then %d)", len(w.Bytes()), len(w2.Bytes()))
	}
	return w.Bytes()
}

func TestPLICSnapshot(t *testing.T) {
	p, _ := newTestPLIC()
	mustStore(t, p, plicPrio(3), 4, 5)
	mustStore(t, p, plicPrio(7), 4, 2)
	mustStore(t, p, plicEnableOf(1), 4, 1<<3|1<<7)
	mustStore(t, p, plicThresh(1), 4, 1)
	p.SetIRQ(3, true)
	p.SetIRQ(7, true)
	if id := mustLoad(t, p, plicClaim(1), 4); id != 3 {
		t.Fatalf("claimed %d, want 3", id)
	}
	q, mip := newTestPLIC()
	enc := saveLoad(t, p.SaveState, q.LoadState, q.SaveState)
	q.Update()
	if *mip != testSEIP {
		t.Errorf("restored PLIC drives mip %#x, want SEIP (source 7 pending)", *mip)
	}
	// The restored PLIC continues as the original: source 3's line drops,
	// its completion makes 7 the best.
	q.SetIRQ(3, false)
	mustStore(t, q, plicClaim(1), 4, 3)
	if id := mustLoad(t, q, plicClaim(1), 4); id != 7 {
		t.Errorf("restored PLIC claims %d, want 7", id)
	}

	bad := []struct {
		name string
		at   int // byte offset in the encoding
		val  byte
		want string
	}{
		{"source 0 priority", 0, 1, "source 0"},
		{"priority above 7", 4 * 3, 8, "priority 8"},
		{"pending without line", 4 * 33, 1 << 6, "inconsistent"}, // pending bit 6, line low
		{"enable source 0", 4*35 + 0, 1, "enables"},
	}
	for _, tc := range bad {
		b := bytes.Clone(enc)
		b[tc.at] = tc.val
		q, _ := newTestPLIC()
		if err := q.LoadState(snap.NewReader(b)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestUARTSnapshot(t *testing.T) {
	var out bytes.Buffer
	lines := irqLines{}
	u := NewUART(&out, lines)
	mustStore(t, u, uartIER, 1, ierTHRI)
	long := strings.Repeat("0123456789abcde\n", UARTTailSize/16+10) + "end"
	for i := range len(long) {
		mustStore(t, u, uartRBR, 1, uint64(long[i]))
	}
	mustStore(t, u, uartMCR, 1, mcrLoop)
	mustStore(t, u, uartRBR, 1, 'x') // into the loopback receiver
	var out2 bytes.Buffer
	v := NewUART(&out2, irqLines{})
	saveLoad(t, u.SaveState, v.LoadState, v.SaveState)
	if !bytes.Equal(v.Tail(), u.Tail()) || v.Written() != u.Written() {
		t.Errorf("tail %d bytes of %d written, want %d of %d", len(v.Tail()), v.Written(), len(u.Tail()), u.Written())
	}
	if out2.Len() != 0 {
		t.Errorf("loading wrote %d bytes to the console", out2.Len())
	}
	if got := mustLoad(t, v, uartRBR, 1); got != 'x' {
		t.Errorf("restored receiver holds %q", rune(got))
	}
	var w snap.Writer
	v.ier = 0xff
	v.SaveState(&w)
	if err := NewUART(nil, nil).LoadState(snap.NewReader(w.Bytes())); err == nil {
		t.Error("an IER of 0xff loaded")
	}
}

func TestVirtioSnapshot(t *testing.T) {
	disk := make(MemDisk, 64<<10+512)
	d, v := newBlockRig(t, disk, false, irqLines{})
	d.probe(featVersion1)
	data := buf{bufBase + 0x100, 1024, false}
	copy(d.g.mem[data.addr-ramBase:], bytes.Repeat([]byte("w"), 1024))
	if st, _ := d.request(blkTOut, 7, data); st != blkSOK { // sectors 7 and 8: chunks 0 and 1
		t.Fatalf("write status %d", st)
	}
	lastSector := uint64(len(disk)/SectorSize - 1)
	if st, _ := d.request(blkTOut, lastSector, buf{data.addr, 512, false}); st != blkSOK {
		t.Fatalf("write status %d", st)
	}
	gotDisk, chunks := v.Written()
	if gotDisk == nil || !equalU64(chunks, []uint64{0, 1, 16}) {
		t.Fatalf("written chunks %v, want [0 1 16]", chunks)
	}
	var saved bytes.Buffer
	if err := v.SaveWritten(&saved, chunks); err != nil {
		t.Fatal(err)
	}
	if saved.Len() != 2*WrittenChunk+512 || ChunkBytes(disk.Size(), chunks) != uint64(saved.Len()) {
		t.Fatalf("saved %d bytes of chunks, want %d", saved.Len(), 2*WrittenChunk+512)
	}

	fresh := make(MemDisk, len(disk))
	v2, err := NewVirtioBlock(BlockConfig{Disk: fresh, Serial: "reprovm-disk-0"}, d.g, irqLines{}, testIRQ) // the same guest memory
	if err != nil {
		t.Fatal(err)
	}
	saveLoad(t, v.SaveState, v2.LoadState, v2.SaveState)
	if err := v2.LoadWritten(bytes.NewReader(saved.Bytes()), chunks); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fresh, disk) {
		t.Fatal("the restored disk differs")
	}
	if _, c2 := v2.Written(); !equalU64(c2, chunks) {
		t.Fatalf("restored device has written chunks %v", c2)
	}
	// The restored transport continues the queue where the original was.
	d2 := &testDriver{t: t, g: d.g, v: v2, nextDesc: d.nextDesc, avail: d.avail, used: d.used}
	if st, _ := d2.request(blkTIn, 7, buf{bufBase + 0x1000, 512, true}); st != blkSOK {
		t.Fatalf("read after restore: status %d", st)
	}

	for _, tc := range []struct {
		name   string
		chunks []uint64
	}{{"beyond the disk", []uint64{17}}, {"out of order", []uint64{1, 0}}} {
		_, v3 := newBlockRig(t, make(MemDisk, len(disk)), false, irqLines{})
		if err := v3.LoadWritten(bytes.NewReader(make([]byte, 3*WrittenChunk)), tc.chunks); err == nil {
			t.Errorf("%s: LoadWritten accepted %v", tc.name, tc.chunks)
		}
	}
	if _, v4 := newBlockRig(t, disk, true, irqLines{}); v4.LoadWritten(bytes.NewReader(nil), nil) == nil {
		t.Error("LoadWritten into a read-only drive")
	}
	var w snap.Writer
	NewVirtioEmpty().SaveState(&w)
	if err := v2.LoadState(snap.NewReader(w.Bytes())); err == nil {
		t.Error("an empty slot's state loaded into a block device")
	}
}

func equalU64(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
