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
type mboxReader struct {
	br      *bufio.Reader
	name    string
	index   int
	offset  int64
	pending bool  // a From_ line has been consumed and starts the next message
	limit   int64 // maximum bytes of one message
	err     error
}

func newMboxReader(br *bufio.Reader, name string, limit int64) *mboxReader {
	return &mboxReader{br: br, name: name, limit: limit}
}

// readLine returns the next line including its end, reading lines of any
// length. At end of input it returns what is left and io.EOF.
func (r *mboxReader) readLine() ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if err != bufio.ErrBufferFull {
		r.offset += int64(len(line))
		return line, err
	}
	buf := append([]byte(nil), line...)
	for {
		line, err = r.br.ReadSlice('\n')
		buf = append(buf, line...)
		if int64(len(buf)) > r.limit {
			r.offset += int64(len(buf))
			return buf, ErrTooLarge
		}
		if err != bufio.ErrBufferFull {
			r.offset += int64(len(buf))
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
	start := r.offset
	if !r.pending {
		// Skip anything before the first From_ line (there should be nothing).
		for {
			line, err := r.readLine()
			if isFromLine(line) {
				break
			}
			if err != nil {
				r.err = io.EOF
				if err != io.EOF {
					r.err = err
				}
				return nil, r.err
			}
		}
	}
	r.pending = false
	var msg bytes.Buffer
	for {
		line, err := r.readLine()
		if len(line) > 0 {
			if isFromLine(line) {
				r.pending = true
				break
			}
			if unescapeFrom(line) {
				line = line[1:]
			}
			if int64(msg.Len()+len(line)) > r.limit {
				r.err = &LoadError{Name: r.name, Kind: SourceMbox, Offset: start, Err: ErrTooLarge}
				return nil, r.err
			}
			msg.Write(line)
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
	data := trimSeparator(msg.Bytes())
	m, err := ParseRaw(data, r.name)
	idx := r.index
	r.index++
	if err != nil {
		var le *LoadError
		if asLoadError(err, &le) {
			le.Kind, le.Offset = SourceMbox, start
		}
		return nil, err
	}
	m.Source = Source{Kind: SourceMbox, Name: r.name, Index: idx}
	return m, nil
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
