package meta

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
)

// A Transcript is the record of a run's state roots at fixed instruction
// counts (issue 8): the first checkpoint is where the job starts (the
// machine's ready point, the state a ready snapshot holds), then one every
// Every instructions, then the final state at power-off. Two runs of the
// same recipe have equal transcripts; two runs that differ have a first
// checkpoint where the roots differ, which is where `reprovm bisect`
// starts looking. The stamp records the final root and the transcript's
// SHA-256 (TranscriptSHA256), so a rebuild can be compared checkpoint by
// checkpoint, not only by its outputs.
type Transcript struct {
	// Format is TranscriptFormat.
	Format int `json:"format"`
	// Every is the number of instructions between checkpoints.
	Every uint64 `json:"every"`
	// Checkpoints are in increasing instret order; the last is the final
	// state.
	Checkpoints []Checkpoint `json:"checkpoints"`
}

// Checkpoint is one state root.
type Checkpoint struct {
	// Instret is the number of instructions retired since boot.
	Instret uint64 `json:"instret"`
	// Root is machine.StateRoots.Root in lower-case hex.
	Root string `json:"root"`
}

// TranscriptFormat is the version of the transcript encoding.
const TranscriptFormat = 1

// maxCheckpoints bounds a transcript: a trillion-instruction build with a
// checkpoint every 2^20 instructions.
const maxCheckpoints = 1 << 20

// Validate checks that t could have come from a run.
func (t *Transcript) Validate() error {
	if t.Format != TranscriptFormat {
		return fmt.Errorf("transcript format %d, this reprovm reads %d", t.Format, TranscriptFormat)
	}
	if t.Every == 0 {
		return errors.New("transcript: checkpoint interval 0")
	}
	if len(t.Checkpoints) == 0 || len(t.Checkpoints) > maxCheckpoints {
		return fmt.Errorf("transcript: %d checkpoints, want 1 to %d", len(t.Checkpoints), maxCheckpoints)
	}
	for i, c := range t.Checkpoints {
		if err := checkHex256("transcript root", c.Root); err != nil {
			return fmt.Errorf("checkpoint %d: %w", i, err)
		}
		if i > 0 && c.Instret <= t.Checkpoints[i-1].Instret {
			return fmt.Errorf("transcript: checkpoint %d at %d instructions is not after checkpoint %d at %d",
				i, c.Instret, i-1, t.Checkpoints[i-1].Instret)
		}
	}
	return nil
}

// Marshal returns the canonical encoding of t (as Stamp.Marshal's).
func (t *Transcript) Marshal() ([]byte, error) {
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("marshal transcript: %w", err)
	}
	return canonicalJSON(t)
}

// SHA256 returns the hex SHA-256 of t's canonical encoding, as the stamp
// records it.
func (t *Transcript) SHA256() (string, error) {
	b, err := t.Marshal()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// Final returns the last checkpoint.
func (t *Transcript) Final() Checkpoint { return t.Checkpoints[len(t.Checkpoints)-1] }

// ParseTranscript decodes and validates a transcript. Unknown fields and
// trailing data are refused; whitespace is allowed (people edit and diff
// these files).
func ParseTranscript(b []byte) (*Transcript, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	t := new(Transcript)
	if err := d.Decode(t); err != nil {
		return nil, fmt.Errorf("parse transcript: %w", err)
	}
	if d.More() {
		return nil, errors.New("parse transcript: data after the JSON value")
	}
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("parse transcript: %w", err)
	}
	return t, nil
}

// FirstDifference compares two transcripts of runs that checkpointed at
// the same counts and returns the index of the first checkpoint whose
// roots differ (the runs were equal at i-1 and different at i), or -1 if
// every common checkpoint agrees. Checkpoints are matched by instret; the
// first count present in one transcript and not in the other (one run
// ended sooner) counts as a difference.
func FirstDifference(a, b *Transcript) (int, error) {
	if a.Every != b.Every {
		return 0, fmt.Errorf("the transcripts checkpoint every %d and every %d instructions", a.Every, b.Every)
	}
	for i := range min(len(a.Checkpoints), len(b.Checkpoints)) {
		ca, cb := a.Checkpoints[i], b.Checkpoints[i]
		if ca.Instret != cb.Instret || ca.Root != cb.Root {
			return i, nil
		}
	}
	if len(a.Checkpoints) != len(b.Checkpoints) {
		return min(len(a.Checkpoints), len(b.Checkpoints)), nil
	}
	return -1, nil
}
