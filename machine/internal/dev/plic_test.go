package dev

import "testing"

// mipBits records the mip bits a device drives, as the hart keeps them.
type mipBits uint64

func (m *mipBits) SetPending(mask uint64, on bool) {
	if on {
		*m |= mipBits(mask)
	} else {
		*m &^= mipBits(mask)
	}
}

const (
	testMEIP = 1 << 11
	testSEIP = 1 << 9
)

func newTestPLIC() (*PLIC, *mipBits) {
	m := new(mipBits)
	return &PLIC{Hart: m, EIPBits: [PLICContexts]uint64{testMEIP, testSEIP}}, m
}

func mustStore(t *testing.T, d interface {
	Store(uint64, int, uint64) bool
}, off uint64, size int, v uint64) {
	t.Helper()
	if !d.Store(off, size, v) {
		t.Fatalf("store %#x (size %d) = %#x faulted", off, size, v)
	}
}

func mustLoad(t *testing.T, d interface {
	Load(uint64, int) (uint64, bool)
}, off uint64, size int) uint64 {
	t.Helper()
	v, ok := d.Load(off, size)
	if !ok {
		t.Fatalf("load %#x (size %d) faulted", off, size)
	}
	return v
}

// PLIC register offsets for context c, as Linux's irq-sifive-plic.c and
// OpenSBI compute them.
func plicPrio(n int) uint64     { return uint64(4 * n) }
func plicEnableOf(c int) uint64 { return 0x2000 + 0x80*uint64(c) }
func plicThresh(c int) uint64   { return 0x20_0000 + 0x1000*uint64(c) }
func plicClaim(c int) uint64    { return plicThresh(c) + 4 }

func TestPLICRegisters(t *testing.T) {
	tests := []struct {
		name      string
		off       uint64
		write     uint64
		want      uint64
		writeable bool
	}{
		{"priority 1 masks to 3 bits", plicPrio(1), 0xffffffff, 7, true},
		{"priority 31", plicPrio(31), 5, 5, true},
		{"priority 0 is hardwired", plicPrio(0), 7, 0, true},
		{"priority beyond ndev reads 0", plicPrio(32), 7, 0, true},
		{"pending is read-only", 0x1000, 0xffffffff, 0, true},
		{"enable ctx0, bit 0 hardwired", plicEnableOf(0), 0xffffffff, 0xfffffffe, true},
		{"enable ctx1", plicEnableOf(1), 0x400, 0x400, true},
		{"enable word 1 (sources 32..63) reads 0", plicEnableOf(0) + 4, 0xffffffff, 0, true},
		{"enable of a missing context", plicEnableOf(2), 0xffffffff, 0, true},
		{"threshold ctx0", plicThresh(0), 0xff, 7, true},
		{"threshold ctx1", plicThresh(1), 3, 3, true},
		{"threshold of a missing context", plicThresh(2), 3, 0, true},
		{"reserved", 0x10_0000, 1, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := newTestPLIC()
			mustStore(t, p, tt.off, 4, tt.write)
			if got := mustLoad(t, p, tt.off, 4); got != tt.want {
				t.Errorf("read back %#x, want %#x", got, tt.want)
			}
		})
	}
}

func TestPLICAccessSize(t *testing.T) {
	p, _ := newTestPLIC()
	for _, size := range []int{1, 2, 8} {
		if _, ok := p.Load(plicPrio(1), size); ok {
			t.Errorf("%d-byte load allowed", size)
		}
		if p.Store(plicPrio(1), size, 1) {
			t.Errorf("%d-byte store allowed", size)
		}
	}
}

// TestPLICClaimComplete follows Linux's flow for a level-triggered device:
// claim, service, complete; and the spec's rules for priority, threshold,
// enables and the order of equal priorities.
func TestPLICClaimComplete(t *testing.T) {
	p, mip := newTestPLIC()
	for _, n := range []int{1, 3, 10} {
		mustStore(t, p, plicPrio(n), 4, 1)
	}
	mustStore(t, p, plicEnableOf(1), 4, 1<<1|1<<3|1<<10)

	p.SetIRQ(10, true)
	p.SetIRQ(3, true)
	if *mip != testSEIP {
		t.Fatalf("mip = %#x, want SEIP only (context 0 has nothing enabled)", *mip)
	}
	if got := mustLoad(t, p, 0x1000, 4); got != 1<<3|1<<10 {
		t.Errorf("pending = %#x", got)
	}
	// Equal priorities: the lowest ID wins.
	if got := mustLoad(t, p, plicClaim(1), 4); got != 3 {
		t.Fatalf("claim = %d, want 3", got)
	}
	// 3 is claimed now, so 10 is next.
	if got := mustLoad(t, p, plicClaim(1), 4); got != 10 {
		t.Fatalf("second claim = %d, want 10", got)
	}
	if *mip != 0 || mustLoad(t, p, plicClaim(1), 4) != 0 {
		t.Fatalf("mip = %#x after claiming everything; want 0 and claim 0", *mip)
	}
	// Device 3 was serviced (line low); device 10 still asserts.
	p.SetIRQ(3, false)
	mustStore(t, p, plicClaim(1), 4, 3)
	if *mip != 0 {
		t.Fatalf("completing a serviced source raised mip %#x", *mip)
	}
	mustStore(t, p, plicClaim(1), 4, 10)
	if *mip != testSEIP {
		t.Fatalf("completing a source whose line is high: mip %#x, want SEIP", *mip)
	}
	// A completion for a source not enabled in the context is ignored (spec
	// §9): 10 stays claimed.
	if got := mustLoad(t, p, plicClaim(1), 4); got != 10 {
		t.Fatalf("claim = %d, want 10", got)
	}
	mustStore(t, p, plicEnableOf(1), 4, 1<<1|1<<3)
	mustStore(t, p, plicClaim(1), 4, 10)
	mustStore(t, p, plicEnableOf(1), 4, 1<<1|1<<3|1<<10)
	if *mip != 0 {
		t.Fatalf("completion of a disabled source took effect: mip %#x", *mip)
	}
	// Linux's plic_irq_eoi: enable, complete, disable.
	mustStore(t, p, plicClaim(1), 4, 10)
	if *mip != testSEIP {
		t.Fatalf("mip = %#x, want SEIP", *mip)
	}

	// Priority above the threshold only.
	mustStore(t, p, plicThresh(1), 4, 1)
	if *mip != 0 || mustLoad(t, p, plicClaim(1), 4) != 0 {
		t.Fatalf("threshold 1 did not mask priority 1")
	}
	mustStore(t, p, plicPrio(10), 4, 2)
	if *mip != testSEIP {
		t.Fatalf("priority 2 over threshold 1: mip %#x", *mip)
	}
	// Linux masks with priority 0.
	mustStore(t, p, plicPrio(10), 4, 0)
	mustStore(t, p, plicThresh(1), 4, 0)
	if *mip != 0 {
		t.Fatalf("priority 0 still interrupts: mip %#x", *mip)
	}
	// Higher priority beats lower ID.
	mustStore(t, p, plicPrio(10), 4, 3)
	p.SetIRQ(1, true)
	mustStore(t, p, plicPrio(1), 4, 2)
	if got := mustLoad(t, p, plicClaim(1), 4); got != 10 {
		t.Fatalf("claim = %d, want 10 (priority 3 over 2)", got)
	}
	// M context.
	mustStore(t, p, plicEnableOf(0), 4, 1<<1)
	if *mip != testMEIP|testSEIP {
		t.Fatalf("mip = %#x, want MEIP|SEIP", *mip)
	}
	if got := mustLoad(t, p, plicClaim(0), 4); got != 1 {
		t.Fatalf("M claim = %d, want 1", got)
	}
	if *mip != 0 {
		t.Fatalf("mip = %#x after claims", *mip)
	}
}

// A line that drops before the claim withdraws the request.
func TestPLICLevelDrop(t *testing.T) {
	p, mip := newTestPLIC()
	mustStore(t, p, plicPrio(5), 4, 1)
	mustStore(t, p, plicEnableOf(1), 4, 1<<5)
	p.SetIRQ(5, true)
	p.SetIRQ(5, false)
	if *mip != 0 || mustLoad(t, p, plicClaim(1), 4) != 0 {
		t.Fatal("a dropped line stayed pending")
	}
	p.SetIRQ(0, true)
	p.SetIRQ(32, true)
	p.SetIRQ(-1, true)
	if mustLoad(t, p, 0x1000, 4) != 0 {
		t.Fatal("a source outside 1..31 became pending")
	}
}

// FuzzPLIC feeds random register accesses and line changes and checks
// that the PLIC never panics and that each context's mip bit always says
// whether a claim would return a source.
func FuzzPLIC(f *testing.F) {
	var seed []byte
	for _, op := range []mmioOp{
		{store: true, off: plicPrio(10), size: 4, v: 1},
		{store: true, off: plicEnableOf(1), size: 4, v: 1 << 10},
		{irq: true, off: 10, v: 1},
		{off: plicClaim(1), size: 4},
		{store: true, off: plicClaim(1), size: 4, v: 10},
	} {
		seed = append(seed, encodeOp(op)...)
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		p, mip := newTestPLIC()
		for _, op := range decodeOps(data, PLICSize) {
			switch {
			case op.irq:
				p.SetIRQ(int(op.off%40)-4, op.v&1 != 0)
			case op.store:
				p.Store(op.off, op.size, op.v)
			default:
				v, ok := p.Load(op.off, op.size)
				if ok && op.off >= plicContext && (op.off-plicContext)%plicCtxLen == 4 && v > PLICSources {
					t.Fatalf("claim returned %d", v)
				}
			}
			for c, bit := range []uint64{testMEIP, testSEIP} {
				if (uint64(*mip)&bit != 0) != (p.best(c) != 0) {
					t.Fatalf("context %d: mip %#x disagrees with best %d", c, *mip, p.best(c))
				}
			}
			if *mip&^(testMEIP|testSEIP) != 0 {
				t.Fatalf("mip %#x", *mip)
			}
		}
	})
}
