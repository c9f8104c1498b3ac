package meta

import (
	"context"
	"testing"
)

// The benchmarks use the real Go module (about 2.4 MB with fmt).

func BenchmarkStampWasm(b *testing.B) {
	wasm := goModule(b)
	s := testStamp(wasm)
	b.SetBytes(int64(len(wasm)))
	for b.Loop() {
		if _, err := StampWasm(wasm, s, Formats...); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStrip(b *testing.B) {
	out, _ := mustStamp(b, goModule(b), Formats...)
	b.SetBytes(int64(len(out)))
	for b.Loop() {
		if _, err := Strip(out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadStamp(b *testing.B) {
	out, _ := mustStamp(b, goModule(b), Formats...)
	ctx := context.Background()
	b.SetBytes(int64(len(out)))
	for b.Loop() {
		if _, err := ReadStamp(ctx, out); err != nil {
			b.Fatal(err)
		}
	}
}
