//go:build unix

package ipfsfetch

import "syscall"

// noFollow makes opening a path whose last element is a symlink fail.
const noFollow = syscall.O_NOFOLLOW
