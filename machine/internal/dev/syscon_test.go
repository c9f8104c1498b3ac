package dev

import "testing"

type powerEvent struct {
	code  int
	reset bool
}

type powerLog []powerEvent

func (p *powerLog) PowerOff(code int, reset bool) { *p = append(*p, powerEvent{code, reset}) }

func TestSyscon(t *testing.T) {
	tests := []struct {
		name string
		off  uint64
		size int
		v    uint64
		ok   bool
		want []powerEvent
	}{
		{"pass (syscon-poweroff)", 0, 4, 0x5555, true, []powerEvent{{0, false}}},
		{"pass, 16-bit (OpenSBI)", 0, 2, 0x5555, true, []powerEvent{{0, false}}},
		{"fail with code 3", 0, 4, 3<<16 | 0x3333, true, []powerEvent{{3, false}}},
		{"fail with code 0xffff", 0, 4, 0xffff<<16 | 0x3333, true, []powerEvent{{0xffff, false}}},
		{"fail with code 0 reads as 1", 0, 4, 0x3333, true, []powerEvent{{1, false}}},
		{"16-bit write has no code", 0, 2, 3<<16 | 0x3333, true, []powerEvent{{1, false}}},
		{"reset (syscon-reboot)", 0, 4, 0x7777, true, []powerEvent{{0, true}}},
		{"code bits on pass ignored", 0, 4, 9<<16 | 0x5555, true, []powerEvent{{0, false}}},
		{"other values ignored", 0, 4, 0x1234, true, nil},
		{"upper 32 bits are not a command", 0, 4, 1<<32 | 0x1234, true, nil},
		{"8-bit write faults", 0, 1, 0x55, false, nil},
		{"64-bit write faults", 0, 8, 0x5555, false, nil},
		{"other offsets fault", 4, 4, 0x5555, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log powerLog
			s := &Syscon{Power: &log}
			if ok := s.Store(tt.off, tt.size, tt.v); ok != tt.ok {
				t.Fatalf("store ok = %v, want %v", ok, tt.ok)
			}
			if len(log) != len(tt.want) || (len(log) == 1 && log[0] != tt.want[0]) {
				t.Fatalf("events %v, want %v", log, tt.want)
			}
			if v, ok := s.Load(tt.off, tt.size); ok != tt.ok || v != 0 {
				t.Fatalf("load = %#x, %v", v, ok)
			}
		})
	}
}

// FuzzSyscon checks that only the three commands have an effect and that a
// failure never reports code 0.
func FuzzSyscon(f *testing.F) {
	f.Add(encodeOp(mmioOp{store: true, size: 4, v: 0x5555}))
	f.Add(encodeOp(mmioOp{store: true, size: 4, v: 0x3333}))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, op := range decodeOps(data, SysconSize) {
			var log powerLog
			s := &Syscon{Power: &log}
			if !op.store {
				s.Load(op.off, op.size)
				continue
			}
			s.Store(op.off, op.size, op.v)
			cmd := op.v & 0xffff
			valid := op.off == 0 && (op.size == 2 || op.size == 4) && (cmd == 0x3333 || cmd == 0x5555 || cmd == 0x7777)
			if len(log) != map[bool]int{false: 0, true: 1}[valid] {
				t.Fatalf("%+v gave %v", op, log)
			}
			if valid && cmd == 0x3333 && log[0].code == 0 {
				t.Fatal("failure reported as code 0")
			}
		}
	})
}
