package guest

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/reprovm/reprovm/guest/proto"
)

// drive lays out an output drive as the init does: in h.Version's format
// (the current one if 0), so with the archive's hash only in format 1.
func drive(h proto.Header, archive []byte, size int) []byte {
	h.ArchiveLen = uint64(len(archive))
	if h.Version == 1 {
		h.ArchiveSHA256 = sha256.Sum256(archive)
	}
	d := append(h.Marshal(), archive...)
	if len(d) < size {
		d = append(d, make([]byte, size-len(d))...)
	}
	return d
}

// archiveOf writes a tree like the guest's /out and archives it.
func archiveOf(t testing.TB) []byte {
	t.Helper()
	root := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(root, "sub", "deep"), 0o700))
	must(os.WriteFile(filepath.Join(root, "a.txt"), []byte("alpha\n"), 0o600))
	must(os.WriteFile(filepath.Join(root, "sub", "tool"), []byte("#!/bin/sh\n"), 0o700))
	must(os.WriteFile(filepath.Join(root, "sub", "deep", "empty"), nil, 0o666))
	must(os.Symlink("../a.txt", filepath.Join(root, "sub", "link")))
	var buf bytes.Buffer
	must(proto.WriteArchive(&buf, root, func(string, fs.FileMode) { t.Error("nothing should be skipped") }))
	return buf.Bytes()
}

func TestReadOutputRoundTrip(t *testing.T) {
	arch := archiveOf(t)
	// The format 1 drive of an image made before format 2 reads the same.
	status, files, err := ReadOutput(bytes.NewReader(drive(proto.Header{Version: 1, State: proto.Exited, Code: 3}, arch, 1<<16)))
	if err != nil {
		t.Fatal(err)
	}
	status2, files2, err := ReadOutput(bytes.NewReader(drive(proto.Header{State: proto.Exited, Code: 3}, arch, 1<<16)))
	if err != nil {
		t.Fatal(err)
	}
	if status2 != status || !reflect.DeepEqual(files2, files) {
		t.Errorf("format 2 reads %d %+v, format 1 %d %+v", status2, files2, status, files)
	}
	if status != 3 {
		t.Errorf("status %d, want 3", status)
	}
	var got []string
	for _, f := range files {
		got = append(got, f.Name+" "+f.Mode.String()+" "+string(f.Data)+f.Link)
	}
	want := []string{
		"a.txt -rw-r--r-- alpha\n",
		"sub drwxr-xr-x ",
		"sub/deep drwxr-xr-x ",
		"sub/deep/empty -rw-r--r-- ",
		"sub/link Lrwxrwxrwx ../a.txt",
		"sub/tool -rwxr-xr-x #!/bin/sh\n",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("files\n%q\nwant\n%q", got, want)
	}

	dir := filepath.Join(t.TempDir(), "out")
	if err := ExtractOutput(dir, files); err != nil {
		t.Fatal(err)
	}
	// Twice: an existing output directory is updated in place.
	if err := ExtractOutput(dir, files); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "sub", "link")); err != nil || string(b) != "alpha\n" {
		t.Errorf("sub/link reads %q, %v", b, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "sub", "tool")); err != nil || fi.Mode() != 0o755 {
		t.Errorf("sub/tool: %v %v, want mode 0755", fi, err)
	}
}

// The archive depends only on the tree: the same tree archived twice (and
// a copy made in another order) gives the same bytes.
func TestWriteArchiveDeterministic(t *testing.T) {
	if !bytes.Equal(archiveOf(t), archiveOf(t)) {
		t.Error("same tree, different archives")
	}
}

func TestReadOutputStatus(t *testing.T) {
	for _, tc := range []struct {
		h    proto.Header
		want int
	}{
		{proto.Header{State: proto.Exited, Code: 0}, 0},
		{proto.Header{State: proto.Exited, Code: 255}, 255},
		{proto.Header{State: proto.Signaled, Code: 9}, 137},
	} {
		got, _, err := ReadOutput(bytes.NewReader(drive(tc.h, archiveOf(t), 0)))
		if err != nil || got != tc.want {
			t.Errorf("%+v: status %d, %v; want %d", tc.h, got, err, tc.want)
		}
	}
	_, _, err := ReadOutput(bytes.NewReader(drive(proto.Header{State: proto.InitFailed, Code: int32(proto.StageDrives), Message: "no drive"}, nil, 0)))
	var ie *InitError
	if !errors.As(err, &ie) || ie.Stage != proto.StageDrives || ie.Message != "no drive" {
		t.Errorf("init failure read as %v", err)
	}
}

func TestReadOutputRejects(t *testing.T) {
	for _, v := range []uint32{1, proto.FormatVersion} {
		t.Run(fmt.Sprintf("format %d", v), func(t *testing.T) { testReadOutputRejects(t, v) })
	}
}

func testReadOutputRejects(t *testing.T, version uint32) {
	arch := archiveOf(t)
	good := drive(proto.Header{Version: version, State: proto.Exited}, arch, 0)
	corrupt := func(f func(d []byte) []byte) []byte { return f(bytes.Clone(good)) }
	cases := []struct {
		name  string
		drive []byte
	}{
		{"blank", make([]byte, 4096)},
		{"short", good[:100]},
		{"truncated archive", good[:len(good)-600]},
		{"bad magic", corrupt(func(d []byte) []byte { d[0] = 'X'; return d })},
		{"bad version", corrupt(func(d []byte) []byte { d[12] = 9; return d })},
		{"bad state", corrupt(func(d []byte) []byte { d[16] = 9; return d })},
		{"exit status out of range", drive(proto.Header{Version: version, State: proto.Exited, Code: 256}, arch, 0)},
		{"huge length", corrupt(func(d []byte) []byte {
			copy(d[24:32], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
			return d
		})},
		{"copy not finished", drive(proto.Header{Version: version, State: proto.Copying}, arch, 0)},
	}
	if version == 1 {
		// Only format 1 carries a hash that finds a changed data byte.
		cases = append(cases, struct {
			name  string
			drive []byte
		}{"flipped archive byte", corrupt(func(d []byte) []byte { d[proto.HeaderSize+600] ^= 1; return d })})
	} else {
		cases = append(cases, struct {
			name  string
			drive []byte
		}{"a hash in format 2", corrupt(func(d []byte) []byte { d[40] = 1; return d })})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := ReadOutput(bytes.NewReader(tc.drive)); err == nil {
				t.Error("ReadOutput accepted it")
			}
		})
	}
}

func TestExtractOutputRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    File
	}{
		{"dotdot", File{Name: "../x", Mode: 0o644}},
		{"absolute", File{Name: "/etc/x", Mode: 0o644}},
		{"inner dotdot", File{Name: "a/../../x", Mode: 0o644}},
		{"backslash", File{Name: `..\x`, Mode: 0o644}},
		{"dot", File{Name: ".", Mode: fs.ModeDir | 0o755}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent := t.TempDir()
			if err := ExtractOutput(filepath.Join(parent, "out"), []File{tc.f}); err == nil {
				t.Error("ExtractOutput accepted it")
			}
		})
	}
	// A symlink in the archive never lets a later member escape: writing
	// through it fails inside os.Root.
	parent := t.TempDir()
	err := ExtractOutput(filepath.Join(parent, "out"), []File{
		{Name: "l", Mode: fs.ModeSymlink | 0o777, Link: ".."},
		{Name: "l/escaped", Mode: 0o644, Data: []byte("x")},
	})
	if err == nil {
		t.Error("wrote through a symlink to the parent")
	}
	if _, err := os.Lstat(filepath.Join(parent, "escaped")); err == nil {
		t.Error("a file escaped the output directory")
	}
}

func FuzzReadOutput(f *testing.F) {
	f.Add(drive(proto.Header{State: proto.Exited, Code: 1}, archiveOf(f), 0))
	f.Add(drive(proto.Header{State: proto.InitFailed, Code: 2, Message: "m"}, nil, 0))
	f.Add(make([]byte, proto.HeaderSize))
	f.Fuzz(func(t *testing.T, d []byte) {
		_, files, err := ReadOutput(bytes.NewReader(d))
		if err != nil {
			return
		}
		parent := t.TempDir()
		if err := ExtractOutput(filepath.Join(parent, "out"), files); err != nil {
			return
		}
		ents, err := os.ReadDir(parent)
		if err != nil || len(ents) != 1 {
			t.Fatalf("extraction wrote outside its directory: %v %v", ents, err)
		}
	})
}
