//go:build !linux

package machine_test

import "time"

// threadCPU is unknown here; benchmarks then report wall-time MIPS only.
func threadCPU() time.Duration { return 0 }
