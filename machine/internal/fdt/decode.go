package fdt

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Blob is the whole content of a DTB: the tree, the header's boot CPU and
// the memory reservation block.
type Blob struct {
	Root    *Node
	BootCPU uint32
	Reserve []MemRange
}

// Encode writes the blob with Encode.
func (bl *Blob) Encode() ([]byte, error) { return Encode(bl.Root, bl.BootCPU, bl.Reserve) }

// Decode reads a DTB and returns its root node. See DecodeBlob.
func Decode(b []byte) (*Node, error) {
	bl, err := DecodeBlob(b)
	if err != nil {
		return nil, err
	}
	return bl.Root, nil
}

// DecodeBlob reads a DTB. Bytes beyond the header's totalsize are ignored;
// the tree never aliases b.
//
// It accepts any blob that follows chapter 5 of the Devicetree Specification
// v0.4 and that a version-17 reader may read, laid out in the specified block
// order, with free space and FDT_NOP tokens anywhere they are allowed. It
// returns an error for everything else, in particular: a bad magic; a version
// below 17 (no size_dt_struct) or a last_comp_version above 17; a block that
// is misaligned, out of bounds or out of order; a reservation block without
// its (0, 0) end; a token that is not allowed where it stands; a property
// after a child node (§5.4.2); a property name offset outside the strings
// block; an invalid, duplicate or unterminated name; non-zero alignment
// padding; nesting deeper than MaxDepth; and bytes after FDT_END inside the
// structure block. Whatever Decode accepts, Encode can write.
func DecodeBlob(b []byte) (*Blob, error) {
	bl, err := decode(b)
	if err != nil {
		return nil, fmt.Errorf("fdt: decode: %w", err)
	}
	return bl, nil
}

func decode(b []byte) (*Blob, error) {
	if len(b) < headerSize {
		return nil, fmt.Errorf("%d bytes is shorter than the %d-byte header", len(b), headerSize)
	}
	h := func(off int) uint64 { return uint64(binary.BigEndian.Uint32(b[off:])) }
	if m := h(hMagic); m != magic {
		return nil, fmt.Errorf("bad magic %#x", m)
	}
	total := h(hTotalSize)
	if total < headerSize || total > uint64(len(b)) {
		return nil, fmt.Errorf("totalsize %d outside [%d, %d]", total, headerSize, len(b))
	}
	b = b[:total]
	if v := h(hVersion); v < version {
		return nil, fmt.Errorf("version %d: want 17 or later", v)
	}
	if v := h(hLastCompVersion); v > version {
		return nil, fmt.Errorf("last_comp_version %d: a version-17 reader cannot read it", v)
	}
	offRsv, offStruct, sizeStruct := h(hOffMemRsvmap), h(hOffDtStruct), h(hSizeDtStruct)
	offStrings, sizeStrings := h(hOffDtStrings), h(hSizeDtStrings)
	switch {
	case offRsv%8 != 0 || offRsv < headerSize:
		return nil, fmt.Errorf("off_mem_rsvmap %#x: want 8-byte aligned, after the header", offRsv)
	case offStruct%4 != 0 || sizeStruct%4 != 0:
		return nil, fmt.Errorf("structure block at %#x size %#x: want 4-byte aligned", offStruct, sizeStruct)
	case offStruct < offRsv+rsvEntrySize:
		return nil, fmt.Errorf("structure block at %#x overlaps the reservation block at %#x", offStruct, offRsv)
	case offStruct+sizeStruct > offStrings:
		return nil, fmt.Errorf("structure block [%#x, %#x) overlaps or follows the strings block at %#x",
			offStruct, offStruct+sizeStruct, offStrings)
	case offStrings+sizeStrings > total:
		return nil, fmt.Errorf("strings block [%#x, %#x) beyond totalsize %#x", offStrings, offStrings+sizeStrings, total)
	}

	bl := &Blob{BootCPU: uint32(h(hBootCPUIDPhys))}
	for off := offRsv; ; off += rsvEntrySize {
		if off+rsvEntrySize > offStruct {
			return nil, fmt.Errorf("reservation block at %#x has no (0, 0) end before the structure block", offRsv)
		}
		r := MemRange{binary.BigEndian.Uint64(b[off:]), binary.BigEndian.Uint64(b[off+8:])}
		if r == (MemRange{}) {
			break
		}
		if r.Addr+r.Size < r.Addr {
			return nil, fmt.Errorf("reservation (%#x, %#x) wraps around", r.Addr, r.Size)
		}
		bl.Reserve = append(bl.Reserve, r)
	}

	d := structDecoder{st: b[offStruct : offStruct+sizeStruct], strs: b[offStrings : offStrings+sizeStrings]}
	root, err := d.tree()
	if err != nil {
		return nil, fmt.Errorf("structure block offset %#x: %w", d.pos, err)
	}
	bl.Root = root
	return bl, nil
}

// structDecoder walks the structure block with an explicit stack, so that
// hostile nesting costs no Go stack.
type structDecoder struct {
	st, strs []byte
	pos      int // offset of the next token in st
}

// frame is a node being read, with the names seen in it so far.
type frame struct {
	node     *Node
	seen     map[string]bool // property names, and "/"+child names; lookups only
	sawChild bool
}

func (d *structDecoder) token() (uint32, error) {
	if d.pos+4 > len(d.st) {
		return 0, fmt.Errorf("structure block ends without FDT_END")
	}
	t := binary.BigEndian.Uint32(d.st[d.pos:])
	d.pos += 4
	return t, nil
}

// nextToken returns the next token that is not FDT_NOP.
func (d *structDecoder) nextToken() (uint32, error) {
	for {
		t, err := d.token()
		if err != nil || t != tokenNop {
			return t, err
		}
	}
}

func (d *structDecoder) tree() (*Node, error) {
	t, err := d.nextToken()
	if err != nil {
		return nil, err
	}
	if t != tokenBeginNode {
		return nil, fmt.Errorf("first token %#x, want FDT_BEGIN_NODE", t)
	}
	name, err := d.nodeName()
	if err != nil {
		return nil, err
	}
	if name != "" {
		return nil, fmt.Errorf("root node named %q, want \"\"", name)
	}
	root := &Node{}
	stack := []frame{{node: root, seen: map[string]bool{}}}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		t, err := d.nextToken()
		if err != nil {
			return nil, err
		}
		switch t {
		case tokenProp:
			if top.sawChild {
				return nil, fmt.Errorf("property after a child node in %q", top.node.Name)
			}
			p, err := d.prop()
			if err != nil {
				return nil, err
			}
			if top.seen[p.Name] {
				return nil, fmt.Errorf("duplicate property %q in %q", p.Name, top.node.Name)
			}
			top.seen[p.Name] = true
			top.node.Props = append(top.node.Props, p)
		case tokenBeginNode:
			name, err := d.nodeName()
			if err != nil {
				return nil, err
			}
			if err := checkNodeName(name); err != nil {
				return nil, err
			}
			if top.seen["/"+name] {
				return nil, fmt.Errorf("duplicate node %q in %q", name, top.node.Name)
			}
			if len(stack) >= MaxDepth {
				return nil, fmt.Errorf("nodes nested deeper than %d", MaxDepth)
			}
			top.seen["/"+name] = true
			top.sawChild = true
			child := &Node{Name: name}
			top.node.Children = append(top.node.Children, child)
			stack = append(stack, frame{node: child, seen: map[string]bool{}})
		case tokenEndNode:
			stack = stack[:len(stack)-1]
		default:
			return nil, fmt.Errorf("token %#x inside a node", t)
		}
	}
	if t, err := d.nextToken(); err != nil {
		return nil, err
	} else if t != tokenEnd {
		return nil, fmt.Errorf("token %#x after the root node, want FDT_END", t)
	}
	if d.pos != len(d.st) {
		return nil, fmt.Errorf("%d bytes after FDT_END in the structure block", len(d.st)-d.pos)
	}
	return root, nil
}

// nodeName reads the NUL-terminated name after FDT_BEGIN_NODE and its padding.
func (d *structDecoder) nodeName() (string, error) {
	i := bytes.IndexByte(d.st[d.pos:], 0)
	if i < 0 {
		return "", fmt.Errorf("node name not NUL-terminated")
	}
	name := string(d.st[d.pos : d.pos+i])
	if err := d.skipPad(i + 1); err != nil {
		return "", err
	}
	return name, nil
}

// prop reads an FDT_PROP's struct fdt_property, value and padding (§5.4.1).
func (d *structDecoder) prop() (Prop, error) {
	if d.pos+8 > len(d.st) {
		return Prop{}, fmt.Errorf("property header beyond the structure block")
	}
	n := uint64(binary.BigEndian.Uint32(d.st[d.pos:]))
	nameOff := uint64(binary.BigEndian.Uint32(d.st[d.pos+4:]))
	d.pos += 8
	if n > uint64(len(d.st)-d.pos) {
		return Prop{}, fmt.Errorf("property value of %d bytes beyond the structure block", n)
	}
	if nameOff >= uint64(len(d.strs)) {
		return Prop{}, fmt.Errorf("property name offset %#x outside the %d-byte strings block", nameOff, len(d.strs))
	}
	i := bytes.IndexByte(d.strs[nameOff:], 0)
	if i < 0 {
		return Prop{}, fmt.Errorf("property name at strings offset %#x not NUL-terminated", nameOff)
	}
	p := Prop{Name: string(d.strs[nameOff : nameOff+uint64(i)])}
	if err := checkPropName(p.Name); err != nil {
		return Prop{}, err
	}
	if n > 0 {
		p.Value = bytes.Clone(d.st[d.pos : d.pos+int(n)])
	}
	if err := d.skipPad(int(n)); err != nil {
		return Prop{}, err
	}
	return p, nil
}

// skipPad advances past n bytes of data and the zero padding that aligns the
// next token to 4 bytes.
func (d *structDecoder) skipPad(n int) error {
	end := align4(d.pos + n)
	if end > len(d.st) {
		return fmt.Errorf("padding beyond the structure block")
	}
	for _, c := range d.st[d.pos+n : end] {
		if c != 0 {
			return fmt.Errorf("non-zero padding byte at %#x", d.pos+n)
		}
	}
	d.pos = end
	return nil
}
