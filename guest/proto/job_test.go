package proto

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestJobRejects(t *testing.T) {
	for _, tc := range []struct{ name, json string }{
		{"not JSON", "not json"},
		{"empty argv", "{}"},
		{"unknown field", `{"argv":["a"],"x":1}`},
		{"the old root field", `{"argv":["a"],"inputs":[{}],"root":{"input":0}}`},
		{"trailing data", `{"argv":["a"]} {}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ParseJob([]byte(tc.json)); err == nil {
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
		{Argv: []string{"a"}, Inputs: make([]Input, InputSlots+1)},
	} {
		if err := j.Validate(); err == nil {
			t.Errorf("%+v: accepted", j)
		}
	}
}

func TestJobMounts(t *testing.T) {
	erofs := func(mount string, overlay bool) Input { return Input{FS: "erofs", Mount: mount, Overlay: overlay} }
	for _, tc := range []struct {
		name   string
		inputs []Input
		bad    string // part of the error; "" if valid
	}{
		{"source and deps", []Input{erofs("/src", true), erofs("/deps/x", false)}, ""},
		{"nested", []Input{erofs("/deps", false), erofs("/deps/x", true)}, ""},
		{"five", []Input{{}, erofs("/src", true), {Mount: "/deps/a"}, {FS: "raw"}, erofs("/deps/b", false)}, ""},
		{"detected fs", []Input{{Mount: "/src"}}, ""},
		{"prefix of a reserved name", []Input{erofs("/mntx", false), erofs("/outside", false), erofs("/devel/x", false)}, ""},
		{"deep", []Input{erofs("/a/b/c/d", false)}, ""},
		{"spaces and commas", []Input{erofs("/my src,v1", true)}, ""},

		{"relative", []Input{erofs("src", false)}, "not a clean absolute path"},
		{"dot", []Input{erofs(".", false)}, "not a clean absolute path"},
		{"trailing slash", []Input{erofs("/src/", false)}, "not a clean absolute path"},
		{"double slash", []Input{erofs("//src", false)}, "not a clean absolute path"},
		{"dot dot", []Input{erofs("/src/../deps", false)}, "not a clean absolute path"},
		{"NUL", []Input{erofs("/src\x00", false)}, "not a clean absolute path"},
		{"root", []Input{erofs("/", true)}, "the root is the boot's"},
		{"proc", []Input{erofs("/proc", false)}, "in /proc"},
		{"under sys", []Input{erofs("/sys/x", false)}, "in /sys"},
		{"under dev", []Input{erofs("/dev/vda", false)}, "in /dev"},
		{"out", []Input{erofs("/out", true)}, "in /out"},
		{"under tmp", []Input{erofs("/tmp/src", true)}, "in /tmp"},
		{"over another input", []Input{erofs("/mnt/1", false), {}}, "in /mnt"},
		{"init's own", []Input{erofs("/reprovm/x", false)}, "in /reprovm"},
		{"duplicate", []Input{erofs("/src", true), erofs("/deps", false), erofs("/src", false)}, "inputs 0 and 2 are both mounted at"},
		{"raw", []Input{{FS: "raw", Mount: "/src"}}, "raw input"},
		{"overlay without mount", []Input{erofs("", true)}, "overlay without a mount point"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := &Job{Argv: []string{"true"}, Inputs: tc.inputs}
			err := j.Validate()
			if tc.bad == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				b, err := j.Marshal()
				if err != nil {
					t.Fatal(err)
				}
				got, err := ParseJob(b)
				if err != nil {
					t.Fatalf("ParseJob(%s): %v", b, err)
				}
				for i, in := range got.Inputs {
					if in != tc.inputs[i] {
						t.Errorf("input %d came back as %+v, want %+v", i, in, tc.inputs[i])
					}
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.bad) {
				t.Errorf("Validate: %v, want an error with %q", err, tc.bad)
			}
			b, err := json.Marshal(j) // not j.Marshal, which validates
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ParseJob(b); err == nil || !strings.Contains(err.Error(), tc.bad) {
				t.Errorf("ParseJob(%s): %v, want an error with %q", b, err, tc.bad)
			}
		})
	}
}

// Jobs without the fields added later encode as before, so that a host
// and an init of different versions agree on them.
func TestJobJSONStable(t *testing.T) {
	j := &Job{Argv: []string{"sh", "-c", "x"}, Inputs: []Input{{}, {FS: "erofs"}}}
	b, err := j.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"argv":["sh","-c","x"],"inputs":[{},{"fs":"erofs"}]}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

func TestJobUsesOverlay(t *testing.T) {
	for _, tc := range []struct {
		j    Job
		want bool
	}{
		{Job{Argv: []string{"a"}}, false},
		{Job{Argv: []string{"a"}, Inputs: []Input{{Mount: "/src"}}}, false},
		{Job{Argv: []string{"a"}, Inputs: []Input{{}, {Mount: "/src", Overlay: true}}}, true},
	} {
		if got := tc.j.UsesOverlay(); got != tc.want {
			t.Errorf("%+v: UsesOverlay() = %v, want %v", tc.j, got, tc.want)
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

// fuzzJobs are seeds for the job fuzzers.
var fuzzJobs = []string{
	`{"argv":["true"]}`,
	`{"argv":["sh","-c","x"],"env":["A=1"],"dir":"/src","inputs":[{},{"fs":"erofs","mount":"/src","overlay":true},{"mount":"/deps/x"}]}`,
	`{"argv":["a"],"inputs":[{"fs":"raw","mount":"/x"}]}`,
	`{"argv":["a"],"inputs":[{"mount":"/a"},{"mount":"/a"}]}`,
	`{"argv":["a"],"inputs":[{"overlay":true}]}`,
}

// A job ParseJob accepts is valid, and its encoding parses back to a job
// with the same encoding.
func FuzzParseJob(f *testing.F) {
	for _, s := range fuzzJobs {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		j, err := ParseJob(b)
		if err != nil {
			return
		}
		if err := j.Validate(); err != nil {
			t.Fatalf("accepted an invalid job: %v", err)
		}
		enc, err := j.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseJob(enc)
		if err != nil {
			t.Fatalf("ParseJob(%s) of its own encoding: %v", enc, err)
		}
		enc2, err := again.Marshal()
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("re-encoding changed the job: %s vs %s (%v)", enc, enc2, err)
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
