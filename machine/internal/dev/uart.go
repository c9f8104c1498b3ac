package dev

import "io"

// An ns16550a UART at QEMU virt's address with register shift 0 (one byte
// per register), after the National Semiconductor PC16550D datasheet.
// Transmission completes inside the THR store, so the transmitter is always
// empty (LSR.THRE and LSR.TEMT stay set), and there is no input line: the
// receiver only ever sees bytes sent in loopback mode. Both keep the guest's
// view a pure function of its own actions.
const (
	UARTBase = 0x1000_0000
	UARTSize = 0x100
	UARTIRQ  = 10

	// UARTTailSize is how many bytes of recent output Tail keeps.
	UARTTailSize = 64 << 10
)

// Register offsets; with LCR.DLAB set, 0 and 1 are the divisor latch.
const (
	uartRBR = 0 // read: receiver buffer; write: THR
	uartIER = 1
	uartIIR = 2 // read: interrupt identification; write: FCR
	uartLCR = 3
	uartMCR = 4
	uartLSR = 5
	uartMSR = 6
	uartSCR = 7
)

const (
	ierRDI  = 0x01 // received data available
	ierTHRI = 0x02 // transmitter holding register empty
	ierMask = 0x0f

	iirNoInt = 0x01
	iirTHRI  = 0x02
	iirRDI   = 0x04
	iirFIFO  = 0xc0 // FIFOs enabled

	fcrEnable = 0x01

	lcrDLAB = 0x80

	mcrLoop = 0x10
	mcrMask = 0x1f

	lsrDR   = 0x01
	lsrOE   = 0x02
	lsrTHRE = 0x20
	lsrTEMT = 0x40

	// With the modem lines unconnected, the UART reports a ready modem
	// (CTS, DSR, DCD), as QEMU does for a console without flow control.
	msrIdle = 0xb0
)

// UART is the console serial port. Out receives every byte the guest
// transmits; its errors do not reach the guest (the first one is kept in
// Err). IRQ, if not nil, receives the interrupt line as source UARTIRQ.
type UART struct {
	Out io.Writer
	IRQ IRQSink
	Err error // first error returned by Out

	ier, lcr, mcr, scr, fcr byte
	dll, dlm                byte
	rbr                     byte // the byte received in loopback mode
	lsr                     byte // DR and OE; THRE|TEMT are added on read
	thrIP                   bool // THR-empty interrupt indicated, not yet cleared

	tail  [UARTTailSize]byte // ring of the last output bytes
	tailN uint64             // bytes ever written into tail
	line  bool               // last IRQ level sent
}

// NewUART returns a UART that writes the guest's output to out and its
// interrupt to irq.
func NewUART(out io.Writer, irq IRQSink) *UART {
	return &UART{Out: out, IRQ: irq}
}

// Load reads a UART register. Any access size is accepted and sees the
// byte register zero-extended; offsets 8 and up read as 0.
func (u *UART) Load(off uint64, size int) (uint64, bool) {
	var v byte
	switch off {
	case uartRBR:
		if u.lcr&lcrDLAB != 0 {
			v = u.dll
			break
		}
		v = u.rbr
		u.lsr &^= lsrDR
		u.update()
	case uartIER:
		if u.lcr&lcrDLAB != 0 {
			v = u.dlm
			break
		}
		v = u.ier
	case uartIIR:
		v = u.iir()
		// Reading IIR while it reports the THR-empty interrupt clears
		// that interrupt (datasheet, table 4, "Reset control").
		if v&0x0f == iirTHRI {
			u.thrIP = false
			u.update()
		}
	case uartLCR:
		v = u.lcr
	case uartMCR:
		v = u.mcr
	case uartLSR:
		v = u.lsr | lsrTHRE | lsrTEMT
		// Reading LSR clears the overrun error and with it the receiver
		// line status interrupt.
		u.lsr &^= lsrOE
		u.update()
	case uartMSR:
		v = u.msr()
	case uartSCR:
		v = u.scr
	}
	return uint64(v), true
}

// Store writes a UART register; only the low byte of v is used.
func (u *UART) Store(off uint64, size int, v uint64) bool {
	b := byte(v)
	switch off {
	case uartRBR:
		if u.lcr&lcrDLAB != 0 {
			u.dll = b
			return true
		}
		u.transmit(b)
	case uartIER:
		if u.lcr&lcrDLAB != 0 {
			u.dlm = b
			return true
		}
		old := u.ier
		u.ier = b & ierMask
		// Enabling the THR-empty interrupt while the THR is empty (it
		// always is) raises it; disabling it withdraws it. Linux's 8250
		// driver relies on the first to decide that the port does not
		// need a polling timer (serial8250_do_startup, UART_BUG_THRE).
		if u.ier&ierTHRI == 0 {
			u.thrIP = false
		} else if old&ierTHRI == 0 {
			u.thrIP = true
		}
	case uartIIR:
		u.fcr = b & 0xc9
		if b&0x02 != 0 { // clear the receive FIFO
			u.lsr &^= lsrDR
		}
	case uartLCR:
		u.lcr = b
	case uartMCR:
		u.mcr = b & mcrMask
	case uartSCR:
		u.scr = b
	}
	u.update()
	return true
}

// transmit sends b: to the loopback receiver in loopback mode (the
// serial output then idles, datasheet MCR bit 4), else to Out. Either way
// the THR is empty again at once, which re-raises the THR-empty interrupt
// that the write cleared.
func (u *UART) transmit(b byte) {
	if u.mcr&mcrLoop != 0 {
		if u.lsr&lsrDR != 0 {
			u.lsr |= lsrOE
		}
		u.rbr = b
		u.lsr |= lsrDR
	} else {
		u.emit(b)
	}
	u.thrIP = u.ier&ierTHRI != 0
}

func (u *UART) emit(b byte) {
	u.tail[u.tailN%UARTTailSize] = b
	u.tailN++
	if u.Out == nil || u.Err != nil {
		return
	}
	if _, err := u.Out.Write([]byte{b}); err != nil {
		u.Err = err
	}
}

// iir is the interrupt identification: the highest-priority pending
// cause. Receiver line status (overrun) ranks above received data, which
// ranks above THR empty (datasheet, table 4).
func (u *UART) iir() byte {
	id := byte(iirNoInt)
	switch {
	case u.ier&0x04 != 0 && u.lsr&lsrOE != 0:
		id = 0x06
	case u.ier&ierRDI != 0 && u.lsr&lsrDR != 0:
		id = iirRDI
	case u.thrIP:
		id = iirTHRI
	}
	if u.fcr&fcrEnable != 0 {
		id |= iirFIFO
	}
	return id
}

// msr reports the modem status. In loopback mode the modem control outputs
// drive the inputs: RTS→CTS, DTR→DSR, OUT1→RI, OUT2→DCD.
func (u *UART) msr() byte {
	if u.mcr&mcrLoop == 0 {
		return msrIdle
	}
	m := u.mcr
	return (m&0x02)<<3 | (m&0x01)<<5 | (m&0x04)<<4 | (m&0x08)<<4
}

// update drives the interrupt line: high while IIR reports a cause.
func (u *UART) update() {
	level := u.iir()&iirNoInt == 0
	if level == u.line {
		return
	}
	u.line = level
	if u.IRQ != nil {
		u.IRQ.SetIRQ(UARTIRQ, level)
	}
}

// Tail returns a copy of the last output bytes, at most UARTTailSize of
// them. When older output has been dropped, the copy starts after the first
// newline, so that it holds whole lines (unless a single line is longer
// than the buffer). The machine uses it to report a kernel panic.
func (u *UART) Tail() []byte {
	n := min(u.tailN, UARTTailSize)
	out := make([]byte, 0, n)
	start := u.tailN - n
	for i := start; i < u.tailN; i++ {
		out = append(out, u.tail[i%UARTTailSize])
	}
	if start > 0 {
		for i, c := range out {
			if c == '\n' && i+1 < len(out) {
				return out[i+1:]
			}
		}
	}
	return out
}

// Written is the number of bytes the guest has transmitted in total.
func (u *UART) Written() uint64 { return u.tailN }
