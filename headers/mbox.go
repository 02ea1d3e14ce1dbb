package headers

import (
	"bufio"
	"bytes"
	"io"
)

// mboxReader splits an mbox stream into messages one at a time, so memory is
// bounded by the largest message, not the file.
//
// It reads the mboxrd convention that mail archives such as lore serve: a
// line beginning "From " starts a new message; inside a message, a line that
// matches ">+From " had exactly one '>' added when it was stored, and one is
// removed. The blank line that separates a message from the next From_ line
// belongs to the mbox format and is removed too.
//
// A message larger than the limit is skipped up to the next From_ line and
// reported as ErrTooLarge; reading goes on with the next message.
type mboxReader struct {
	br      *bufio.Reader
	name    string
	index   int
	offset  int64  // bytes consumed so far
	pending bool   // a From_ line has been consumed and starts the next message
	fromOff int64  // offset of the pending From_ line
	from    string // the pending From_ line after "From ", without line end
	limit   int64  // maximum bytes of one message
	err     error  // sticky: io.EOF or a read error
}

func newMboxReader(br *bufio.Reader, name string, limit int64) *mboxReader {
	return &mboxReader{br: br, name: name, limit: limit}
}

// readLine returns the next line including its end, reading lines of any
// length. A line longer than the limit is consumed to its end but only its
// first limit+1 bytes are returned, so memory stays bounded. At end of input
// it returns what is left and io.EOF.
func (r *mboxReader) readLine() ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	r.offset += int64(len(line))
	if err != bufio.ErrBufferFull {
		return line, err
	}
	buf := append([]byte(nil), line...)
	for {
		line, err = r.br.ReadSlice('\n')
		r.offset += int64(len(line))
		if room := r.limit + 1 - int64(len(buf)); room > 0 {
			buf = append(buf, line[:min(int64(len(line)), room)]...)
		}
		if err != bufio.ErrBufferFull {
			return buf, err
		}
	}
}

func isFromLine(line []byte) bool { return bytes.HasPrefix(line, []byte("From ")) }

// next returns the next message, or io.EOF.
func (r *mboxReader) next() (*Message, error) {
	if r.err != nil {
		return nil, r.err
	}
	if !r.pending {
		// Skip anything before the first From_ line (blank lines at most).
		for {
			start := r.offset
			line, err := r.readLine()
			if isFromLine(line) {
				r.fromOff, r.from = start, envelope(line)
				break
			}
			if err != nil {
				r.err = err
				if err != io.EOF {
					r.err = &LoadError{Name: r.name, Kind: SourceMbox, Offset: r.offset, Err: err}
				}
				return nil, r.err
			}
		}
	}
	r.pending = false
	start, from := r.fromOff, r.from
	var msg bytes.Buffer
	tooLarge := false
	for {
		lineStart := r.offset
		line, err := r.readLine()
		if len(line) > 0 {
			if isFromLine(line) {
				r.pending = true
				r.fromOff, r.from = lineStart, envelope(line)
				break
			}
			if unescapeFrom(line) {
				line = line[1:]
			}
			if !tooLarge && int64(msg.Len()+len(line)) > r.limit {
				tooLarge = true
				msg = bytes.Buffer{} // free it; skip to the next From_ line
			}
			if !tooLarge {
				msg.Write(line)
			}
		}
		if err == io.EOF {
			r.err = io.EOF
			break
		}
		if err != nil {
			r.err = &LoadError{Name: r.name, Kind: SourceMbox, Offset: r.offset, Err: err}
			return nil, r.err
		}
	}
	idx := r.index
	r.index++
	if tooLarge {
		return nil, &LoadError{Name: r.name, Kind: SourceMbox, Offset: start, Err: ErrTooLarge}
	}
	m, err := ParseRaw(trimSeparator(msg.Bytes()), r.name)
	if err != nil {
		if le, ok := err.(*LoadError); ok {
			le.Kind, le.Offset = SourceMbox, start
		}
		return nil, err
	}
	m.Source = Source{Kind: SourceMbox, Name: r.name, Index: idx, Envelope: from}
	return m, nil
}

// envelope returns the From_ line's text after "From ", at most 1000 bytes.
func envelope(line []byte) string {
	line = bytes.TrimRight(line[len("From "):], "\r\n")
	return string(line[:min(len(line), 1000)])
}

// unescapeFrom reports whether line is an mboxrd-escaped From line: one or
// more '>' followed by "From ".
func unescapeFrom(line []byte) bool {
	i := 0
	for i < len(line) && line[i] == '>' {
		i++
	}
	return i > 0 && bytes.HasPrefix(line[i:], []byte("From "))
}

// trimSeparator removes the one empty line that separates a message from the
// next From_ line.
func trimSeparator(b []byte) []byte {
	switch {
	case bytes.HasSuffix(b, []byte("\r\n\r\n")):
		return b[:len(b)-2]
	case bytes.HasSuffix(b, []byte("\n\n")):
		return b[:len(b)-1]
	}
	return b
}
