package headers

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// DefaultMaxMessageSize is the size limit for one message when
// Reader.MaxMessageSize is zero.
const DefaultMaxMessageSize = 256 << 20

// Reader loads messages from a stream whose kind it detects from the
// content, not from any file name: a JSON object is a Patchwork patch, a
// stream whose first line starts "From " is an mbox, anything else that
// starts with a header field is one raw RFC 5322 message.
//
// An mbox is read one message at a time; memory is bounded by the largest
// message, not the file.
type Reader struct {
	// MaxMessageSize bounds one message (or the whole JSON object); zero
	// means DefaultMaxMessageSize.
	MaxMessageSize int64

	name  string
	br    *bufio.Reader
	kind  SourceKind
	mbox  *mboxReader
	done  bool
	count int // messages (or per-message errors) returned from an mbox
}

// NewReader returns a Reader for r. name labels the source in messages and
// errors ("-" for standard input is customary).
func NewReader(r io.Reader, name string) *Reader {
	return &Reader{name: name, br: bufio.NewReaderSize(r, 16<<10)}
}

// Kind returns the detected kind of the stream, or "" before the first call
// to Next.
func (r *Reader) Kind() SourceKind { return r.kind }

func (r *Reader) limit() int64 {
	if r.MaxMessageSize > 0 {
		return r.MaxMessageSize
	}
	return DefaultMaxMessageSize
}

// Next returns the next message. It returns io.EOF when there are no more.
// Load errors are *LoadError values wrapping ErrUnrecognized,
// ErrMalformedJSON, ErrNotPatchwork, ErrTooLarge or ErrEmpty, or the
// underlying read error.
//
// In an mbox, an error about one message (too large, empty, not mail) does
// not end the stream: the next call returns the following message. A read
// error ends it, and so does any error for the other kinds; Next then
// returns io.EOF.
func (r *Reader) Next() (*Message, error) {
	if r.done {
		return nil, io.EOF
	}
	if r.kind == "" {
		kind, err := r.detect()
		if err != nil {
			r.done = true
			return nil, err
		}
		r.kind = kind
	}
	if r.kind == SourceMbox {
		if r.mbox == nil {
			r.mbox = newMboxReader(r.br, r.name, r.limit())
		}
		m, err := r.mbox.next()
		if err == io.EOF {
			r.done = true
			if r.count == 0 {
				return nil, &LoadError{Name: r.name, Kind: SourceMbox, Offset: -1, Err: ErrUnrecognized}
			}
			return nil, io.EOF
		}
		if m == nil && r.mbox.err != nil && r.mbox.err != io.EOF {
			r.done = true // a read error ends the stream
		}
		r.count++
		return m, err
	}
	r.done = true
	data, err := io.ReadAll(io.LimitReader(r.br, r.limit()+1))
	if err != nil {
		return nil, &LoadError{Name: r.name, Kind: r.kind, Offset: -1, Err: err}
	}
	if int64(len(data)) > r.limit() {
		return nil, &LoadError{Name: r.name, Kind: r.kind, Offset: -1, Err: ErrTooLarge}
	}
	if r.kind == SourcePatchwork {
		return ParsePatchwork(data, r.name)
	}
	return ParseRaw(data, r.name)
}

// detect peeks at the start of the stream to tell its kind.
func (r *Reader) detect() (SourceKind, error) {
	// A UTF-8 byte order mark is dropped; leading white space is skipped
	// for the test (JSON and mbox allow it; the mbox reader skips blank
	// lines before the first From_ line).
	if bom, _ := r.br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		r.br.Discard(3)
	}
	head, err := r.br.Peek(512)
	if len(head) == 0 {
		if err != nil && err != io.EOF {
			return "", &LoadError{Name: r.name, Offset: -1, Err: err}
		}
		return "", &LoadError{Name: r.name, Offset: -1, Err: ErrEmpty}
	}
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	switch {
	case len(trimmed) == 0 && len(head) < 512:
		return "", &LoadError{Name: r.name, Offset: -1, Err: ErrEmpty}
	case len(trimmed) == 0:
		return "", &LoadError{Name: r.name, Offset: 0, Err: ErrUnrecognized}
	case trimmed[0] == '{':
		return SourcePatchwork, nil
	case trimmed[0] == '[':
		return "", &LoadError{Name: r.name, Kind: SourcePatchwork, Offset: 0, Err: ErrNotPatchwork}
	case bytes.HasPrefix(trimmed, []byte("From ")) && bytes.TrimLeft(head, "\r\n")[0] == 'F':
		return SourceMbox, nil
	case looksLikeField(head):
		return SourceRaw, nil
	}
	return "", &LoadError{Name: r.name, Offset: 0, Err: ErrUnrecognized}
}

// looksLikeField reports whether b starts with "name:" where name is a
// plausible field name.
func looksLikeField(b []byte) bool {
	colon := bytes.IndexByte(b, ':')
	if colon <= 0 {
		return false
	}
	name := bytes.TrimRight(b[:colon], " \t")
	return len(name) > 0 && validFieldName(name)
}

// ReadAll loads every message from r. It is meant for single messages and
// small mboxes; use a Reader to stream large mbox files. It stops at the
// first error and returns the messages read before it.
func ReadAll(r io.Reader, name string) ([]*Message, error) {
	rd := NewReader(r, name)
	var out []*Message
	for {
		m, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, m)
	}
}
