//go:build linux

package erofs

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// erofsTool finds a program of Debian's erofs-utils, which `make test`
// installs. Missing, it skips the test, or fails it under CI=true, where a
// skip would hide a broken install step.
func erofsTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	msg := name + " not found; install it with: apt-get install erofs-utils (or run make test)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// TestFsckExtract has erofs-utils' fsck.erofs check the image and extract
// it, and compares the extracted tree with the entries: contents, modes,
// owners, device numbers, link targets and modification times.
func TestFsckExtract(t *testing.T) {
	fsck := erofsTool(t, "fsck.erofs")
	root := os.Geteuid() == 0
	var entries []Entry
	for _, e := range sampleTree() {
		// Only root can create device nodes and give files away.
		if !root && (e.Mode&fs.ModeDevice != 0 || e.UID != 0 || e.GID != 0) {
			continue
		}
		entries = append(entries, e)
	}
	dir := t.TempDir()
	img := filepath.Join(dir, "img")
	if err := os.WriteFile(img, writeImage(t, entries, testOpts), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	cmd := exec.Command(fsck, "--extract="+out, "--preserve", img)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("fsck.erofs: %v\n%s", err, msg)
	}
	want := expect(t, entries, testOpts)
	got := map[string]*file{}
	err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(out, p)
		if err != nil {
			return err
		}
		var st syscall.Stat_t
		if err := syscall.Lstat(p, &st); err != nil {
			return err
		}
		f := &file{mode: uint16(st.Mode), uid: st.Uid, gid: st.Gid, mtime: st.Mtim.Sec}
		switch st.Mode & sIFMT {
		case sIFREG:
			if f.data, err = os.ReadFile(p); err != nil {
				return err
			}
		case sIFLNK:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			f.data = []byte(target)
		case sIFCHR, sIFBLK:
			// Stat_t.Rdev is glibc's encoding; convert to the kernel's.
			major, minor := uint32(st.Rdev>>8&0xfff), uint32(st.Rdev&0xff|st.Rdev>>12&^0xff)
			f.rdev = minor&0xff | major<<8 | (minor&^0xff)<<12
		}
		got[filepath.ToSlash(rel)] = f
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// fsck.erofs 1.5 restores the owner after the mode, and the kernel
	// clears set-user-ID and set-group-ID on a regular file whose owner
	// changes, so they cannot survive extraction. The reader test and
	// the kernel mount test check them instead.
	for _, f := range want {
		if f.mode&sIFMT == sIFREG {
			f.mode &^= 0o6000
		}
	}
	compare(t, got, want)
}
