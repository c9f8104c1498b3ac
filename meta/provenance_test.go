package meta

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestProvenance(t *testing.T) {
	s := testStamp(tinyModule)
	s.StateRoot = "abc123"
	subjects := []Subject{
		{Name: "z.txt", SHA256: s.Outputs[1].SHA256},
		{Name: "app.wasm", SHA256: strings.Repeat("1", 64)},
	}
	reads := []FileRead{
		{Input: "source", CID: s.Source.CID, Path: "main.go", Size: 120, Read: 120},
		{Input: "deps/zlib", CID: s.Deps["zlib"], Path: "zlib/inflate.go", Size: 9000, Read: 4096},
	}
	b, err := Provenance(s, subjects, reads)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(b, []byte("}\n")) || bytes.Count(b, []byte("\n")) != 1 {
		t.Errorf("want one line of JSON ending in a newline, got %q", b)
	}
	checkSortedKeys(t, b)
	if !bytes.Contains(b, []byte("cd /src && go build")) {
		t.Errorf("statement escapes HTML characters: %s", b)
	}

	// Deterministic, and independent of the subjects' order.
	b2, err := Provenance(s, []Subject{subjects[1], subjects[0]}, reads)
	if err != nil || !bytes.Equal(b, b2) {
		t.Errorf("second statement differs at %d (%v)", FirstDiff(b, b2), err)
	}

	var st struct {
		Type          string `json:"_type"`
		PredicateType string `json:"predicateType"`
		Subject       []struct {
			Name   string            `json:"name"`
			Digest map[string]string `json:"digest"`
		} `json:"subject"`
		Predicate struct {
			BuildDefinition struct {
				BuildType            string            `json:"buildType"`
				ExternalParameters   map[string]any    `json:"externalParameters"`
				InternalParameters   map[string]string `json:"internalParameters"`
				ResolvedDependencies []struct {
					Name        string            `json:"name"`
					URI         string            `json:"uri"`
					Digest      map[string]string `json:"digest"`
					Annotations map[string]any    `json:"annotations"`
				} `json:"resolvedDependencies"`
			} `json:"buildDefinition"`
			RunDetails struct {
				Builder struct {
					ID      string            `json:"id"`
					Version map[string]string `json:"version"`
				} `json:"builder"`
				Metadata   any `json:"metadata"`
				Byproducts []struct {
					Name        string            `json:"name"`
					Digest      map[string]string `json:"digest"`
					Content     string            `json:"content"`
					MediaType   string            `json:"mediaType"`
					Annotations map[string]any    `json:"annotations"`
				} `json:"byproducts"`
			} `json:"runDetails"`
		} `json:"predicate"`
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&st); err != nil {
		t.Fatalf("decode statement: %v\n%s", err, b)
	}
	if st.Type != "https://in-toto.io/Statement/v1" || st.PredicateType != "https://slsa.dev/provenance/v1" {
		t.Errorf("_type %q, predicateType %q", st.Type, st.PredicateType)
	}
	if len(st.Subject) != 2 || st.Subject[0].Name != "app.wasm" || st.Subject[0].Digest["sha256"] != strings.Repeat("1", 64) ||
		st.Subject[1].Name != "z.txt" || len(st.Subject[1].Digest) != 1 {
		t.Errorf("subject %+v", st.Subject)
	}
	bd := st.Predicate.BuildDefinition
	if bd.BuildType != BuildType {
		t.Errorf("buildType %q", bd.BuildType)
	}
	ext, err := json.Marshal(bd.ExternalParameters)
	if err != nil {
		t.Fatal(err)
	}
	wantExt := `{"argv":["sh","-c","cd /src \u0026\u0026 go build -o /out/app.wasm . \u0026\u0026 echo \u003cdone\u003e"],` +
		`"deps":{"abc":"bafkqaaa","zlib":"bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354"},` +
		`"env":["GOOS=wasip1","GOARCH=wasm","EMPTY="],"image":"bafybeidozhaq46cd5qypnz4t54yef2mr6t6c2vj6puqdvczr6k3bn5di3m",` +
		`"machine":{"bootargs":"console=ttyS0 quiet","max_insns":100000000000,"ram_size":2147483648},` +
		`"outputs":["/out/app.wasm","/out/z.txt"],` +
		`"source":{"cid":"bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4","git_commit":"0123456789abcdef0123456789abcdef01234567","git_url":"https://github.com/reprovm/example"},` +
		`"workdir":"/src"}`
	if string(ext) != wantExt {
		t.Errorf("externalParameters\n got %s\nwant %s", ext, wantExt)
	}
	if !reflect.DeepEqual(bd.InternalParameters, map[string]string{"emulator": "1.0.0"}) {
		t.Errorf("internalParameters %v", bd.InternalParameters)
	}
	var deps []string
	for _, r := range bd.ResolvedDependencies {
		line := r.Name + " " + r.URI + " " + mapString(r.Digest)
		if r.Annotations != nil {
			line += fmt.Sprint(" ", r.Annotations["size"], " ", r.Annotations["bytesRead"])
		}
		deps = append(deps, line)
	}
	wantDeps := []string{
		"image ipfs://bafybeidozhaq46cd5qypnz4t54yef2mr6t6c2vj6puqdvczr6k3bn5di3m cid=bafybeidozhaq46cd5qypnz4t54yef2mr6t6c2vj6puqdvczr6k3bn5di3m",
		"source ipfs://bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4 cid=bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4",
		"source.git git+https://github.com/reprovm/example@0123456789abcdef0123456789abcdef01234567 gitCommit=0123456789abcdef0123456789abcdef01234567",
		"deps/abc ipfs://bafkqaaa cid=bafkqaaa",
		"deps/zlib ipfs://bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354 cid=bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354",
		"source/main.go ipfs://bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4/main.go  120 120",
		"deps/zlib/zlib/inflate.go ipfs://bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354/zlib/inflate.go  9000 4096",
	}
	if !reflect.DeepEqual(deps, wantDeps) {
		t.Errorf("resolvedDependencies\n got %q\nwant %q", deps, wantDeps)
	}
	rd := st.Predicate.RunDetails
	if rd.Builder.ID != BuilderID || !reflect.DeepEqual(rd.Builder.Version, map[string]string{"reprovm": "0.1.0-dev", "emulator": "1.0.0"}) {
		t.Errorf("builder %+v", rd.Builder)
	}
	if rd.Metadata != nil {
		t.Errorf("runDetails.metadata = %v, want none (it would vary between runs)", rd.Metadata)
	}
	payload, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	stampSum := sha256.Sum256(payload)
	if len(rd.Byproducts) != 3 {
		t.Fatalf("byproducts %+v", rd.Byproducts)
	}
	if p := rd.Byproducts[0]; p.Name != "console.log" || p.Digest["sha256"] != s.LogSHA256 {
		t.Errorf("log byproduct %+v", p)
	}
	if p := rd.Byproducts[1]; p.Name != "reprovm.build" || p.Digest["sha256"] != hex.EncodeToString(stampSum[:]) {
		t.Errorf("stamp byproduct %+v", p)
	}
	p := rd.Byproducts[2]
	content, err := base64.StdEncoding.DecodeString(p.Content)
	if err != nil || string(content) != `{"instret":24000000123,"state_root":"abc123"}` || p.Name != "machine" ||
		p.Annotations["instret"] != 24000000123.0 || p.Annotations["state_root"] != "abc123" {
		t.Errorf("machine byproduct %+v (content %s, %v)", p, content, err)
	}
}

func mapString(m map[string]string) string {
	var parts []string
	for k, v := range m {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, ",")
}

func TestProvenanceMinimal(t *testing.T) {
	s := minimalStamp()
	b, err := Provenance(s, []Subject{{Name: "a", SHA256: s.Outputs[0].SHA256}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, absent := range []string{`"deps"`, `"env"`, `"source.git"`, `"state_root"`, `"git_url"`} {
		if bytes.Contains(b, []byte(absent)) {
			t.Errorf("statement of a minimal stamp holds %s:\n%s", absent, b)
		}
	}
}

func TestProvenanceErrors(t *testing.T) {
	h := strings.Repeat("a", 64)
	bad := minimalStamp()
	bad.Argv = nil
	tests := []struct {
		name     string
		s        *Stamp
		subjects []Subject
		want     string
	}{
		{"nil stamp", nil, []Subject{{"a", h}}, "nil stamp"},
		{"invalid stamp", bad, []Subject{{"a", h}}, "argv is empty"},
		{"no subjects", minimalStamp(), nil, "no subjects"},
		{"bad digest", minimalStamp(), []Subject{{"a", "abc"}}, "64 lower-case hex"},
		{"empty name", minimalStamp(), []Subject{{"", h}}, "subject name is empty"},
		{"duplicate", minimalStamp(), []Subject{{"a", h}, {"a", h}}, "two subjects named"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Provenance(tt.s, tt.subjects, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Provenance: %v; want an error containing %q", err, tt.want)
			}
		})
	}
}
