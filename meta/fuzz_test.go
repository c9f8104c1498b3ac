package meta

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// fuzzSeeds are modules for the wasm fuzz targets: the tiny module, stamped
// with each format, and some broken variants.
func fuzzSeeds(f *testing.F) {
	f.Add(tinyModule)
	f.Add(wasmHeader)
	f.Add([]byte{})
	for _, fs := range [][]Format{nil, {FormatContractMetaV0}, {FormatICP}, Formats} {
		out, _ := mustStamp(f, tinyModule, fs...)
		f.Add(out)
		f.Add(out[:len(out)-1])
	}
	f.Add(append(bytes.Clone(wasmHeader), 0x00, 0x80, 0x80, 0x80, 0x80, 0x00))
}

// FuzzSections: no panic, and every section lies inside the module, in
// order, without gaps, with custom contents after the name.
func FuzzSections(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, wasm []byte) {
		secs, err := Sections(wasm)
		if err != nil {
			return
		}
		off := int64(len(wasmHeader))
		for _, s := range secs {
			if s.Offset != off || s.Size < 2 || s.End() > int64(len(wasm)) {
				t.Fatalf("section %+v after offset %d in %d bytes", s, off, len(wasm))
			}
			if s.DataOffset <= s.Offset || s.DataOffset+s.DataSize != s.End() {
				t.Fatalf("section %+v: contents outside the section", s)
			}
			_ = s.Data(wasm)
			off = s.End()
		}
		if off != int64(len(wasm)) {
			t.Fatalf("sections end at %d of %d bytes", off, len(wasm))
		}
	})
}

// FuzzParseStamp: no panic, and every accepted stamp re-encodes to the
// same bytes.
func FuzzParseStamp(f *testing.F) {
	for _, s := range []*Stamp{minimalStamp(), testStamp(tinyModule)} {
		b, err := s.Marshal()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"format":1}`))
	f.Add([]byte(`{"format":2,"x":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseStamp(b)
		if err != nil {
			return
		}
		again, err := s.Marshal()
		if err != nil {
			t.Fatalf("Marshal of an accepted stamp: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("Marshal(ParseStamp(x)) != x:\n%s\n%s", again, b)
		}
	})
}

// FuzzStrip: no panic; a stripped module restamps to itself and its core
// matches the stamp.
func FuzzStrip(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, wasm []byte) {
		st, err := Strip(wasm)
		if err != nil {
			return
		}
		if !bytes.HasPrefix(wasm, st.Core) || uint64(len(st.Core)) != st.Output.Size {
			t.Fatalf("core of %d bytes, output %+v", len(st.Core), st.Output)
		}
		again, err := StampWasm(st.Core, st.Stamp, st.Formats...)
		if err != nil || !bytes.Equal(again, wasm) {
			t.Fatalf("restamp: %v", err)
		}
		if _, _, err := Core(st.Core); !errors.Is(err, ErrNotStamped) {
			t.Fatalf("Core(core): %v, want ErrNotStamped", err)
		}
	})
}

// FuzzReadStamp: no panic, and a stamp read through wazero is the one
// Strip finds when Strip accepts the module.
func FuzzReadStamp(f *testing.F) {
	fuzzSeeds(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, wasm []byte) {
		s, err := ReadStamp(ctx, wasm)
		if err != nil {
			return
		}
		if _, err := s.Marshal(); err != nil {
			t.Fatalf("ReadStamp returned an invalid stamp: %v", err)
		}
		if st, err := Strip(wasm); err == nil {
			a, _ := st.Stamp.Marshal()
			b, _ := s.Marshal()
			if !bytes.Equal(a, b) {
				t.Fatal("ReadStamp and Strip disagree")
			}
		}
	})
}

// FuzzParseContractMeta: no panic, and accepted entries re-encode to the
// same bytes.
func FuzzParseContractMeta(f *testing.F) {
	f.Add(AppendContractMeta(nil, MetaEntry{"rsver", "1.70.0"}, MetaEntry{"k", ""}))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		es, err := ParseContractMeta(b)
		if err != nil {
			return
		}
		if again := AppendContractMeta(nil, es...); !bytes.Equal(again, b) {
			t.Fatalf("re-encoded % x, want % x", again, b)
		}
	})
}

// FuzzNormalizeGitURL: no panic, results are idempotent and accepted by
// Source validation.
func FuzzNormalizeGitURL(f *testing.F) {
	for _, s := range []string{"git@github.com:a/b.git", "https://u:p@H.org:443/x/", "ssh://[::1]:22/r", "x:y", "https://a/b.git.git/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := NormalizeGitURL(raw)
		if err != nil {
			return
		}
		again, err := NormalizeGitURL(u)
		if err != nil || again != u {
			t.Fatalf("NormalizeGitURL(%q) = %q, then %q, %v", raw, u, again, err)
		}
		src := Source{CID: "bafkqaaa", GitCommit: "0123456789abcdef0123456789abcdef01234567", GitURL: u}
		if err := src.validate(); err != nil {
			t.Fatalf("normalized URL %q refused: %v", u, err)
		}
	})
}
