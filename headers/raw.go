package headers

import (
	"bytes"
	"fmt"
	"strings"
)

// ParseRaw parses one RFC 5322 message with LF or CRLF line endings. The
// header is split into fields without any decoding, so each Field keeps the
// bytes DKIM signs; the body is kept as is. A header line that is not a field
// nor a continuation is recorded in Message.Defects and skipped (at most
// 100 defects are listed). Body shares memory with data.
//
// ParseRaw fails with ErrEmpty on blank input and with ErrUnrecognized when
// the input does not start with a header field (after an optional mbox From_
// line), so binary garbage is not taken for a message.
func ParseRaw(data []byte, name string) (*Message, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &LoadError{Name: name, Kind: SourceRaw, Offset: -1, Err: ErrEmpty}
	}
	m := &Message{Source: Source{Kind: SourceRaw, Name: name}, Order: OrderExact}
	if err := m.splitHeader(data); err != nil {
		return nil, &LoadError{Name: name, Kind: SourceRaw, Offset: 0, Err: err}
	}
	return m, nil
}

// splitHeader fills m.Fields and m.Body from data.
//
// The header, up to and including the empty line, is copied into one
// string; names, and values written with CRLF line ends, are substrings of
// it, so a field costs no allocation of its own. Only a folded value whose
// line ends are not exactly CRLF is rebuilt, with CRLF between its lines.
// The lines are read once: where each field lies is noted until the end of
// the header is known and the string can be made.
func (m *Message) splitHeader(data []byte) error {
	defects := 0
	defect := func(format string, args ...any) {
		defects++
		switch {
		case defects <= maxDefects:
			m.Defects = append(m.Defects, fmt.Sprintf(format, args...))
		case defects == maxDefects+1:
			m.Defects = append(m.Defects, "more defects not listed")
		}
	}
	var spanBuf [64]fieldSpan
	spans := spanBuf[:0]
	var cur fieldSpan // the field being read, if open
	open := false
	n := len(data) // the length of the header with its empty line
	for lineNo, next := 1, 0; next < len(data); lineNo++ {
		start := next // offset of the line
		if i := bytes.IndexByte(data[start:], '\n'); i >= 0 {
			next = start + i + 1
		} else {
			next = len(data)
		}
		content := trimLineEnd(data[start:next])
		if len(content) == 0 {
			// The empty line: the body follows.
			n = next
			m.Body = data[n:]
			break
		}
		if content[0] == ' ' || content[0] == '\t' {
			if !open {
				if len(spans) == 0 {
					return ErrUnrecognized
				}
				defect("line %d: continuation line without a field", lineNo)
				continue
			}
			if start != cur.vEnd+2 || data[cur.vEnd] != '\r' || data[cur.vEnd+1] != '\n' {
				cur.rebuild = true
			}
			cur.vEnd = start + len(content)
			continue
		}
		colon := bytes.IndexByte(content, ':')
		var fname []byte
		if colon > 0 {
			n := colon
			for n > 0 && (content[n-1] == ' ' || content[n-1] == '\t') {
				n--
			}
			fname = content[:n]
		}
		if open {
			spans = append(spans, cur)
			open = false
		}
		if len(fname) == 0 || !validFieldName(fname) {
			if lineNo == 1 && bytes.HasPrefix(content, []byte("From ")) {
				// A stray From_ line (a single-message mbox handed to the
				// raw parser): not a field, not a defect of the message.
				continue
			}
			if len(spans) == 0 {
				// A message starts with a field; anything else is not mail.
				return ErrUnrecognized
			}
			defect("line %d: not a header field: %.40q", lineNo, content)
			continue
		}
		if len(fname) != colon {
			defect("line %d: white space before the colon of %.40q", lineNo, fname)
		}
		open = true
		cur = fieldSpan{nameStart: start, nameEnd: start + len(fname), vStart: start + colon + 1, vEnd: start + len(content)}
	}
	if open {
		spans = append(spans, cur)
	}
	if len(spans) == 0 {
		return ErrUnrecognized
	}
	hdr := string(data[:n])
	m.Fields = make([]Field, len(spans))
	for i, sp := range spans {
		v := hdr[sp.vStart:sp.vEnd]
		if sp.rebuild {
			v = joinLinesCRLF(v)
		}
		m.Fields[i] = Field{Name: hdr[sp.nameStart:sp.nameEnd], Value: v}
	}
	return nil
}

// fieldSpan is where a field lies in the header: its name at
// [nameStart, nameEnd) and its value, first line to last, at [vStart, vEnd).
// rebuild is set when a line end in the value is not exactly CRLF.
type fieldSpan struct {
	nameStart, nameEnd, vStart, vEnd int
	rebuild                          bool
}

// joinLinesCRLF returns the lines of v, each without its line end (any
// run of CR and LF ending it), joined by CRLF.
func joinLinesCRLF(v string) string {
	var b strings.Builder
	b.Grow(len(v) + strings.Count(v, "\n"))
	for more := true; more; {
		line := v
		if i := strings.IndexByte(v, '\n'); i >= 0 {
			line, v = v[:i], v[i+1:]
		} else {
			more = false
		}
		b.WriteString(strings.TrimRight(line, "\r\n"))
		if more {
			b.WriteString("\r\n")
		}
	}
	return b.String()
}

// trimLineEnd is bytes.TrimRight(line, "\r\n"), without building a set.
func trimLineEnd(line []byte) []byte {
	n := len(line)
	for n > 0 && (line[n-1] == '\n' || line[n-1] == '\r') {
		n--
	}
	return line[:n]
}

// maxDefects bounds Message.Defects, so garbage input costs little memory.
const maxDefects = 100

// validFieldName reports whether b is an RFC 5322 field name: printable
// US-ASCII except colon. Real mail sometimes has white space before the
// colon ("Subject :"); the caller trims it and records a defect.
func validFieldName(b []byte) bool {
	for _, c := range b {
		if c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}
