//go:build !unix

package scratch

import "os"

// lock does nothing where flock is missing.
func lock(*os.File) error { return nil }

// tryLock reports false: without locks no entry is known to be stale, so
// none is removed.
func tryLock(*os.File) bool { return false }
