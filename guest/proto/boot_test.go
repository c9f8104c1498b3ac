package proto

import (
	"bytes"
	"strings"
	"testing"
)

func TestBootRoundTrip(t *testing.T) {
	for _, b := range []*Boot{
		{},
		{Root: &Root{FS: "erofs"}},
		{Root: &Root{FS: "erofs"}, Warmup: &Command{Argv: []string{"go", "build", "std"}, Env: []string{"GOOS=wasip1"}, Dir: "/tmp"}},
	} {
		data, err := b.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseBoot(data)
		if err != nil {
			t.Fatalf("ParseBoot(%s): %v", data, err)
		}
		again, _ := got.Marshal()
		if !bytes.Equal(again, data) {
			t.Errorf("round trip: %s became %s", data, again)
		}
	}
}

func TestBootRejects(t *testing.T) {
	for _, tc := range []struct{ json, bad string }{
		{`{"root":{"fs":"ntfs"}}`, "unsupported filesystem"},
		{`{"warmup":{"argv":[]}}`, "empty command"},
		{`{"warmup":{"argv":["a"],"env":["X"]}}`, "bad environment entry"},
		{`{"warmup":{"argv":["a"],"dir":"rel"}}`, "not a clean absolute path"},
		{`{"job":{}}`, "unknown field"},
		{`{} {}`, "trailing data"},
	} {
		if _, err := ParseBoot([]byte(tc.json)); err == nil || !strings.Contains(err.Error(), tc.bad) {
			t.Errorf("ParseBoot(%s): %v, want an error with %q", tc.json, err, tc.bad)
		}
	}
}

func TestJobDrive(t *testing.T) {
	j := &Job{Argv: []string{"sh", "-c", "echo hi"}, Env: []string{"A=b"}, Inputs: []Input{{FS: "erofs", Mount: "/src", Overlay: true}}}
	data, err := EncodeJobDrive(j)
	if err != nil {
		t.Fatal(err)
	}
	// The drive is larger than what the host writes: the rest reads as zeros.
	drive := make([]byte, 64<<10)
	copy(drive, data)
	got, js, err := ReadJobDrive(bytes.NewReader(drive))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := j.Marshal()
	if !bytes.Equal(js, want) || got.Argv[2] != "echo hi" || got.Inputs[0].Mount != "/src" {
		t.Errorf("got %+v (%s)", got, js)
	}

	for _, tc := range []struct {
		name string
		edit func([]byte)
		bad  string
	}{
		{"blank", func(b []byte) { clear(b) }, "attached no job"},
		{"magic", func(b []byte) { b[0] = 'X' }, "bad magic"},
		{"version", func(b []byte) { b[12] = 9 }, "format version"},
		{"length", func(b []byte) { b[23] = 0xff }, "out of range"},
		{"hash", func(b []byte) { b[520] ^= 1 }, "does not match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := bytes.Clone(drive)
			tc.edit(b)
			if _, _, err := ReadJobDrive(bytes.NewReader(b)); err == nil || !strings.Contains(err.Error(), tc.bad) {
				t.Errorf("ReadJobDrive: %v, want an error with %q", err, tc.bad)
			}
		})
	}
	if _, err := EncodeJobDrive(&Job{Argv: []string{strings.Repeat("x", JobDriveSize)}}); err == nil {
		t.Error("EncodeJobDrive accepted a job larger than the drive")
	}
}

func TestIsReady(t *testing.T) {
	h := (&Header{State: Ready}).Marshal()
	if !IsReady(h) {
		t.Error("a ready header is not IsReady")
	}
	if _, err := ParseHeader(h); err == nil || !strings.Contains(err.Error(), "did not finish") {
		t.Errorf("ParseHeader(ready): %v", err)
	}
	for _, b := range [][]byte{(&Header{State: Exited}).Marshal(), make([]byte, HeaderSize), h[:HeaderSize-1]} {
		if IsReady(b) {
			t.Errorf("IsReady(%q...) = true", b[:24])
		}
	}
}

// TestIsCopying: the copying header carries the bytes to copy, exists only
// from format 2, and left on a drive it reads as an unfinished copy. The
// ready header of either format is still the ready signal.
func TestIsCopying(t *testing.T) {
	h := (&Header{State: Copying, ArchiveLen: 12345}).Marshal()
	if n, ok := IsCopying(h); !ok || n != 12345 {
		t.Errorf("IsCopying(copying header) = %d, %v", n, ok)
	}
	if _, err := ParseHeader(h); err == nil || !strings.Contains(err.Error(), "did not finish archiving") {
		t.Errorf("ParseHeader(copying): %v", err)
	}
	v1 := (&Header{Version: 1, State: Copying}).Marshal()
	if _, err := ParseHeader(v1); err == nil || !strings.Contains(err.Error(), "unknown state") {
		t.Errorf("ParseHeader(format 1 copying): %v", err)
	}
	for _, b := range [][]byte{(&Header{State: Ready}).Marshal(), (&Header{State: Exited}).Marshal(), make([]byte, HeaderSize), h[:HeaderSize-1]} {
		if _, ok := IsCopying(b); ok {
			t.Errorf("IsCopying(%q...) = true", b[:24])
		}
	}
	if !IsReady((&Header{Version: 1, State: Ready}).Marshal()) {
		t.Error("a format 1 ready header is not IsReady")
	}
	if IsReady((&Header{Version: FormatVersion + 1, State: Ready}).Marshal()) {
		t.Error("a ready header of an unknown format is IsReady")
	}
}

func FuzzReadJobDrive(f *testing.F) {
	data, _ := EncodeJobDrive(&Job{Argv: []string{"true"}, Inputs: []Input{{Mount: "/src"}}})
	f.Add(data)
	f.Add(make([]byte, 600))
	f.Fuzz(func(t *testing.T, b []byte) {
		j, js, err := ReadJobDrive(bytes.NewReader(b))
		if err != nil {
			return
		}
		if err := j.Validate(); err != nil {
			t.Fatalf("accepted an invalid job %s: %v", js, err)
		}
	})
}

func FuzzParseBoot(f *testing.F) {
	f.Add([]byte(`{"root":{"fs":"erofs"},"warmup":{"argv":["go","build","std"]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		boot, err := ParseBoot(b)
		if err != nil {
			return
		}
		data, err := boot.Marshal()
		if err != nil {
			t.Fatalf("accepted %q but cannot marshal it: %v", b, err)
		}
		if _, err := ParseBoot(data); err != nil {
			t.Fatalf("re-parse of %s: %v", data, err)
		}
	})
}
