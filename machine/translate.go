package machine

import (
	"github.com/reprovm/reprovm/machine/internal/bus"
	"github.com/reprovm/reprovm/machine/internal/hart"
	"github.com/reprovm/reprovm/machine/internal/jit"
)

// newBus makes the bus. With Config.Translate on a host where wazero
// compiles, guest RAM is part of the translator's wasm memory, which is
// returned too, so that translated code reaches RAM directly.
func newBus(cfg Config, size uint64) (*bus.Bus, *jit.Memory, error) {
	if !cfg.Translate || !jit.Supported() {
		b, err := bus.New(RAMBase, size)
		return b, nil, err
	}
	mem, err := jit.NewMemory(size)
	if err != nil {
		return nil, nil, err
	}
	return bus.NewOn(RAMBase, mem.RAM()), mem, nil
}

// runHart runs the hart to limit, through the translator if there is one.
func (m *Machine) runHart(limit uint64) hart.StopReason {
	if m.tr != nil {
		return m.tr.Run(limit)
	}
	return m.hart.Run(limit)
}

// translateErr is the translator's failure, if any.
func (m *Machine) translateErr() error {
	if m.tr != nil {
		return m.tr.Err()
	}
	return nil
}

// Translating reports whether the machine runs translated code.
func (m *Machine) Translating() bool { return m.tr != nil }

// TranslateStats returns the translator's counters (zero without one).
func (m *Machine) TranslateStats() jit.Stats {
	if m.tr == nil {
		return jit.Stats{}
	}
	return m.tr.Stats()
}
