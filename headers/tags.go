package headers

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mailprov/mailprov/internal/ascii"
)

// Errors from ParseTagList and ParseSignature.
var (
	// ErrTagSyntax means a tag list is not well formed (RFC 6376 §3.2).
	ErrTagSyntax = errors.New("headers: malformed tag list")
	// ErrDuplicateTag means a tag appears twice in one tag list, which
	// RFC 6376 §3.2 makes an error.
	ErrDuplicateTag = errors.New("headers: duplicate tag")
)

// Tag is one tag=value pair of a tag list. Value has the surrounding folding
// white space removed; white space inside is kept as written.
type Tag struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// TagError describes a problem at one tag of a tag list.
type TagError struct {
	Tag string // the tag name, if known
	Err error  // ErrTagSyntax, ErrDuplicateTag or a value error
}

func (e *TagError) Error() string {
	if e.Tag == "" {
		return e.Err.Error()
	}
	return fmt.Sprintf("%v: %s", e.Err, e.Tag)
}

// Unwrap returns the underlying error.
func (e *TagError) Unwrap() error { return e.Err }

// ParseTagList splits a DKIM-style tag list (RFC 6376 §3.2): tag-spec
// *(";" tag-spec) [";"], each tag-spec "name = value" with optional folding
// white space. Tag names are case-sensitive. It returns the tags read, in
// order, and an error (a *TagError) for the first problem: an empty or
// malformed tag-spec, a bad tag name, a control character in a value, or a
// duplicate tag. On a duplicate, the first occurrence is kept and the later
// one dropped. A blank list yields no tags and no error.
//
// Values may hold bytes above 0x7F (RFC 8616 allows UTF-8 in some tags);
// control characters other than folding white space are syntax errors, but
// the tag is still returned. ParseTagList runs in time linear in len(s).
func ParseTagList(s string) ([]Tag, error) {
	return parseTagList(s, nil)
}

// parseTagList is ParseTagList, with the tags in buf when they fit.
func parseTagList(s string, buf []Tag) ([]Tag, error) {
	// Most lists have no control character at all: one look at the whole
	// list spares one per value.
	l := tagList{buf: buf, valid: validTagValue(s)}
	for i := 0; ; {
		end := len(s)
		if k := strings.IndexByte(s[i:], ';'); k >= 0 {
			end = i + k
		}
		l.addSpec(s, i, end)
		if end == len(s) {
			return l.tags, l.err
		}
		i = end + 1
	}
}

// tagList is the state of ParseTagList.
type tagList struct {
	tags  []Tag
	buf   []Tag // where tags go, if they fit
	valid bool  // the whole list holds no control character
	err   error // the first problem
	// letters holds the one-letter names seen (most tags have one), bit
	// c&63 for letter c: 'A'-'Z' and 'a'-'z' map to distinct bits.
	letters uint64
	seen    map[string]bool // used once there are many tags, to stay linear
}

// setErr records the first problem only; building an error per bad
// tag-spec would make hostile input (";;;;...") slow.
func (l *tagList) setErr(tag string, sentinel error, detail string) {
	if l.err != nil {
		return
	}
	err := sentinel
	if detail != "" {
		err = fmt.Errorf("%w: %s", sentinel, detail)
	}
	l.err = &TagError{Tag: tag, Err: err}
}

// addSpec reads the tag-spec s[start:end], which ends at a ";" or at the
// end of s.
func (l *tagList) addSpec(s string, start, end int) {
	spec := s[start:end]
	// The common form, a good name and "=" with only white space around
	// the name, is read in one pass.
	eq := skipFWS(spec, 0)
	nameStart := eq
	if eq < len(spec) && isLetter(spec[eq]) {
		for eq++; eq < len(spec) && isTagNameByte(spec[eq]); eq++ {
		}
	}
	name := spec[nameStart:eq]
	if eq = skipFWS(spec, eq); name == "" || eq == len(spec) || spec[eq] != '=' {
		var ok bool
		if name, eq, ok = l.oddSpec(spec, end < len(s)); !ok {
			return
		}
	}
	if l.isDup(name) {
		l.setErr(name, ErrDuplicateTag, "")
		return
	}
	value := trimFWS(spec[eq+1:])
	if !l.valid && !validTagValue(value) {
		l.setErr(name, ErrTagSyntax, "control character in value")
	}
	if l.tags == nil {
		n := 2
		if end < len(s) {
			n += strings.Count(s[end+1:], ";")
		}
		l.tags = l.buf
		if n > cap(l.buf) {
			l.tags = make([]Tag, 0, min(n, maxTagPrealloc))
		}
	}
	l.tags = append(l.tags, Tag{Name: name, Value: value})
	if len(name) == 1 {
		l.letters |= 1 << (name[0] & 63)
	}
	if l.seen != nil {
		l.seen[name] = true
	} else if len(l.tags) > 16 {
		l.seen = make(map[string]bool, 2*len(l.tags))
		for _, t := range l.tags {
			l.seen[t.Name] = true
		}
	}
}

// oddSpec reads the name of a tag-spec not in the common form, returning
// it with the offset of the "=" after it, or records why spec is no
// tag-spec; more says whether a ";" follows spec.
func (l *tagList) oddSpec(spec string, more bool) (name string, eq int, ok bool) {
	if trimFWS(spec) == "" {
		// Only the last tag-spec may be empty: the optional final ";".
		if more {
			l.setErr("", ErrTagSyntax, "empty tag-spec")
		}
		return "", 0, false
	}
	if eq = strings.IndexByte(spec, '='); eq < 0 {
		l.setErr(trimFWS(spec), ErrTagSyntax, "no '='")
		return "", 0, false
	}
	if name = trimFWS(spec[:eq]); !validTagName(name) {
		l.setErr(name, ErrTagSyntax, "bad tag name")
		return "", 0, false
	}
	return name, eq, true
}

// isDup reports whether a tag named name has been added.
func (l *tagList) isDup(name string) bool {
	if len(name) == 1 {
		return l.letters&(1<<(name[0]&63)) != 0
	}
	if l.seen != nil {
		return l.seen[name]
	}
	for _, t := range l.tags {
		if t.Name == name {
			return true
		}
	}
	return false
}

// maxTagPrealloc bounds the tags ParseTagList makes room for up front, so
// a list of many empty tag-specs costs little memory.
const maxTagPrealloc = 32

// trimFWS removes folding white space (SP, HTAB, CR, LF) around s.
func trimFWS(s string) string {
	i, j := 0, len(s)
	for i < j && isFWS(s[i]) {
		i++
	}
	for j > i && isFWS(s[j-1]) {
		j--
	}
	return s[i:j]
}

func isFWS(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// validTagValue reports whether v holds no control characters other than
// folding white space. RFC 6376 §3.2 allows %x21-3A / %x3C-7E and FWS;
// bytes above 0x7F are let through for RFC 8616 UTF-8 values.
func validTagValue(v string) bool {
	i := 0
	// Eight bytes at a time; a word that may have a byte below 0x20 or
	// 0x7f is looked at more closely.
	for ; i+8 <= len(v); i += 8 {
		x := ascii.Load64(v, i)
		t := x ^ 0x7f*swarOnes
		if ((x-0x20*swarOnes)&^x|(t-swarOnes)&^t)&swarHigh != 0 && badTagBytes(x) != 0 {
			return false
		}
	}
	return validTagBytes(v[i:])
}

// badTagBytes returns the eight bytes x with the high bit of each that
// validTagBytes rejects set, and no other bit.
func badTagBytes(x uint64) uint64 {
	ctl := zeroBytes(x & (0xe0 * swarOnes)) // below 0x20
	fws := zeroBytes(x^'\t'*swarOnes) | zeroBytes(x^'\r'*swarOnes) | zeroBytes(x^'\n'*swarOnes)
	return ctl&^fws | zeroBytes(x^0x7f*swarOnes)
}

// zeroBytes returns the eight bytes x with the high bit of each zero byte
// set, and no other bit.
func zeroBytes(x uint64) uint64 {
	const low7 = 0x7f * swarOnes
	return ^((x&low7 + low7) | x | low7)
}

// validTagBytes is validTagValue a byte at a time.
func validTagBytes(v string) bool {
	for i := 0; i < len(v); i++ {
		// Printable bytes and space first: one comparison for most.
		if c := v[i]; (c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f {
			return false
		}
	}
	return true
}

// isLetter reports whether c is an ASCII letter (ALPHA).
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// isTagNameByte reports whether c may follow the first letter of a tag
// name: ALPHA / DIGIT / "_".
func isTagNameByte(c byte) bool { return isLetter(c) || c >= '0' && c <= '9' || c == '_' }

// validTagName: ALPHA *ALNUMPUNC, where ALNUMPUNC is ALPHA / DIGIT / "_".
func validTagName(s string) bool {
	if s == "" || !isLetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isTagNameByte(s[i]) {
			return false
		}
	}
	return true
}

// StripWhitespace removes all folding white space (SP, HTAB, CR, LF) from s,
// as RFC 6376 requires before base64 decoding b= and bh=.
func StripWhitespace(s string) string {
	i := 0
	for i < len(s) && !isFWS(s[i]) {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\r', '\n':
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// Constants for reading eight bytes of a string as one word.
const (
	swarOnes = 0x0101010101010101
	swarHigh = 0x8080808080808080
)
