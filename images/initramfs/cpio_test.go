package initramfs

import (
	"bytes"
	"io/fs"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

func sampleEntries() []Entry {
	return []Entry{
		{Name: "init", Mode: 0o755, Data: []byte("#!/bin/sh\n")},
		{Name: "dev", Mode: fs.ModeDir | 0o755},
		{Name: "dev/console", Mode: fs.ModeDevice | fs.ModeCharDevice | 0o600, Major: 5, Minor: 1},
		{Name: "bin", Mode: fs.ModeDir | 0o755},
		{Name: "bin/sh", Mode: fs.ModeSymlink | 0o777, Data: []byte("busybox")},
		{Name: "bin/busybox", Mode: 0o755, Data: bytes.Repeat([]byte{0xAA}, 13)},
		{Name: "tmp", Mode: fs.ModeDir | fs.ModeSticky | 0o777},
		{Name: "empty", Mode: 0o644},
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	in := sampleEntries()
	var buf bytes.Buffer
	if err := Write(&buf, in, 7); err != nil {
		t.Fatal(err)
	}
	if buf.Len()%4 != 0 {
		t.Errorf("archive length %d is not a multiple of 4", buf.Len())
	}
	recs, err := Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(in)
	slices.SortFunc(want, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
	if len(recs) != len(want) {
		t.Fatalf("read %d records, want %d", len(recs), len(want))
	}
	for i, r := range recs {
		w := want[i]
		if r.Name != w.Name || r.Mode != w.Mode || !bytes.Equal(r.Data, w.Data) || r.Major != w.Major || r.Minor != w.Minor {
			t.Errorf("record %d = %q %v %q %d:%d, want %q %v %q %d:%d", i,
				r.Name, r.Mode, r.Data, r.Major, r.Minor, w.Name, w.Mode, w.Data, w.Major, w.Minor)
		}
		wantNlink := uint32(1)
		if w.Mode.IsDir() {
			wantNlink = 2
		}
		if r.Ino != uint32(i+1) || r.UID != 0 || r.GID != 0 || r.Nlink != wantNlink || r.MTime != 7 {
			t.Errorf("%s: ino %d uid %d gid %d nlink %d mtime %d, want ino %d, 0, 0, nlink %d, mtime 7",
				r.Name, r.Ino, r.UID, r.GID, r.Nlink, r.MTime, i+1, wantNlink)
		}
	}
}

// The output depends on the set of entries, not their order.
func TestWriteDeterministic(t *testing.T) {
	in := sampleEntries()
	var a, b bytes.Buffer
	if err := Write(&a, in, 0); err != nil {
		t.Fatal(err)
	}
	rev := slices.Clone(in)
	slices.Reverse(rev)
	if err := Write(&b, rev, 0); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("entry order changed the archive")
	}
}

// A known archive, byte for byte: one file "a" holding "xy".
func TestWriteGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, []Entry{{Name: "a", Mode: 0o644, Data: []byte("xy")}}, 0); err != nil {
		t.Fatal(err)
	}
	want := "070701" + "00000001" + "000081a4" + "00000000" + "00000000" + "00000001" + "00000000" +
		"00000002" + "00000000" + "00000000" + "00000000" + "00000000" + "00000002" + "00000000" +
		"a\x00" + "xy\x00\x00" +
		"070701" + "00000000" + "00000000" + "00000000" + "00000000" + "00000001" + "00000000" +
		"00000000" + "00000000" + "00000000" + "00000000" + "00000000" + "0000000b" + "00000000" +
		"TRAILER!!!\x00" + "\x00\x00\x00"
	if got := buf.String(); got != want {
		t.Errorf("archive =\n%q\nwant\n%q", got, want)
	}
}

func TestWriteRejects(t *testing.T) {
	for _, tc := range []struct {
		name    string
		entries []Entry
	}{
		{"absolute", []Entry{{Name: "/init"}}},
		{"dotdot", []Entry{{Name: "../x"}}},
		{"unclean", []Entry{{Name: "bin/"}, {Name: "bin", Mode: fs.ModeDir}}},
		{"empty", []Entry{{Name: ""}}},
		{"dot", []Entry{{Name: "."}}},
		{"trailer", []Entry{{Name: trailerName}}},
		{"duplicate", []Entry{{Name: "a"}, {Name: "a"}}},
		{"missing parent", []Entry{{Name: "bin/sh"}}},
		{"parent is a file", []Entry{{Name: "bin"}, {Name: "bin/sh"}}},
		{"dir with data", []Entry{{Name: "d", Mode: fs.ModeDir, Data: []byte("x")}}},
		{"fifo", []Entry{{Name: "p", Mode: fs.ModeNamedPipe}}},
		{"device numbers on file", []Entry{{Name: "f", Major: 1}}},
		{"NUL in name", []Entry{{Name: "a\x00b"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := Write(new(bytes.Buffer), tc.entries, 0); err == nil {
				t.Error("Write accepted it")
			}
		})
	}
}

func TestReadRejects(t *testing.T) {
	var good bytes.Buffer
	if err := Write(&good, sampleEntries(), 0); err != nil {
		t.Fatal(err)
	}
	g := good.String()
	for _, tc := range []struct{ name, archive string }{
		{"empty", ""},
		{"truncated header", g[:50]},
		{"truncated data", g[:200]},
		{"no trailer", g[:len(g)-124]},
		{"bad magic", "070707" + g[6:]},
		{"bad hex", g[:6] + "0000000z" + g[14:]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Read(strings.NewReader(tc.archive)); err == nil {
				t.Error("Read accepted it")
			}
		})
	}
}

// GNU cpio, if installed, agrees with the reader on the members.
func TestGNUCpioLists(t *testing.T) {
	cpio, err := exec.LookPath("cpio")
	if err != nil {
		t.Skip("GNU cpio not installed")
	}
	var buf bytes.Buffer
	if err := Write(&buf, sampleEntries(), 0); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(cpio, "-t", "--quiet")
	cmd.Stdin = &buf
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("cpio -t: %v", err)
	}
	want := "bin\nbin/busybox\nbin/sh\ndev\ndev/console\nempty\ninit\ntmp\n"
	if string(out) != want {
		t.Errorf("cpio -t listed\n%s\nwant\n%s", out, want)
	}
}

func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	if err := Write(&buf, sampleEntries(), 0); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("070701"))
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, err := Read(bytes.NewReader(b))
		if err != nil {
			return
		}
		// Whatever reads and is writable must survive a round trip.
		entries := make([]Entry, len(recs))
		for i, r := range recs {
			entries[i] = r.Entry
		}
		var out bytes.Buffer
		if Write(&out, entries, 0) != nil {
			return
		}
		again, err := Read(&out)
		if err != nil {
			t.Fatalf("reading a written archive: %v", err)
		}
		if len(again) != len(recs) {
			t.Fatalf("round trip: %d records, want %d", len(again), len(recs))
		}
	})
}
