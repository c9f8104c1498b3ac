package initramfs

import (
	"bytes"
	"io/fs"
	"testing"
)

func sampleSpec() Spec {
	return Spec{
		Init:    []byte("\x7fELF init"),
		Busybox: []byte("\x7fELF busybox"),
		Modules: []Module{
			{Name: "crc32c_generic.ko.xz", Data: []byte("c")},
			{Name: "virtio_mmio.ko.xz", Data: []byte("m")},
			{Name: "virtio_blk.ko.xz", Data: []byte("b")},
			{Name: "jbd2.ko", Group: "ext4", Data: []byte("j")},
		},
	}
}

func TestBuildDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	if err := Build(&a, sampleSpec()); err != nil {
		t.Fatal(err)
	}
	if err := Build(&b, sampleSpec()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("same spec, different bytes")
	}
	s := sampleSpec()
	s.Modules[0].Data = []byte("C")
	var c bytes.Buffer
	if err := Build(&c, s); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Fatal("different module contents, same bytes")
	}
}

func TestBuildLayout(t *testing.T) {
	var buf bytes.Buffer
	if err := Build(&buf, sampleSpec()); err != nil {
		t.Fatal(err)
	}
	recs, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Record{}
	for _, r := range recs {
		got[r.Name] = r
	}
	for _, tc := range []struct {
		name string
		mode fs.FileMode
		data string
	}{
		{"init", 0o755, "\x7fELF init"},
		{"bin/busybox", 0o755, "\x7fELF busybox"},
		{"bin/sh", fs.ModeSymlink | 0o777, "busybox"},
		{"dev/console", fs.ModeDevice | fs.ModeCharDevice | 0o600, ""},
		{"tmp", fs.ModeDir | fs.ModeSticky | 0o777, ""},
		{"out", fs.ModeDir | 0o755, ""},
		{"mnt", fs.ModeDir | 0o755, ""},
		{"proc", fs.ModeDir | 0o555, ""},
		{"sys", fs.ModeDir | 0o555, ""},
		{"modules/virtio_blk.ko.xz", 0o644, "b"},
		{"modules/order", 0o644, "boot crc32c_generic.ko.xz\nboot virtio_mmio.ko.xz\nboot virtio_blk.ko.xz\next4 jbd2.ko\n"},
	} {
		r, ok := got[tc.name]
		if !ok {
			t.Errorf("%s missing", tc.name)
			continue
		}
		if r.Mode != tc.mode || string(r.Data) != tc.data {
			t.Errorf("%s: mode %v data %q, want %v %q", tc.name, r.Mode, r.Data, tc.mode, tc.data)
		}
	}
	if c := got["dev/console"]; c.Major != 5 || c.Minor != 1 {
		t.Errorf("dev/console is %d:%d, want 5:1", c.Major, c.Minor)
	}
}

func TestBuildRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Spec)
	}{
		{"no init", func(s *Spec) { s.Init = nil }},
		{"no busybox", func(s *Spec) { s.Busybox = nil }},
		{"module path", func(s *Spec) { s.Modules[0].Name = "kernel/virtio.ko.xz" }},
		{"module dotdot", func(s *Spec) { s.Modules[0].Name = ".." }},
		{"module order file", func(s *Spec) { s.Modules[0].Name = "order" }},
		{"module twice", func(s *Spec) { s.Modules[1].Name = s.Modules[0].Name }},
		{"module newline", func(s *Spec) { s.Modules[0].Name = "a\nb" }},
		{"module space", func(s *Spec) { s.Modules[0].Name = "a b" }},
		{"bad group", func(s *Spec) { s.Modules[0].Group = "Ext4 x" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sampleSpec()
			tc.edit(&s)
			if err := Build(new(bytes.Buffer), s); err == nil {
				t.Error("Build accepted it")
			}
		})
	}
}

func TestWriteBoot(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteBoot(&buf, []byte(`{"argv":["true"]}`), 0); err != nil {
		t.Fatal(err)
	}
	recs, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[1].Name != BootPath || string(recs[1].Data) != `{"argv":["true"]}` {
		t.Errorf("boot archive holds %+v", recs)
	}
}
