//go:build unix

package scratch

import (
	"os"
	"syscall"
)

// lock takes an exclusive flock on f, failing if another holds one.
func lock(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}

// tryLock reports whether an exclusive flock on f could be taken: nobody
// else holds the entry. The lock goes with f's close.
func tryLock(f *os.File) bool { return lock(f) == nil }
