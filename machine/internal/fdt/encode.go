package fdt

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Encode writes the tree rooted at root as a DTB blob, with bootCPU as the
// header's boot_cpuid_phys and reserve as the memory reservation block.
//
// The layout is canonical, the one dtc writes: the header; the reservation
// block at offset 40 (8-byte aligned, §5.3); the structure block right after
// it; the strings block right after that; totalsize is exactly the end of the
// strings block. Property names are stored once each, in order of first use.
// There is no free space and there are no FDT_NOP tokens. The same tree and
// arguments always give the same bytes, and Encode(Decode(b)) == b for every
// blob b that Encode wrote.
//
// Encode refuses a tree that Decode would refuse: a root with a name, an
// invalid or duplicate node or property name, a nil child, nesting deeper
// than MaxDepth, a reservation of (0, 0) (it would end the block early) or
// one that wraps around the address space, and a blob larger than 4 GiB.
func Encode(root *Node, bootCPU uint32, reserve []MemRange) ([]byte, error) {
	if root == nil {
		return nil, fmt.Errorf("fdt: encode: nil root")
	}
	if root.Name != "" {
		return nil, fmt.Errorf("fdt: encode: root node named %q, want \"\"", root.Name)
	}
	for i, r := range reserve {
		if r.Addr == 0 && r.Size == 0 {
			return nil, fmt.Errorf("fdt: encode: reservation %d is (0, 0), the end marker", i)
		}
		if r.Addr+r.Size < r.Addr {
			return nil, fmt.Errorf("fdt: encode: reservation %d (%#x, %#x) wraps around", i, r.Addr, r.Size)
		}
	}
	e := encoder{strOff: map[string]uint32{}}
	if err := e.node(root, "/", 1); err != nil {
		return nil, fmt.Errorf("fdt: encode: %w", err)
	}
	e.st = binary.BigEndian.AppendUint32(e.st, tokenEnd)

	offRsv := headerSize // already a multiple of 8
	offStruct := offRsv + (len(reserve)+1)*rsvEntrySize
	offStrings := offStruct + len(e.st)
	total := offStrings + len(e.strs)
	if total > math.MaxUint32 {
		return nil, fmt.Errorf("fdt: encode: blob of %d bytes exceeds 4 GiB", total)
	}

	b := make([]byte, headerSize, total)
	put := func(off, v int) { binary.BigEndian.PutUint32(b[off:], uint32(v)) }
	put(hMagic, magic)
	put(hTotalSize, total)
	put(hOffDtStruct, offStruct)
	put(hOffDtStrings, offStrings)
	put(hOffMemRsvmap, offRsv)
	put(hVersion, version)
	put(hLastCompVersion, lastCompVersion)
	binary.BigEndian.PutUint32(b[hBootCPUIDPhys:], bootCPU)
	put(hSizeDtStrings, len(e.strs))
	put(hSizeDtStruct, len(e.st))
	for _, r := range reserve {
		b = binary.BigEndian.AppendUint64(b, r.Addr)
		b = binary.BigEndian.AppendUint64(b, r.Size)
	}
	b = append(b, make([]byte, rsvEntrySize)...)
	b = append(b, e.st...)
	b = append(b, e.strs...)
	return b, nil
}

// encoder accumulates the structure and strings blocks.
type encoder struct {
	st     []byte            // structure block
	strs   []byte            // strings block
	strOff map[string]uint32 // offset of each name in strs; lookups only, never iterated
}

func (e *encoder) node(n *Node, path string, depth int) error {
	if depth > MaxDepth {
		return fmt.Errorf("%s: nested deeper than %d", path, MaxDepth)
	}
	e.st = binary.BigEndian.AppendUint32(e.st, tokenBeginNode)
	e.st = append(e.st, n.Name...)
	e.st = append(e.st, 0)
	e.pad()
	seen := make(map[string]bool, len(n.Props)+len(n.Children)) // lookups only
	for _, p := range n.Props {
		if err := checkPropName(p.Name); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if seen[p.Name] {
			return fmt.Errorf("%s: duplicate property %q", path, p.Name)
		}
		seen[p.Name] = true
		if uint64(len(p.Value)) > math.MaxUint32 {
			return fmt.Errorf("%s: property %q: value too long", path, p.Name)
		}
		e.st = binary.BigEndian.AppendUint32(e.st, tokenProp)
		e.st = binary.BigEndian.AppendUint32(e.st, uint32(len(p.Value)))
		e.st = binary.BigEndian.AppendUint32(e.st, e.str(p.Name))
		e.st = append(e.st, p.Value...)
		e.pad()
	}
	for i, c := range n.Children {
		if c == nil {
			return fmt.Errorf("%s: child %d is nil", path, i)
		}
		if err := checkNodeName(c.Name); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		// Node and property names share one namespace per node in the
		// source format only; in the DTB they are distinct, so a child
		// may share a property's name. Children are checked among
		// themselves with a prefix that no property name can carry.
		if seen["/"+c.Name] {
			return fmt.Errorf("%s: duplicate child %q", path, c.Name)
		}
		seen["/"+c.Name] = true
		cp := path + c.Name
		if depth > 1 {
			cp = path + "/" + c.Name
		}
		if err := e.node(c, cp, depth+1); err != nil {
			return err
		}
	}
	e.st = binary.BigEndian.AppendUint32(e.st, tokenEndNode)
	return nil
}

// str returns the offset of name in the strings block, adding it on first use.
func (e *encoder) str(name string) uint32 {
	if off, ok := e.strOff[name]; ok {
		return off
	}
	off := uint32(len(e.strs))
	e.strOff[name] = off
	e.strs = append(e.strs, name...)
	e.strs = append(e.strs, 0)
	return off
}

// pad zero-fills the structure block to the next 4-byte boundary (§5.4.1).
func (e *encoder) pad() {
	for len(e.st)%4 != 0 {
		e.st = append(e.st, 0)
	}
}
