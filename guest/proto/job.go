// Package proto is the contract between reprovm's host side and the guest
// init: the boot record ([Boot]: the two phases of a run, the drives), the
// job on the job drive ([Job]) and the output drive's header. Both sides
// import it; it uses only the standard library so that the init stays small.
package proto

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"
)

// Job is what the guest init runs after the ready point (see [Boot]): it
// reads it from the job drive ([ReadJobDrive]).
//
// Input i is the drive in input slot i ([SlotSerial]), mounted read-only
// at /mnt/<i> and, if it has an [Input.Mount], also there (for builds: the
// source at /src, dependencies at /deps/<name>). The command runs in the
// root the boot assembled ([Boot.Root]), or in the initramfs, in Dir.
type Job struct {
	// Argv is the command. It is executed directly (no shell), with the
	// executable looked up in the PATH of the job's environment; for shell
	// syntax pass "sh", "-c", script. As with sh -c, a command that is not
	// found exits 127 and one that cannot be executed exits 126.
	Argv []string `json:"argv"`
	// Env holds KEY=VALUE pairs applied after [BaseEnv], later ones
	// replacing earlier ones with the same key.
	Env []string `json:"env,omitempty"`
	// Dir is the absolute working directory; empty means "/".
	Dir string `json:"dir,omitempty"`
	// Inputs describes the input drives, in slot order.
	Inputs []Input `json:"inputs,omitempty"`
}

// Input is one read-only input drive.
type Input struct {
	// FS is the filesystem type to mount: "ext4", "squashfs" or "erofs",
	// "" to detect it from the superblock, or "raw" to leave the drive
	// unmounted (read it from its /dev node).
	FS string `json:"fs,omitempty"`
	// Mount, if set, is a second place where the input's filesystem
	// appears, besides /mnt/<i>: an absolute, clean path in the command's
	// view of the filesystem (inside the root image when the boot has a
	// Root, else in the initramfs), such as "/src" or "/deps/name". It
	// may not be "/" or lie in a directory the init owns ([ReservedDirs]),
	// and two inputs may not share one. A raw input has none. The init creates the directory if it is missing, resolving
	// symbolic links as the chrooted command would; with a Root it is
	// created in the root's tmpfs upper layer, so the image is never
	// written. Mounts are made after the root is assembled, in byte order
	// of their paths, so that a mount inside another one ("/deps" and
	// "/deps/x") lands on top of it; the directory of the inner one must
	// then exist in the outer input unless the outer one has Overlay.
	Mount string `json:"mount,omitempty"`
	// Overlay makes Mount writable: the input is the read-only lower layer
	// of an overlayfs whose upper layer is a fresh tmpfs, as for the root,
	// so that tools that write into their source tree work. The writes
	// are lost at power-off; /mnt/<i> never shows them. Without Overlay,
	// Mount is a read-only bind of /mnt/<i>. Overlay requires Mount.
	Overlay bool `json:"overlay,omitempty"`
}

// ReservedDirs are the directories that an [Input.Mount] may not be or
// lie in: the kernel filesystems, the scratch and output directories, the
// input drives' mount points (all bound into a root image), and /reprovm,
// where the init keeps the job and the overlays' upper layers.
var ReservedDirs = []string{"/dev", "/mnt", "/out", "/proc", "/reprovm", "/sys", "/tmp"}

// UsesOverlay reports whether the init needs overlayfs for the job's
// inputs ([Input.Overlay]).
func (j *Job) UsesOverlay() bool {
	for _, in := range j.Inputs {
		if in.Overlay {
			return true
		}
	}
	return false
}

// BaseEnv is the guest command's environment before Job.Env: fixed, so that
// nothing of the host leaks in. PWD is added from Job.Dir.
var BaseEnv = []string{
	"HOME=/root",
	"LANG=C.UTF-8",
	"LC_ALL=C.UTF-8",
	"LOGNAME=root",
	"PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin",
	"SHELL=/bin/sh",
	"SOURCE_DATE_EPOCH=0",
	"TMPDIR=/tmp",
	"TZ=UTC",
	"USER=root",
}

// Validate reports whether the job is well formed.
func (j *Job) Validate() error {
	if len(j.Argv) == 0 || j.Argv[0] == "" {
		return fmt.Errorf("job: empty command")
	}
	for _, a := range j.Argv {
		if strings.IndexByte(a, 0) >= 0 {
			return fmt.Errorf("job: NUL byte in argument %q", a)
		}
	}
	for _, e := range j.Env {
		k, _, ok := strings.Cut(e, "=")
		if !ok || k == "" || strings.IndexByte(e, 0) >= 0 {
			return fmt.Errorf("job: bad environment entry %q (want KEY=VALUE)", e)
		}
	}
	if j.Dir != "" && (!path.IsAbs(j.Dir) || path.Clean(j.Dir) != j.Dir) {
		return fmt.Errorf("job: working directory %q is not a clean absolute path", j.Dir)
	}
	for i, in := range j.Inputs {
		switch in.FS {
		case "", "raw", "ext4", "squashfs", "erofs":
		default:
			return fmt.Errorf("job: input %d: unsupported filesystem %q", i, in.FS)
		}
	}
	if len(j.Inputs) > InputSlots {
		return fmt.Errorf("job: %d inputs; the machine has %d input slots", len(j.Inputs), InputSlots)
	}
	mounts := map[string]int{}
	for i, in := range j.Inputs {
		if err := j.validateMount(i, in); err != nil {
			return fmt.Errorf("job: input %d: %w", i, err)
		}
		if in.Mount == "" {
			continue
		}
		if k, dup := mounts[in.Mount]; dup {
			return fmt.Errorf("job: inputs %d and %d are both mounted at %q", k, i, in.Mount)
		}
		mounts[in.Mount] = i
	}
	return nil
}

// validateMount checks input i's Mount and Overlay.
func (j *Job) validateMount(i int, in Input) error {
	m := in.Mount
	if m == "" {
		if in.Overlay {
			return fmt.Errorf("overlay without a mount point")
		}
		return nil
	}
	if strings.IndexByte(m, 0) >= 0 || !path.IsAbs(m) || path.Clean(m) != m {
		return fmt.Errorf("mount point %q is not a clean absolute path", m)
	}
	if m == "/" {
		return fmt.Errorf("mount point %q: the root is the boot's", m)
	}
	for _, r := range ReservedDirs {
		if m == r || strings.HasPrefix(m, r+"/") {
			return fmt.Errorf("mount point %q is in %s, which the init owns", m, r)
		}
	}
	if in.FS == "raw" {
		return fmt.Errorf("mount point %q for a raw input", m)
	}
	return nil
}

// Marshal returns the job's JSON encoding.
func (j *Job) Marshal() ([]byte, error) {
	if err := j.Validate(); err != nil {
		return nil, err
	}
	return json.Marshal(j)
}

// ParseJob decodes and validates a job's JSON. Unknown fields are errors,
// so that an older init refuses a job it would misunderstand.
func ParseJob(b []byte) (*Job, error) {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	var j Job
	if err := dec.Decode(&j); err != nil {
		return nil, fmt.Errorf("job: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("job: trailing data after the JSON object")
	}
	if err := j.Validate(); err != nil {
		return nil, err
	}
	return &j, nil
}
