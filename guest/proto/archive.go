package proto

import (
	"archive/tar"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// WriteArchive writes the tree under root to w in the output archive
// format (see [HeaderSize]): directories, regular files and symbolic
// links, sorted by name, with only the metadata the format keeps. Other
// file types (devices, FIFOs, sockets) are skipped and reported to skip.
// Hard links become separate files.
func WriteArchive(w io.Writer, root string, skip func(name string, mode fs.FileMode)) error {
	type item struct {
		name string
		mode fs.FileMode
	}
	var items []item
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == root {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		items = append(items, item{filepath.ToSlash(rel), d.Type()})
		return nil
	})
	if err != nil {
		return fmt.Errorf("archive %s: %w", root, err)
	}
	slices.SortFunc(items, func(a, b item) int { return strings.Compare(a.name, b.name) })
	tw := tar.NewWriter(w)
	for _, it := range items {
		p := filepath.Join(root, filepath.FromSlash(it.name))
		hdr := &tar.Header{Name: it.name, ModTime: time.Unix(0, 0), Format: tar.FormatPAX}
		var file *os.File
		switch it.mode.Type() {
		case fs.ModeDir:
			hdr.Typeflag, hdr.Name, hdr.Mode = tar.TypeDir, it.name+"/", 0o755
		case fs.ModeSymlink:
			target, err := os.Readlink(p)
			if err != nil {
				return fmt.Errorf("archive %s: %w", p, err)
			}
			hdr.Typeflag, hdr.Linkname, hdr.Mode = tar.TypeSymlink, target, 0o777
		case 0:
			f, err := os.Open(p)
			if err != nil {
				return fmt.Errorf("archive %s: %w", p, err)
			}
			fi, err := f.Stat()
			if err != nil {
				f.Close()
				return fmt.Errorf("archive %s: %w", p, err)
			}
			file = f
			hdr.Typeflag, hdr.Size, hdr.Mode = tar.TypeReg, fi.Size(), 0o644
			if fi.Mode()&0o111 != 0 {
				hdr.Mode = 0o755
			}
		default:
			if skip != nil {
				skip(it.name, it.mode)
			}
			continue
		}
		if err := tw.WriteHeader(hdr); err != nil {
			closeFile(file)
			return fmt.Errorf("archive %s: %w", p, err)
		}
		if file != nil {
			_, err := io.Copy(tw, file)
			file.Close()
			if err != nil {
				return fmt.Errorf("archive %s: %w", p, err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("archive %s: %w", root, err)
	}
	return nil
}

func closeFile(f *os.File) {
	if f != nil {
		f.Close()
	}
}
