package meta

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"unicode/utf8"
)

// FormatVersion is the version of the stamp format this package writes and
// the only one it reads. It is stored under the JSON key "format"; a reader
// that meets another number refuses the stamp rather than guess what its
// fields mean.
const FormatVersion = 1

// Stamp is the build record: the recipe (everything needed to rebuild) and
// the results (everything a rebuild must reproduce). It names inputs only
// by content address and holds nothing that varies between hosts or runs:
// no time, host name, user name or host path.
//
// The JSON keys are snake_case and the fields are declared in the sorted
// order of their keys; [Stamp.Marshal] writes the canonical form (see
// there).
type Stamp struct {
	// Argv is the command run in the guest; Argv[0] is looked up in the
	// image's PATH.
	Argv []string `json:"argv"`
	// Deps maps a dependency's name to its CID; the guest sees it read-only
	// at /deps/<name>. Omitted when empty.
	Deps map[string]string `json:"deps,omitempty"`
	// Emulator is the semantic version of the machine's guest-visible
	// behaviour (machine.EmulatorVersion), which a rebuild must match.
	Emulator string `json:"emulator"`
	// Env is the recipe's environment, KEY=VALUE, in the recipe's order.
	// Omitted when empty.
	Env []string `json:"env,omitempty"`
	// Format is FormatVersion.
	Format int `json:"format"`
	// Image is the CID of the machine image (kernel, firmware, initramfs,
	// root filesystem).
	Image string `json:"image"`
	// Instret is the number of instructions the guest retired, boot to
	// power-off. A rebuild must retire exactly as many.
	Instret uint64 `json:"instret"`
	// LogSHA256 is the hex SHA-256 of the build's console output.
	LogSHA256 string `json:"log_sha256"`
	// Machine is the machine configuration.
	Machine Machine `json:"machine"`
	// Outputs are the declared outputs, sorted by Path, with the size and
	// SHA-256 of their bytes before stamping.
	Outputs []Output `json:"outputs"`
	// Reprovm is the version of the reprovm tool that ran the build.
	Reprovm string `json:"reprovm"`
	// Source is the source tree.
	Source Source `json:"source"`
	// StateRoot is the machine's final state root, when the run computed
	// one. Omitted when empty.
	StateRoot string `json:"state_root,omitempty"`
	// TranscriptSHA256 is the hex SHA-256 of the run's transcript of
	// state roots (Transcript.SHA256), when it kept one. Omitted when
	// empty.
	TranscriptSHA256 string `json:"transcript_sha256,omitempty"`
	// Workdir is the command's working directory in the guest: an absolute,
	// clean path ("/" for the root).
	Workdir string `json:"workdir"`
}

// Machine is the machine configuration a build ran with.
type Machine struct {
	// Bootargs is the kernel command line.
	Bootargs string `json:"bootargs"`
	// MaxInsns is the instruction limit of the run.
	MaxInsns uint64 `json:"max_insns"`
	// RAMSize is the guest RAM in bytes.
	RAMSize uint64 `json:"ram_size"`
	// CheckpointEvery is the transcript's checkpoint interval in
	// instructions; 0 (omitted) when the run kept no transcript.
	CheckpointEvery uint64 `json:"checkpoint_every,omitempty"`
}

// Source names the source tree by CID and, when it came from a git
// checkout, by repository and commit. Only the CID is used to rebuild; the
// git fields say where a human can find the same tree.
type Source struct {
	// CID is the content address of the source tree.
	CID string `json:"cid"`
	// GitCommit is the full commit hash (40 or 64 lower-case hex digits).
	// Omitted when the source is not a git checkout.
	GitCommit string `json:"git_commit,omitempty"`
	// GitURL is the repository's URL as written by [NormalizeGitURL]:
	// https, no credentials, no trailing ".git". Omitted when unknown; set
	// only together with GitCommit.
	GitURL string `json:"git_url,omitempty"`
}

// Output is one declared output of a build.
type Output struct {
	// Path is the output's absolute, clean path in the guest, such as
	// /out/app.wasm.
	Path string `json:"path"`
	// SHA256 is the hex SHA-256 of the output's bytes before stamping: for
	// a stamped wasm module, the hash of its core (see [Core]).
	SHA256 string `json:"sha256"`
	// Size is the output's size in bytes before stamping.
	Size uint64 `json:"size"`
}

// Limits on stamp contents. They keep a hostile stamp from costing much to
// decode and keep stamps small enough for on-chain code-size limits.
const (
	// MaxStampSize bounds the encoded stamp.
	MaxStampSize = 1 << 20
	maxCIDLen    = 256
	maxNameLen   = 255
)

// Marshal returns the canonical encoding of s: JSON with the object keys in
// sorted byte order, no insignificant whitespace, no HTML escaping, no
// trailing newline, and the optional fields omitted when empty. Equal
// stamps have equal encodings, so the encoding (and its hash) is itself
// reproducible. Marshal refuses a stamp that [ParseStamp] would refuse.
func (s *Stamp) Marshal() ([]byte, error) {
	if s == nil {
		return nil, errors.New("marshal stamp: nil stamp")
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("marshal stamp: %w", err)
	}
	b, err := canonicalJSON(s)
	if err != nil {
		return nil, fmt.Errorf("marshal stamp: %w", err)
	}
	if len(b) > MaxStampSize {
		return nil, fmt.Errorf("marshal stamp: %d bytes is over the %d-byte limit", len(b), MaxStampSize)
	}
	return b, nil
}

// ParseStamp decodes a stamp and checks it as [Stamp.Validate] does. It is
// strict, because stamps come from files anyone can write: unknown fields,
// trailing data, a format version other than FormatVersion and any input
// that is not the canonical encoding (Marshal of the result) are refused.
// So for every accepted b, Marshal(ParseStamp(b)) == b.
func ParseStamp(b []byte) (*Stamp, error) {
	if len(b) > MaxStampSize {
		return nil, fmt.Errorf("parse stamp: %d bytes is over the %d-byte limit", len(b), MaxStampSize)
	}
	// Read the version first, so that a stamp from a newer reprovm gets
	// a message about its version instead of one about unknown fields.
	// Unmarshal also refuses anything after the first JSON value.
	var v struct {
		Format *json.RawMessage `json:"format"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("parse stamp: %w", err)
	}
	if v.Format == nil {
		return nil, errors.New("parse stamp: no format version (not a reprovm stamp?)")
	}
	if string(*v.Format) != fmt.Sprint(FormatVersion) {
		return nil, fmt.Errorf("parse stamp: unsupported stamp format %s (this reprovm reads format %d; a newer reprovm may read it)",
			*v.Format, FormatVersion)
	}

	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	s := new(Stamp)
	if err := d.Decode(s); err != nil {
		return nil, fmt.Errorf("parse stamp: %w", err)
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("parse stamp: %w", err)
	}
	c, err := canonicalJSON(s)
	if err != nil {
		return nil, fmt.Errorf("parse stamp: %w", err)
	}
	if !bytes.Equal(c, b) {
		return nil, fmt.Errorf("parse stamp: not in canonical form (sorted keys, no whitespace, no escapes beyond JSON's own); first difference at byte %d",
			FirstDiff(b, c))
	}
	return s, nil
}

// Validate checks that s is a complete stamp: the format version, the
// required fields, hex digests of the right length, plausible CIDs, valid
// UTF-8 without NUL bytes in every string, absolute clean guest paths,
// dependency names usable as a directory name, and outputs sorted by path
// without duplicates. It does not check that a CID names existing content;
// fetching does that.
// MaxRAMSize is the largest guest RAM a stamp may record: machine.MaxRAMSize,
// repeated here so that meta depends on no emulator package (a builder test
// checks that the two agree).
const MaxRAMSize = 128 << 30

func (s *Stamp) Validate() error {
	if s.Format != FormatVersion {
		return fmt.Errorf("unsupported stamp format %d (this reprovm writes format %d)", s.Format, FormatVersion)
	}
	if err := checkText("reprovm version", s.Reprovm, false); err != nil {
		return err
	}
	if err := checkText("emulator version", s.Emulator, false); err != nil {
		return err
	}
	if err := checkCID("image", s.Image); err != nil {
		return err
	}
	if err := s.Source.validate(); err != nil {
		return err
	}
	names := make([]string, 0, len(s.Deps))
	for name := range s.Deps {
		names = append(names, name)
	}
	slices.Sort(names) // report the first bad one, whatever the map order
	for _, name := range names {
		if err := checkDepName(name); err != nil {
			return err
		}
		if err := checkCID("dependency "+name, s.Deps[name]); err != nil {
			return err
		}
	}
	if len(s.Argv) == 0 {
		return errors.New("argv is empty")
	}
	if s.Argv[0] == "" {
		return errors.New("argv[0] is empty")
	}
	for i, a := range s.Argv {
		if err := checkText(fmt.Sprintf("argv[%d]", i), a, true); err != nil {
			return err
		}
	}
	for i, e := range s.Env {
		k, _, ok := strings.Cut(e, "=")
		if !ok || k == "" {
			return fmt.Errorf("env[%d] %q is not KEY=VALUE", i, e)
		}
		if err := checkText(fmt.Sprintf("env[%d]", i), e, true); err != nil {
			return err
		}
	}
	if err := checkGuestPath("workdir", s.Workdir); err != nil {
		return err
	}
	if s.Machine.RAMSize == 0 {
		return errors.New("machine RAM size is 0")
	}
	if s.Machine.RAMSize%4096 != 0 || s.Machine.RAMSize > MaxRAMSize {
		return fmt.Errorf("machine RAM size %d: must be a non-zero multiple of 4 KiB of at most %d bytes (128 GiB, the most the board boots)", s.Machine.RAMSize, uint64(MaxRAMSize))
	}
	if s.Machine.MaxInsns == 0 {
		return errors.New("machine instruction limit is 0")
	}
	if err := checkText("kernel command line", s.Machine.Bootargs, true); err != nil {
		return err
	}
	if err := checkHex256("build log sha256", s.LogSHA256); err != nil {
		return err
	}
	if len(s.Outputs) == 0 {
		return errors.New("no outputs")
	}
	for i, o := range s.Outputs {
		if err := checkGuestPath(fmt.Sprintf("outputs[%d] path", i), o.Path); err != nil {
			return err
		}
		if err := checkHex256("output "+o.Path+" sha256", o.SHA256); err != nil {
			return err
		}
		if i > 0 && s.Outputs[i-1].Path >= o.Path {
			return fmt.Errorf("outputs are not sorted by path without duplicates: %q then %q", s.Outputs[i-1].Path, o.Path)
		}
	}
	if s.StateRoot != "" {
		if err := checkToken("state root", s.StateRoot); err != nil {
			return err
		}
	}
	if s.TranscriptSHA256 != "" {
		if err := checkHex256("transcript sha256", s.TranscriptSHA256); err != nil {
			return err
		}
	}
	return nil
}

func (src *Source) validate() error {
	if err := checkCID("source", src.CID); err != nil {
		return err
	}
	if src.GitCommit != "" {
		if n := len(src.GitCommit); (n != 40 && n != 64) || !isLowerHex(src.GitCommit) {
			return fmt.Errorf("source git commit %q is not 40 or 64 lower-case hex digits", src.GitCommit)
		}
	}
	if src.GitURL != "" {
		if src.GitCommit == "" {
			return errors.New("source git URL without a git commit")
		}
		n, err := NormalizeGitURL(src.GitURL)
		if err != nil {
			return fmt.Errorf("source git URL: %w", err)
		}
		if n != src.GitURL {
			return fmt.Errorf("source git URL %q is not normalized (want %q)", src.GitURL, n)
		}
	}
	return nil
}

// Output returns the output recorded for the guest path p.
func (s *Stamp) Output(p string) (Output, bool) {
	i, ok := slices.BinarySearchFunc(s.Outputs, p, func(o Output, p string) int { return strings.Compare(o.Path, p) })
	if !ok {
		return Output{}, false
	}
	return s.Outputs[i], true
}

// canonicalJSON encodes v as JSON with sorted object keys, no whitespace
// and no HTML escaping. It encodes v once, decodes the result into generic
// values (numbers kept as their literal text) and encodes that again:
// encoding/json writes map keys in sorted order, so the second encoding is
// sorted at every level, whatever the struct field order.
func canonicalJSON(v any) ([]byte, error) {
	first, err := encodeJSON(v)
	if err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(first))
	d.UseNumber()
	var g any
	if err := d.Decode(&g); err != nil {
		return nil, err
	}
	return encodeJSON(g)
}

func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	e := json.NewEncoder(&buf)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// checkText checks that s is valid UTF-8 without NUL bytes (which could
// not reach the guest through execve) and, unless empty is allowed, not
// empty. Invalid UTF-8 must be refused, not repaired: encoding/json would
// silently replace it, and the stamp would no longer say what was run.
func checkText(what, s string, empty bool) error {
	if s == "" && !empty {
		return fmt.Errorf("%s is empty", what)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s %q is not valid UTF-8", what, s)
	}
	if strings.IndexByte(s, 0) >= 0 {
		return fmt.Errorf("%s %q holds a NUL byte", what, s)
	}
	return nil
}

// checkToken checks a short printable ASCII word without spaces.
func checkToken(what, s string) error {
	if s == "" || len(s) > maxCIDLen {
		return fmt.Errorf("%s has %d bytes, want 1 to %d", what, len(s), maxCIDLen)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f {
			return fmt.Errorf("%s %q holds byte %#02x", what, s, c)
		}
	}
	return nil
}

// checkCID makes a syntactic check of a CID string: 1 to 256 ASCII letters
// and digits, which covers CIDv0 (base58btc) and CIDv1 in the base32 and
// base36 multibase encodings. Fetching checks the content against it.
func checkCID(what, c string) error {
	if c == "" {
		return fmt.Errorf("%s CID is empty", what)
	}
	if len(c) > maxCIDLen {
		return fmt.Errorf("%s CID has %d bytes, over %d", what, len(c), maxCIDLen)
	}
	for i := 0; i < len(c); i++ {
		ch := c[i]
		if !('a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9') {
			return fmt.Errorf("%s CID %q holds %q, not a letter or digit", what, c, ch)
		}
	}
	return nil
}

// checkDepName checks that name can be the directory /deps/<name>.
func checkDepName(name string) error {
	if name == "" || len(name) > maxNameLen {
		return fmt.Errorf("dependency name %q has %d bytes, want 1 to %d", name, len(name), maxNameLen)
	}
	if name == "." || name == ".." || strings.ContainsAny(name, "/\x00") {
		return fmt.Errorf("dependency name %q is not a single path element", name)
	}
	return checkText("dependency name", name, false)
}

func checkGuestPath(what, p string) error {
	if err := checkText(what, p, false); err != nil {
		return err
	}
	if !path.IsAbs(p) || path.Clean(p) != p {
		return fmt.Errorf("%s %q is not an absolute clean path", what, p)
	}
	return nil
}

func checkHex256(what, h string) error {
	if len(h) != 64 || !isLowerHex(h) {
		return fmt.Errorf("%s %q is not 64 lower-case hex digits", what, h)
	}
	return nil
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// hexSHA256 formats a digest as lower-case hex.
func hexSHA256(sum [32]byte) string { return hex.EncodeToString(sum[:]) }
