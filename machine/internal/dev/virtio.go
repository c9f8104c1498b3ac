package dev

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The virtio-mmio transport, version 2 ("modern"), as in the Virtual I/O
// Device (VIRTIO) specification 1.2, §4.2.2, with split virtqueues (§2.7).
// Every request completes inside the QueueNotify store that announces it,
// so its used-ring entry and interrupt appear at a fixed instruction.
const (
	// VirtioBase is the first of VirtioSlots transport windows, VirtioStride
	// apart, with interrupts VirtioIRQ(i) = 1+i, as on QEMU virt. Linux
	// numbers the devices it finds by the FDT's node order; QEMU lists the
	// highest slot first, so its first drive lands there.
	VirtioBase   = 0x1000_1000
	VirtioStride = 0x1000
	VirtioSlots  = 8

	virtioMagic    = 0x74726976 // "virt"
	virtioVersion  = 2
	virtioVendorID = 0x4d565052 // "RPVM"

	// VirtioQueueNumMax is the largest queue size the driver may choose.
	VirtioQueueNumMax = 256
)

// VirtioSlotBase is the base address of transport slot i (0..VirtioSlots-1).
func VirtioSlotBase(i int) uint64 { return VirtioBase + uint64(i)*VirtioStride }

// VirtioIRQ is the PLIC source of transport slot i.
func VirtioIRQ(i int) int { return 1 + i }

// Register offsets (§4.2.2, table "MMIO Device Register Layout").
const (
	vmMagic           = 0x000
	vmVersion         = 0x004
	vmDeviceID        = 0x008
	vmVendorID        = 0x00c
	vmDeviceFeatures  = 0x010
	vmDeviceFeatSel   = 0x014
	vmDriverFeatures  = 0x020
	vmDriverFeatSel   = 0x024
	vmQueueSel        = 0x030
	vmQueueNumMax     = 0x034
	vmQueueNum        = 0x038
	vmQueueReady      = 0x044
	vmQueueNotify     = 0x050
	vmInterruptStatus = 0x060
	vmInterruptACK    = 0x064
	vmStatus          = 0x070
	vmQueueDescLow    = 0x080
	vmQueueDescHigh   = 0x084
	vmQueueDriverLow  = 0x090
	vmQueueDriverHigh = 0x094
	vmQueueDeviceLow  = 0x0a0
	vmQueueDeviceHigh = 0x0a4
	vmSHMSel          = 0x0ac
	vmSHMLenLow       = 0x0b0
	vmSHMBaseHigh     = 0x0bc
	vmConfigGen       = 0x0fc
	vmConfig          = 0x100
)

// Device status bits (§2.1).
const (
	statusAcknowledge = 1
	statusDriver      = 2
	statusDriverOK    = 4
	statusFeaturesOK  = 8
	statusNeedsReset  = 0x40
	statusFailed      = 0x80
)

// Interrupt status bits (§4.2.2, InterruptStatus).
const (
	intUsedBuffer   = 1
	intConfigChange = 2
)

// Feature bits shared by all devices (§6).
const (
	featIndirectDesc = 1 << 28
	featVersion1     = 1 << 32
)

// Split virtqueue descriptor flags (§2.7.5) and the available ring's flag
// (§2.7.6).
const (
	descNext     = 1
	descWrite    = 2
	descIndirect = 4

	availNoInterrupt = 1
)

// DMA is the guest memory the device reads and writes. Implementations
// fail on any byte outside guest RAM and keep the hart's caches coherent
// with what the device writes.
type DMA interface {
	ReadPhys(pa uint64, p []byte) error
	WritePhys(pa uint64, p []byte) error
}

// virtioBackend is a device type behind the transport.
type virtioBackend interface {
	deviceID() uint32
	features() uint64
	config() []byte
	// request serves one descriptor chain and returns the number of bytes
	// it wrote into the chain's device-writable buffers. An error means the
	// chain is unusable (the device then needs a reset); a failed request
	// that the driver can be told about is a status inside the chain.
	request(c *chain) (uint32, error)
}

// segment is one descriptor's buffer.
type segment struct {
	addr uint64
	len  uint32
}

// chain is a descriptor chain split into its device-readable part (out)
// and its device-writable part (in), each read as one byte stream: the
// device does not depend on how the driver cut a request into descriptors
// (§2.6.4, message framing).
type chain struct {
	dma           DMA
	out, in       []segment
	outLen, inLen uint64
}

// pieces calls fn for each guest-physical piece of bytes [off, off+n) of
// the stream made of segs, in order.
func pieces(segs []segment, off, n uint64, fn func(pa, n uint64) error) error {
	for _, s := range segs {
		if n == 0 {
			return nil
		}
		l := uint64(s.len)
		if off >= l {
			off -= l
			continue
		}
		k := min(l-off, n)
		if err := fn(s.addr+off, k); err != nil {
			return err
		}
		off, n = 0, n-k
	}
	if n != 0 {
		return errors.New("virtio: range beyond the chain's buffers")
	}
	return nil
}

// readOut fills p from the device-readable stream at off.
func (c *chain) readOut(off uint64, p []byte) error {
	return pieces(c.out, off, uint64(len(p)), func(pa, n uint64) error {
		err := c.dma.ReadPhys(pa, p[:n])
		p = p[n:]
		return err
	})
}

// writeIn writes p into the device-writable stream at off.
func (c *chain) writeIn(off uint64, p []byte) error {
	return pieces(c.in, off, uint64(len(p)), func(pa, n uint64) error {
		err := c.dma.WritePhys(pa, p[:n])
		p = p[n:]
		return err
	})
}

// virtqueue is the transport's state for one split virtqueue.
type virtqueue struct {
	num                  uint32
	ready                bool
	desc, driver, device uint64
	lastAvail, used      uint16
}

// VirtioMMIO is one virtio-mmio transport slot. Without a device behind it
// (NewVirtioEmpty) it reads as device ID 0, which drivers skip (§4.2.3.1.1).
type VirtioMMIO struct {
	dma  DMA
	irq  IRQSink
	line int
	dev  virtioBackend

	status      uint32
	devFeatSel  uint32
	drvFeatSel  uint32
	drvFeatures uint64
	queueSel    uint32
	interrupt   uint32
	lineHigh    bool
	queues      []virtqueue
	chain       chain
	scratch     [16]byte
}

// NewVirtioEmpty returns a transport slot with no device.
func NewVirtioEmpty() *VirtioMMIO { return &VirtioMMIO{} }

func newVirtioMMIO(dev virtioBackend, queues int, dma DMA, irq IRQSink, line int) *VirtioMMIO {
	v := &VirtioMMIO{dma: dma, irq: irq, line: line, dev: dev, queues: make([]virtqueue, queues)}
	v.chain.dma = dma
	return v
}

// Load reads a transport register or the device's configuration space.
// Registers take aligned 32-bit accesses only (§4.2.2.2); the
// configuration space takes 8-, 16-, 32- and 64-bit accesses.
func (v *VirtioMMIO) Load(off uint64, size int) (uint64, bool) {
	if off >= vmConfig {
		return v.loadConfig(off-vmConfig, size), true
	}
	if size != 4 || off&3 != 0 {
		return 0, false
	}
	var r uint32
	switch off {
	case vmMagic:
		r = virtioMagic
	case vmVersion:
		r = virtioVersion
	case vmVendorID:
		r = virtioVendorID
	case vmDeviceID:
		if v.dev != nil {
			r = v.dev.deviceID()
		}
	case vmDeviceFeatures:
		if v.dev != nil && v.devFeatSel < 2 {
			r = uint32(v.dev.features() >> (32 * v.devFeatSel))
		}
	case vmQueueNumMax:
		if v.queue() != nil {
			r = VirtioQueueNumMax
		}
	case vmQueueReady:
		if q := v.queue(); q != nil && q.ready {
			r = 1
		}
	case vmInterruptStatus:
		r = v.interrupt
	case vmStatus:
		r = v.status
	case vmSHMLenLow, vmSHMLenLow + 4, vmSHMBaseHigh - 4, vmSHMBaseHigh:
		// No shared memory regions: length and base read as all ones.
		r = 0xffffffff
	}
	return uint64(r), true
}

func (v *VirtioMMIO) loadConfig(off uint64, size int) uint64 {
	if v.dev == nil {
		return 0
	}
	cfg := v.dev.config()
	var r uint64
	for i := size - 1; i >= 0; i-- {
		r <<= 8
		if p := off + uint64(i); p < uint64(len(cfg)) {
			r |= uint64(cfg[p])
		}
	}
	return r
}

// queue returns the selected virtqueue, or nil if it does not exist.
func (v *VirtioMMIO) queue() *virtqueue {
	if v.queueSel < uint32(len(v.queues)) {
		return &v.queues[v.queueSel]
	}
	return nil
}

// Store writes a transport register. Writes to the configuration space are
// ignored: no field this board offers is writable.
func (v *VirtioMMIO) Store(off uint64, size int, val uint64) bool {
	if off >= vmConfig {
		return true
	}
	if size != 4 || off&3 != 0 {
		return false
	}
	if v.dev == nil {
		return true
	}
	w := uint32(val)
	q := v.queue()
	switch off {
	case vmDeviceFeatSel:
		v.devFeatSel = w
	case vmDriverFeatSel:
		v.drvFeatSel = w
	case vmDriverFeatures:
		// Features are frozen once FEATURES_OK is set (§3.1.1).
		if v.drvFeatSel < 2 && v.status&statusFeaturesOK == 0 {
			sh := 32 * v.drvFeatSel
			v.drvFeatures = v.drvFeatures&^(0xffffffff<<sh) | uint64(w)<<sh
		}
	case vmQueueSel:
		v.queueSel = w
	case vmQueueNotify:
		if w < uint32(len(v.queues)) {
			v.notify(&v.queues[w])
		}
	case vmInterruptACK:
		v.interrupt &^= w
		v.updateIRQ()
	case vmStatus:
		v.setStatus(w)
	}
	if q == nil {
		return true
	}
	switch off {
	case vmQueueNum:
		q.num = w
	case vmQueueReady:
		q.ready = w&1 != 0
	case vmQueueDescLow, vmQueueDescHigh:
		q.desc = setWord(q.desc, off-vmQueueDescLow, w)
	case vmQueueDriverLow, vmQueueDriverHigh:
		q.driver = setWord(q.driver, off-vmQueueDriverLow, w)
	case vmQueueDeviceLow, vmQueueDeviceHigh:
		q.device = setWord(q.device, off-vmQueueDeviceLow, w)
	}
	return true
}

func setWord(r, half uint64, w uint32) uint64 {
	sh := 8 * half
	return r&^(0xffffffff<<sh) | uint64(w)<<sh
}

// setStatus handles a write of the device status. Writing 0 resets the
// device (§4.2.2.1). The device accepts FEATURES_OK only for a subset of
// its features that includes VIRTIO_F_VERSION_1, and keeps
// DEVICE_NEEDS_RESET until the reset.
func (v *VirtioMMIO) setStatus(w uint32) {
	if w == 0 {
		v.reset()
		return
	}
	w &= 0xff
	if w&statusFeaturesOK != 0 && v.status&statusFeaturesOK == 0 {
		f := v.drvFeatures
		if f&^v.dev.features() != 0 || f&featVersion1 == 0 {
			w &^= statusFeaturesOK
		}
	}
	v.status = w | v.status&statusNeedsReset
}

func (v *VirtioMMIO) reset() {
	v.status = 0
	v.devFeatSel, v.drvFeatSel, v.drvFeatures = 0, 0, 0
	v.queueSel = 0
	for i := range v.queues {
		v.queues[i] = virtqueue{}
	}
	v.interrupt = 0
	v.updateIRQ()
}

// updateIRQ holds the interrupt line high while InterruptStatus is not 0.
func (v *VirtioMMIO) updateIRQ() {
	level := v.interrupt != 0
	if level == v.lineHigh {
		return
	}
	v.lineHigh = level
	if v.irq != nil {
		v.irq.SetIRQ(v.line, level)
	}
}

// needsReset marks the device broken by the driver (§2.1.2) and tells the
// driver through a configuration change interrupt. It stops all queue
// processing until the driver resets the device.
func (v *VirtioMMIO) needsReset() {
	v.status |= statusNeedsReset
	v.interrupt |= intConfigChange
	v.updateIRQ()
}

// notify serves every buffer the driver has made available on q. A
// malformed queue or chain makes the device need a reset; nothing the
// driver does can make the device loop or touch memory outside DMA.
func (v *VirtioMMIO) notify(q *virtqueue) {
	if !q.ready || v.status&statusDriverOK == 0 || v.status&statusNeedsReset != 0 {
		return
	}
	if err := v.serve(q); err != nil {
		v.needsReset()
	}
}

func (v *VirtioMMIO) serve(q *virtqueue) error {
	if q.num == 0 || q.num > VirtioQueueNumMax || q.desc&15 != 0 || q.driver&1 != 0 || q.device&3 != 0 {
		return errors.New("virtio: bad queue configuration")
	}
	availIdx, err := v.read16(q.driver + 2)
	if err != nil {
		return err
	}
	if uint32(availIdx-q.lastAvail) > q.num {
		return fmt.Errorf("virtio: %d buffers available in a queue of %d", availIdx-q.lastAvail, q.num)
	}
	served := false
	for q.lastAvail != availIdx {
		head, err := v.read16(q.driver + 4 + 2*uint64(uint32(q.lastAvail)%q.num))
		if err != nil {
			return err
		}
		if err := v.walk(q, head); err != nil {
			return err
		}
		n, err := v.dev.request(&v.chain)
		if err != nil {
			return err
		}
		elem := q.device + 4 + 8*uint64(uint32(q.used)%q.num)
		binary.LittleEndian.PutUint32(v.scratch[0:], uint32(head))
		binary.LittleEndian.PutUint32(v.scratch[4:], n)
		if err := v.dma.WritePhys(elem, v.scratch[:8]); err != nil {
			return err
		}
		q.used++
		q.lastAvail++
		binary.LittleEndian.PutUint16(v.scratch[:], q.used)
		if err := v.dma.WritePhys(q.device+2, v.scratch[:2]); err != nil {
			return err
		}
		served = true
	}
	if !served {
		return nil
	}
	flags, err := v.read16(q.driver)
	if err != nil {
		return err
	}
	if flags&availNoInterrupt == 0 {
		v.interrupt |= intUsedBuffer
		v.updateIRQ()
	}
	return nil
}

func (v *VirtioMMIO) read16(pa uint64) (uint16, error) {
	if err := v.dma.ReadPhys(pa, v.scratch[:2]); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint16(v.scratch[:]), nil
}

// walk reads the descriptor chain that starts at head into v.chain. A chain
// is at most q.num descriptors long (§2.7.5.3.1), so a loop in the next
// links ends it; every device-readable descriptor must come before every
// device-writable one, and indirect descriptors, not offered, are refused.
func (v *VirtioMMIO) walk(q *virtqueue, head uint16) error {
	c := &v.chain
	c.out, c.in = c.out[:0], c.in[:0]
	c.outLen, c.inLen = 0, 0
	i := uint32(head)
	for n := uint32(0); ; n++ {
		if i >= q.num || n >= q.num {
			return errors.New("virtio: descriptor index out of range or chain too long")
		}
		d := v.scratch[:16]
		if err := v.dma.ReadPhys(q.desc+16*uint64(i), d); err != nil {
			return err
		}
		s := segment{binary.LittleEndian.Uint64(d), binary.LittleEndian.Uint32(d[8:])}
		flags := binary.LittleEndian.Uint16(d[12:])
		next := binary.LittleEndian.Uint16(d[14:])
		if flags&descIndirect != 0 {
			return errors.New("virtio: indirect descriptor not negotiated")
		}
		if s.addr+uint64(s.len) < s.addr {
			return errors.New("virtio: descriptor wraps the address space")
		}
		if flags&descWrite != 0 {
			c.in = append(c.in, s)
			c.inLen += uint64(s.len)
		} else {
			if len(c.in) != 0 {
				return errors.New("virtio: device-readable descriptor after a writable one")
			}
			c.out = append(c.out, s)
			c.outLen += uint64(s.len)
		}
		if flags&descNext == 0 {
			return nil
		}
		i = uint32(next)
	}
}
