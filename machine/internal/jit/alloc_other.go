//go:build !unix

package jit

// allocate returns size zeroed bytes from the Go heap.
func allocate(size uint64) ([]byte, error) { return make([]byte, size), nil }

func release([]byte) {}
