package dkim

import (
	"bytes"
	"encoding/base64"
	"mime"
	"strings"
	"unicode/utf8"

	"github.com/mailprov/mailprov/headers"
)

// pwEnc is how a rebuilt decoded body goes back to what went over the
// wire.
type pwEnc struct {
	cte     string // "", "quoted-printable" or "base64"
	charset string // "" (UTF-8 or US-ASCII) or "iso-8859-1"
}

// pwEncoding reads Content-Type and Content-Transfer-Encoding. why is
// non-empty ("multipart", "not_text", "charset") when no candidate can be
// built.
func pwEncoding(m *headers.Message) (e pwEnc, why string) {
	if ct, ok := m.Get("Content-Type"); ok {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			// Python's email package falls back to text/plain too.
			mt, params = "text/plain", nil
		}
		switch {
		case strings.HasPrefix(mt, "multipart/"):
			return e, "multipart"
		case !strings.HasPrefix(mt, "text/"):
			return e, "not_text"
		}
		switch cs := strings.ToLower(params["charset"]); cs {
		case "", "utf-8", "utf8", "us-ascii", "ascii":
		case "iso-8859-1", "iso8859-1", "latin1", "latin-1":
			e.charset = "iso-8859-1"
		default:
			return e, "charset"
		}
	}
	if cte, ok := m.Get("Content-Transfer-Encoding"); ok {
		switch cte = strings.ToLower(strings.TrimSpace(cte)); cte {
		case "quoted-printable", "base64":
			e.cte = cte
		}
	}
	return e, ""
}

// minWire is the fewest bytes n bytes of decoded text take on the wire,
// which building checks before it encodes them: n in UTF-8 8bit mail, n/2
// otherwise (ISO-8859-1 halves two-byte characters; quoted-printable and
// base64 writers may drop the CR of CRLF). Only text ending in a run of
// line breaks, which base64 endings drop, takes less; for such (hostile)
// text building stops early, never late.
func (e pwEnc) minWire(n int) int {
	if e.cte == "" && e.charset == "" {
		return n
	}
	return n / 2
}

// pwVariant is one way of writing decoded text on the wire.
type pwVariant struct {
	label  string
	kind   pwKind
	latin1 bool
	// git is true for the wire forms git-send-email writes (8bit and
	// Perl's quoted-printable), where a git version is worth sweeping.
	git bool
}

type pwKind uint8

const (
	pwPlain pwKind = iota
	pwQPPerl
	pwQPPython
	pwQP76
	pwQPWrap       // word-wrapping quoted-printable (Microsoft Outlook)
	pwQPMime4j     // Apache mime4j's QuotedPrintableOutputStream
	pwQPMime4jDots // mime4j escaping "." too (K-9 Mail)
	pwB64LF2       // base64, LF line ends, the text ending "\n\n"
	pwB64LF1       // base64, LF, ending "\n"
	pwB64CRLF1     // base64, CRLF, ending "\r\n"
	pwB64CRLF2     // base64, CRLF, ending "\r\n\r\n"
)

// variants returns the wire forms of e, most likely first.
func (e pwEnc) variants() []pwVariant {
	l1 := e.charset == "iso-8859-1"
	switch e.cte {
	case "quoted-printable":
		return []pwVariant{
			{"qp(perl)", pwQPPerl, l1, true},
			{"qp(python)", pwQPPython, l1, false},
			{"qp(76, no rejoin)", pwQP76, l1, false},
			{"qp(word wrap)", pwQPWrap, l1, false},
			{"qp(mime4j)", pwQPMime4j, l1, false},
			{`qp(mime4j, "." escaped)`, pwQPMime4jDots, l1, false},
		}
	case "base64":
		// Every byte counts inside base64: the number of final newlines,
		// and CRLF (mail user agents) or LF (git) line ends.
		return []pwVariant{
			{`base64(end "\n\n")`, pwB64LF2, l1, false},
			{`base64(end "\n")`, pwB64LF1, l1, false},
			{`base64(CRLF, end "\r\n")`, pwB64CRLF1, l1, false},
			{`base64(CRLF, end "\r\n\r\n")`, pwB64CRLF2, l1, false},
		}
	}
	return []pwVariant{{"", pwPlain, l1, true}}
}

// raw returns text in the body's charset.
func (v pwVariant) raw(text string) ([]byte, bool) {
	return v.appendRaw(nil, text)
}

// appendRaw appends texts to dst in the body's charset.
func (v pwVariant) appendRaw(dst []byte, texts ...string) ([]byte, bool) {
	for _, t := range texts {
		if !v.latin1 {
			dst = append(dst, t...)
			continue
		}
		var ok bool
		if dst, ok = pwAppendLatin1(dst, t); !ok {
			return nil, false
		}
	}
	return dst, true
}

func (v pwVariant) base64() bool { return v.kind >= pwB64LF2 }

// lines encodes raw with a line by line encoding (not base64); start is
// true when raw is the start of the body (mime4j allows its first line one
// more character).
func (v pwVariant) lines(raw []byte, start bool) []byte {
	switch v.kind {
	case pwQPPerl:
		return perlQP(raw, true)
	case pwQPPython:
		return pythonQP(raw)
	case pwQP76:
		return perlQP(raw, false)
	case pwQPWrap:
		return wrapQP(raw)
	case pwQPMime4j:
		return mime4jQP(raw, false, start)
	case pwQPMime4jDots:
		return mime4jQP(raw, true, start)
	}
	return raw
}

// encodeShared encodes s, the start of a body up to a line break: wire is
// its encoding and carry the transformed text left for the endings (base64
// encodes 57-byte chunks; for line by line encodings, carry is s's last
// line break, telling the endings that they do not start the body). For
// every text t not made only of line breaks, wire + encodeEnd(carry, t) is
// the encoding of s+t.
func (v pwVariant) encodeShared(s string) (wire, carry []byte, ok bool) {
	raw, ok := v.raw(s)
	if !ok {
		return nil, nil, false
	}
	if !v.base64() {
		if len(raw) > 0 {
			carry = raw[len(raw)-1:]
		}
		return v.lines(raw, true), carry, true
	}
	if v.kind == pwB64CRLF1 || v.kind == pwB64CRLF2 {
		raw = []byte(pwToCRLF(string(raw)))
	}
	k := len(raw) / 57 * 57
	return base64Lines(raw[:k]), raw[k:], true
}

// encodeEnd encodes the end of a body, rest+t, after the carry
// encodeShared left, followed by footer, text a list appended. A list
// decodes a base64 body, appends its footer with LF line ends whatever the
// body's, and encodes the result again; every other encoding is line by
// line, so the footer is encoded as the body is.
func (v pwVariant) encodeEnd(carry []byte, rest, t, footer string) ([]byte, bool) {
	if !v.base64() {
		raw, ok := v.appendRaw(make([]byte, 0, len(rest)+len(t)+len(footer)), rest, t, footer)
		if !ok {
			return nil, false
		}
		return v.lines(raw, len(carry) == 0), true
	}
	raw, ok := v.appendRaw(make([]byte, 0, len(rest)+len(t)+2), rest, t)
	if !ok {
		return nil, false
	}
	foot, ok := v.raw(footer)
	if !ok {
		return nil, false
	}
	raw = append(bytes.TrimRight(raw, "\r\n"), '\n')
	switch v.kind {
	case pwB64LF2:
		raw = append(raw, '\n')
	case pwB64CRLF1:
		raw = []byte(pwToCRLF(string(raw)))
	case pwB64CRLF2:
		raw = append([]byte(pwToCRLF(string(raw))), '\r', '\n')
	}
	b := make([]byte, 0, len(carry)+len(raw)+len(foot))
	return base64Lines(append(append(append(b, carry...), raw...), foot...)), true
}

// pwToCRLF turns every LF not preceded by CR into CRLF.
func pwToCRLF(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/32)
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' && (i == 0 || s[i-1] != '\r') {
			b.WriteByte('\r')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// pwAppendLatin1 appends UTF-8 text s to out as ISO-8859-1; ok is false
// if s has a character outside it.
func pwAppendLatin1(out []byte, s string) ([]byte, bool) {
	for _, r := range s {
		if r > 0xff || r == utf8.RuneError {
			return nil, false
		}
		out = append(out, byte(r))
	}
	return out, true
}

// base64Lines encodes b as base64 in lines of 76 characters, each ended by
// LF (Perl's MIME::Base64::encode and Python's email package alike).
func base64Lines(b []byte) []byte {
	const per = 57 // bytes per 76-character line
	out := make([]byte, 0, base64.StdEncoding.EncodedLen(len(b))+len(b)/per+1)
	for i := 0; i < len(b); i += per {
		j := min(i+per, len(b))
		out = base64.StdEncoding.AppendEncode(out, b[i:j])
		out = append(out, '\n')
	}
	return out
}
