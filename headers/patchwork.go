package headers

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Patchwork holds the parts of a Patchwork REST API patch (or cover letter)
// object that are not header fields. Patchwork stores the body split in two:
// Content (commit message and diffstat, CRLF turned into LF, cut at the first
// "-- " line) and Diff (the patch, line endings as mailed). A cover letter
// has Content and no Diff.
type Patchwork struct {
	ID      int64  `json:"id,omitempty"`
	URL     string `json:"url,omitempty"`
	WebURL  string `json:"web_url,omitempty"`
	MsgID   string `json:"msgid,omitempty"`
	Date    string `json:"date,omitempty"`
	Name    string `json:"name,omitempty"`
	Content string `json:"-"`
	Diff    string `json:"-"`
	// HasDiff is false for cover letters and patches stored without a diff.
	HasDiff bool `json:"has_diff"`
	// Submitter is the submitter's name and address as Patchwork recorded it.
	Submitter struct {
		Name  string `json:"name,omitempty"`
		Email string `json:"email,omitempty"`
	} `json:"submitter"`
}

// ParsePatchwork parses a Patchwork API patch or cover object, the JSON that
// GET /api/1.1/patches/N/ returns. Header fields come in the object's key
// order; a field Patchwork stored as a JSON list becomes one Field per
// element, top-down. Patchwork returns two keys holding the same merged list
// when two fields' names differ only in case; only the first is kept.
//
// Patchwork drops the white space after the colon and the CR of each line;
// Field.Value gets one space back and CRLF folding, which relaxed
// canonicalization cannot tell from the original.
func ParsePatchwork(data []byte, name string) (*Message, error) {
	fail := func(err error, off int64) error {
		return &LoadError{Name: name, Kind: SourcePatchwork, Offset: off, Err: err}
	}
	var obj struct {
		ID        int64           `json:"id"`
		URL       string          `json:"url"`
		WebURL    string          `json:"web_url"`
		MsgID     string          `json:"msgid"`
		Date      string          `json:"date"`
		Name      string          `json:"name"`
		Headers   json.RawMessage `json:"headers"`
		Content   *string         `json:"content"`
		Diff      *string         `json:"diff"`
		Submitter *struct {
			Name  string `json:"name"`
			Email string `json:"email"`
		} `json:"submitter"`
	}
	if err := json.Unmarshal(data, &obj); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, fail(fmt.Errorf("%w: %v", ErrMalformedJSON, err), se.Offset)
		case errors.As(err, &te):
			return nil, fail(fmt.Errorf("%w: field %q has the wrong type", ErrNotPatchwork, te.Field), te.Offset)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return nil, fail(fmt.Errorf("%w: %v", ErrMalformedJSON, err), int64(len(data)))
		}
		return nil, fail(fmt.Errorf("%w: %v", ErrMalformedJSON, err), -1)
	}
	if len(obj.Headers) == 0 || obj.Headers[0] != '{' {
		return nil, fail(ErrNotPatchwork, -1)
	}
	fields, err := orderedHeaders(obj.Headers)
	if err != nil {
		return nil, fail(fmt.Errorf("%w: headers: %v", ErrNotPatchwork, err), -1)
	}
	if len(fields) == 0 {
		return nil, fail(fmt.Errorf("%w: empty headers object", ErrNotPatchwork), -1)
	}
	pw := &Patchwork{ID: obj.ID, URL: obj.URL, WebURL: obj.WebURL, MsgID: obj.MsgID, Date: obj.Date, Name: obj.Name}
	if obj.Content != nil {
		pw.Content = *obj.Content
	}
	if obj.Diff != nil {
		pw.Diff = *obj.Diff
		pw.HasDiff = true
	}
	if obj.Submitter != nil {
		pw.Submitter.Name, pw.Submitter.Email = obj.Submitter.Name, obj.Submitter.Email
	}
	return &Message{
		Source:    Source{Kind: SourcePatchwork, Name: name},
		Fields:    fields,
		Order:     OrderPerName,
		Patchwork: pw,
	}, nil
}

// orderedHeaders decodes Patchwork's headers object keeping key order. raw
// has been checked to be well-formed JSON by json.Unmarshal; this single
// pass reads it without encoding/json's reflection and rescanning, since
// loading is dominated by it.
func orderedHeaders(raw json.RawMessage) ([]Field, error) {
	l := &jsonLexer{b: raw}
	if err := l.expect('{'); err != nil {
		return nil, err
	}
	type entry struct {
		name     string
		first, n int // fields[first:first+n] came from this key
	}
	var entries []entry
	var byLower map[string]int // used once there are many keys, to stay linear
	lookup := func(key string) int {
		if byLower != nil {
			if i, ok := byLower[strings.ToLower(key)]; ok {
				return i
			}
			return -1
		}
		for i, e := range entries {
			if strings.EqualFold(e.name, key) {
				return i
			}
		}
		return -1
	}
	var fields []Field
	l.ws()
	if l.peek() == '}' {
		l.i++
		return nil, nil
	}
	for {
		key, err := l.str(false)
		if err != nil {
			return nil, err
		}
		if key == "" || !validFieldName([]byte(key)) {
			return nil, fmt.Errorf("key %.40q is not a field name", key)
		}
		if err := l.expect(':'); err != nil {
			return nil, err
		}
		start := len(fields)
		l.ws()
		switch l.peek() {
		case '"':
			v, err := l.str(true)
			if err != nil {
				return nil, err
			}
			fields = append(fields, Field{Name: key, Value: v})
		case '[':
			l.i++
			l.ws()
			if l.peek() == ']' {
				l.i++
				break
			}
			for {
				l.ws()
				if l.peek() != '"' {
					return nil, fmt.Errorf("field %q: list element is not a string", key)
				}
				v, err := l.str(true)
				if err != nil {
					return nil, err
				}
				fields = append(fields, Field{Name: key, Value: v})
				l.ws()
				if l.peek() == ']' {
					l.i++
					break
				}
				if err := l.expect(','); err != nil {
					return nil, err
				}
			}
		default:
			return nil, fmt.Errorf("field %q is neither a string nor a list", key)
		}
		if prev := lookup(key); prev >= 0 && sameValues(fields[entries[prev].first:entries[prev].first+entries[prev].n], fields[start:]) {
			fields = fields[:start] // the same merged list under a differently cased key
		} else if prev < 0 {
			entries = append(entries, entry{name: key, first: start, n: len(fields) - start})
			if byLower != nil {
				byLower[strings.ToLower(key)] = len(entries) - 1
			} else if len(entries) > 64 {
				byLower = make(map[string]int, 2*len(entries))
				for i, e := range entries {
					if _, dup := byLower[strings.ToLower(e.name)]; !dup {
						byLower[strings.ToLower(e.name)] = i
					}
				}
			}
		}
		l.ws()
		if l.peek() == '}' {
			l.i++
			return fields, nil
		}
		if err := l.expect(','); err != nil {
			return nil, err
		}
		l.ws()
	}
}

func sameValues(a, b []Field) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Value != b[i].Value {
			return false
		}
	}
	return true
}

// jsonLexer reads the few JSON tokens a Patchwork headers object holds.
type jsonLexer struct {
	b []byte
	i int
}

func (l *jsonLexer) ws() {
	for l.i < len(l.b) && (l.b[l.i] == ' ' || l.b[l.i] == '\t' || l.b[l.i] == '\n' || l.b[l.i] == '\r') {
		l.i++
	}
}

func (l *jsonLexer) peek() byte {
	if l.i < len(l.b) {
		return l.b[l.i]
	}
	return 0
}

func (l *jsonLexer) expect(c byte) error {
	l.ws()
	if l.peek() != c {
		return fmt.Errorf("expected %q at offset %d", c, l.i)
	}
	l.i++
	return nil
}

// str reads a JSON string. As a field value (value true) it is turned into
// Field.Value form at once: a leading space, CR dropped before LF (Patchwork
// stores none; a diff-like value may have them) and every LF as CRLF.
// Invalid UTF-8 and lone surrogates become U+FFFD, as encoding/json does.
func (l *jsonLexer) str(value bool) (string, error) {
	if err := l.expect('"'); err != nil {
		return "", err
	}
	start := l.i
	// Fast path: no escapes, no non-ASCII.
	for l.i < len(l.b) {
		c := l.b[l.i]
		if c == '"' {
			s := l.b[start:l.i]
			l.i++
			if value {
				return " " + string(s), nil
			}
			return string(s), nil
		}
		if c == '\\' || c >= 0x80 || c < 0x20 {
			break
		}
		l.i++
	}
	buf := make([]byte, 0, l.i-start+64)
	if value {
		buf = append(buf, ' ')
	}
	buf = append(buf, l.b[start:l.i]...)
	emit := func(r rune) {
		if value && r == '\n' {
			if n := len(buf); n > 0 && buf[n-1] == '\r' {
				buf = buf[:n-1]
			}
			buf = append(buf, '\r', '\n')
			return
		}
		buf = utf8.AppendRune(buf, r)
	}
	for l.i < len(l.b) {
		// Copy a run of plain ASCII at once.
		run := l.i
		for l.i < len(l.b) {
			if c := l.b[l.i]; c == '"' || c == '\\' || c < 0x20 || c >= 0x80 {
				break
			}
			l.i++
		}
		buf = append(buf, l.b[run:l.i]...)
		if l.i >= len(l.b) {
			break
		}
		c := l.b[l.i]
		switch {
		case c == '"':
			l.i++
			return string(buf), nil
		case c < 0x20:
			return "", fmt.Errorf("control character in string at offset %d", l.i)
		case c == '\\':
			if l.i+1 >= len(l.b) {
				return "", fmt.Errorf("unterminated string")
			}
			e := l.b[l.i+1]
			l.i += 2
			switch e {
			case '"', '\\', '/':
				emit(rune(e))
			case 'b':
				emit('\b')
			case 'f':
				emit('\f')
			case 'n':
				emit('\n')
			case 'r':
				emit('\r')
			case 't':
				emit('\t')
			case 'u':
				r, ok := l.hex4()
				if !ok {
					return "", fmt.Errorf("bad \\u escape at offset %d", l.i)
				}
				if utf16.IsSurrogate(r) {
					r2 := utf8.RuneError
					if l.i+1 < len(l.b) && l.b[l.i] == '\\' && l.b[l.i+1] == 'u' {
						save := l.i
						l.i += 2
						if lo, ok := l.hex4(); ok {
							if dec := utf16.DecodeRune(r, lo); dec != utf8.RuneError {
								r2 = dec
							} else {
								l.i = save
							}
						} else {
							l.i = save
						}
					}
					r = r2
				}
				emit(r)
			default:
				return "", fmt.Errorf("bad escape at offset %d", l.i)
			}
		default:
			r, size := utf8.DecodeRune(l.b[l.i:])
			emit(r) // RuneError for invalid bytes, one per byte
			l.i += size
		}
	}
	return "", fmt.Errorf("unterminated string")
}

func (l *jsonLexer) hex4() (rune, bool) {
	if l.i+4 > len(l.b) {
		return 0, false
	}
	var r rune
	for _, c := range l.b[l.i : l.i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	l.i += 4
	return r, true
}
