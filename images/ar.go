package images

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// A .deb file is a Unix ar archive (deb(5)): the global header "!<arch>\n",
// then members, each a 60-byte ASCII header followed by the member's data,
// padded with "\n" to an even offset. The header fields are, in order:
// name (16), mtime (12), uid (6), gid (6), mode octal (8), size decimal (10)
// and the terminator "`\n" (2). Debian writes plain names such as
// "debian-binary" and "data.tar.xz", sometimes with a GNU-style trailing
// "/"; it never needs the GNU or BSD long-name extensions, so a name is
// taken literally and only matched against the names Debian uses.
const (
	arMagic      = "!<arch>\n"
	arHeaderSize = 60
)

// arMaxMemberSize bounds a member's declared size. The size field holds ten
// decimal digits, so this is the field's own limit; it keeps int64
// arithmetic on sizes far from overflow.
const arMaxMemberSize = 9_999_999_999

// arHeader is the part of an ar member header the extractor uses.
type arHeader struct {
	Name string
	Size int64
}

// arReader reads the members of an ar archive in order, like archive/tar's
// Reader: Next moves to the next member and Read reads its data.
type arReader struct {
	r       io.Reader
	started bool
	remain  int64 // unread bytes of the current member
	pad     bool  // the current member is followed by one padding byte
	err     error // sticky error
}

func newArReader(r io.Reader) *arReader { return &arReader{r: r} }

// Next skips the rest of the current member and returns the next header,
// or io.EOF at the clean end of the archive.
func (a *arReader) Next() (arHeader, error) {
	if a.err != nil {
		return arHeader{}, a.err
	}
	h, err := a.next()
	if err != nil {
		a.err = err
	}
	return h, err
}

func (a *arReader) next() (arHeader, error) {
	if !a.started {
		a.started = true
		var magic [len(arMagic)]byte
		if _, err := io.ReadFull(a.r, magic[:]); err != nil {
			return arHeader{}, fmt.Errorf("ar: reading magic: %w", noEOF(err))
		}
		if string(magic[:]) != arMagic {
			return arHeader{}, fmt.Errorf("ar: bad magic %q", magic[:])
		}
	}
	if a.remain > 0 {
		if _, err := io.CopyN(io.Discard, a.r, a.remain); err != nil {
			return arHeader{}, fmt.Errorf("ar: skipping member: %w", noEOF(err))
		}
	}
	if a.pad {
		// Some writers omit the padding after the last member; an archive
		// that ends there is complete.
		var pad [1]byte
		if _, err := io.ReadFull(a.r, pad[:]); err == io.EOF {
			a.remain, a.pad = 0, false
			return arHeader{}, io.EOF
		} else if err != nil {
			return arHeader{}, fmt.Errorf("ar: skipping padding: %w", err)
		}
	}
	a.remain, a.pad = 0, false

	var b [arHeaderSize]byte
	n, err := io.ReadFull(a.r, b[:])
	if err == io.EOF {
		return arHeader{}, io.EOF
	}
	if err != nil {
		return arHeader{}, fmt.Errorf("ar: reading header: truncated after %d bytes: %w", n, noEOF(err))
	}
	if b[58] != '`' || b[59] != '\n' {
		return arHeader{}, fmt.Errorf("ar: bad header terminator %q", b[58:60])
	}
	name := string(bytes.TrimRight(b[0:16], " "))
	if len(name) > 1 && name[len(name)-1] == '/' {
		name = name[:len(name)-1] // GNU ar ends names with "/"
	}
	if name == "" {
		return arHeader{}, errors.New("ar: empty member name")
	}
	sizeField := string(bytes.TrimRight(b[48:58], " "))
	size, err := strconv.ParseInt(sizeField, 10, 64)
	if err != nil || size < 0 || size > arMaxMemberSize || sizeField[0] == '+' {
		return arHeader{}, fmt.Errorf("ar: member %q: bad size field %q", name, b[48:58])
	}
	a.remain, a.pad = size, size%2 == 1
	return arHeader{Name: name, Size: size}, nil
}

// Read reads the current member's data; it returns io.EOF at its end and
// io.ErrUnexpectedEOF if the archive ends first.
func (a *arReader) Read(p []byte) (int, error) {
	if a.err != nil {
		return 0, a.err
	}
	if a.remain == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > a.remain {
		p = p[:a.remain]
	}
	n, err := a.r.Read(p)
	a.remain -= int64(n)
	if err == io.EOF && a.remain > 0 {
		err = io.ErrUnexpectedEOF
	}
	if err != nil && err != io.EOF {
		a.err = fmt.Errorf("ar: reading member data: %w", err)
		return n, a.err
	}
	if a.remain == 0 {
		err = nil // report io.EOF on the next call
	}
	return n, err
}

// noEOF turns io.EOF into io.ErrUnexpectedEOF for reads that must not end.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
