package images

import (
	"fmt"
	"io"
	"time"
)

// progressEvery is both the delay before the first progress line and the
// interval between lines: a download that ends sooner prints nothing.
const progressEvery = 3 * time.Second

// progress is an io.Writer that counts bytes and prints a line with the
// count, the total and the mean rate to out every progressEvery. The clock
// is a parameter so that tests can drive it; it only ever reaches the host
// terminal, never the guest or an output.
type progress struct {
	out         io.Writer
	label       string
	total, n    int64
	now         func() time.Time
	start, next time.Time
	printed     bool
}

func newProgress(out io.Writer, label string, total int64, now func() time.Time) *progress {
	p := &progress{out: out, label: label, total: total, now: now}
	if out != nil {
		p.start = now()
		p.next = p.start.Add(progressEvery)
	}
	return p
}

func (p *progress) Write(b []byte) (int, error) {
	p.n += int64(len(b))
	if p.out != nil {
		if t := p.now(); !t.Before(p.next) {
			p.next = t.Add(progressEvery)
			p.print(t, "")
		}
	}
	return len(b), nil
}

// finish prints a final line if any progress line was printed.
func (p *progress) finish() {
	if p.out != nil && p.printed {
		p.print(p.now(), " done")
	}
}

func (p *progress) print(t time.Time, suffix string) {
	p.printed = true
	secs := t.Sub(p.start).Seconds()
	rate := 0.0
	if secs > 0 {
		rate = float64(p.n) / secs / 1e6
	}
	fmt.Fprintf(p.out, "fetch %s: %.1f/%.1f MB (%.1f MB/s)%s\n",
		p.label, float64(p.n)/1e6, float64(p.total)/1e6, rate, suffix)
}
