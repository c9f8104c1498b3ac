package proto

import (
	"strings"
	"testing"
)

func TestJobCmdlineRoundTrip(t *testing.T) {
	j := &Job{
		Argv:   []string{"sh", "-c", "echo 'a b'; exit 3"},
		Env:    []string{"A=1", "B=x y=z"},
		Dir:    "/tmp",
		Inputs: []Input{{}, {FS: "squashfs"}},
	}
	p, err := j.Cmdline()
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(p, " \t\"'") {
		t.Errorf("parameter %q has characters the kernel's parser splits on", p)
	}
	got, found, err := JobFromCmdline("console=ttyS0 quiet " + p + " no4lvl\n")
	if err != nil || !found {
		t.Fatalf("JobFromCmdline: %v, found %v", err, found)
	}
	if strings.Join(got.Argv, "\x00") != strings.Join(j.Argv, "\x00") || got.Dir != j.Dir ||
		len(got.Env) != 2 || len(got.Inputs) != 2 || got.Inputs[1].FS != "squashfs" {
		t.Errorf("round trip gave %+v", got)
	}
	if _, found, err := JobFromCmdline("console=ttyS0 quiet"); found || err != nil {
		t.Errorf("no job: found %v, err %v", found, err)
	}
}

func TestJobRejects(t *testing.T) {
	for _, tc := range []struct{ name, cmdline string }{
		{"twice", "reprovm.job=e30 reprovm.job=e30"},
		{"not base64", "reprovm.job=%%%"},
		{"not JSON", "reprovm.job=bm90IGpzb24"},                      // "not json"
		{"empty argv", "reprovm.job=e30"},                            // {}
		{"unknown field", "reprovm.job=eyJhcmd2IjpbImEiXSwieCI6MX0"}, // {"argv":["a"],"x":1}
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := JobFromCmdline(tc.cmdline); err == nil {
				t.Error("accepted")
			}
		})
	}
	for _, j := range []Job{
		{},
		{Argv: []string{""}},
		{Argv: []string{"a\x00b"}},
		{Argv: []string{"a"}, Env: []string{"NOEQUALS"}},
		{Argv: []string{"a"}, Env: []string{"=v"}},
		{Argv: []string{"a"}, Dir: "rel"},
		{Argv: []string{"a"}, Dir: "/a/../b"},
		{Argv: []string{"a"}, Inputs: []Input{{FS: "ntfs"}}},
		{Argv: []string{"a"}, Inputs: make([]Input, MaxDrives)},
	} {
		if err := j.Validate(); err == nil {
			t.Errorf("%+v: accepted", j)
		}
	}
}

func TestHeaderRoundTrip(t *testing.T) {
	h := Header{State: Signaled, Code: 9, ArchiveLen: 1234, Message: strings.Repeat("é", 200)}
	h.ArchiveSHA256[0] = 0xAB
	b := h.Marshal()
	if len(b) != HeaderSize {
		t.Fatalf("header is %d bytes", len(b))
	}
	got, err := ParseHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != h.State || got.Code != h.Code || got.ArchiveLen != h.ArchiveLen || got.ArchiveSHA256 != h.ArchiveSHA256 {
		t.Errorf("got %+v", got)
	}
	if len(got.Message) > 256 || !strings.HasPrefix(h.Message, got.Message) {
		t.Errorf("message cut wrongly to %d bytes", len(got.Message))
	}
}

func FuzzJobFromCmdline(f *testing.F) {
	f.Add("console=ttyS0 reprovm.job=eyJhcmd2IjpbInRydWUiXX0")
	f.Fuzz(func(t *testing.T, s string) {
		j, found, err := JobFromCmdline(s)
		if err != nil || !found {
			return
		}
		if err := j.Validate(); err != nil {
			t.Fatalf("accepted an invalid job: %v", err)
		}
	})
}

func FuzzParseHeader(f *testing.F) {
	f.Add((&Header{State: Exited, Code: 1}).Marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeader(b)
		if err != nil {
			return
		}
		again, err := ParseHeader(h.Marshal())
		if err != nil || *again != *h {
			t.Fatalf("re-encoding changed the header: %+v vs %+v (%v)", h, again, err)
		}
	})
}
