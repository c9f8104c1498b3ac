package builder

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestProgressPlain: off a terminal the meter writes a plain line (no
// carriage return, no escape) only once every interval, with the count,
// the MIPS since the phase began and, where the expected count is known,
// the share and the ETA; the boot phase takes the recorded ready point,
// the run the expected total; a nil meter does nothing.
func TestProgressPlain(t *testing.T) {
	var out bytes.Buffer
	clock := time.Unix(1000, 0)
	p := &progress{w: &out, now: func() time.Time { return clock }, every: 5 * time.Second, boot: 1_000_000_000, total: 4_000_000_000}
	p.begin(0, false)
	step := func(d time.Duration, instret uint64, attached bool) {
		clock = clock.Add(d)
		p.update(instret, attached)
	}
	step(time.Second, 100_000_000, false)   // too soon: nothing
	step(4*time.Second, 500_000_000, false) // 5 s, 100 MIPS, half the boot
	step(time.Second, 600_000_000, false)   // too soon
	step(10*time.Second, 1_600_000_000, false)
	step(0, 1_600_000_000, true)             // the ready point: the run phase begins
	step(5*time.Second, 2_600_000_000, true) // 200 MIPS
	step(5*time.Second, 4_600_000_000, true) // past the expected total: no share
	want := []string{
		"reprovm: boot: 0.50 G instructions, 100 MIPS, 50% of ~1.00 G, ETA 5s",
		"reprovm: boot: 1.60 G instructions, 100 MIPS",
		"reprovm: run: 2.60 G instructions, 200 MIPS, 65% of ~4.00 G, ETA 7s",
		"reprovm: run: 4.60 G instructions, 300 MIPS",
	}
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("meter:\n%s\nwant:\n%s", out.String(), strings.Join(want, "\n"))
	}
	if strings.ContainsAny(out.String(), "\r\033") {
		t.Fatalf("a plain meter wrote a carriage return or an escape: %q", out.String())
	}
	line := regexp.MustCompile(`^reprovm: (boot|run): [0-9]+\.[0-9]{2} G instructions, [0-9]+ MIPS(, [0-9]+% of ~[0-9]+\.[0-9]{2} G, ETA [0-9hms]+)?$`)
	for _, l := range got {
		if !line.MatchString(l) {
			t.Errorf("line %q does not have the meter's format", l)
		}
	}

	var nilMeter *progress
	nilMeter.begin(0, false)
	nilMeter.update(1, true)
	nilMeter.done()
	if w := nilMeter.wrap(&out); w != &out {
		t.Fatal("a nil meter wraps the console")
	}
}

// TestProgressTTY: on a terminal the meter rewrites one line (a bar), and
// a console write through wrap clears it first; the console gets its bytes
// unchanged.
func TestProgressTTY(t *testing.T) {
	var term, console bytes.Buffer
	clock := time.Unix(1000, 0)
	p := &progress{w: &term, tty: true, now: func() time.Time { return clock }, every: time.Second, total: 1_000_000_000}
	p.begin(0, true)
	clock = clock.Add(time.Second)
	p.update(250_000_000, true)
	if got, want := term.String(), "\r\033[Kreprovm: run: 0.25 G instructions, 250 MIPS, 25% of ~1.00 G, ETA 3s [#####...............]"; got != want {
		t.Fatalf("terminal %q, want %q", got, want)
	}
	w := p.wrap(&console)
	if _, err := w.Write([]byte("hello\n")); err != nil {
		t.Fatal(err)
	}
	if console.String() != "hello\n" || !strings.HasSuffix(term.String(), "]\r\033[K") {
		t.Fatalf("console %q, terminal %q", console.String(), term.String())
	}
	w.Write([]byte("again\n")) // the line is already cleared
	p.done()
	if strings.Count(term.String(), "\r\033[K") != 2 {
		t.Fatalf("terminal %q: the line cleared more than once", term.String())
	}
}
