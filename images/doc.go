// Package images builds machine images from Debian's riscv64 archive.
//
// This part of the package fetches Debian binary packages (.deb files) by
// exact pool path and SHA-256 into the user cache directory and extracts
// them in pure Go, without dpkg, ar, tar or xz on the host. The boot chain
// (kernel, OpenSBI firmware, busybox and the kernel modules the guest init
// loads) is pinned in [Kernel], [OpenSBI] and [BusyboxStatic] and assembled
// by [Fetcher.Boot].
//
// The trust chain is: the SHA-256 values pinned in this package were read
// once from trixie's Packages index (itself covered by the signed InRelease
// file); every downloaded byte is hashed and compared with them before a
// .deb is used; extraction never writes outside its target directory.
package images
