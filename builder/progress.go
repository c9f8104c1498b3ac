package builder

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// A progress meter for long runs (issue 14, "Long work shows progress"):
// the boot and warm-up of a new image take minutes, a build as long, and
// without it nothing shows that the machine is working. It reports the
// instructions retired, the MIPS since the phase began, and where the
// expected count is known, the share done and an ETA: for the boot, the
// count the image's last boot to its ready point took (bootInsnsPath,
// beside the ready snapshots); for the whole run, RunSpec.ExpectInsns
// (verify: the stamp's instret).
//
// On a terminal it is one line that rewrites itself (a bar); elsewhere it
// is a plain line every plainEvery, with no carriage returns, for logs. It
// writes only to RunSpec.Meter: never to the console, the build log or
// anything hashed. Host time decides only when it prints, and the run is
// cut into slices of progressSlice instructions for it, which changes
// nothing the guest sees (machine.Run: n then m instructions is n+m).

// progressSlice is how many instructions run between looks at the clock.
const progressSlice = 1 << 25

// How often the meter writes: on a terminal, and as plain lines.
const (
	ttyEvery   = 250 * time.Millisecond
	plainEvery = 5 * time.Second
)

// bootInsnsPath is the file beside the directory of an image's ready
// snapshots (<cache>/images/<CID>.ready.insns) that records the
// instruction count of the image's last boot to its ready point, for the
// ETA of the next one (another RAM size, another kernel command line, or
// after the snapshots were deleted). It is a hint for the meter, not read
// by anything that decides a result.
func bootInsnsPath(readySnapshot string) string {
	return filepath.Dir(readySnapshot) + ".insns"
}

// progress is the meter of one run.
type progress struct {
	w      io.Writer
	tty    bool
	now    func() time.Time // time.Now; tests fix it
	every  time.Duration    // between writes: ttyEvery or plainEvery
	boot   uint64           // expected ready point, 0 unknown
	total  uint64           // expected end of the run, 0 unknown
	phase  string           // "boot" or "run"
	from   uint64           // instret where the phase began
	since  time.Time        // when it began
	last   time.Time        // when the meter last wrote
	shown  bool             // a terminal line is on the screen
	latest string           // the last line written
}

// newProgress returns the meter of spec's run, or nil if spec has none;
// begin starts it.
func (spec *RunSpec) newProgress() *progress {
	if spec.Meter == nil {
		return nil
	}
	p := &progress{w: spec.Meter, tty: isTerminal(spec.Meter), now: time.Now, total: spec.ExpectInsns, every: spec.MeterEvery}
	if p.every == 0 {
		p.every = plainEvery
		if p.tty {
			p.every = ttyEvery
		}
	}
	if spec.ReadySnapshot != "" && !fileExists(spec.ReadySnapshot) {
		p.boot = readBootInsns(spec.ReadySnapshot)
	}
	return p
}

// wrap returns w, or, on a terminal, w behind a writer that clears the
// meter's line before each write.
func (p *progress) wrap(w io.Writer) io.Writer {
	if p == nil || !p.tty {
		return w
	}
	return clearing{p, w}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// begin starts a phase at instret.
func (p *progress) begin(instret uint64, attached bool) {
	if p == nil {
		return
	}
	p.phase = "boot"
	if attached {
		p.phase = "run"
	}
	p.from, p.since, p.last = instret, p.now(), p.now()
}

// update tells the meter the count now; it writes if it is time.
func (p *progress) update(instret uint64, attached bool) {
	if p == nil {
		return
	}
	if attached && p.phase == "boot" {
		p.clear()
		p.begin(instret, attached)
	}
	now := p.now()
	if now.Sub(p.last) < p.every || instret == p.from {
		return
	}
	p.last = now
	line := p.line(instret, now)
	p.latest = line
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.shown = true
	} else {
		fmt.Fprintln(p.w, line)
	}
}

// line is the meter's text at instret: the phase, the count, the MIPS
// and, with an expected count, a bar (terminal only), the share and the
// ETA at the phase's rate.
func (p *progress) line(instret uint64, now time.Time) string {
	expect := p.total
	if p.phase == "boot" {
		expect = p.boot
	}
	secs := now.Sub(p.since).Seconds()
	var mips float64
	if secs > 0 {
		mips = float64(instret-p.from) / secs / 1e6
	}
	var b strings.Builder
	fmt.Fprintf(&b, "reprovm: %s: %s instructions, %.0f MIPS", p.phase, giga(instret), mips)
	if expect > instret {
		done := float64(instret) / float64(expect)
		fmt.Fprintf(&b, ", %.0f%% of ~%s", 100*done, giga(expect))
		if mips > 0 {
			eta := time.Duration(float64(expect-instret) / (mips * 1e6) * float64(time.Second))
			fmt.Fprintf(&b, ", ETA %s", eta.Round(time.Second))
		}
		if p.tty {
			const width = 20
			n := int(done * width)
			b.WriteString(" [" + strings.Repeat("#", n) + strings.Repeat(".", width-n) + "]")
		}
	}
	return b.String()
}

// giga writes n in billions with two decimals ("1.75 G").
func giga(n uint64) string { return fmt.Sprintf("%.2f G", float64(n)/1e9) }

// clear removes the terminal line, so that other output starts on a clean
// line; the next update writes it again.
func (p *progress) clear() {
	if p != nil && p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}

// done ends the meter.
func (p *progress) done() { p.clear() }

// clearing is a writer that clears the meter's terminal line before each
// write to w (the console on the same terminal), and passes the bytes on
// unchanged.
type clearing struct {
	p *progress
	w io.Writer
}

func (c clearing) Write(b []byte) (int, error) {
	c.p.clear()
	return c.w.Write(b)
}

// readBootInsns reads the boot count recorded beside the ready snapshot
// at path (0 if none or unreadable: no ETA).
func readBootInsns(path string) uint64 {
	b, err := os.ReadFile(bootInsnsPath(path))
	if err != nil {
		return 0
	}
	n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// saveBootInsns records n, the ready point of a boot, beside the ready
// snapshot at path.
func saveBootInsns(path string, n uint64) error {
	if err := WriteFileAtomic(bootInsnsPath(path), []byte(strconv.FormatUint(n, 10)+"\n")); err != nil {
		return fmt.Errorf("ready snapshot: %w", err)
	}
	return nil
}
