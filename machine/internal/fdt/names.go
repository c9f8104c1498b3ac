package fdt

import "fmt"

// MaxDepth bounds the nesting of nodes, the root being depth 1. Linux's
// unflattening code (drivers/of/fdt.c, FDT_MAX_DEPTH) refuses deeper trees,
// and the bound keeps a hostile blob from costing unbounded stack or time.
const MaxDepth = 64

// nodeNameChar reports whether c may appear in a node name or unit address
// (Devicetree Specification v0.4, §2.2.1, Table 2.1).
func nodeNameChar(c byte) bool {
	return isAlnum(c) || c == ',' || c == '.' || c == '_' || c == '+' || c == '-'
}

// propNameChar reports whether c may appear in a property name (§2.2.4.1,
// Table 2.2).
func propNameChar(c byte) bool {
	return isAlnum(c) || c == ',' || c == '.' || c == '_' || c == '+' || c == '?' || c == '#' || c == '-'
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// checkNodeName validates a non-root node name: "node-name" or
// "node-name@unit-address", where node-name starts with a letter (§2.2.1).
// The specification's 31-character limit is not enforced: Linux does not
// enforce it either, and nothing in this package depends on it.
func checkNodeName(name string) error {
	if name == "" {
		return fmt.Errorf("fdt: empty node name below the root")
	}
	at := -1
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '@' && at < 0:
			at = i
		case nodeNameChar(c):
		default:
			return fmt.Errorf("fdt: node name %q: byte %#02x not allowed", name, c)
		}
	}
	if !isLetter(name[0]) {
		return fmt.Errorf("fdt: node name %q does not start with a letter", name)
	}
	if at == len(name)-1 {
		return fmt.Errorf("fdt: node name %q: empty unit address", name)
	}
	return nil
}

// checkPropName validates a property name (§2.2.4.1).
func checkPropName(name string) error {
	if name == "" {
		return fmt.Errorf("fdt: empty property name")
	}
	for i := 0; i < len(name); i++ {
		if !propNameChar(name[i]) {
			return fmt.Errorf("fdt: property name %q: byte %#02x not allowed", name, name[i])
		}
	}
	return nil
}
