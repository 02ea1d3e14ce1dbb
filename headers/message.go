// Package headers is mailprov's message model: a mail's header fields kept
// exactly as written (RFC 5322 §2.2, with their folding), an optional body, and
// where the message came from. It loads messages from raw RFC 5322 files, mbox
// files (streamed, mboxrd un-escaping) and Patchwork API patch objects, and it
// holds the pure parsers that turn authentication-relevant fields into typed
// values: Authentication-Results (RFC 8601), Received-SPF (RFC 7208 §9.1),
// DKIM-Signature and ARC tag lists (RFC 6376 §3.2, RFC 8617), spam verdicts,
// and addresses and list fields.
//
// The package does no network I/O. Verifiers (dkim, spf, dmarc, arc) consume
// its values; they are never imported from here.
//
// # Loading
//
// [NewReader] tells the kind of input from its content, not its name: a
// JSON object is a Patchwork patch or cover, a "From " line starts an mbox
// (read as mboxrd, one message at a time), and anything that starts with a
// header field is one raw message. [Summarize] reads the origin fields
// (From, Sender, Return-Path, Date, Message-ID, List-*...) in one call.
//
// # Divergences and lenience
//
//   - Patchwork keeps the order of fields per name only ([OrderPerName]),
//     drops CR and the white space after the colon; one space and CRLF
//     folding are put back, which relaxed canonicalization cannot tell apart.
//   - Header splitting accepts white space before the colon and skips lines
//     that are not fields, recording them in [Message.Defects]; a message
//     must start with a field.
//   - Address parsing repairs common breakage that net/mail rejects (see
//     [ParseAddressList]); dates accept the obsolete RFC 5322 §4.3 forms and
//     give zone names their RFC offsets.
//   - RFC 2047 words are decoded for UTF-8, US-ASCII, ISO-8859-1,
//     ISO-8859-15 and windows-1252 only.
package headers

import (
	"encoding/json"
	"strings"
)

// SourceKind says what kind of input a Message was loaded from.
type SourceKind string

// The source kinds mailprov can load.
const (
	SourceRaw       SourceKind = "raw"       // one RFC 5322 message
	SourceMbox      SourceKind = "mbox"      // one message of an mbox file
	SourcePatchwork SourceKind = "patchwork" // a Patchwork REST API patch or cover object
)

// Source tells where a message came from.
type Source struct {
	Kind SourceKind `json:"kind"`
	// Name is the file name the caller gave, or "-" for standard input.
	Name string `json:"name"`
	// Index is the 0-based position of the message in an mbox file. Its
	// JSON form is present for every mbox message, the first included,
	// and absent for other kinds.
	Index int `json:"index,omitempty"`
	// Envelope is the text of an mbox message's From_ line after "From "
	// (usually the envelope sender and a date), or "" for other kinds.
	Envelope string `json:"envelope,omitempty"`
}

// MarshalJSON writes s with its index when it is an mbox message's, even
// the first (0).
func (s Source) MarshalJSON() ([]byte, error) {
	type plain Source // s's fields, without this method
	if s.Kind != SourceMbox {
		return json.Marshal(plain(s))
	}
	return json.Marshal(struct {
		plain
		Index int `json:"index"` // shadows plain's, which omits 0
	}{plain(s), s.Index})
}

// FieldOrder says how much of the original top-down order of a message's
// header fields is known.
type FieldOrder string

const (
	// OrderExact: Fields are in the message's own order.
	OrderExact FieldOrder = "exact"
	// OrderPerName: the order among fields of one name is known (top-down),
	// but the interleaving of fields with different names is not. Patchwork
	// stores headers this way. This is enough for DKIM (instances of a name
	// are taken bottom-up) and ARC (instances are keyed by i=).
	OrderPerName FieldOrder = "per-name"
)

// Field is one header field as written.
type Field struct {
	// Name is the field name as written, without the colon.
	Name string
	// Value is everything after the colon, with folding kept: continuation
	// lines are joined by CRLF, whatever the source's line ending was. It has
	// no final CRLF.
	Value string
}

// Raw returns the field as it appears in a message, "Name:Value", without
// the final CRLF. DKIM canonicalization works on this form.
func (f Field) Raw() string { return f.Name + ":" + f.Value }

// Unfolded returns the value with folding removed (RFC 5322 §2.2.3) and
// leading and trailing white space trimmed.
func (f Field) Unfolded() string { return Unfold(f.Value) }

// Unfold removes folding (RFC 5322 §2.2.3) and trims surrounding white
// space. Every CR and LF is removed, not only those before white space, so
// a stray line break in a broken value does not survive either.
func Unfold(s string) string {
	if strings.IndexAny(s, "\r\n") < 0 {
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\r' || c == '\n' {
			continue
		}
		b.WriteByte(c)
	}
	return strings.TrimSpace(b.String())
}

// Message is a mail message: its header fields in order, an optional body,
// and its source.
type Message struct {
	Source Source
	// Fields are the header fields, top-down.
	Fields []Field
	// Order says how far the order of Fields is the original one.
	Order FieldOrder
	// Body is the message body as stored (line endings as in the source), or
	// nil when the source had no body (Patchwork stores content and diff
	// instead; see Patchwork).
	Body []byte
	// Patchwork holds the Patchwork-specific parts when Source.Kind is
	// SourcePatchwork, and is nil otherwise.
	Patchwork *Patchwork
	// Defects lists problems found while splitting the header, such as a
	// line without a colon. Loading goes on past them.
	Defects []string
}

// HasBody reports whether the message carries its original body.
func (m *Message) HasBody() bool { return m.Body != nil }

// FieldsNamed returns the fields whose name equals name, case-insensitively,
// top-down.
func (m *Message) FieldsNamed(name string) []Field {
	var out []Field
	for _, f := range m.Fields {
		if strings.EqualFold(f.Name, name) {
			out = append(out, f)
		}
	}
	return out
}

// Values returns the raw values of the fields named name, top-down.
func (m *Message) Values(name string) []string {
	var out []string
	for _, f := range m.Fields {
		if strings.EqualFold(f.Name, name) {
			out = append(out, f.Value)
		}
	}
	return out
}

// Get returns the unfolded value of the first (topmost) field named name,
// and whether there was one.
func (m *Message) Get(name string) (string, bool) {
	for _, f := range m.Fields {
		if strings.EqualFold(f.Name, name) {
			return f.Unfolded(), true
		}
	}
	return "", false
}
