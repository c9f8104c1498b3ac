package builder

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/reprovm/reprovm/images/erofs"
	"github.com/reprovm/reprovm/internal/scratch"
	"github.com/reprovm/reprovm/machine"
	"github.com/reprovm/reprovm/meta"
)

// BisectReport says where two builds first differ (issue 8, "Divergence
// bisection").
type BisectReport struct {
	// Divergence is the first instruction after which the two machines
	// were in different states; nil if they never were.
	Divergence *machine.Divergence
	// ReadyInstret is the ready point both builds started from.
	ReadyInstret uint64
	// Data names, for the differing pages that last received data from an
	// input drive, which file of which input that data came from.
	Data []DivergentData
	// Searched is how many instructions each machine ran, Wall how long
	// the search took.
	Searched uint64
	Wall     time.Duration
}

// DivergentData is drive data in a page where the two builds differ.
type DivergentData struct {
	Addr     uint64 // guest-physical address of the first differing byte
	Side     string // "A" or "B"
	Input    string // "source" or "deps/NAME"
	DriveOff int64  // the byte of the input's image that landed there
	Path     string // the file that byte belongs to, "" if none
	FileOff  int64  // its offset in the file
	Kind     string // what the byte is part of: data, tail, inode, superblock
}

// errBisectDone ends the two runs of a bisection once the search is over.
var errBisectDone = errors.New("bisection done")

// Bisect runs two builds side by side from their common ready point and
// finds the first instruction at which their machine states differ
// (machine.FindDivergence), then says which input file the differing data
// came from and which guest task was running. The builds must use the same
// image, RAM size and kernel command line, so that they share the ready
// point; they differ in their source, dependencies or recipe. progress
// receives the search's rounds.
func Bisect(ctx context.Context, a, b BuildSpec, progress io.Writer) (*BisectReport, error) {
	start := time.Now()
	var plans [2]*plan
	for i, spec := range []*BuildSpec{&a, &b} {
		td, err := scratch.MkdirCacheTemp("bisect-")
		if err != nil {
			return nil, fmt.Errorf("bisect: %w", err)
		}
		defer td.RemoveAll()
		if plans[i], err = spec.plan(ctx, td.Path); err != nil {
			return nil, fmt.Errorf("bisect: build %c: %w", 'A'+i, err)
		}
	}
	if plans[0].imageCID != plans[1].imageCID || plans[0].run.RAMSize != plans[1].run.RAMSize ||
		plans[0].run.bootargs() != plans[1].run.bootargs() {
		return nil, errors.New("bisect: the builds must use the same image, RAM size and kernel command line (they then share the boot up to the ready point)")
	}

	// Each run hands its machine over at the ready point and waits there
	// until the search is over.
	type handover struct {
		m   *machine.Machine
		cfg machine.Config
	}
	var ready [2]chan handover
	done := make(chan struct{})
	var wg sync.WaitGroup
	var runErr [2]error
	for i := range plans {
		ready[i] = make(chan handover, 1)
		run := plans[i].run
		run.Console = nil
		run.CheckpointEvery = 0
		run.onReady = func(m *machine.Machine, cfg machine.Config) error {
			ready[i] <- handover{m, cfg}
			<-done
			return errBisectDone
		}
		wg.Go(func() {
			_, err := Run(ctx, run)
			if !errors.Is(err, errBisectDone) {
				runErr[i] = err
				close(ready[i]) // a run that ends before the ready point
			}
		})
	}
	defer wg.Wait()
	defer close(done)
	var hs [2]handover
	for i := range hs {
		h, ok := <-ready[i]
		if !ok {
			return nil, fmt.Errorf("bisect: build %c did not reach the ready point: %w", 'A'+i, runErr[i])
		}
		hs[i] = h
	}
	rep := &BisectReport{ReadyInstret: hs[0].m.Instret()}
	comm, _ := hs[0].m.FindCommOffset("init")
	var sides [2]*machine.DivergeSide
	for i, h := range hs {
		cfg := h.cfg
		sides[i] = &machine.DivergeSide{M: h.m, CommOffset: comm, Config: func() machine.Config {
			c := cfg
			c.Console = nil
			c.Drives = slices.Clone(cfg.Drives)
			out := &c.Drives[len(c.Drives)-1] // the output drive: fresh for every rewind
			out.Disk = newSparseDisk(out.Disk.Size())
			return c
		}}
	}
	limit := rep.ReadyInstret + min(plans[0].run.MaxInsns, plans[1].run.MaxInsns)
	d, err := machine.FindDivergence(ctx, sides[0], sides[1], limit, func(from, to, chunk uint64) {
		if progress != nil {
			fmt.Fprintf(progress, "reprovm: bisect: instructions %d to %d, roots every %d\n", from, to, chunk)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("bisect: %w", err)
	}
	rep.Divergence, rep.Searched, rep.Wall = d, sides[0].M.Instret()-rep.ReadyInstret, time.Since(start)
	if d == nil {
		return rep, nil
	}
	for _, pg := range d.Pages {
		for s, src := range pg.Source {
			if src == nil || src.Drive >= len(plans[s].inputs) {
				continue
			}
			// The drive byte that landed on the first differing byte.
			off := src.Off + int64(pg.Offset)
			dd := DivergentData{Addr: pg.Addr + uint64(pg.Offset), Side: string(rune('A' + s)), Input: plans[s].inputs[src.Drive].Name, DriveOff: off}
			if ext, err := lookupExtent(plans[s].run.Inputs[src.Drive].Path, off); err == nil {
				dd.Kind = ext.Kind.String()
				if len(ext.Paths) > 0 {
					dd.Path = ext.Paths[0]
				}
				dd.FileOff = ext.FileOff + (off - ext.Off)
			}
			rep.Data = append(rep.Data, dd)
		}
	}
	return rep, nil
}

// lookupExtent returns what byte off of the EROFS image at path holds.
func lookupExtent(path string, off int64) (erofs.Extent, error) {
	f, err := os.Open(path)
	if err != nil {
		return erofs.Extent{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return erofs.Extent{}, err
	}
	m, err := erofs.ReadMap(f, fi.Size())
	if err != nil {
		return erofs.Extent{}, err
	}
	exts := m.Lookup(off, 1)
	if len(exts) == 0 {
		return erofs.Extent{}, fmt.Errorf("byte %d of %s belongs to nothing", off, path)
	}
	return exts[0], nil
}

// Summary is the report in a sentence or two for a person.
func (r *BisectReport) Summary() string {
	d := r.Divergence
	if d == nil {
		return fmt.Sprintf("the builds never differ: %d instructions after the ready point compared", r.Searched)
	}
	s := fmt.Sprintf("the builds diverge at instruction %d (%d after the ready point): pc %#x (%s-mode) %s",
		d.Instret, d.Instret-r.ReadyInstret, d.PC, d.Priv, d.Inst)
	if d.Task != "" {
		s += fmt.Sprintf(", while %q ran", d.Task)
	}
	for _, dd := range r.Data {
		if dd.Path != "" {
			s += fmt.Sprintf("; the first differing byte (at %#x) came from %s in %s, offset %d (%s)", dd.Addr, dd.Path, dd.Input, dd.FileOff, dd.Kind)
			break
		}
	}
	return s
}

// sparseDisk is an in-memory disk of a fixed size that holds only the
// chunks written to it: the output drive of a rewound machine, which must
// start empty.
type sparseDisk struct {
	size   int64
	chunks map[int64][]byte
}

const sparseChunk = 64 << 10

func newSparseDisk(size int64) *sparseDisk {
	return &sparseDisk{size: size, chunks: map[int64][]byte{}}
}

func (d *sparseDisk) Size() int64 { return d.size }

func (d *sparseDisk) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off+int64(len(p)) > d.size {
		return 0, io.EOF
	}
	for n := 0; n < len(p); {
		c := (off + int64(n)) / sparseChunk
		o := (off + int64(n)) % sparseChunk
		k := min(len(p)-n, int(sparseChunk-o))
		if b, ok := d.chunks[c]; ok {
			copy(p[n:n+k], b[o:])
		} else {
			clear(p[n : n+k])
		}
		n += k
	}
	return len(p), nil
}

func (d *sparseDisk) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 || off+int64(len(p)) > d.size {
		return 0, io.ErrShortWrite
	}
	for n := 0; n < len(p); {
		c := (off + int64(n)) / sparseChunk
		o := (off + int64(n)) % sparseChunk
		k := min(len(p)-n, int(sparseChunk-o))
		b, ok := d.chunks[c]
		if !ok {
			b = make([]byte, sparseChunk)
			d.chunks[c] = b
		}
		copy(b[o:], p[n:n+k])
		n += k
	}
	return len(p), nil
}

// TranscriptDifference says between which checkpoints the runs of two
// transcripts came apart, without running anything.
func TranscriptDifference(a, b *meta.Transcript) (string, error) {
	i, err := meta.FirstDifference(a, b)
	if err != nil {
		return "", err
	}
	switch {
	case i < 0:
		return fmt.Sprintf("the transcripts agree at all %d checkpoints", len(a.Checkpoints)), nil
	case i == 0:
		return fmt.Sprintf("the transcripts differ from their first checkpoint (instruction %d): the builds start from different ready points (image, RAM or kernel command line)", a.Checkpoints[0].Instret), nil
	}
	prev := a.Checkpoints[i-1].Instret
	at := "the end of the shorter run"
	if i < len(a.Checkpoints) && i < len(b.Checkpoints) {
		at = fmt.Sprintf("instruction %d", a.Checkpoints[i].Instret)
	}
	return fmt.Sprintf("the runs agree up to instruction %d (checkpoint %d) and differ at %s (checkpoint %d); run `reprovm bisect` on the two projects to find the instruction", prev, i-1, at, i), nil
}
