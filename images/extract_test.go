package images

import (
	"archive/tar"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// extractBytes writes deb to a file and extracts it into base/x, where base
// is a fresh directory that must hold nothing but x afterwards.
func extractBytes(t *testing.T, deb []byte, keep func(string) bool) (dir string, err error) {
	t.Helper()
	base := t.TempDir()
	debPath := filepath.Join(base, "test.deb")
	if err := os.WriteFile(debPath, deb, 0o644); err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(base, "x")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	err = ExtractDeb(debPath, dir, keep)
	if err := os.Remove(debPath); err != nil {
		t.Fatal(err)
	}
	ents, rerr := os.ReadDir(base)
	if rerr != nil {
		t.Fatal(rerr)
	}
	if len(ents) != 1 || ents[0].Name() != "x" {
		t.Fatalf("extraction wrote outside its directory: %v", ents)
	}
	return dir, err
}

// tree describes dir: "path" for a directory, "path=content" for a file
// (with "(mode)" when not 0644), "path->target" for a symlink.
func tree(t *testing.T, dir string) string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(p, dir+string(filepath.Separator)))
		fi, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			out = append(out, rel+"/")
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			out = append(out, rel+"->"+target)
		default:
			body, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			s := rel + "=" + string(body)
			if fi.Mode().Perm() != 0o644 {
				s += "(" + fi.Mode().Perm().String() + ")"
			}
			out = append(out, s)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func TestExtractDebFormats(t *testing.T) {
	entries := []tarEntry{
		{name: "./", typ: tar.TypeDir, mode: 0o755},
		{name: "./usr/", typ: tar.TypeDir, mode: 0o755},
		{name: "./usr/bin/", typ: tar.TypeDir, mode: 0o755},
		{name: "./usr/bin/busybox", body: "elf", mode: 0o755},
		{name: "./usr/bin/sh", typ: tar.TypeSymlink, linkname: "busybox"},
		{name: "./usr/share/doc/x/copyright", body: "text"},
		{name: "./bin", typ: tar.TypeSymlink, linkname: "usr/bin"},
		{name: "./etc/alternatives/sh", typ: tar.TypeSymlink, linkname: "/usr/bin/busybox"},
	}
	want := "bin->usr/bin etc/ etc/alternatives/ etc/alternatives/sh->/usr/bin/busybox " +
		"usr/ usr/bin/ usr/bin/busybox=elf(-rwxr-xr-x) usr/bin/sh->busybox usr/share/ usr/share/doc/ " +
		"usr/share/doc/x/ usr/share/doc/x/copyright=text"
	for _, member := range []string{"data.tar", "data.tar.gz", "data.tar.xz", "data.tar.zst"} {
		t.Run(member, func(t *testing.T) {
			dir, err := extractBytes(t, makeDeb(t, member, entries...), nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := tree(t, dir); got != want {
				t.Fatalf("tree:\n got %s\nwant %s", got, want)
			}
		})
	}
}

func TestExtractDebKeep(t *testing.T) {
	deb := makeDeb(t, "data.tar.xz",
		tarEntry{name: "./boot/", typ: tar.TypeDir},
		tarEntry{name: "./boot/vmlinux", body: "kernel"},
		tarEntry{name: "./boot/config", body: "config"},
		tarEntry{name: "./usr/lib/modules/a.ko.xz", body: "a"},
		tarEntry{name: "./usr/lib/modules/b.ko.xz", body: "b"},
	)
	var seen []string
	keep := func(name string) bool {
		seen = append(seen, name)
		return name == "boot/vmlinux" || name == "usr/lib/modules/b.ko.xz"
	}
	dir, err := extractBytes(t, deb, keep)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tree(t, dir), "boot/ boot/vmlinux=kernel usr/ usr/lib/ usr/lib/modules/ usr/lib/modules/b.ko.xz=b"; got != want {
		t.Fatalf("tree:\n got %s\nwant %s", got, want)
	}
	if got, want := strings.Join(seen, " "), "boot boot/vmlinux boot/config usr/lib/modules/a.ko.xz usr/lib/modules/b.ko.xz"; got != want {
		t.Fatalf("keep saw %q, want %q", got, want)
	}
}

// TestExtractDebHostile feeds archives that try to write outside the
// target directory or to replace what they should not.
func TestExtractDebHostile(t *testing.T) {
	tests := []struct {
		name    string
		entries []tarEntry
		wantErr string // "" = must succeed
		want    string // tree afterwards (checked on success)
	}{
		{"absolute", []tarEntry{{name: "/etc/passwd", body: "x"}}, "absolute path", ""},
		{"dotdot", []tarEntry{{name: "../x", body: "x"}}, `".."`, ""},
		{"inner dotdot", []tarEntry{{name: "./a/../../x", body: "x"}}, `".."`, ""},
		{"harmless dotdot refused too", []tarEntry{{name: "a/../b", body: "x"}}, `".."`, ""},
		{"symlink up", []tarEntry{{name: "l", typ: tar.TypeSymlink, linkname: "../outside"}}, "leaves", ""},
		{"symlink deep up", []tarEntry{{name: "a/b/l", typ: tar.TypeSymlink, linkname: "../../../x"}}, "leaves", ""},
		{"symlink empty", []tarEntry{{name: "l", typ: tar.TypeSymlink, linkname: ""}}, "leaves", ""},
		{"write through absolute link", []tarEntry{
			{name: "l", typ: tar.TypeSymlink, linkname: "/tmp"},
			{name: "l/x", body: "x"},
		}, "not a directory", ""},
		{"write through dot link", []tarEntry{
			{name: "l", typ: tar.TypeSymlink, linkname: "."},
			{name: "l/x", typ: tar.TypeSymlink, linkname: "../escape"},
		}, "not a directory", ""},
		{"dir through link", []tarEntry{
			{name: "d/", typ: tar.TypeDir},
			{name: "l", typ: tar.TypeSymlink, linkname: "d"},
			{name: "l/sub/", typ: tar.TypeDir},
		}, "not a directory", ""},
		{"file replaces link", []tarEntry{
			{name: "l", typ: tar.TypeSymlink, linkname: "/etc/passwd"},
			{name: "l", body: "safe"},
		}, "", "l=safe"},
		{"link replaces file", []tarEntry{
			{name: "f", body: "old"},
			{name: "f", typ: tar.TypeSymlink, linkname: "g"},
		}, "", "f->g"},
		{"file replaces dir", []tarEntry{
			{name: "d/", typ: tar.TypeDir},
			{name: "d", body: "x"},
		}, "would replace a directory", ""},
		{"hard link", []tarEntry{
			{name: "f", body: "x"},
			{name: "h", typ: tar.TypeLink, linkname: "f"},
		}, "unsupported member type", ""},
		{"char device", []tarEntry{{name: "dev/null", typ: tar.TypeChar}}, "unsupported member type", ""},
		{"fifo", []tarEntry{{name: "p", typ: tar.TypeFifo}}, "unsupported member type", ""},
		{"mode bits", []tarEntry{
			{name: "suid", body: "s", mode: 0o4777},
			{name: "ro", body: "r", mode: 0o400},
		}, "", "ro=r(-r--------) suid=s(-rwxr-xr-x)"},
		{"inside relative links", []tarEntry{
			{name: "a/b/l", typ: tar.TypeSymlink, linkname: "../../c"},
			{name: "a/m", typ: tar.TypeSymlink, linkname: "b/../.."},
		}, "", "a/ a/b/ a/b/l->../../c a/m->b/../.."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, err := extractBytes(t, makeDeb(t, "data.tar", tt.entries...), nil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := tree(t, dir); got != tt.want {
				t.Fatalf("tree:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestExtractDebMalformed(t *testing.T) {
	data := writeTar(t, tarEntry{name: "f", body: "x"})
	tests := []struct {
		name    string
		deb     []byte
		wantErr string
	}{
		{"not ar", []byte("hello world"), "bad magic"},
		{"empty ar", writeAr(), "empty ar archive"},
		{"no debian-binary", writeAr(arMember{"data.tar", data}), "first member"},
		{"format 3", writeAr(arMember{"debian-binary", []byte("3.0\n")}, arMember{"data.tar", data}), "unsupported .deb format"},
		{"no data", writeAr(arMember{"debian-binary", []byte("2.0\n")}, arMember{"control.tar", data}), "no data.tar member"},
		{"bzip2", writeAr(arMember{"debian-binary", []byte("2.0\n")}, arMember{"data.tar.bz2", data}), "unsupported data member"},
		{"corrupt xz", writeAr(arMember{"debian-binary", []byte("2.0\n")}, arMember{"data.tar.xz", []byte("\xfd7zXZ\x00garbage")}), "data.tar.xz"},
		{"corrupt zst", writeAr(arMember{"debian-binary", []byte("2.0\n")}, arMember{"data.tar.zst", []byte("\x28\xb5\x2f\xfdgarbage")}), "data.tar.zst"},
		{"truncated tar", writeAr(arMember{"debian-binary", []byte("2.0\n")}, arMember{"data.tar", data[:300]}), "unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := extractBytes(t, tt.deb, nil)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), "test.deb") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestSanitizeTarPath(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"./usr/bin/busybox", "usr/bin/busybox", ""},
		{"usr/bin/", "usr/bin", ""},
		{"./", "", ""},
		{".", "", ""},
		{"", "", ""},
		{"a//b/./c", "a/b/c", ""},
		{"/etc", "", "absolute"},
		{"//etc", "", "absolute"},
		{"..", "", ".."},
		{"a/..", "", ".."},
		{"a/../b", "", ".."},
		{"...", "...", ""},
		{"a/..b", "a/..b", ""},
		{"a\x00", "", "NUL"},
	}
	for _, tt := range tests {
		got, err := sanitizeTarPath(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("sanitizeTarPath(%q) = %q, %v; want error containing %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("sanitizeTarPath(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// TestSparseRefused checks the guard against PAX sparse files, whose holes
// archive/tar would expand into zeros on disk. tar.Writer cannot write one,
// so the header is made directly.
func TestSparseRefused(t *testing.T) {
	x := &extractor{dirs: map[string]bool{".": true}}
	hdr := &tar.Header{Name: "s", Typeflag: tar.TypeReg, Size: 1 << 40,
		PAXRecords: map[string]string{"GNU.sparse.major": "1", "GNU.sparse.minor": "0"}}
	if err := x.member(hdr, "s", strings.NewReader("")); err == nil || !strings.Contains(err.Error(), "sparse") {
		t.Fatalf("error %v, want sparse files refused", err)
	}
	if isSparse(&tar.Header{PAXRecords: map[string]string{"path": "x"}}) {
		t.Fatal("plain PAX header taken for sparse")
	}
}
