//go:build unix && !linux

package bus

// adviseHugePages does nothing where the host has no transparent huge
// pages hint (see hugepage_linux.go).
func adviseHugePages([]byte) {}

// AdviseHugePages does nothing here (see hugepage_linux.go).
func AdviseHugePages([]byte) {}
