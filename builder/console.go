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
