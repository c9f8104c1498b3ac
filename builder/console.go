package builder

import (
	"bytes"
	"io"
)

// lineWriter passes the guest console on a line at a time. The UART hands
// over every byte as the guest transmits it; writing each to stderr would
// cost a system call per byte, while a line at a time still streams.
type lineWriter struct {
	w   io.Writer
	buf []byte
}

// maxLine flushes a line that never ends (a progress bar, binary noise).
const maxLine = 4096

func (l *lineWriter) Write(p []byte) (int, error) {
	l.buf = append(l.buf, p...)
	if i := bytes.LastIndexByte(l.buf, '\n'); i >= 0 || len(l.buf) >= maxLine {
		n := i + 1
		if i < 0 {
			n = len(l.buf)
		}
		_, err := l.w.Write(l.buf[:n])
		l.buf = append(l.buf[:0], l.buf[n:]...)
		if err != nil {
			return len(p), err
		}
	}
	return len(p), nil
}

// Flush writes what is left of an unfinished last line.
func (l *lineWriter) Flush() error {
	if len(l.buf) == 0 {
		return nil
	}
	_, err := l.w.Write(l.buf)
	l.buf = l.buf[:0]
	return err
}

// phaseConsole is the machine's console: what the guest prints before the
// ready point goes to pre, what it prints after to post (either nil:
// dropped). A build's log is only the second part, so that a build from
// the ready snapshot, which has no first part, logs the same bytes as one
// from scratch.
type phaseConsole struct {
	pre, post *lineWriter
	ready     bool
}

func (c *phaseConsole) Write(p []byte) (int, error) {
	w := c.pre
	if c.ready {
		w = c.post
	}
	if w == nil {
		return len(p), nil
	}
	return w.Write(p)
}

// switchToPost sends what follows to post, after flushing pre.
func (c *phaseConsole) switchToPost() {
	if c.pre != nil {
		c.pre.Flush()
	}
	c.ready = true
}

// Flush flushes both parts.
func (c *phaseConsole) Flush() {
	for _, w := range []*lineWriter{c.pre, c.post} {
		if w != nil {
			w.Flush()
		}
	}
}
