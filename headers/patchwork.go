package headers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
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

// orderedHeaders decodes Patchwork's headers object keeping key order.
func orderedHeaders(raw json.RawMessage) ([]Field, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // '{'
		return nil, err
	}
	var fields []Field
	seen := map[string][]string{} // lower-case name -> values
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("key %v is not a string", tok)
		}
		if key == "" || !validFieldName([]byte(key)) {
			return nil, fmt.Errorf("key %.40q is not a field name", key)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		var values []string
		switch {
		case len(v) > 0 && v[0] == '[':
			if err := json.Unmarshal(v, &values); err != nil {
				return nil, fmt.Errorf("field %q: %v", key, err)
			}
		case len(v) > 0 && v[0] == '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, fmt.Errorf("field %q: %v", key, err)
			}
			values = []string{s}
		default:
			return nil, fmt.Errorf("field %q is neither a string nor a list", key)
		}
		lower := strings.ToLower(key)
		if prev, dup := seen[lower]; dup && equalStrings(prev, values) {
			continue // the same merged list under a differently cased key
		}
		seen[lower] = values
		for _, s := range values {
			fields = append(fields, Field{Name: key, Value: patchworkValue(s)})
		}
	}
	return fields, nil
}

// patchworkValue restores the white space after the colon and CRLF line
// ends in a value as Patchwork stored it.
func patchworkValue(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return " " + strings.ReplaceAll(s, "\n", "\r\n")
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
