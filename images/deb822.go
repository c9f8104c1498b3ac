package images

import (
	"bytes"
	"fmt"
	"strings"
)

// A field is one "Name: value" of a deb822 stanza.
type field struct {
	name, value string
}

// A stanza is one paragraph of a deb822 file (deb822(5)), such as one
// package of a Packages index or the body of a Release file, with its
// fields in file order.
type stanza []field

// get returns the value of the named field; field names are compared
// without regard to case, as deb822(5) requires.
func (s stanza) get(name string) (string, bool) {
	for _, f := range s {
		if strings.EqualFold(f.name, name) {
			return f.value, true
		}
	}
	return "", false
}

// value returns the named field or "" when it is absent.
func (s stanza) value(name string) string {
	v, _ := s.get(name)
	return v
}

// parseDeb822 calls fn with each stanza of data, in order, stopping at the
// first error.
//
// The syntax is deb822(5): stanzas are separated by lines that are empty or
// hold only spaces and tabs; a field starts with its name at the start of a
// line, followed by a colon; a line starting with a space or tab continues
// the previous field; lines starting with '#' are comments. A field's
// value is its first line and then one "\n"-separated line for each
// continuation, each with surrounding spaces and tabs removed, so that
// multi-line fields such as a Release file's SHA256 list come out one
// entry a line. Description's " ." convention is not undone: nothing here
// needs descriptions.
//
// Field names may use the characters deb822(5) allows, and a stanza may not
// name a field twice. Every violation is an error naming the line.
func parseDeb822(data []byte, fn func(stanza) error) error {
	var cur stanza
	var vals []strings.Builder // one per field of cur, for continuations
	flush := func() error {
		if len(cur) == 0 {
			return nil
		}
		for i := range cur {
			cur[i].value = vals[i].String()
		}
		err := fn(cur)
		cur, vals = nil, nil
		return err
	}
	for lineNo := 1; len(data) > 0; lineNo++ {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		switch {
		case len(bytes.Trim(line, " \t")) == 0:
			if err := flush(); err != nil {
				return err
			}
		case line[0] == '#':
			// A comment; it neither starts nor ends a stanza.
		case line[0] == ' ' || line[0] == '\t':
			if len(cur) == 0 {
				return fmt.Errorf("line %d: continuation line outside a field", lineNo)
			}
			b := &vals[len(vals)-1]
			b.WriteByte('\n')
			b.Write(bytes.Trim(line, " \t"))
		default:
			colon := bytes.IndexByte(line, ':')
			if colon <= 0 {
				return fmt.Errorf("line %d: expected \"Field: value\", got %q", lineNo, truncate(line))
			}
			name := string(line[:colon])
			if !validFieldName(name) {
				return fmt.Errorf("line %d: invalid field name %q", lineNo, name)
			}
			if _, dup := cur.get(name); dup {
				return fmt.Errorf("line %d: field %s repeated in one stanza", lineNo, name)
			}
			cur = append(cur, field{name: name})
			vals = append(vals, strings.Builder{})
			vals[len(vals)-1].Write(bytes.Trim(line[colon+1:], " \t\r"))
		}
	}
	return flush()
}

// validFieldName reports whether s is a deb822(5) field name: US-ASCII
// characters from '!' to '~' except ':', not starting with '#' or '-'.
func validFieldName(s string) bool {
	if s == "" || s[0] == '#' || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < '!' || c > '~' || c == ':' {
			return false
		}
	}
	return true
}

// truncate shortens hostile input for an error message.
func truncate(b []byte) string {
	const max = 60
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}
