package meta

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// SectionName is the name of the custom section holding the stamp: its
// contents are the canonical stamp JSON ([Stamp.Marshal]).
const SectionName = "reprovm.build"

// ErrNotStamped is returned (possibly wrapped) for a wasm module that has
// no reprovm.build section.
var ErrNotStamped = errors.New("wasm module is not stamped by reprovm (no " + SectionName + " custom section)")

// StampWasm returns wasm with the stamp appended: first one custom section
// per requested format (in the order of [Formats], whatever the order or
// repetition of formats), then the reprovm.build section holding
// s.Marshal(). Nothing before the end of wasm changes, so wasm is a prefix
// of the result: its core (see [Core]). The result is a function of wasm,
// s and the set of formats only.
//
// s must record wasm among its outputs, with wasm's size and SHA-256, so
// that the core can be found and checked later. StampWasm refuses a module
// that is already stamped, a malformed section list, and, for FormatICP, a
// module that already holds a reprovm:build metadata section or whose
// "icp:" sections would exceed the IC's limit of 16.
func StampWasm(wasm []byte, s *Stamp, formats ...Format) ([]byte, error) {
	secs, err := Sections(wasm)
	if err != nil {
		return nil, fmt.Errorf("stamp wasm: %w", err)
	}
	fs, err := normalizeFormats(formats)
	if err != nil {
		return nil, fmt.Errorf("stamp wasm: %w", err)
	}
	if s == nil {
		return nil, errors.New("stamp wasm: nil stamp")
	}
	icp := 0
	for _, sec := range secs {
		if sec.ID != SectionCustom {
			continue
		}
		if sec.Name == SectionName {
			return nil, fmt.Errorf("stamp wasm: module is already stamped (%s section at byte %d); stamp the unstamped module (see Core)", SectionName, sec.Offset)
		}
		if strings.HasPrefix(sec.Name, "icp:") {
			icp++
		}
		if strings.HasSuffix(sec.Name, " reprovm:build") && strings.HasPrefix(sec.Name, "icp:") {
			if slices.Contains(fs, FormatICP) {
				return nil, fmt.Errorf("stamp wasm: module already has a %q section", sec.Name)
			}
		}
	}
	if slices.Contains(fs, FormatICP) && icp+1 > maxICPSections {
		return nil, fmt.Errorf("stamp wasm: module has %d icp: sections; the Internet Computer allows %d", icp, maxICPSections)
	}
	core := hexSHA256(sha256.Sum256(wasm))
	if !recordsOutput(s, uint64(len(wasm)), core) {
		return nil, fmt.Errorf("stamp wasm: the stamp records no output of %d bytes with sha256 %s (record the module among the outputs before stamping it)", len(wasm), core)
	}
	payload, err := s.Marshal()
	if err != nil {
		return nil, fmt.Errorf("stamp wasm: %w", err)
	}
	out := make([]byte, len(wasm), len(wasm)+2*len(payload)+1024)
	copy(out, wasm)
	for _, f := range fs {
		switch f {
		case FormatContractMetaV0:
			out, err = appendCustomSection(out, ContractMetaSectionName, AppendContractMeta(nil, contractMeta(s, core, payload)...))
		case FormatICP:
			out, err = appendCustomSection(out, ICPSectionName, payload)
		}
		if err != nil {
			return nil, fmt.Errorf("stamp wasm: %w", err)
		}
	}
	out, err = appendCustomSection(out, SectionName, payload)
	if err != nil {
		return nil, fmt.Errorf("stamp wasm: %w", err)
	}
	return out, nil
}

func recordsOutput(s *Stamp, size uint64, sum string) bool {
	for _, o := range s.Outputs {
		if o.Size == size && o.SHA256 == sum {
			return true
		}
	}
	return false
}

// Stripped is a stamped wasm module taken apart by [Strip].
type Stripped struct {
	// Core is the module as the build wrote it, before stamping: a prefix
	// of the stamped module. Its SHA-256 is the core hash, which two builds
	// that differ only in their stamps share.
	Core []byte
	// Output is the stamp's output entry that Core matches.
	Output Output
	// Stamp is the decoded reprovm.build section.
	Stamp *Stamp
	// Payload is the reprovm.build section's contents (Stamp's canonical
	// encoding).
	Payload []byte
	// Formats are the interoperable sections found between Core and the
	// reprovm.build section, in file order.
	Formats []Format
}

// Strip takes a stamped module apart and checks that it is exactly what
// [StampWasm] writes: one reprovm.build section, last in the module, whose
// stamp records an output matching a prefix of the module (the core) by
// size and SHA-256, with nothing between the core and the reprovm.build
// section but the sections of known formats, byte for byte as StampWasm
// would write them for that core and stamp. A module without the section
// gives [ErrNotStamped].
//
// Strip parses only the section list; [ReadStamp] also proves the module
// compiles.
func Strip(wasm []byte) (*Stripped, error) {
	secs, err := Sections(wasm)
	if err != nil {
		return nil, fmt.Errorf("strip stamp: %w", err)
	}
	idx := -1
	for i, sec := range secs {
		if sec.ID == SectionCustom && sec.Name == SectionName {
			if idx >= 0 {
				return nil, fmt.Errorf("strip stamp: two %s sections, at bytes %d and %d", SectionName, secs[idx].Offset, sec.Offset)
			}
			idx = i
		}
	}
	if idx < 0 {
		return nil, ErrNotStamped
	}
	st := secs[idx]
	if idx != len(secs)-1 {
		return nil, fmt.Errorf("strip stamp: %d bytes in %d sections follow the %s section; the module was changed after stamping",
			int64(len(wasm))-st.End(), len(secs)-1-idx, SectionName)
	}
	payload := st.Data(wasm)
	s, err := ParseStamp(payload)
	if err != nil {
		return nil, fmt.Errorf("strip stamp: %w", err)
	}

	// The core ends at a section boundary before the stamp section.
	boundary := map[uint64]int{uint64(len(wasmHeader)): 0}
	for i := 1; i <= idx; i++ {
		boundary[uint64(secs[i].Offset)] = i
	}
	hashes := map[uint64]string{}
	first := -1
	var out Output
	for _, o := range s.Outputs {
		i, ok := boundary[o.Size]
		if !ok {
			continue
		}
		h, ok := hashes[o.Size]
		if !ok {
			h = hexSHA256(sha256.Sum256(wasm[:o.Size]))
			hashes[o.Size] = h
		}
		if h == o.SHA256 {
			first, out = i, o
			break
		}
	}
	if first < 0 {
		return nil, fmt.Errorf("strip stamp: no output the stamp records (%s) matches the module before its stamp sections", describeOutputs(s.Outputs))
	}
	var fs []Format
	for _, sec := range secs[first:idx] {
		switch {
		case sec.ID == SectionCustom && sec.Name == ContractMetaSectionName:
			fs = append(fs, FormatContractMetaV0)
		case sec.ID == SectionCustom && sec.Name == ICPSectionName:
			fs = append(fs, FormatICP)
		default:
			return nil, fmt.Errorf("strip stamp: %s section at byte %d lies between the core and the %s section; reprovm does not write it",
				sec.Kind(), sec.Offset, SectionName)
		}
	}
	core := wasm[:out.Size:out.Size]
	again, err := StampWasm(core, s, fs...)
	if err != nil {
		return nil, fmt.Errorf("strip stamp: restamp the core: %w", err)
	}
	if !bytes.Equal(again, wasm) {
		return nil, fmt.Errorf("strip stamp: the stamp sections are not what reprovm writes for this stamp (first difference at byte %d)", FirstDiff(again, wasm))
	}
	return &Stripped{Core: core, Output: out, Stamp: s, Payload: payload, Formats: fs}, nil
}

func describeOutputs(os []Output) string {
	var b strings.Builder
	for i, o := range os {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s: %d bytes", o.Path, o.Size)
	}
	return b.String()
}

// Core returns the module as built, before stamping, and its stamp, after
// the checks of [Strip]. The core's SHA-256 is the output's SHA-256 in the
// stamp.
func Core(wasm []byte) ([]byte, *Stamp, error) {
	st, err := Strip(wasm)
	if err != nil {
		return nil, nil, err
	}
	return st.Core, st.Stamp, nil
}

// readFeatures are the wasm features ReadStamp accepts: WebAssembly 2.0
// and the later proposals wazero can decode. ReadStamp only compiles, so
// a feature costs nothing unless a module uses it.
var readFeatures = api.CoreFeaturesV2 |
	experimental.CoreFeaturesThreads |
	experimental.CoreFeaturesTailCall |
	experimental.CoreFeaturesExtendedConst |
	experimental.CoreFeaturesExceptionHandling

// ReadStamp reads the stamp of a wasm module through wazero, reprovm's wasm
// runtime: the module must compile (decode and validate) for the stamp to
// be read, so a stamp that ReadStamp returns is in a valid module. It uses
// wazero's interpreter configuration, which validates the same way as the
// compiler but does not generate machine code (about ten times faster for
// a Go program). A module without the section gives [ErrNotStamped]; two
// reprovm.build sections are an error.
//
// ReadStamp checks the section, not how it got there; [Strip] checks that
// the module is exactly a core plus reprovm's stamp sections.
func ReadStamp(ctx context.Context, wasm []byte) (*Stamp, error) {
	// WithCustomSections must be set: wazero drops custom sections unless
	// it or DWARF support (on by default, so not to be relied on) asks
	// for them.
	cfg := wazero.NewRuntimeConfigInterpreter().
		WithCustomSections(true).
		WithDebugInfoEnabled(false).
		WithCoreFeatures(readFeatures)
	r := wazero.NewRuntimeWithConfig(ctx, cfg)
	defer r.Close(ctx)
	cm, err := r.CompileModule(ctx, wasm)
	if err != nil {
		return nil, fmt.Errorf("read stamp: compile module: %w", err)
	}
	defer cm.Close(ctx)
	var data []byte
	n := 0
	for _, c := range cm.CustomSections() {
		if c.Name() == SectionName {
			data = c.Data()
			n++
		}
	}
	switch n {
	case 0:
		return nil, ErrNotStamped
	case 1:
	default:
		return nil, fmt.Errorf("read stamp: %d %s sections", n, SectionName)
	}
	s, err := ParseStamp(data)
	if err != nil {
		return nil, fmt.Errorf("read stamp: %w", err)
	}
	return s, nil
}
