package meta

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Identifiers written into provenance statements.
const (
	// StatementType is the in-toto Statement v1 type
	// (https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md).
	StatementType = "https://in-toto.io/Statement/v1"
	// PredicateType is the SLSA provenance v1 predicate type
	// (https://slsa.dev/spec/v1.0/provenance).
	PredicateType = "https://slsa.dev/provenance/v1"
	// BuildType names reprovm's build definition: externalParameters is
	// the recipe (argv, deps, env, image, machine, outputs, source,
	// workdir, with the stamp's JSON keys), internalParameters holds the
	// emulator version, resolvedDependencies the content-addressed inputs.
	BuildType = "https://github.com/reprovm/reprovm/buildtypes/machine/v1"
	// BuilderID identifies a reprovm run. Trust in it comes from anyone
	// being able to rebuild, not from who ran it, so it names the tool and
	// not a host.
	BuilderID = "https://github.com/reprovm/reprovm"
)

// FileRead is one file of an input tree that a build read: the tree's
// name ("source", "deps/NAME") and CID, the file's path in it, its size and
// how many of its bytes the guest read (from the machine's record of block
// reads, mapped back to files; see builder.Built.Reads). The provenance
// lists them as resolved dependencies: what the build used, not what the
// recipe claimed.
type FileRead struct {
	Input string
	CID   string
	Path  string
	Size  int64
	Read  int64
}

// Subject is an artifact a provenance statement is about.
type Subject struct {
	Name   string // such as "app.wasm"
	SHA256 string // hex SHA-256 of the artifact's bytes as published
}

// resourceDescriptor is an in-toto ResourceDescriptor
// (https://github.com/in-toto/attestation/blob/main/spec/v1/resource_descriptor.md).
type resourceDescriptor struct {
	Name        string            `json:"name,omitempty"`
	URI         string            `json:"uri,omitempty"`
	Digest      map[string]string `json:"digest,omitempty"`
	Content     []byte            `json:"content,omitempty"` // base64 in JSON
	MediaType   string            `json:"mediaType,omitempty"`
	Annotations map[string]any    `json:"annotations,omitempty"`
}

type statement struct {
	Type          string               `json:"_type"`
	Subject       []resourceDescriptor `json:"subject"`
	PredicateType string               `json:"predicateType"`
	Predicate     provenance           `json:"predicate"`
}

type provenance struct {
	BuildDefinition buildDefinition `json:"buildDefinition"`
	RunDetails      runDetails      `json:"runDetails"`
}

type buildDefinition struct {
	BuildType            string               `json:"buildType"`
	ExternalParameters   externalParameters   `json:"externalParameters"`
	InternalParameters   map[string]string    `json:"internalParameters"`
	ResolvedDependencies []resourceDescriptor `json:"resolvedDependencies"`
}

type externalParameters struct {
	Argv    []string          `json:"argv"`
	Deps    map[string]string `json:"deps,omitempty"`
	Env     []string          `json:"env,omitempty"`
	Image   string            `json:"image"`
	Machine Machine           `json:"machine"`
	Outputs []string          `json:"outputs"`
	Source  Source            `json:"source"`
	Workdir string            `json:"workdir"`
}

type runDetails struct {
	Builder    builder              `json:"builder"`
	Byproducts []resourceDescriptor `json:"byproducts"`
}

type builder struct {
	ID      string            `json:"id"`
	Version map[string]string `json:"version"`
}

// Provenance returns an in-toto Statement v1 with a SLSA provenance v1
// predicate describing the build s records, about the given subjects
// (sorted by name in the statement). Like the stamp, it holds nothing that
// varies between runs: no invocation ID and no times, so
// runDetails.metadata is absent. The bytes are canonical JSON (sorted
// keys, no whitespace) followed by a newline, ready to be signed or
// wrapped in a DSSE envelope.
//
// The statement carries:
//
//   - buildDefinition.buildType: BuildType;
//   - externalParameters: the recipe (image, source, deps, argv, env,
//     workdir, machine and the output paths);
//   - internalParameters: {"emulator": Stamp.Emulator};
//   - resolvedDependencies: the image, the source and each dependency as
//     {name, uri "ipfs://<cid>", digest {"cid": <cid>}} (names "image",
//     "source", "deps/<name>"), and the git checkout as
//     {name "source.git", uri "git+<url>@<commit>", digest {"gitCommit"}};
//     Then each file the build read (reads), as {name "<input>/<path>",
//     uri "ipfs://<cid>/<path>", annotations {"size", "bytesRead"}}, in
//     input and path order;
//   - runDetails.builder: {id BuilderID, version {"reprovm", "emulator"}};
//   - runDetails.byproducts: the console log {name "console.log", digest
//     sha256}, the stamp {name "reprovm.build", digest sha256 of its
//     canonical encoding}, and the machine's result {name "machine",
//     content and annotations {"instret", "state_root"}}.
func Provenance(s *Stamp, subjects []Subject, reads []FileRead) ([]byte, error) {
	if s == nil {
		return nil, errors.New("provenance: nil stamp")
	}
	payload, err := s.Marshal()
	if err != nil {
		return nil, fmt.Errorf("provenance: %w", err)
	}
	if len(subjects) == 0 {
		return nil, errors.New("provenance: no subjects")
	}
	subs := slices.Clone(subjects)
	slices.SortFunc(subs, func(a, b Subject) int { return strings.Compare(a.Name, b.Name) })
	st := statement{Type: StatementType, PredicateType: PredicateType}
	for i, sub := range subs {
		if err := checkText("subject name", sub.Name, false); err != nil {
			return nil, fmt.Errorf("provenance: %w", err)
		}
		if err := checkHex256("subject "+sub.Name+" sha256", sub.SHA256); err != nil {
			return nil, fmt.Errorf("provenance: %w", err)
		}
		if i > 0 && subs[i-1].Name == sub.Name {
			return nil, fmt.Errorf("provenance: two subjects named %q", sub.Name)
		}
		st.Subject = append(st.Subject, resourceDescriptor{Name: sub.Name, Digest: map[string]string{"sha256": sub.SHA256}})
	}

	ext := externalParameters{Argv: s.Argv, Deps: s.Deps, Env: s.Env, Image: s.Image, Machine: s.Machine,
		Source: s.Source, Workdir: s.Workdir}
	for _, o := range s.Outputs {
		ext.Outputs = append(ext.Outputs, o.Path)
	}
	cidDep := func(name, cid string) resourceDescriptor {
		return resourceDescriptor{Name: name, URI: "ipfs://" + cid, Digest: map[string]string{"cid": cid}}
	}
	deps := []resourceDescriptor{cidDep("image", s.Image), cidDep("source", s.Source.CID)}
	if s.Source.GitURL != "" {
		deps = append(deps, resourceDescriptor{Name: "source.git", URI: "git+" + s.Source.GitURL + "@" + s.Source.GitCommit,
			Digest: map[string]string{"gitCommit": s.Source.GitCommit}})
	}
	names := make([]string, 0, len(s.Deps))
	for name := range s.Deps {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		deps = append(deps, cidDep("deps/"+name, s.Deps[name]))
	}

	for _, r := range reads {
		if err := checkText("read file path", r.Path, false); err != nil {
			return nil, fmt.Errorf("provenance: %w", err)
		}
		deps = append(deps, resourceDescriptor{Name: r.Input + "/" + r.Path, URI: "ipfs://" + r.CID + "/" + r.Path,
			Annotations: map[string]any{"size": r.Size, "bytesRead": r.Read}})
	}

	result := map[string]any{"instret": s.Instret}
	if s.StateRoot != "" {
		result["state_root"] = s.StateRoot
	}
	if s.TranscriptSHA256 != "" {
		result["transcript_sha256"] = s.TranscriptSHA256
	}
	content, err := canonicalJSON(result)
	if err != nil {
		return nil, fmt.Errorf("provenance: %w", err)
	}
	st.Predicate = provenance{
		BuildDefinition: buildDefinition{
			BuildType:            BuildType,
			ExternalParameters:   ext,
			InternalParameters:   map[string]string{"emulator": s.Emulator},
			ResolvedDependencies: deps,
		},
		RunDetails: runDetails{
			Builder: builder{ID: BuilderID, Version: map[string]string{"reprovm": s.Reprovm, "emulator": s.Emulator}},
			Byproducts: []resourceDescriptor{
				{Name: "console.log", Digest: map[string]string{"sha256": s.LogSHA256}, MediaType: "text/plain"},
				{Name: SectionName, Digest: map[string]string{"sha256": hexSHA256(sha256.Sum256(payload))}, MediaType: "application/json"},
				{Name: "machine", Content: content, MediaType: "application/json", Annotations: result},
			},
		},
	}
	b, err := canonicalJSON(st)
	if err != nil {
		return nil, fmt.Errorf("provenance: %w", err)
	}
	return append(b, '\n'), nil
}
