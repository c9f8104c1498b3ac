package meta

import "fmt"

// Published is what ReadPublished finds in a module that may have been
// altered after stamping.
type Published struct {
	Stamp *Stamp
	// Output is the stamp's entry for the module.
	Output Output
	// Formats are the interoperable sections after the core.
	Formats []Format
	// Intact reports that the module passes [Strip]: it is exactly a core
	// the stamp records plus reprovm's sections. Problem says why not.
	Intact  bool
	Problem error
	// Core is the module's first Output.Size bytes (the core as built, if
	// the module is intact), or nil if the module is shorter than that.
	Core []byte
}

// ReadPublished reads the stamp of a module without requiring the module
// to be intact, so that a verification can rebuild a damaged or altered
// module from its stamp and then say where the two differ. The module's
// output entry is the one that still matches ([Strip]), else one whose
// size falls on a section boundary (the module was altered inside), else
// the stamp's only output. A module without a reprovm.build section gives
// [ErrNotStamped].
func ReadPublished(wasm []byte) (*Published, error) {
	secs, err := Sections(wasm)
	if err != nil {
		return nil, fmt.Errorf("read stamp: %w", err)
	}
	p := &Published{}
	boundary := map[uint64]bool{}
	for _, sec := range secs {
		boundary[uint64(sec.Offset)] = true
		if sec.ID != SectionCustom || sec.Name != SectionName {
			continue
		}
		if p.Stamp != nil {
			return nil, fmt.Errorf("read stamp: two %s sections", SectionName)
		}
		if p.Stamp, err = ParseStamp(sec.Data(wasm)); err != nil {
			return nil, fmt.Errorf("read stamp: %w", err)
		}
	}
	if p.Stamp == nil {
		return nil, ErrNotStamped
	}
	s, serr := Strip(wasm)
	if serr == nil {
		p.Output, p.Formats, p.Intact, p.Core = s.Output, s.Formats, true, s.Core
		return p, nil
	}
	p.Problem = serr
	found := false
	for _, o := range p.Stamp.Outputs {
		if boundary[o.Size] {
			p.Output, found = o, true
			break
		}
	}
	if !found && len(p.Stamp.Outputs) == 1 {
		p.Output, found = p.Stamp.Outputs[0], true
	}
	if !found {
		return nil, fmt.Errorf("read stamp: none of the stamp's %d outputs matches this module's layout; the module was changed after stamping", len(p.Stamp.Outputs))
	}
	for _, sec := range secs {
		if uint64(sec.Offset) < p.Output.Size || sec.ID != SectionCustom {
			continue
		}
		switch sec.Name {
		case ContractMetaSectionName:
			p.Formats = append(p.Formats, FormatContractMetaV0)
		case ICPSectionName:
			p.Formats = append(p.Formats, FormatICP)
		}
	}
	if p.Output.Size <= uint64(len(wasm)) {
		p.Core = wasm[:p.Output.Size]
	}
	return p, nil
}
