package bus

// NewOn returns a bus whose RAM at base is ram, memory the caller owns and
// keeps alive (the translator's wasm memory). ram must be zeroed.
func NewOn(base uint64, ram []byte) *Bus {
	return &Bus{RAMBase: base, RAM: ram}
}
