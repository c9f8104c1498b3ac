package images

// The boot chain's packages, pinned to Debian 13 "trixie".
//
// Each Size and SHA256 was copied once from trixie's Packages index
// (dists/trixie/main/binary-riscv64/Packages.xz, and binary-all/Packages.xz
// for opensbi, which is Architecture: all). A value changes only by editing
// this file, so a build never depends on what the archive serves today.
// These variables are read-only by convention: the package never writes
// them and callers must not either.
var (
	// Kernel is Debian's stock riscv64 kernel. The package holds the flat
	// RISC-V Image as /boot/vmlinux-6.12.107+deb13-riscv64 and the
	// xz-compressed modules under /usr/lib/modules/6.12.107+deb13-riscv64.
	Kernel = Package{
		Name:    "linux-image-6.12.107+deb13-riscv64",
		Version: "6.12.107-1",
		Arch:    "riscv64",
		Pool:    "pool/main/l/linux/linux-image-6.12.107+deb13-riscv64_6.12.107-1_riscv64.deb",
		Size:    112012420,
		SHA256:  "abe9f65d74b434692149482b031db7a2aaf832921e09f69f775293c0e0c5799c",
	}

	// OpenSBI is the RISC-V SBI firmware; the generic platform's
	// fw_dynamic.bin runs in M-mode at 0x80000000.
	OpenSBI = Package{
		Name:    "opensbi",
		Version: "1.6-1",
		Arch:    "all",
		Pool:    "pool/main/o/opensbi/opensbi_1.6-1_all.deb",
		Size:    204072,
		SHA256:  "dc4a43bd21a0ca11771ed8b19ee6fa8476d1d0f4976bd0b27c0357c699d27e1e",
	}

	// BusyboxStatic is a statically linked busybox (/usr/bin/busybox) that
	// gives the initramfs a shell and coreutils.
	BusyboxStatic = Package{
		Name:    "busybox-static",
		Version: "1:1.37.0-6+b9",
		Arch:    "riscv64",
		Pool:    "pool/main/b/busybox/busybox-static_1.37.0-6+b9_riscv64.deb",
		Size:    941532,
		SHA256:  "4add476d2b185c5b487c285b38d790f0881a7e4a8e2ddde835f917e770eb8633",
	}
)
