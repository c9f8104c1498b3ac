package ipfsfetch

import (
	"fmt"
	"io"
)

// readLimited reads all of r, failing instead of allocating more than max
// bytes: every reader it is used on may be hostile.
func readLimited(r io.Reader, max int) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, int64(max)+1))
	if err != nil {
		return nil, err
	}
	if len(data) > max {
		return nil, fmt.Errorf("more than %d bytes", max)
	}
	return data, nil
}
