package dev

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// guestRAM is guest memory for device tests: the DMA interface over a byte
// slice at base, failing outside it the way the machine's RAM does.
type guestRAM struct {
	base uint64
	mem  []byte
}

func (g *guestRAM) span(pa uint64, n int) ([]byte, error) {
	off := pa - g.base
	if pa < g.base || off >= uint64(len(g.mem)) || uint64(n) > uint64(len(g.mem))-off {
		return nil, fmt.Errorf("guest address %#x+%d outside RAM", pa, n)
	}
	return g.mem[off : off+uint64(n)], nil
}

func (g *guestRAM) ReadPhys(pa uint64, p []byte) error {
	s, err := g.span(pa, len(p))
	if err == nil {
		copy(p, s)
	}
	return err
}

func (g *guestRAM) WritePhys(pa uint64, p []byte) error {
	s, err := g.span(pa, len(p))
	if err == nil {
		copy(s, p)
	}
	return err
}

func (g *guestRAM) put16(pa uint64, v uint16) {
	s, _ := g.span(pa, 2)
	binary.LittleEndian.PutUint16(s, v)
}
func (g *guestRAM) put32(pa uint64, v uint32) {
	s, _ := g.span(pa, 4)
	binary.LittleEndian.PutUint32(s, v)
}
func (g *guestRAM) put64(pa uint64, v uint64) {
	s, _ := g.span(pa, 8)
	binary.LittleEndian.PutUint64(s, v)
}
func (g *guestRAM) get16(pa uint64) uint16 {
	s, _ := g.span(pa, 2)
	return binary.LittleEndian.Uint16(s)
}
func (g *guestRAM) get32(pa uint64) uint32 {
	s, _ := g.span(pa, 4)
	return binary.LittleEndian.Uint32(s)
}

const (
	ramBase  = 0x8000_0000
	qNum     = 8
	qDesc    = ramBase + 0x1000
	qAvail   = ramBase + 0x2000
	qUsed    = ramBase + 0x3000
	bufBase  = ramBase + 0x10000
	testIRQ  = 8
	ramBytes = 1 << 20
)

// buf is one descriptor a test driver puts in a chain.
type buf struct {
	addr  uint64
	len   uint32
	write bool
}

// ringLayout places a queue's three parts in guest memory.
type ringLayout struct{ desc, avail, used uint64 }

// defaultRings is where testDriver puts the queue unless told otherwise.
var defaultRings = ringLayout{qDesc, qAvail, qUsed}

func (d *testDriver) rings() ringLayout {
	if d.ring == (ringLayout{}) {
		return defaultRings
	}
	return d.ring
}

// testDriver is the guest side of one split virtqueue, laid out in
// guestRAM as Linux's virtio_ring lays it out.
type testDriver struct {
	t        *testing.T
	g        *guestRAM
	v        *VirtioMMIO
	ring     ringLayout
	nextDesc uint16
	avail    uint16
	used     uint16
}

// probe brings the device up the way Linux's virtio_mmio and virtio core
// do (vm_probe, virtio_dev_probe, vm_setup_vq) and returns the offered
// features.
func (d *testDriver) probe(accept uint64) uint64 {
	t, v := d.t, d.v
	if mustLoad(t, v, vmMagic, 4) != virtioMagic || mustLoad(t, v, vmVersion, 4) != 2 || mustLoad(t, v, vmDeviceID, 4) != virtioBlkID {
		t.Fatal("not a virtio-mmio v2 block device")
	}
	mustStore(t, v, vmStatus, 4, 0)
	mustStore(t, v, vmStatus, 4, statusAcknowledge)
	mustStore(t, v, vmStatus, 4, statusAcknowledge|statusDriver)
	mustStore(t, v, vmDeviceFeatSel, 4, 1)
	f := mustLoad(t, v, vmDeviceFeatures, 4) << 32
	mustStore(t, v, vmDeviceFeatSel, 4, 0)
	f |= mustLoad(t, v, vmDeviceFeatures, 4)
	accept &= f
	mustStore(t, v, vmDriverFeatSel, 4, 1)
	mustStore(t, v, vmDriverFeatures, 4, accept>>32)
	mustStore(t, v, vmDriverFeatSel, 4, 0)
	mustStore(t, v, vmDriverFeatures, 4, accept&0xffffffff)
	mustStore(t, v, vmStatus, 4, statusAcknowledge|statusDriver|statusFeaturesOK)
	if mustLoad(t, v, vmStatus, 4)&statusFeaturesOK == 0 {
		t.Fatal("device refused features")
	}
	mustStore(t, v, vmQueueSel, 4, 0)
	if mustLoad(t, v, vmQueueReady, 4) != 0 || mustLoad(t, v, vmQueueNumMax, 4) < qNum {
		t.Fatal("queue 0 unusable")
	}
	mustStore(t, v, vmQueueNum, 4, qNum)
	rl := d.rings()
	for _, r := range []struct{ low, addr uint64 }{{vmQueueDescLow, rl.desc}, {vmQueueDriverLow, rl.avail}, {vmQueueDeviceLow, rl.used}} {
		mustStore(t, v, r.low, 4, r.addr&0xffffffff)
		mustStore(t, v, r.low+4, 4, r.addr>>32)
	}
	mustStore(t, v, vmQueueReady, 4, 1)
	mustStore(t, v, vmStatus, 4, statusAcknowledge|statusDriver|statusFeaturesOK|statusDriverOK)
	return f
}

// submit puts a chain in the descriptor table and the available ring and
// returns its head.
func (d *testDriver) submit(bufs ...buf) uint16 {
	r := d.rings()
	head := d.nextDesc % qNum
	for i, b := range bufs {
		idx := (head + uint16(i)) % qNum
		at := r.desc + 16*uint64(idx)
		var flags uint16
		if b.write {
			flags |= descWrite
		}
		if i < len(bufs)-1 {
			flags |= descNext
		}
		d.g.put64(at, b.addr)
		d.g.put32(at+8, b.len)
		d.g.put16(at+12, flags)
		d.g.put16(at+14, (idx+1)%qNum)
	}
	d.nextDesc += uint16(len(bufs))
	d.g.put16(r.avail+4+2*uint64(d.avail%qNum), head)
	d.avail++
	d.g.put16(r.avail+2, d.avail)
	return head
}

func (d *testDriver) notify() { mustStore(d.t, d.v, vmQueueNotify, 4, 0) }

// reap returns the next used-ring entry.
func (d *testDriver) reap() (id, n uint32) {
	d.t.Helper()
	r := d.rings()
	if d.g.get16(r.used+2) == d.used {
		d.t.Fatal("no used buffer")
	}
	at := r.used + 4 + 8*uint64(d.used%qNum)
	d.used++
	return d.g.get32(at), d.g.get32(at + 4)
}

// header writes a request header at pa.
func (d *testDriver) header(pa uint64, typ uint32, sector uint64) buf {
	d.g.put32(pa, typ)
	d.g.put32(pa+4, 0)
	d.g.put64(pa+8, sector)
	return buf{pa, 16, false}
}

// request submits a one-request chain header, data, status and returns the
// status byte and the used length.
func (d *testDriver) request(typ uint32, sector uint64, data buf) (byte, uint32) {
	d.t.Helper()
	hdr := d.header(bufBase, typ, sector)
	st := buf{bufBase + 0x20, 1, true}
	d.g.mem[st.addr-ramBase] = 0xff
	var head uint16
	if data.len == 0 {
		head = d.submit(hdr, st)
	} else {
		head = d.submit(hdr, data, st)
	}
	d.notify()
	id, n := d.reap()
	if id != uint32(head) {
		d.t.Fatalf("used id %d, want head %d", id, head)
	}
	return d.g.mem[st.addr-ramBase], n
}

func newBlockRig(t *testing.T, disk Disk, ro bool, sink IRQSink) (*testDriver, *VirtioMMIO) {
	t.Helper()
	g := &guestRAM{base: ramBase, mem: make([]byte, ramBytes)}
	v, err := NewVirtioBlock(BlockConfig{Disk: disk, ReadOnly: ro, Serial: "reprovm-disk-0"}, g, sink, testIRQ)
	if err != nil {
		t.Fatal(err)
	}
	return &testDriver{t: t, g: g, v: v}, v
}

func TestVirtioRegisters(t *testing.T) {
	disk := make(MemDisk, 3*SectorSize+100)
	tests := []struct {
		name string
		ro   bool
		sel  uint64 // DeviceFeaturesSel or QueueSel before the read
		off  uint64
		size int
		want uint64
	}{
		{"magic", false, 0, vmMagic, 4, 0x74726976},
		{"version", false, 0, vmVersion, 4, 2},
		{"device id", false, 0, vmDeviceID, 4, 2},
		{"vendor", false, 0, vmVendorID, 4, virtioVendorID},
		{"features 0..31", false, 0, vmDeviceFeatures, 4, blkFeatSegMax},
		{"features 0..31 read-only", true, 0, vmDeviceFeatures, 4, blkFeatSegMax | blkFeatRO},
		{"features 32..63", false, 1, vmDeviceFeatures, 4, 1},
		{"features 64..", false, 2, vmDeviceFeatures, 4, 0},
		{"queue 0 max", false, 0, vmQueueNumMax, 4, VirtioQueueNumMax},
		{"queue 1 does not exist", false, 1, vmQueueNumMax, 4, 0},
		{"no shared memory", false, 0, vmSHMLenLow, 4, 0xffffffff},
		{"config generation", false, 0, vmConfigGen, 4, 0},
		{"capacity, whole sectors", false, 0, vmConfig, 8, 3},
		{"capacity low word", false, 0, vmConfig, 4, 3},
		{"capacity high word", false, 0, vmConfig + 4, 4, 0},
		{"capacity byte", false, 0, vmConfig, 1, 3},
		{"seg_max", false, 0, vmConfig + 0x0c, 4, blkSegMax},
		{"seg_max 16-bit", false, 0, vmConfig + 0x0c, 2, blkSegMax},
		{"beyond config", false, 0, vmConfig + 0x40, 4, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, v := newBlockRig(t, disk, tt.ro, nil)
			mustStore(t, v, vmDeviceFeatSel, 4, tt.sel)
			mustStore(t, v, vmQueueSel, 4, tt.sel)
			if got := mustLoad(t, v, tt.off, tt.size); got != tt.want {
				t.Errorf("read %#x, want %#x", got, tt.want)
			}
		})
	}
	_, v := newBlockRig(t, disk, false, nil)
	for _, size := range []int{1, 2, 8} {
		if _, ok := v.Load(vmMagic, size); ok {
			t.Errorf("%d-byte register load allowed", size)
		}
		if v.Store(vmStatus, size, 1) {
			t.Errorf("%d-byte register store allowed", size)
		}
	}
	empty := NewVirtioEmpty()
	if mustLoad(t, empty, vmMagic, 4) != virtioMagic || mustLoad(t, empty, vmDeviceID, 4) != 0 {
		t.Error("empty slot is not a device-ID-0 virtio-mmio device")
	}
	mustStore(t, empty, vmStatus, 4, statusAcknowledge)
	mustStore(t, empty, vmQueueNotify, 4, 0)
	if mustLoad(t, empty, vmStatus, 4) != 0 || mustLoad(t, empty, vmConfig, 4) != 0 {
		t.Error("empty slot keeps state")
	}
}

func TestVirtioFeatureNegotiation(t *testing.T) {
	tests := []struct {
		name   string
		accept uint64
		ok     bool
	}{
		{"VERSION_1", featVersion1, true},
		{"VERSION_1 and SEG_MAX", featVersion1 | blkFeatSegMax, true},
		{"legacy driver", blkFeatSegMax, false},
		{"feature not offered", featVersion1 | blkFeatRO, false},
		{"indirect not offered", featVersion1 | featIndirectDesc, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, v := newBlockRig(t, make(MemDisk, SectorSize), false, nil)
			mustStore(t, v, vmDriverFeatSel, 4, 1)
			mustStore(t, v, vmDriverFeatures, 4, tt.accept>>32)
			mustStore(t, v, vmDriverFeatSel, 4, 0)
			mustStore(t, v, vmDriverFeatures, 4, tt.accept&0xffffffff)
			mustStore(t, v, vmStatus, 4, statusAcknowledge|statusDriver|statusFeaturesOK)
			got := mustLoad(t, v, vmStatus, 4)
			if ok := got&statusFeaturesOK != 0; ok != tt.ok || got&3 != 3 {
				t.Errorf("status %#x, want FEATURES_OK %v", got, tt.ok)
			}
		})
	}
}

// TestVirtioBlkReadWrite writes sectors through a split virtqueue, reads
// them back, and follows the interrupt through the PLIC as Linux does
// (claim, InterruptStatus, InterruptACK, complete).
func TestVirtioBlkReadWrite(t *testing.T) {
	plic, mip := newTestPLIC()
	mustStore(t, plic, plicPrio(testIRQ), 4, 1)
	mustStore(t, plic, plicEnableOf(1), 4, 1<<testIRQ)
	disk := make(MemDisk, 64*SectorSize)
	d, v := newBlockRig(t, disk, false, plic)
	if f := d.probe(featVersion1 | blkFeatSegMax); f != featVersion1|blkFeatSegMax {
		t.Fatalf("features %#x", f)
	}

	data := bytes.Repeat([]byte("0123456789abcdef"), 2*SectorSize/16)
	copy(d.g.mem[0x20000:], data)
	st, n := d.request(blkTOut, 5, buf{ramBase + 0x20000, uint32(len(data)), false})
	if st != blkSOK || n != 1 {
		t.Fatalf("write: status %d, used len %d", st, n)
	}
	if !bytes.Equal(disk[5*SectorSize:7*SectorSize], data) {
		t.Fatal("disk does not hold the written sectors")
	}
	// The interrupt, as Linux's plic_handle_irq and vm_interrupt take it.
	if *mip != testSEIP {
		t.Fatalf("mip = %#x, want SEIP", *mip)
	}
	if got := mustLoad(t, plic, plicClaim(1), 4); got != testIRQ {
		t.Fatalf("PLIC claim = %d, want %d", got, testIRQ)
	}
	isr := mustLoad(t, v, vmInterruptStatus, 4)
	if isr != intUsedBuffer {
		t.Fatalf("InterruptStatus = %#x", isr)
	}
	mustStore(t, v, vmInterruptACK, 4, isr)
	mustStore(t, plic, plicClaim(1), 4, testIRQ)
	if *mip != 0 || mustLoad(t, v, vmInterruptStatus, 4) != 0 {
		t.Fatalf("interrupt still pending after ACK and complete: mip %#x", *mip)
	}

	// Read back into a buffer split across two descriptors, status apart.
	clear(d.g.mem[0x30000:0x31000])
	hdr := d.header(bufBase, blkTIn, 5)
	st1 := buf{bufBase + 0x20, 1, true}
	head := d.submit(hdr, buf{ramBase + 0x30000, 100, true}, buf{ramBase + 0x30100, 2*SectorSize - 100, true}, st1)
	d.notify()
	if id, n := d.reap(); id != uint32(head) || n != 2*SectorSize+1 {
		t.Fatalf("used (%d, %d), want (%d, %d)", id, n, head, 2*SectorSize+1)
	}
	got := append(append([]byte{}, d.g.mem[0x30000:0x30000+100]...), d.g.mem[0x30100:0x30100+2*SectorSize-100]...)
	if !bytes.Equal(got, data) || d.g.mem[st1.addr-ramBase] != blkSOK {
		t.Fatal("read back differs")
	}

	// Framing independence: header in two pieces, data and status in one
	// descriptor.
	d.header(bufBase, blkTIn, 6)
	clear(d.g.mem[0x40000:0x41000])
	d.submit(buf{bufBase, 5, false}, buf{bufBase + 5, 11, false}, buf{ramBase + 0x40000, SectorSize + 1, true})
	d.notify()
	if _, n := d.reap(); n != SectorSize+1 || !bytes.Equal(d.g.mem[0x40000:0x40000+SectorSize], data[SectorSize:]) || d.g.mem[0x40000+SectorSize] != blkSOK {
		t.Fatalf("re-framed read: used len %d", n)
	}

	// Two requests in one notify complete together, in order.
	h1 := d.submit(d.header(bufBase, blkTFlush, 0), buf{bufBase + 0x20, 1, true})
	h2 := d.submit(d.header(bufBase+0x40, blkTIn, 0), buf{ramBase + 0x50000, SectorSize, true}, buf{bufBase + 0x60, 1, true})
	d.notify()
	if id, _ := d.reap(); id != uint32(h1) {
		t.Fatalf("first used id %d, want %d", id, h1)
	}
	if id, _ := d.reap(); id != uint32(h2) {
		t.Fatalf("second used id %d, want %d", id, h2)
	}

	// The driver's NO_INTERRUPT hint suppresses the interrupt.
	mustStore(t, v, vmInterruptACK, 4, 3)
	d.g.put16(qAvail, availNoInterrupt)
	d.request(blkTFlush, 0, buf{})
	if mustLoad(t, v, vmInterruptStatus, 4) != 0 {
		t.Fatal("interrupt despite VIRTQ_AVAIL_F_NO_INTERRUPT")
	}

	// Reset stops the queue and clears the state.
	mustStore(t, v, vmStatus, 4, 0)
	if mustLoad(t, v, vmQueueReady, 4) != 0 || mustLoad(t, v, vmStatus, 4) != 0 {
		t.Fatal("reset left state behind")
	}
}

func TestVirtioBlkRequests(t *testing.T) {
	tests := []struct {
		name   string
		ro     bool
		typ    uint32
		sector uint64
		data   buf
		status byte
		used   uint32
	}{
		{"read", false, blkTIn, 0, buf{ramBase + 0x20000, SectorSize, true}, blkSOK, SectorSize + 1},
		{"read last sector", false, blkTIn, 15, buf{ramBase + 0x20000, SectorSize, true}, blkSOK, SectorSize + 1},
		{"read beyond capacity", false, blkTIn, 16, buf{ramBase + 0x20000, SectorSize, true}, blkSIOErr, 1},
		{"read across the end", false, blkTIn, 15, buf{ramBase + 0x20000, 2 * SectorSize, true}, blkSIOErr, 1},
		{"read at a huge sector", false, blkTIn, 1 << 60, buf{ramBase + 0x20000, SectorSize, true}, blkSIOErr, 1},
		{"read of a partial sector", false, blkTIn, 0, buf{ramBase + 0x20000, 100, true}, blkSIOErr, 1},
		{"read into memory outside RAM", false, blkTIn, 0, buf{0x1000, SectorSize, true}, blkSIOErr, 1},
		{"write", false, blkTOut, 3, buf{ramBase + 0x20000, SectorSize, false}, blkSOK, 1},
		{"write to a read-only disk", true, blkTOut, 3, buf{ramBase + 0x20000, SectorSize, false}, blkSIOErr, 1},
		{"write from memory outside RAM", false, blkTOut, 0, buf{ramBase + ramBytes - 100, SectorSize, false}, blkSIOErr, 1},
		{"flush", false, blkTFlush, 0, buf{}, blkSOK, 1},
		{"get id", false, blkTGetID, 0, buf{ramBase + 0x20000, blkIDLen, true}, blkSOK, blkIDLen + 1},
		{"get id, short buffer", false, blkTGetID, 0, buf{ramBase + 0x20000, 7, true}, blkSOK, 8},
		{"discard is unsupported", false, 11, 0, buf{}, blkSUnsupp, 1},
		{"write zeroes is unsupported", false, 13, 0, buf{}, blkSUnsupp, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			disk := make(MemDisk, 16*SectorSize)
			for i := range disk {
				disk[i] = byte(i / SectorSize)
			}
			before := bytes.Clone(disk)
			d, _ := newBlockRig(t, disk, tt.ro, nil)
			d.probe(featVersion1 | blkFeatSegMax | blkFeatRO)
			for i := 0x20000; i < 0x20000+2*SectorSize; i++ {
				d.g.mem[i] = 0xee
			}
			st, n := d.request(tt.typ, tt.sector, tt.data)
			if st != tt.status || n != tt.used {
				t.Fatalf("status %d, used len %d; want %d, %d", st, n, tt.status, tt.used)
			}
			switch {
			case tt.typ == blkTIn && st == blkSOK:
				if !bytes.Equal(d.g.mem[0x20000:0x20000+tt.data.len], disk[tt.sector*SectorSize:][:tt.data.len]) {
					t.Error("read returned other bytes")
				}
			case tt.typ == blkTOut && st == blkSOK:
				if !bytes.Equal(disk[tt.sector*SectorSize:][:tt.data.len], d.g.mem[0x20000:0x20000+tt.data.len]) {
					t.Error("write stored other bytes")
				}
			case tt.typ == blkTGetID:
				want := []byte("reprovm-disk-0\x00\x00\x00\x00\x00\x00")[:tt.data.len]
				if !bytes.Equal(d.g.mem[0x20000:0x20000+tt.data.len], want) || d.g.mem[0x20000+tt.data.len] != 0xee {
					t.Errorf("id %q", d.g.mem[0x20000:0x20000+blkIDLen+1])
				}
			default:
				if !bytes.Equal(disk, before) {
					t.Error("a failed or data-less request changed the disk")
				}
			}
		})
	}
}

// TestVirtioHostile feeds malformed queues and chains: each must leave the
// device needing a reset (with a configuration interrupt), touch nothing
// it should not, and recover after a reset.
func TestVirtioHostile(t *testing.T) {
	tests := []struct {
		name  string
		setup func(d *testDriver)
	}{
		{"descriptor loop", func(d *testDriver) {
			d.submit(buf{bufBase, 16, false}, buf{bufBase + 0x20, 1, true})
			d.g.put16(qDesc+12, descNext)
			d.g.put16(qDesc+14, 0) // points at itself
		}},
		{"chain longer than the queue", func(d *testDriver) {
			for i := range uint64(qNum) {
				d.g.put64(qDesc+16*i, bufBase)
				d.g.put32(qDesc+16*i+8, 16)
				d.g.put16(qDesc+16*i+12, descNext)
				d.g.put16(qDesc+16*i+14, uint16((i+1)%qNum))
			}
			d.g.put16(qAvail+4, 0)
			d.g.put16(qAvail+2, 1)
		}},
		{"head out of range", func(d *testDriver) {
			d.g.put16(qAvail+4, qNum)
			d.g.put16(qAvail+2, 1)
		}},
		{"next out of range", func(d *testDriver) {
			d.submit(buf{bufBase, 16, false}, buf{bufBase + 0x20, 1, true})
			d.g.put16(qDesc+14, 0xffff)
		}},
		{"indirect descriptor", func(d *testDriver) {
			d.submit(buf{bufBase, 16, false})
			d.g.put16(qDesc+12, descIndirect)
		}},
		{"readable after writable", func(d *testDriver) {
			d.submit(buf{bufBase + 0x20, 1, true}, buf{bufBase, 16, false})
		}},
		{"no status byte", func(d *testDriver) {
			d.submit(d.header(bufBase, blkTIn, 0))
		}},
		{"short header", func(d *testDriver) {
			d.submit(buf{bufBase, 8, false}, buf{bufBase + 0x20, 1, true})
		}},
		{"header outside RAM", func(d *testDriver) {
			d.submit(buf{0x1000, 16, false}, buf{bufBase + 0x20, 1, true})
		}},
		{"status outside RAM", func(d *testDriver) {
			d.submit(d.header(bufBase, blkTFlush, 0), buf{0x1000, 1, true})
		}},
		{"descriptor wraps the address space", func(d *testDriver) {
			d.submit(d.header(bufBase, blkTFlush, 0), buf{^uint64(0) - 4, 16, true})
		}},
		{"avail index jumps past the queue", func(d *testDriver) {
			d.g.put16(qAvail+2, qNum+1)
		}},
		{"available ring outside RAM", func(d *testDriver) {
			mustStore(d.t, d.v, vmQueueDriverLow, 4, 0x1000)
			mustStore(d.t, d.v, vmQueueDriverHigh, 4, 0)
		}},
		{"used ring outside RAM", func(d *testDriver) {
			d.submit(d.header(bufBase, blkTFlush, 0), buf{bufBase + 0x20, 1, true})
			mustStore(d.t, d.v, vmQueueDeviceHigh, 4, 1)
		}},
		{"queue size above the maximum", func(d *testDriver) {
			d.submit(d.header(bufBase, blkTFlush, 0), buf{bufBase + 0x20, 1, true})
			mustStore(d.t, d.v, vmQueueNum, 4, VirtioQueueNumMax+1)
		}},
		{"misaligned descriptor table", func(d *testDriver) {
			d.submit(d.header(bufBase, blkTFlush, 0), buf{bufBase + 0x20, 1, true})
			mustStore(d.t, d.v, vmQueueDescLow, 4, qDesc+8)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := irqLines{}
			disk := make(MemDisk, 16*SectorSize)
			d, v := newBlockRig(t, disk, false, lines)
			d.probe(featVersion1)
			tt.setup(d)
			d.notify()
			if st := mustLoad(t, v, vmStatus, 4); st&statusNeedsReset == 0 {
				t.Fatalf("status %#x lacks DEVICE_NEEDS_RESET", st)
			}
			if mustLoad(t, v, vmInterruptStatus, 4)&intConfigChange == 0 || !lines[testIRQ] {
				t.Fatal("no configuration change interrupt")
			}
			if !bytes.Equal(disk, make(MemDisk, 16*SectorSize)) {
				t.Fatal("disk changed")
			}
			// Nothing more is served until the reset; then all works.
			d.notify()
			mustStore(t, v, vmStatus, 4, 0)
			if lines[testIRQ] || mustLoad(t, v, vmStatus, 4) != 0 {
				t.Fatal("reset did not clear the error")
			}
			clear(d.g.mem)
			*d = testDriver{t: t, g: d.g, v: v}
			d.probe(featVersion1)
			if st, _ := d.request(blkTFlush, 0, buf{}); st != blkSOK {
				t.Fatalf("after reset: status %d", st)
			}
		})
	}
}

// Buffers are not served before DRIVER_OK nor on a queue that is not ready.
func TestVirtioNotReady(t *testing.T) {
	d, v := newBlockRig(t, make(MemDisk, SectorSize), false, nil)
	d.probe(featVersion1)
	mustStore(t, v, vmQueueReady, 4, 0)
	d.submit(d.header(bufBase, blkTFlush, 0), buf{bufBase + 0x20, 1, true})
	d.notify()
	mustStore(t, v, vmQueueNotify, 4, 1) // a queue that does not exist
	if d.g.get16(qUsed+2) != 0 || mustLoad(t, v, vmInterruptStatus, 4) != 0 {
		t.Fatal("served a request on a queue that is not ready")
	}
}

func TestFileDisk(t *testing.T) {
	path := filepath.Join(t.TempDir(), "disk.img")
	if err := os.WriteFile(path, bytes.Repeat([]byte{7}, 4*SectorSize), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fd, err := NewFileDisk(f)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := newBlockRig(t, fd, false, nil)
	d.probe(featVersion1)
	copy(d.g.mem[0x20000:], bytes.Repeat([]byte{9}, SectorSize))
	if st, _ := d.request(blkTOut, 3, buf{ramBase + 0x20000, SectorSize, false}); st != blkSOK {
		t.Fatalf("write status %d", st)
	}
	if st, _ := d.request(blkTFlush, 0, buf{}); st != blkSOK {
		t.Fatalf("flush status %d", st)
	}
	if st, _ := d.request(blkTIn, 0, buf{ramBase + 0x30000, 4 * SectorSize, true}); st != blkSOK {
		t.Fatalf("read status %d", st)
	}
	want := append(bytes.Repeat([]byte{7}, 3*SectorSize), bytes.Repeat([]byte{9}, SectorSize)...)
	if !bytes.Equal(d.g.mem[0x30000:0x30000+4*SectorSize], want) {
		t.Fatal("read back differs")
	}
	onDisk, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(onDisk, want) {
		t.Fatalf("file holds other bytes (%v)", err)
	}
	if _, err := fd.WriteAt([]byte{1}, 4*SectorSize); err == nil {
		t.Fatal("a file disk grew")
	}
	dir, err := os.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	if _, err := NewFileDisk(dir); err == nil {
		t.Fatal("a directory became a disk")
	}
}

func TestNewVirtioBlockErrors(t *testing.T) {
	if _, err := NewVirtioBlock(BlockConfig{}, nil, nil, 1); err == nil {
		t.Error("no disk accepted")
	}
	if _, err := NewVirtioBlock(BlockConfig{Disk: MemDisk{}, Serial: "123456789012345678901"}, nil, nil, 1); err == nil {
		t.Error("21-byte serial accepted")
	}
}

// checkedDMA is guest RAM that fails the test when the device writes
// anywhere but the used ring or a device-writable buffer of a descriptor it
// has read. The device may try any address: guestRAM refuses those outside
// RAM, as the machine does.
type checkedDMA struct {
	t        *testing.T
	g        *guestRAM
	v        *VirtioMMIO
	writable map[segment]bool // a set: a hostile chain revisits descriptors
}

func (c *checkedDMA) ReadPhys(pa uint64, p []byte) error {
	err := c.g.ReadPhys(pa, p)
	q := c.v.queues[0]
	if err == nil && len(p) == 16 && pa >= q.desc && pa-q.desc < 16*VirtioQueueNumMax {
		if binary.LittleEndian.Uint16(p[12:])&descWrite != 0 {
			c.writable[segment{binary.LittleEndian.Uint64(p), binary.LittleEndian.Uint32(p[8:])}] = true
		}
	}
	return err
}

func (c *checkedDMA) WritePhys(pa uint64, p []byte) error {
	end := pa + uint64(len(p))
	q := c.v.queues[0]
	ok := pa >= q.device+2 && end <= q.device+4+8*VirtioQueueNumMax && end > pa
	for s := range c.writable {
		ok = ok || pa >= s.addr && end <= s.addr+uint64(s.len) && end >= pa
	}
	if !ok {
		c.t.Fatalf("device wrote %d bytes at %#x, outside the used ring and writable buffers", len(p), pa)
	}
	return c.g.WritePhys(pa, p)
}

// The fuzz target's guest RAM is small, so that random addresses land in
// it and inputs stay short enough for the fuzzer to minimise.
const fuzzRAM = 0x800

var fuzzRings = ringLayout{ramBase, ramBase + 0x80, ramBase + 0xc0}

// FuzzVirtioBlk feeds random register accesses and random guest memory
// (rings, descriptors, requests) to a block device. It checks that the
// device never panics, writes guest memory only where the driver allowed
// it, never changes a read-only disk and keeps its interrupt line equal to
// InterruptStatus != 0.
//
// Input: one flag byte (bit 0: read-only disk), a 16-bit op count, the ops,
// then the first bytes of guest RAM.
func FuzzVirtioBlk(f *testing.F) {
	// Seed: Linux's probe sequence and a write then a read request.
	var ops []mmioOp
	st := func(off, v uint64) { ops = append(ops, mmioOp{store: true, off: off, size: 4, v: v}) }
	st(vmStatus, 0)
	st(vmStatus, 1)
	st(vmStatus, 3)
	st(vmDriverFeatSel, 1)
	st(vmDriverFeatures, 1)
	st(vmDriverFeatSel, 0)
	st(vmDriverFeatures, blkFeatSegMax)
	st(vmStatus, 11)
	st(vmQueueSel, 0)
	st(vmQueueNum, qNum)
	st(vmQueueDescLow, fuzzRings.desc&0xffffffff)
	st(vmQueueDriverLow, fuzzRings.avail&0xffffffff)
	st(vmQueueDeviceLow, fuzzRings.used&0xffffffff)
	st(vmQueueReady, 1)
	st(vmStatus, 15)
	st(vmQueueNotify, 0)
	ops = append(ops, mmioOp{off: vmInterruptStatus, size: 4})
	st(vmInterruptACK, 1)
	st(vmQueueNotify, 0)
	g := &guestRAM{base: ramBase, mem: make([]byte, fuzzRAM)}
	d := &testDriver{g: g, ring: fuzzRings}
	d.submit(d.header(ramBase+0x200, blkTOut, 1), buf{ramBase + 0x400, SectorSize, false}, buf{ramBase + 0x700, 1, true})
	d.submit(d.header(ramBase+0x210, blkTIn, 1), buf{ramBase + 0x400, SectorSize, true}, buf{ramBase + 0x701, 1, true})
	for _, ro := range []byte{0, 1} {
		seed := []byte{ro, byte(len(ops)), byte(len(ops) >> 8)}
		for _, op := range ops {
			seed = append(seed, encodeOp(op)...)
		}
		f.Add(append(seed, g.mem...))
	}

	f.Fuzz(fuzzVirtioBlk)
}

// fuzzVirtioBlk runs one FuzzVirtioBlk input.
func fuzzVirtioBlk(t *testing.T, data []byte) {
	if len(data) < 3 {
		return
	}
	ro := data[0]&1 != 0
	n := min(int(binary.LittleEndian.Uint16(data[1:])), 64, (len(data)-3)/opLen)
	ops := decodeOps(data[3:3+n*opLen], VirtioStride)
	g := &guestRAM{base: ramBase, mem: make([]byte, fuzzRAM)}
	copy(g.mem, data[3+n*opLen:])
	disk := make(MemDisk, 8*SectorSize)
	for i := range disk {
		disk[i] = byte(i)
	}
	before := bytes.Clone(disk)
	lines := irqLines{}
	dma := &checkedDMA{t: t, g: g, writable: map[segment]bool{}}
	v, err := NewVirtioBlock(BlockConfig{Disk: disk, ReadOnly: ro}, dma, lines, testIRQ)
	if err != nil {
		t.Fatal(err)
	}
	dma.v = v
	for _, op := range ops {
		clear(dma.writable)
		if op.store {
			v.Store(op.off, op.size, op.v)
		} else {
			v.Load(op.off, op.size)
		}
		if lines[testIRQ] != (v.interrupt != 0) {
			t.Fatalf("line %v with InterruptStatus %#x", lines[testIRQ], v.interrupt)
		}
	}
	if ro && !bytes.Equal(disk, before) {
		t.Fatal("a read-only disk changed")
	}
}

// TestVirtioBlkOnRead checks that a read split across two descriptors is
// reported piece by piece with the right disk offsets and addresses, and
// that writes are not reported.
func TestVirtioBlkOnRead(t *testing.T) {
	type piece struct {
		off   int64
		pa, n uint64
	}
	var got []piece
	disk := make(MemDisk, 64*SectorSize)
	g := &guestRAM{base: ramBase, mem: make([]byte, ramBytes)}
	v, err := NewVirtioBlock(BlockConfig{Disk: disk, OnRead: func(off int64, pa, n uint64) {
		got = append(got, piece{off, pa, n})
	}}, g, nil, testIRQ)
	if err != nil {
		t.Fatal(err)
	}
	d := &testDriver{t: t, g: g, v: v}
	d.probe(featVersion1 | blkFeatSegMax)
	if st, _ := d.request(blkTOut, 5, buf{ramBase + 0x20000, SectorSize, false}); st != blkSOK {
		t.Fatalf("write: status %d", st)
	}
	if len(got) != 0 {
		t.Fatalf("a write was reported as a read: %+v", got)
	}
	hdr := d.header(bufBase, blkTIn, 3)
	head := d.submit(hdr, buf{ramBase + 0x30000, 100, true}, buf{ramBase + 0x30100, 2*SectorSize - 100, true}, buf{bufBase + 0x20, 1, true})
	d.notify()
	if id, _ := d.reap(); id != uint32(head) {
		t.Fatalf("used id %d, want %d", id, head)
	}
	want := []piece{{3 * SectorSize, ramBase + 0x30000, 100}, {3*SectorSize + 100, ramBase + 0x30100, 2*SectorSize - 100}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("reads reported %+v, want %+v", got, want)
	}
}
