package main

import "github.com/reprovm/reprovm/builder"

// ramSize is the value of the --ram flag: a RAM size that machine.Config
// accepts, a non-zero multiple of 4 KiB.
type ramSize uint64

func (r *ramSize) String() string { return builder.FormatSize(uint64(*r)) }

func (r *ramSize) Type() string { return "size" }

func (r *ramSize) Set(s string) error {
	n, err := builder.ParseSize(s)
	if err != nil {
		return err
	}
	if err := builder.CheckRAMSize(n); err != nil {
		return err
	}
	*r = ramSize(n)
	return nil
}
