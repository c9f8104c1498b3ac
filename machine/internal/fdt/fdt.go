// Package fdt writes and reads flattened device trees (DTB), the format in
// which reprovm describes its board to OpenSBI and Linux.
//
// The format is chapter 5, "Flattened Devicetree (DTB) Format", of the
// Devicetree Specification v0.4: a 40-byte big-endian header, a memory
// reservation block of (address, size) pairs ending in (0, 0), a structure
// block of 32-bit tokens (FDT_BEGIN_NODE, FDT_END_NODE, FDT_PROP, FDT_NOP,
// FDT_END) and a strings block holding property names.
//
// A tree is plain data: a Node holds its properties and children in slices, in
// the order given, so that the same tree always encodes to the same bytes.
// Encode writes the canonical layout described on Encode; Decode accepts any
// blob that follows the specification and rejects everything else with an
// error, never a panic, because blobs may come from a guest or from a file.
package fdt

import (
	"encoding/binary"
	"strings"
)

// Node is a device tree node. The root node has the empty name; every other
// node is named "node-name" or "node-name@unit-address" (spec §2.2.1).
type Node struct {
	Name     string
	Props    []Prop
	Children []*Node
}

// Prop is a property: a name and a value of any length. A nil or empty value
// is a boolean property such as "interrupt-controller" (spec §2.2.4).
type Prop struct {
	Name  string
	Value []byte
}

// MemRange is a physical address range: an entry of the memory reservation
// block (spec §5.3) or one (address, size) pair of a "reg" property.
type MemRange struct {
	Addr, Size uint64
}

// NewNode returns a node with the given name and properties.
func NewNode(name string, props ...Prop) *Node {
	return &Node{Name: name, Props: props}
}

// P builds a property; it reads well in NewNode calls.
func P(name string, value []byte) Prop { return Prop{Name: name, Value: value} }

// Add appends properties to n and returns n.
func (n *Node) Add(props ...Prop) *Node {
	n.Props = append(n.Props, props...)
	return n
}

// AddChild appends child nodes to n and returns n.
func (n *Node) AddChild(children ...*Node) *Node {
	n.Children = append(n.Children, children...)
	return n
}

// Prop returns the value of the property called name and whether it exists.
func (n *Node) Prop(name string) ([]byte, bool) {
	for _, p := range n.Props {
		if p.Name == name {
			return p.Value, true
		}
	}
	return nil, false
}

// Child returns the child node with exactly this name, or nil.
func (n *Node) Child(name string) *Node {
	for _, c := range n.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Lookup returns the node at an absolute path such as "/soc/serial@10000000",
// or nil. A path component without a unit address that names no child
// exactly matches the first child with that name before its "@", as libfdt's
// fdt_path_offset does ("/memory" finds "memory@80000000").
func (n *Node) Lookup(path string) *Node {
	if !strings.HasPrefix(path, "/") {
		return nil
	}
	cur := n
	for _, part := range strings.Split(path[1:], "/") {
		if part == "" {
			continue
		}
		next := cur.Child(part)
		if next == nil && !strings.Contains(part, "@") {
			for _, c := range cur.Children {
				if base, _, ok := strings.Cut(c.Name, "@"); ok && base == part {
					next = c
					break
				}
			}
		}
		if next == nil {
			return nil
		}
		cur = next
	}
	return cur
}

// Walk calls fn for n and every node below it, depth first, in order, with
// the node's absolute path. It stops early when fn returns false.
func (n *Node) Walk(fn func(path string, node *Node) bool) {
	n.walk("/", fn)
}

func (n *Node) walk(path string, fn func(string, *Node) bool) bool {
	if !fn(path, n) {
		return false
	}
	for _, c := range n.Children {
		p := path + c.Name
		if path != "/" {
			p = path + "/" + c.Name
		}
		if !c.walk(p, fn) {
			return false
		}
	}
	return true
}

// Compatible returns the nodes whose "compatible" string list contains c, in
// tree order, as OpenSBI's and Linux's fdt_node_offset_by_compatible walks.
func (n *Node) Compatible(c string) []*Node {
	var out []*Node
	n.Walk(func(_ string, node *Node) bool {
		if v, ok := node.Prop("compatible"); ok {
			if list, err := Strings(v); err == nil {
				for _, s := range list {
					if s == c {
						out = append(out, node)
						break
					}
				}
			}
		}
		return true
	})
	return out
}

// ByPhandle returns the node whose "phandle" property is ph, or nil.
func (n *Node) ByPhandle(ph uint32) *Node {
	var found *Node
	n.Walk(func(_ string, node *Node) bool {
		if v, ok := node.Prop("phandle"); ok {
			if got, err := Uint32(v); err == nil && got == ph {
				found = node
				return false
			}
		}
		return true
	})
	return found
}

// U32 encodes cells: each value as one big-endian 32-bit cell (spec §2.2.4,
// <u32>, <phandle>, <prop-encoded-array>).
func U32(v ...uint32) []byte {
	b := make([]byte, 0, 4*len(v))
	for _, x := range v {
		b = binary.BigEndian.AppendUint32(b, x)
	}
	return b
}

// U64 encodes each value as two big-endian cells, high cell first (<u64>).
func U64(v ...uint64) []byte {
	b := make([]byte, 0, 8*len(v))
	for _, x := range v {
		b = binary.BigEndian.AppendUint64(b, x)
	}
	return b
}

// Str encodes a <string> or, with several arguments, a <stringlist>: each
// string followed by a NUL byte. The strings must not contain NUL.
func Str(s ...string) []byte {
	n := 0
	for _, x := range s {
		n += len(x) + 1
	}
	b := make([]byte, 0, n)
	for _, x := range s {
		b = append(b, x...)
		b = append(b, 0)
	}
	return b
}

// Reg encodes ranges as a "reg" or "ranges" value for a parent with
// #address-cells = 2 and #size-cells = 2, the layout of every bus on the
// reprovm board (spec §2.3.6).
func Reg(r ...MemRange) []byte {
	b := make([]byte, 0, 16*len(r))
	for _, x := range r {
		b = binary.BigEndian.AppendUint64(b, x.Addr)
		b = binary.BigEndian.AppendUint64(b, x.Size)
	}
	return b
}
