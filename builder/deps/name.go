package deps

import (
	"fmt"
	"path"
)

// GuestRoot is where the guest sees dependency trees: the tree recorded
// as `name = "CID"` in reprovm.toml is mounted read-only at GuestRoot/name.
const GuestRoot = "/deps"

// maxNameLen bounds a dependency name; it is one path element in the guest.
const maxNameLen = 64

// CheckName reports whether name can name a dependency tree: 1 to 64 ASCII
// letters, digits, '.', '_' or '-', starting with a letter or digit. The
// name becomes one path element under GuestRoot and appears unquoted in
// a file: URL (GoEnv) and inside a TOML string (CargoConfig), so the rule
// keeps out separators, "..", and every character any of those would
// need to escape.
func CheckName(name string) error {
	if name == "" {
		return fmt.Errorf("deps: empty dependency name")
	}
	if len(name) > maxNameLen {
		return fmt.Errorf("deps: dependency name %.20q... is longer than %d bytes", name, maxNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case i > 0 && (c == '.' || c == '_' || c == '-'):
		default:
			return fmt.Errorf("deps: dependency name %q: byte %d (%q) is not allowed (want [A-Za-z0-9][A-Za-z0-9._-]*)", name, i, c)
		}
	}
	return nil
}

// GuestDir returns the guest path of the dependency tree called name.
func GuestDir(name string) (string, error) {
	if err := CheckName(name); err != nil {
		return "", err
	}
	return path.Join(GuestRoot, name), nil
}
