package bus

import "syscall"

// adviseHugePages asks Linux to back guest RAM with transparent huge pages
// (Documentation/admin-guide/mm/transhuge.rst; MADV_HUGEPAGE works when
// /sys/kernel/mm/transparent_hugepage/enabled is "always" or "madvise").
// A guest touching memory all over its RAM (the in-guest compiler, a
// page-table walk per TLB miss) otherwise misses the host's TLB on almost
// every access: 64 MiB of 4 KiB pages is 16384 host TLB entries, of 2 MiB
// pages 32. It is a hint about host memory only: no guest-visible value
// depends on it, and a host that refuses it runs the same guest, slower.
// AdviseHugePages is adviseHugePages for other mappings of guest RAM (the
// translator's wasm memory).
func AdviseHugePages(mem []byte) { adviseHugePages(mem) }

func adviseHugePages(mem []byte) {
	_ = syscall.Madvise(mem, syscall.MADV_HUGEPAGE)
}
