package dev

// IRQSink receives a device's interrupt line. Lines are level-triggered, as
// on the PLIC's gateways for QEMU virt's devices: the device holds the line
// high while it wants service and drops it when the guest has acknowledged
// the cause in the device's own registers. n is the PLIC source number
// (1..PLICSources); level is the line's new state. Devices call SetIRQ only
// from inside a guest access or a host call, never from another goroutine.
type IRQSink interface {
	SetIRQ(n int, level bool)
}

// ExternalInterrupts is the hart side of the PLIC: the mip bits that the
// PLIC's contexts drive (MEIP for context 0, SEIP for context 1).
type ExternalInterrupts interface {
	SetPending(mask uint64, on bool)
}
