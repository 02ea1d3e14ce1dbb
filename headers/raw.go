package headers

import (
	"bytes"
	"fmt"
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
	var endBuf [64]int
	n, starts, ends := headerLen(data, endBuf[:0])
	hdr := string(data[:n])
	m.Fields = make([]Field, 0, min(starts, maxPrealloc))
	var (
		open         bool   // a field is being read
		curName      string // its name
		vStart, vEnd int    // its value is hdr[vStart:vEnd] when built is nil
		built        []byte // its value, when not contiguous in hdr
	)
	flush := func() {
		if !open {
			return
		}
		v := hdr[vStart:vEnd]
		if built != nil {
			v = string(built)
		}
		m.Fields = append(m.Fields, Field{Name: curName, Value: v})
		open, built = false, nil
	}
	next := 0
	for lineNo := 1; next < n; lineNo++ {
		start := next // offset of the line in data and hdr
		if lineNo <= len(ends) {
			next = ends[lineNo-1]
		} else if i := bytes.IndexByte(data[start:n], '\n'); i >= 0 {
			next = start + i + 1
		} else {
			next = n
		}
		content := trimLineEnd(data[start:next])
		if len(content) == 0 {
			// The empty line: the body follows.
			flush()
			m.Body = data[n:]
			return m.checkFields()
		}
		if content[0] == ' ' || content[0] == '\t' {
			if !open {
				if len(m.Fields) == 0 {
					return ErrUnrecognized
				}
				defect("line %d: continuation line without a field", lineNo)
				continue
			}
			end := start + len(content)
			if built == nil && start == vEnd+2 && hdr[vEnd:start] == "\r\n" {
				vEnd = end
				continue
			}
			if built == nil {
				built = append(make([]byte, 0, vEnd-vStart+2+len(content)), hdr[vStart:vEnd]...)
			}
			built = append(built, "\r\n"...)
			built = append(built, hdr[start:end]...)
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
		if len(fname) == 0 || !validFieldName(fname) {
			flush()
			if lineNo == 1 && bytes.HasPrefix(content, []byte("From ")) {
				// A stray From_ line (a single-message mbox handed to the
				// raw parser): not a field, not a defect of the message.
				continue
			}
			if len(m.Fields) == 0 {
				// A message starts with a field; anything else is not mail.
				return ErrUnrecognized
			}
			defect("line %d: not a header field: %.40q", lineNo, content)
			continue
		}
		flush()
		if len(fname) != colon {
			defect("line %d: white space before the colon of %.40q", lineNo, fname)
		}
		open = true
		curName = hdr[start : start+len(fname)]
		vStart, vEnd = start+colon+1, start+len(content)
	}
	flush()
	return m.checkFields()
}

// trimLineEnd is bytes.TrimRight(line, "\r\n"), without building a set.
func trimLineEnd(line []byte) []byte {
	n := len(line)
	for n > 0 && (line[n-1] == '\n' || line[n-1] == '\r') {
		n--
	}
	return line[:n]
}

// maxPrealloc bounds the fields splitHeader makes room for up front, so a
// header of many short lines that are not fields costs little memory.
const maxPrealloc = 128

// headerLen returns the length of data's header including the empty line
// that ends it (a line of nothing but CRs before its LF, or of CRs at the
// end of data), or len(data) when there is none; the number of lines
// before it that do not start with white space, at most the number of
// fields; and ends with the offset after each line of the header appended
// while it has room (it is not grown), so a second pass need not search
// for them again.
func headerLen(data []byte, ends []int) (n, starts int, _ []int) {
	for off := 0; off < len(data); {
		i := bytes.IndexByte(data[off:], '\n')
		end := len(data)
		if i >= 0 {
			end = off + i + 1
		}
		if len(ends) < cap(ends) {
			ends = append(ends, end)
		}
		if len(trimLineEnd(data[off:end])) == 0 {
			return end, starts, ends
		}
		if c := data[off]; c != ' ' && c != '\t' {
			starts++
		}
		off = end
	}
	return len(data), starts, ends
}

// maxDefects bounds Message.Defects, so garbage input costs little memory.
const maxDefects = 100

func (m *Message) checkFields() error {
	if len(m.Fields) == 0 {
		return ErrUnrecognized
	}
	return nil
}

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
