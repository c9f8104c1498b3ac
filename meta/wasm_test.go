package meta

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestStampWasmLayout(t *testing.T) {
	s := testStamp(tinyModule)
	payload, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	out, err := StampWasm(tinyModule, s)
	if err != nil {
		t.Fatal(err)
	}
	// The module is a prefix; the section is ID 0, LEB128 size, name, payload.
	want := bytes.Clone(tinyModule)
	want = append(want, 0x00)
	want = appendU32(want, uint32(1+len(SectionName)+len(payload)))
	want = append(want, byte(len(SectionName)))
	want = append(want, SectionName...)
	want = append(want, payload...)
	if !bytes.Equal(out, want) {
		t.Fatalf("StampWasm:\n got % x\nwant % x", out, want)
	}
	if !bytes.Equal(tinyModule[:8], wasmHeader) || len(tinyModule) != 46 {
		t.Fatal("StampWasm modified its input")
	}
}

func TestStampWasmDeterministic(t *testing.T) {
	for _, fs := range [][]Format{nil, {FormatICP}, {FormatContractMetaV0}, {FormatICP, FormatContractMetaV0}} {
		a, _ := mustStamp(t, tinyModule, fs...)
		b, _ := mustStamp(t, tinyModule, fs...)
		if !bytes.Equal(a, b) {
			t.Errorf("formats %v: two stampings differ at byte %d", fs, FirstDiff(a, b))
		}
	}
	// The order and repetition of formats do not matter.
	a, _ := mustStamp(t, tinyModule, FormatICP, FormatContractMetaV0, FormatICP)
	b, _ := mustStamp(t, tinyModule, FormatContractMetaV0, FormatICP)
	if !bytes.Equal(a, b) {
		t.Errorf("format order changed the bytes at %d", FirstDiff(a, b))
	}
	secs, err := Sections(a)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range secs[6:] {
		names = append(names, s.Name)
	}
	if want := []string{ContractMetaSectionName, ICPSectionName, SectionName}; !slices.Equal(names, want) {
		t.Errorf("stamp sections %q, want %q", names, want)
	}
}

// TestStampedGoModule stamps a real Go wasip1 module with every format and
// checks that it still runs and prints the same, and that the stamp, the
// core and the formats read back.
func TestStampedGoModule(t *testing.T) {
	ctx := context.Background()
	wasm := goModule(t)
	out, s := mustStamp(t, wasm, Formats...)
	if again, _ := mustStamp(t, wasm, Formats...); !bytes.Equal(again, out) {
		t.Fatalf("two stampings differ at byte %d", FirstDiff(again, out))
	}
	if !bytes.HasPrefix(out, wasm) {
		t.Fatal("the stamped module does not start with the module")
	}
	before, after := runWasm(t, wasm), runWasm(t, out)
	if before != "hello from a stamped module\n" || after != before {
		t.Errorf("unstamped module printed %q, stamped %q", before, after)
	}

	got, err := ReadStamp(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, s) {
		t.Errorf("ReadStamp = %+v, want %+v", got, s)
	}
	st, err := Strip(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(st.Core, wasm) || st.Output.Path != "/out/app.wasm" || !slices.Equal(st.Formats, Formats) || !reflect.DeepEqual(st.Stamp, s) {
		t.Errorf("Strip = core of %d bytes, output %+v, formats %v", len(st.Core), st.Output, st.Formats)
	}
	if h := hexSHA256(sha256.Sum256(st.Core)); h != st.Output.SHA256 {
		t.Errorf("core hash %s, output records %s", h, st.Output.SHA256)
	}
	core, s2, err := Core(out)
	if err != nil || !bytes.Equal(core, wasm) || !reflect.DeepEqual(s2, s) {
		t.Errorf("Core: %d bytes, %v", len(core), err)
	}

	// Without the stamp, the module is not stamped.
	if _, err := ReadStamp(ctx, core); !errors.Is(err, ErrNotStamped) || !strings.Contains(err.Error(), "not stamped by reprovm") {
		t.Errorf("ReadStamp(core): %v, want ErrNotStamped", err)
	}
	if _, _, err := Core(core); !errors.Is(err, ErrNotStamped) {
		t.Errorf("Core(core): %v, want ErrNotStamped", err)
	}

	// The Go toolchain's own custom sections are kept.
	secs, err := Sections(out)
	if err != nil {
		t.Fatal(err)
	}
	var custom []string
	for _, sec := range secs {
		if sec.ID == SectionCustom {
			custom = append(custom, sec.Name)
		}
	}
	if !slices.Contains(custom, "go:buildid") || custom[len(custom)-1] != SectionName {
		t.Errorf("custom sections %q", custom)
	}
}

func TestStampWasmErrors(t *testing.T) {
	stamped, _ := mustStamp(t, tinyModule)
	icp, _ := mustStamp(t, tinyModule, FormatICP)
	icpCore, _, err := Core(icp)
	if err != nil {
		t.Fatal(err)
	}
	withPrivate, err := appendCustomSection(bytes.Clone(tinyModule), "icp:private reprovm:build", nil)
	if err != nil {
		t.Fatal(err)
	}
	manyICP := bytes.Clone(tinyModule)
	for i := range 16 {
		if manyICP, err = appendCustomSection(manyICP, "icp:public x"+string(rune('a'+i)), nil); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		wasm    []byte
		s       *Stamp
		formats []Format
		want    string
	}{
		{"already stamped", stamped, testStamp(stamped), nil, "already stamped"},
		{"not recorded", tinyModule, testStamp(tinyModule[:45]), nil, "records no output of 46 bytes"},
		{"not wasm", []byte("hello"), testStamp([]byte("hello")), nil, "not a wasm module"},
		{"unknown format", tinyModule, testStamp(tinyModule), []Format{7}, "unknown stamp format 7"},
		{"nil stamp", tinyModule, nil, nil, "nil stamp"},
		{"invalid stamp", tinyModule, func() *Stamp { s := testStamp(tinyModule); s.Image = ""; return s }(), nil, "image CID is empty"},
		{"icp private exists", withPrivate, testStamp(withPrivate), []Format{FormatICP}, `already has a "icp:private reprovm:build"`},
		{"too many icp", manyICP, testStamp(manyICP), []Format{FormatICP}, "allows 16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := StampWasm(tt.wasm, tt.s, tt.formats...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("StampWasm: %v; want an error containing %q", err, tt.want)
			}
		})
	}
	// The icp limit and the private section only matter for FormatICP.
	if _, err := StampWasm(manyICP, testStamp(manyICP)); err != nil {
		t.Errorf("StampWasm without FormatICP: %v", err)
	}
	if !bytes.Equal(icpCore, tinyModule) {
		t.Error("Core of an icp-stamped module is not the module")
	}
}

func TestStripErrors(t *testing.T) {
	stamped, s := mustStamp(t, tinyModule, FormatContractMetaV0)
	secs, err := Sections(stamped)
	if err != nil {
		t.Fatal(err)
	}
	last := secs[len(secs)-1]
	meta := secs[len(secs)-2]
	payload := last.Data(stamped)

	appended, err := appendCustomSection(bytes.Clone(stamped), "later", nil)
	if err != nil {
		t.Fatal(err)
	}
	twice, err := appendCustomSection(bytes.Clone(stamped), SectionName, payload)
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(stamped)
	flipped[tinyCodeOffset+4] ^= 0xff // the code section's "locals" byte
	// An unknown section between the core and the stamp.
	foreign, err := appendCustomSection(bytes.Clone(tinyModule), "foreign", nil)
	if err != nil {
		t.Fatal(err)
	}
	foreign = append(foreign, stamped[meta.Offset:]...)
	// A contractmetav0 section whose contents do not match the stamp.
	badMeta := bytes.Clone(stamped)
	badMeta[meta.DataOffset+20] ^= 1
	// A stamp that does not parse.
	badPayload := bytes.Clone(stamped)
	badPayload[last.DataOffset] = ' '
	// The stamp section carries another stamp than the contract meta.
	other := testStamp(tinyModule)
	other.Instret++
	otherPayload, err := other.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	swapped, err := appendCustomSection(bytes.Clone(stamped[:last.Offset]), SectionName, otherPayload)
	if err != nil {
		t.Fatal(err)
	}
	// A stamp whose output is not at a section boundary.
	s3 := testStamp(tinyModule)
	s3.Outputs[0].Size--
	s3.Outputs[0].SHA256 = hexSHA256(sha256.Sum256(tinyModule[:45]))
	p3, err := s3.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	offBoundary, err := appendCustomSection(bytes.Clone(tinyModule), SectionName, p3)
	if err != nil {
		t.Fatal(err)
	}
	_ = s

	tests := []struct {
		name string
		wasm []byte
		want string
	}{
		{"appended after stamp", appended, "follow the reprovm.build section"},
		{"two stamps", twice, "two reprovm.build sections"},
		{"core changed", flipped, "no output the stamp records"},
		{"foreign section", foreign, "custom foreign section"},
		{"contract meta changed", badMeta, "not what reprovm writes"},
		{"bad payload", badPayload, "parse stamp"},
		{"swapped stamp", swapped, "not what reprovm writes"},
		{"off boundary", offBoundary, "no output the stamp records"},
		{"not wasm", []byte("\x00asm"), "truncated wasm header"},
		{"not stamped", tinyModule, "not stamped by reprovm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := Strip(tt.wasm)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Strip = %+v, %v; want an error containing %q", st, err, tt.want)
			}
		})
	}
}

func TestReadStampErrors(t *testing.T) {
	ctx := context.Background()
	stamped, _ := mustStamp(t, tinyModule)
	secs, err := Sections(stamped)
	if err != nil {
		t.Fatal(err)
	}
	payload := secs[len(secs)-1].Data(stamped)
	twice, err := appendCustomSection(bytes.Clone(stamped), SectionName, payload)
	if err != nil {
		t.Fatal(err)
	}
	// A stamp on a module that does not validate: the export names
	// function 1, which does not exist.
	invalid := bytes.Clone(stamped)
	invalid[29] = 1
	// A stamp that is not canonical.
	spaced, err := appendCustomSection(bytes.Clone(tinyModule), SectionName, append([]byte(" "), payload...))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		wasm []byte
		want string
	}{
		{"two stamps", twice, "2 reprovm.build sections"},
		{"invalid module", invalid, "compile module"},
		{"not canonical", spaced, "canonical"},
		{"not wasm", []byte("not wasm"), "compile module"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ReadStamp(ctx, tt.wasm)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ReadStamp = %+v, %v; want an error containing %q", s, err, tt.want)
			}
			if errors.Is(err, ErrNotStamped) {
				t.Errorf("ReadStamp: %v is ErrNotStamped", err)
			}
		})
	}
	if _, err := ReadStamp(ctx, tinyModule); !errors.Is(err, ErrNotStamped) {
		t.Errorf("ReadStamp(unstamped) = %v, want ErrNotStamped", err)
	}
	if s, err := ReadStamp(ctx, stamped); err != nil || s.Instret != testStamp(tinyModule).Instret {
		t.Errorf("ReadStamp(stamped) = %+v, %v", s, err)
	}
}

// TestCoreHashIgnoresStamp: two builds of the same module whose stamps
// differ (another reprovm version, other formats) have the same core hash.
func TestCoreHashIgnoresStamp(t *testing.T) {
	a, _ := mustStamp(t, tinyModule)
	s := testStamp(tinyModule)
	s.Reprovm = "0.2.0"
	b, err := StampWasm(tinyModule, s, FormatICP)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, b) {
		t.Fatal("different stamps gave the same bytes")
	}
	sa, err := Strip(a)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := Strip(b)
	if err != nil {
		t.Fatal(err)
	}
	if sa.Output.SHA256 != sb.Output.SHA256 || !bytes.Equal(sa.Core, sb.Core) {
		t.Errorf("core hashes %s and %s differ", sa.Output.SHA256, sb.Output.SHA256)
	}
}

// TestStripCoreEndingInContractMeta: a core whose last section is itself
// a contractmetav0 section (as the Soroban SDK writes) is found by the
// recorded size, not mistaken for part of the stamp.
func TestStripCoreEndingInContractMeta(t *testing.T) {
	core, err := appendCustomSection(bytes.Clone(tinyModule), ContractMetaSectionName,
		AppendContractMeta(nil, MetaEntry{"rsver", "1.70.0"}))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := mustStamp(t, core, FormatContractMetaV0)
	st, err := Strip(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(st.Core, core) || !slices.Equal(st.Formats, []Format{FormatContractMetaV0}) {
		t.Errorf("Strip: core of %d bytes (want %d), formats %v", len(st.Core), len(core), st.Formats)
	}
}
