package dev

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// irqLines records the level of each interrupt line.
type irqLines map[int]bool

func (l irqLines) SetIRQ(n int, level bool) { l[n] = level }

func TestUARTRegisters(t *testing.T) {
	tests := []struct {
		name  string
		setup [][2]uint64 // (offset, value) stores before the check
		off   uint64
		want  uint64
	}{
		{"LSR: transmitter always empty", nil, uartLSR, lsrTHRE | lsrTEMT},
		{"IIR: no interrupt", nil, uartIIR, iirNoInt},
		{"IIR: FIFOs enabled", [][2]uint64{{uartIIR, 0x07}}, uartIIR, iirNoInt | iirFIFO},
		{"IER keeps 4 bits", [][2]uint64{{uartIER, 0xff}}, uartIER, 0x0f},
		{"LCR", [][2]uint64{{uartLCR, 0x03}}, uartLCR, 0x03},
		{"MCR keeps 5 bits", [][2]uint64{{uartMCR, 0xff}}, uartMCR, 0x1f},
		{"SCR", [][2]uint64{{uartSCR, 0x5a}}, uartSCR, 0x5a},
		{"MSR: modem ready", nil, uartMSR, 0xb0},
		{"MSR in loopback: RTS->CTS, OUT2->DCD", [][2]uint64{{uartMCR, mcrLoop | 0x0a}}, uartMSR, 0x90},
		{"MSR in loopback: DTR->DSR, OUT1->RI", [][2]uint64{{uartMCR, mcrLoop | 0x05}}, uartMSR, 0x60},
		{"DLL", [][2]uint64{{uartLCR, lcrDLAB}, {uartRBR, 0x12}}, uartRBR, 0x12},
		{"DLM", [][2]uint64{{uartLCR, lcrDLAB}, {uartIER, 0x34}}, uartIER, 0x34},
		{"divisor latch is not IER", [][2]uint64{{uartLCR, lcrDLAB}, {uartIER, 0x34}, {uartLCR, 0}}, uartIER, 0},
		{"RBR empty", nil, uartRBR, 0},
		{"loopback receive", [][2]uint64{{uartMCR, mcrLoop}, {uartRBR, 'x'}}, uartRBR, 'x'},
		{"loopback data ready", [][2]uint64{{uartMCR, mcrLoop}, {uartRBR, 'x'}}, uartLSR, lsrTHRE | lsrTEMT | lsrDR},
		{"loopback overrun", [][2]uint64{{uartMCR, mcrLoop}, {uartRBR, 'x'}, {uartRBR, 'y'}}, uartLSR, lsrTHRE | lsrTEMT | lsrDR | lsrOE},
		{"loopback receive interrupt", [][2]uint64{{uartMCR, mcrLoop}, {uartIER, ierRDI}, {uartRBR, 'x'}}, uartIIR, iirRDI},
		{"beyond the registers", [][2]uint64{{8, 1}}, 8, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			u := NewUART(&out, nil)
			for _, s := range tt.setup {
				mustStore(t, u, s[0], 1, s[1])
			}
			if got := mustLoad(t, u, tt.off, 1); got != tt.want {
				t.Errorf("read %#x, want %#x", got, tt.want)
			}
			if out.Len() != 0 {
				t.Errorf("output %q in a test that sends nothing", out.String())
			}
		})
	}
}

func TestUARTOutput(t *testing.T) {
	var out bytes.Buffer
	u := NewUART(&out, nil)
	for _, c := range []byte("hello\n") {
		mustStore(t, u, uartRBR, 1, uint64(c))
	}
	// Wider accesses use the low byte.
	mustStore(t, u, uartRBR, 4, 0x4241)
	if out.String() != "hello\nA" || string(u.Tail()) != "hello\nA" || u.Written() != 7 {
		t.Fatalf("output %q, tail %q, written %d", out.String(), u.Tail(), u.Written())
	}
}

type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	w.n++
	return 0, errors.New("broken pipe")
}

func TestUARTWriterError(t *testing.T) {
	w := &failingWriter{}
	u := NewUART(w, nil)
	mustStore(t, u, uartRBR, 1, 'a')
	mustStore(t, u, uartRBR, 1, 'b')
	if u.Err == nil || w.n != 1 || string(u.Tail()) != "ab" {
		t.Fatalf("err %v after %d writes, tail %q", u.Err, w.n, u.Tail())
	}
}

func TestUARTTail(t *testing.T) {
	u := NewUART(nil, nil)
	line := strings.Repeat("x", 99) + "\n"
	for i := 0; i < 2*UARTTailSize/len(line); i++ {
		for _, c := range []byte(line) {
			mustStore(t, u, uartRBR, 1, uint64(c))
		}
	}
	for _, c := range []byte("Kernel panic - not syncing") {
		mustStore(t, u, uartRBR, 1, uint64(c))
	}
	tail := string(u.Tail())
	if len(tail) > UARTTailSize || !strings.HasPrefix(tail, line) || !strings.HasSuffix(tail, "\nKernel panic - not syncing") {
		t.Fatalf("tail of %d bytes: starts %q, ends %q", len(tail), tail[:10], tail[len(tail)-30:])
	}
}

// TestUARTTHRE replays the probe in Linux's serial8250_do_startup (the
// UART_BUG_THRE test) and the interrupt-driven transmit path
// (__start_tx, serial8250_handle_irq, serial8250_tx_chars, __stop_tx).
func TestUARTTHRE(t *testing.T) {
	var out bytes.Buffer
	lines := irqLines{}
	u := NewUART(&out, lines)
	iir := func() uint64 { return mustLoad(t, u, uartIIR, 1) &^ iirFIFO }

	mustStore(t, u, uartIIR, 1, 0x07) // FIFO on, clear both
	mustStore(t, u, uartIER, 1, ierTHRI)
	if !lines[UARTIRQ] {
		t.Fatal("enabling ETBEI with an empty THR did not raise the line")
	}
	if got := iir(); got != iirTHRI {
		t.Fatalf("IIR = %#x, want THRI", got)
	}
	if lines[UARTIRQ] || iir() != iirNoInt {
		t.Fatal("reading IIR did not clear the THRE interrupt")
	}
	mustStore(t, u, uartIER, 1, 0)
	mustStore(t, u, uartIER, 1, ierTHRI)
	if got := iir(); got != iirTHRI {
		t.Fatalf("THRE not re-asserted after IER 0 -> THRI: IIR %#x", got)
	}
	mustStore(t, u, uartIER, 1, 0)
	if lines[UARTIRQ] {
		t.Fatal("line high with IER 0")
	}

	// Interrupt-driven transmit.
	mustStore(t, u, uartIER, 1, ierRDI|ierTHRI)
	for _, c := range []byte("ab") {
		if iir() != iirTHRI || lines[UARTIRQ] {
			t.Fatal("handler: IIR does not report THRI once")
		}
		if mustLoad(t, u, uartLSR, 1)&lsrTHRE == 0 {
			t.Fatal("THR not empty")
		}
		mustStore(t, u, uartRBR, 1, uint64(c))
		if !lines[UARTIRQ] {
			t.Fatal("THR write did not re-assert THRE")
		}
	}
	// IER rewritten with THRI unchanged does not re-raise a cleared THRE.
	iir()
	mustStore(t, u, uartIER, 1, ierRDI|ierTHRI)
	if lines[UARTIRQ] {
		t.Fatal("rewriting IER with the same ETBEI re-raised THRE")
	}
	mustStore(t, u, uartIER, 1, ierRDI) // __stop_tx
	if lines[UARTIRQ] || iir() != iirNoInt {
		t.Fatal("line stays high after ETBEI off")
	}
	if out.String() != "ab" {
		t.Fatalf("output %q", out.String())
	}
}

// FuzzUART feeds random register accesses and checks that the UART never
// panics, sends every transmitted byte to its writer, keeps its interrupt
// line equal to what IIR reports and its tail bounded.
func FuzzUART(f *testing.F) {
	var seed []byte
	for _, op := range []mmioOp{
		{store: true, off: uartIIR, size: 1, v: 7},
		{store: true, off: uartIER, size: 1, v: ierTHRI | ierRDI},
		{off: uartIIR, size: 1},
		{store: true, off: uartRBR, size: 1, v: 'x'},
		{store: true, off: uartMCR, size: 1, v: mcrLoop},
		{store: true, off: uartRBR, size: 1, v: 'y'},
		{off: uartRBR, size: 1},
	} {
		seed = append(seed, encodeOp(op)...)
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		var out bytes.Buffer
		lines := irqLines{}
		u := NewUART(&out, lines)
		for _, op := range decodeOps(data, UARTSize) {
			if op.store {
				u.Store(op.off, op.size, op.v)
			} else {
				u.Load(op.off, op.size)
			}
			if lines[UARTIRQ] != (u.iir()&iirNoInt == 0) {
				t.Fatalf("line %v, IIR %#x", lines[UARTIRQ], u.iir())
			}
		}
		if uint64(out.Len()) != u.Written() || len(u.Tail()) > UARTTailSize {
			t.Fatalf("wrote %d, counted %d", out.Len(), u.Written())
		}
	})
}

// An overrun raises the receiver line status interrupt; reading LSR
// clears it and drops the line.
func TestUARTOverrunInterrupt(t *testing.T) {
	lines := irqLines{}
	u := NewUART(nil, lines)
	mustStore(t, u, uartMCR, 1, mcrLoop)
	mustStore(t, u, uartIER, 1, 0x04)
	mustStore(t, u, uartRBR, 1, 'a')
	mustStore(t, u, uartRBR, 1, 'b')
	if !lines[UARTIRQ] || mustLoad(t, u, uartIIR, 1) != 0x06 {
		t.Fatal("overrun did not raise the line status interrupt")
	}
	mustLoad(t, u, uartLSR, 1)
	if lines[UARTIRQ] || mustLoad(t, u, uartIIR, 1) != iirNoInt {
		t.Fatal("reading LSR did not clear the line status interrupt")
	}
	if mustLoad(t, u, uartRBR, 1) != 'b' {
		t.Fatal("overrun kept the old byte")
	}
}
