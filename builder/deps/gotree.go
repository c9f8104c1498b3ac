package deps

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// goTree copies the module proxy files out of dl, the cache/download
// directory of a module cache, into tree: <module>/@v/<version>.mod,
// .zip and .info (in canonical form, canonicalInfo), and a <module>/@v/list
// of the versions whose .mod is present. It leaves out the checksum
// database cache (sumdb/), lock files, .ziphash files (the go command
// recomputes them from the zip) and unfinished downloads.
//
// Every .mod file must be listed in sums (go.sum), because the guest
// builds with GOSUMDB=off and would take an unlisted one unchecked. A zip
// that go.sum does not list is kept with a note to log: go.mod may require
// a module whose packages no build uses, and tidy go.sum files omit those.
func goTree(dl, tree string, sums goSum, log io.Writer) error {
	if err := os.Mkdir(tree, 0o755); err != nil {
		return fmt.Errorf("create tree: %w", err)
	}
	if _, err := os.Stat(dl); errors.Is(err, fs.ErrNotExist) {
		return nil // no module dependencies at all
	}
	lists := map[string][]string{} // "<module>/@v/" → versions with a .mod
	err := filepath.WalkDir(dl, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dl, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == "sumdb" {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s is not a regular file", rel)
		}
		dir, name := path.Split(rel)
		if !strings.HasSuffix(dir, "/@v/") {
			return nil
		}
		ext := path.Ext(name)
		version := strings.TrimSuffix(name, ext)
		mod := unescapeModule(strings.TrimSuffix(dir, "/@v/")) + "@" + unescapeModule(version)
		dst := filepath.Join(tree, filepath.FromSlash(rel))
		switch ext {
		case ".mod":
			if !sums[rel] {
				return fmt.Errorf("go.sum has no /go.mod line for %s, which the module graph needs (run go mod tidy)", mod)
			}
			lists[dir] = append(lists[dir], version)
			return copyFile(dst, p)
		case ".zip":
			if !sums[rel] {
				fmt.Fprintf(log, "deps: note: go.sum has no line for %s; the tree holds it, but a build that needs its packages will take it unchecked\n", mod)
			}
			return copyFile(dst, p)
		case ".info":
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			info, err := canonicalInfo(data, version)
			if err != nil {
				return fmt.Errorf("%s: %w", mod, err)
			}
			return writeFile(dst, info)
		}
		return nil // list (written below), *.lock, *.ziphash, *.partial, temporary files
	})
	if err != nil {
		return fmt.Errorf("copy module proxy files: %w", err)
	}
	for dir, versions := range lists {
		// The GOPROXY protocol leaves the order of list open; byte order
		// makes the file a function of the set.
		slices.Sort(versions)
		if err := writeFile(filepath.Join(tree, filepath.FromSlash(dir), "list"), []byte(strings.Join(versions, "\n")+"\n")); err != nil {
			return fmt.Errorf("write version list: %w", err)
		}
	}
	return nil
}

// unescapeModule undoes escapeModule, for messages: "!x" becomes "X".
func unescapeModule(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '!' && i+1 < len(s) && 'a' <= s[i+1] && s[i+1] <= 'z' {
			i++
			c = s[i] - ('a' - 'A')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// copyFile copies the regular file src to a new file dst, creating dst's
// parent directories.
func copyFile(dst, src string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	_, err = io.Copy(out, in)
	return err
}

// writeFile writes data to a new file path, creating its parent
// directories.
func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
