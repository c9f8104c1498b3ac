package machine_test

import (
	"syscall"
	"time"
)

// threadCPU returns the CPU time the calling OS thread has used. Benchmarks
// lock their goroutine to its thread and report guest MIPS over this as
// well as over wall time, since on a shared machine the wall time counts
// what other processes ran.
func threadCPU() time.Duration {
	const rusageThread = 1 // RUSAGE_THREAD (getrusage(2))
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
