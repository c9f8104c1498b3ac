package meta

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
)

func TestAppendContractMeta(t *testing.T) {
	tests := []struct {
		name    string
		entries []MetaEntry
		want    string // hex
	}{
		// The rsver entry of rs-soroban-sdk PR #1016's worked example.
		{"rsver", []MetaEntry{{"rsver", "1.70.0"}},
			"00000000" + "00000005" + "7273766572000000" + "00000006" + "312e37302e300000"},
		{"no padding", []MetaEntry{{"abcd", ""}},
			"00000000" + "00000004" + "61626364" + "00000000"},
		{"padding 3, 2", []MetaEntry{{"k", "vv"}, {"", "xyz"}},
			"00000000" + "00000001" + "6b000000" + "00000002" + "76760000" +
				"00000000" + "00000000" + "00000003" + "78797a00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AppendContractMeta(nil, tt.entries...)
			if h := hex.EncodeToString(got); h != tt.want {
				t.Errorf("AppendContractMeta = %s, want %s", h, tt.want)
			}
			back, err := ParseContractMeta(got)
			if err != nil || !slices.Equal(back, tt.entries) {
				t.Errorf("ParseContractMeta = %q, %v; want %q", back, err, tt.entries)
			}
		})
	}
}

func TestParseContractMetaErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"kind 1", "00000001" + "00000000" + "00000000", "kind 1 is not SC_META_V0"},
		{"truncated kind", "0000", "truncated entry kind"},
		{"no key", "00000000", "truncated string length"},
		{"key past end", "00000000" + "00000005" + "61626364", "runs past"},
		{"unpadded key", "00000000" + "00000001" + "61", "runs past"},
		{"padding not zero", "00000000" + "00000001" + "61000100" + "00000000", "non-zero padding"},
		{"no value", "00000000" + "00000000", "truncated string length"},
		{"huge length", "00000000" + "ffffffff", "runs past"},
	}
	for _, tt := range tests {
		b, err := hex.DecodeString(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseContractMeta(b)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: ParseContractMeta = %q, %v; want an error containing %q", tt.name, got, err, tt.want)
		}
	}
	if got, err := ParseContractMeta(nil); err != nil || len(got) != 0 {
		t.Errorf("ParseContractMeta(empty) = %q, %v", got, err)
	}
}

func TestContractMetaSection(t *testing.T) {
	out, s := mustStamp(t, tinyModule, FormatContractMetaV0)
	payload, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	secs, err := Sections(out)
	if err != nil {
		t.Fatal(err)
	}
	sec := secs[len(secs)-2]
	data := sec.Data(out)
	// Section header: ID 0, size, name length 14, "contractmetav0".
	head := appendU32([]byte{0x00}, uint32(1+len(ContractMetaSectionName)+len(data)))
	head = append(head, 14)
	head = append(head, "contractmetav0"...)
	if !bytes.Equal(out[sec.Offset:sec.DataOffset], head) {
		t.Errorf("section header % x, want % x", out[sec.Offset:sec.DataOffset], head)
	}
	got, err := ParseContractMeta(data)
	if err != nil {
		t.Fatal(err)
	}
	stampSum := sha256.Sum256(payload)
	want := []MetaEntry{
		{"source_repo", "https://github.com/reprovm/example"},
		{"source_rev", "0123456789abcdef0123456789abcdef01234567"},
		{"reprovm_version", "0.1.0-dev"},
		{"reprovm_emulator", "1.0.0"},
		{"reprovm_image", "bafybeidozhaq46cd5qypnz4t54yef2mr6t6c2vj6puqdvczr6k3bn5di3m"},
		{"reprovm_source", "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4"},
		{"reprovm_core_sha256", s.Outputs[0].SHA256},
		{"reprovm_stamp_sha256", hex.EncodeToString(stampSum[:])},
	}
	if !slices.Equal(got, want) {
		t.Errorf("contract meta entries\n got %q\nwant %q", got, want)
	}
	// The first entry, byte for byte: kind 0, "source_repo" (11 bytes + 1
	// pad), then the 34-byte URL + 2 pad.
	first := "00000000" + "0000000b" + hex.EncodeToString([]byte("source_repo")) + "00" +
		"00000022" + hex.EncodeToString([]byte("https://github.com/reprovm/example")) + "0000"
	if h := hex.EncodeToString(data[:len(first)/2]); h != first {
		t.Errorf("first entry %s, want %s", h, first)
	}

	// Without git, the source entries are left out.
	s2 := testStamp(tinyModule)
	s2.Source.GitURL, s2.Source.GitCommit = "", ""
	out2, err := StampWasm(tinyModule, s2, FormatContractMetaV0)
	if err != nil {
		t.Fatal(err)
	}
	secs2, err := Sections(out2)
	if err != nil {
		t.Fatal(err)
	}
	got2, err := ParseContractMeta(secs2[len(secs2)-2].Data(out2))
	if err != nil || len(got2) != 6 || got2[0].Key != "reprovm_version" {
		t.Errorf("entries without git: %q, %v", got2, err)
	}
}

func TestICPSection(t *testing.T) {
	out, s := mustStamp(t, tinyModule, FormatICP)
	payload, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want := appendU32([]byte{0x00}, uint32(1+24+len(payload)))
	want = append(want, 24)
	want = append(want, "icp:public reprovm:build"...)
	want = append(want, payload...)
	secs, err := Sections(out)
	if err != nil {
		t.Fatal(err)
	}
	sec := secs[len(secs)-2]
	if got := out[sec.Offset:sec.End()]; !bytes.Equal(got, want) {
		t.Errorf("icp section\n got % x\nwant % x", got, want)
	}
	if len(ICPSectionName) != 24 {
		t.Errorf("ICPSectionName has %d bytes", len(ICPSectionName))
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range Formats {
		g, err := ParseFormat(f.String())
		if err != nil || g != f {
			t.Errorf("ParseFormat(%q) = %v, %v", f.String(), g, err)
		}
	}
	if f, err := ParseFormat("Stellar"); err != nil || f != FormatContractMetaV0 {
		t.Errorf("ParseFormat(Stellar) = %v, %v", f, err)
	}
	if _, err := ParseFormat("near"); err == nil || !strings.Contains(err.Error(), "known: contractmetav0, icp") {
		t.Errorf("ParseFormat(near): %v", err)
	}
	if s := Format(9).String(); s != "Format(9)" {
		t.Errorf("Format(9).String() = %q", s)
	}
}
