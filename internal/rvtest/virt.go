package rvtest

// Virt is a qemu-system-riscv64 command line for QEMU's virt board as the
// tests and benchmarks that compare reprovm with QEMU use it: one hart,
// OpenSBI as the firmware, a kernel, an initramfs and a command line, no
// reboot (a reset ends QEMU), and virtio-blk drives found by serial as
// reprovm's init finds them. Console says where the serial port goes
// (for example "-serial", "stdio" or "-nographic"); Extra is added last.
type Virt struct {
	RAM                              string // QEMU's -m, such as "2G"
	Firmware, Kernel, Initrd, Append string
	Console, Extra                   []string
	drives                           []string
}

// Drive attaches file as a virtio-blk drive with the given id and serial,
// read-only unless writable.
func (v *Virt) Drive(id, file, serial string, writable bool) {
	opt := ",readonly=on"
	if writable {
		opt = ""
	}
	v.drives = append(v.drives, "-drive", "file="+file+",format=raw,if=none,id="+id+opt,
		"-device", "virtio-blk-device,drive="+id+",serial="+serial)
}

// Args is the command line, without the program name.
func (v *Virt) Args() []string {
	args := []string{"-machine", "virt", "-smp", "1", "-m", v.RAM, "-bios", v.Firmware,
		"-kernel", v.Kernel, "-initrd", v.Initrd, "-append", v.Append, "-no-reboot"}
	args = append(args, v.Console...)
	args = append(args, v.drives...)
	return append(args, v.Extra...)
}
