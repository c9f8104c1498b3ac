package machine_test

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/reprovm/reprovm/machine"
)

// A program stores 1 to its tohost word; Run stops right after that store.
func Example() {
	m, err := machine.New(machine.Config{RAMSize: 1 << 20})
	if err != nil {
		panic(err)
	}
	program := []uint32{
		0x00001297, // auipc t0, 1        t0 = 0x80001000, the tohost word
		0x00100313, // addi  t1, zero, 1
		0x0062b023, // sd    t1, 0(t0)
		0x0000006f, // j     .
	}
	code := make([]byte, 4*len(program))
	for i, w := range program {
		binary.LittleEndian.PutUint32(code[4*i:], w)
	}
	if err := m.WritePhys(machine.RAMBase, code); err != nil {
		panic(err)
	}
	m.Reset(machine.RAMBase)
	m.WatchToHost(machine.RAMBase + 0x1000)
	stop, err := m.Run(context.Background(), 1000)
	if err != nil {
		panic(err)
	}
	fmt.Printf("tohost=%d after %d instructions\n", stop.ToHost, m.Instret())
	// Output: tohost=1 after 3 instructions
}

// An instruction budget stops a program that never ends.
func ExampleMachine_Run_limit() {
	m, _ := machine.New(machine.Config{RAMSize: 1 << 20})
	_ = m.WritePhys(machine.RAMBase, []byte{0x6f, 0, 0, 0}) // j .
	m.Reset(machine.RAMBase)
	stop, _ := m.Run(context.Background(), 5000)
	fmt.Println(stop.Reason == machine.StopLimit, m.Instret())
	// Output: true 5000
}

// A guest that faults inside its own trap handler never retires another
// instruction; Run notices and stops instead of spinning forever.
func ExampleMachine_Run_trapLoop() {
	m, _ := machine.New(machine.Config{RAMSize: 1 << 20})
	_ = m.WritePhys(machine.RAMBase, []byte{0, 0, 0, 0}) // illegal; mtvec = 0 is not memory
	m.Reset(machine.RAMBase)
	stop, _ := m.Run(context.Background(), 1_000_000)
	fmt.Println(stop.Reason == machine.StopTrapLoop, m.Instret())
	// Output: true 0
}
