package headers

import (
	"errors"
	"fmt"
	"strings"
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
	var tags []Tag
	var firstErr error
	// setErr records the first problem only; building an error per bad
	// tag-spec would make hostile input (";;;;...") slow.
	setErr := func(tag string, sentinel error, detail string) {
		if firstErr != nil {
			return
		}
		err := sentinel
		if detail != "" {
			err = fmt.Errorf("%w: %s", sentinel, detail)
		}
		firstErr = &TagError{Tag: tag, Err: err}
	}
	var seen map[string]bool // used once there are many tags, to stay linear
	// letters holds the one-letter names seen (most tags have one), bit
	// c&63 for letter c: 'A'-'Z' and 'a'-'z' map to distinct bits.
	var letters uint64
	isDup := func(name string) bool {
		if len(name) == 1 {
			return letters&(1<<(name[0]&63)) != 0
		}
		if seen != nil {
			return seen[name]
		}
		for _, t := range tags {
			if t.Name == name {
				return true
			}
		}
		return false
	}
	rest := s
	for more := true; more; {
		// strings.Cut, without its general-purpose search.
		spec := rest
		if i := strings.IndexByte(rest, ';'); i >= 0 {
			spec, rest = rest[:i], rest[i+1:]
		} else {
			rest, more = "", false
		}
		if trimFWS(spec) == "" {
			// Only the last tag-spec may be empty: the optional final ";".
			if more {
				setErr("", ErrTagSyntax, "empty tag-spec")
			}
			continue
		}
		eq := strings.IndexByte(spec, '=')
		if eq < 0 {
			setErr(trimFWS(spec), ErrTagSyntax, "no '='")
			continue
		}
		name := trimFWS(spec[:eq])
		if !validTagName(name) {
			setErr(name, ErrTagSyntax, "bad tag name")
			continue
		}
		if isDup(name) {
			setErr(name, ErrDuplicateTag, "")
			continue
		}
		value := trimFWS(spec[eq+1:])
		if !validTagValue(value) {
			setErr(name, ErrTagSyntax, "control character in value")
		}
		if tags == nil {
			tags = make([]Tag, 0, min(strings.Count(rest, ";")+2, maxTagPrealloc))
		}
		tags = append(tags, Tag{Name: name, Value: value})
		if len(name) == 1 {
			letters |= 1 << (name[0] & 63)
		}
		if seen != nil {
			seen[name] = true
		} else if len(tags) > 16 {
			seen = make(map[string]bool, 2*len(tags))
			for _, t := range tags {
				seen[t.Name] = true
			}
		}
	}
	return tags, firstErr
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
	// Eight bytes at a time; a word with a byte below 0x20 or 0x7f is
	// looked at byte by byte.
	for ; i+8 <= len(v); i += 8 {
		x := load64(v, i)
		t := x ^ 0x7f*swarOnes
		if ((x-0x20*swarOnes)&^x|(t-swarOnes)&^t)&swarHigh != 0 && !validTagBytes(v[i:i+8]) {
			return false
		}
	}
	return validTagBytes(v[i:])
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

// validTagName: ALPHA *ALNUMPUNC, where ALNUMPUNC is ALPHA / DIGIT / "_".
func validTagName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '_'):
		default:
			return false
		}
	}
	return true
}

// StripWhitespace removes all folding white space (SP, HTAB, CR, LF) from s,
// as RFC 6376 requires before base64 decoding b= and bh=.
func StripWhitespace(s string) string {
	if strings.IndexAny(s, " \t\r\n") < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
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

// load64 returns the eight bytes of s from i, little-endian.
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
