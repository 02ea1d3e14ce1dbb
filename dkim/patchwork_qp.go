package dkim

import (
	"bytes"
)

const qpMaxLine = 76

// qpPlain reports whether Perl's encode_qp writes c as itself.
func qpPlain(c byte) bool { return c == '\t' || (c >= ' ' && c <= '~' && c != '=') }

const hexUpper = "0123456789ABCDEF"

// perlQP encodes b as Perl's MIME::QuotedPrint::encode($b, "\n", 0) does
// (MIME-Base64's XS encode_qp, which git-send-email calls): lines of at
// most 76 characters, soft breaks "=\n", white space before a line end
// escaped, and a final soft break when b does not end in a newline.
//
// With rejoin false, a single character left after a soft break before a
// line end stays on its own line ("...=\n)\n"), as older encoders and
// relays that convert 8bit mail (Microsoft Exchange, seen on real mail)
// write it.
func perlQP(b []byte, rejoin bool) []byte {
	out := make([]byte, 0, len(b)+len(b)/16+8)
	linelen := 0
	p := 0
	for {
		beg := p
		for p < len(b) && qpPlain(b[p]) {
			p++
		}
		if p == len(b) || b[p] == '\n' {
			// White space at the end of a line is escaped.
			for p > beg && (b[p-1] == ' ' || b[p-1] == '\t') {
				p--
			}
		}
		plain := b[beg:p]
		// (The XS compares unsigned lengths: past 75 columns, which only
		// an escape right before a line end reaches, nothing is split.)
		for linelen <= qpMaxLine-1 && len(plain) > qpMaxLine-1-linelen {
			n := qpMaxLine - 1 - linelen
			out = append(out, plain[:n]...)
			out = append(out, '=', '\n')
			plain = plain[n:]
			linelen = 0
		}
		if len(plain) > 0 {
			out = append(out, plain...)
			linelen += len(plain)
		}
		if p == len(b) {
			break
		}
		if b[p] == '\n' {
			if rejoin && linelen == 1 && len(out) > 3 && out[len(out)-3] == '=' && out[len(out)-2] == '\n' {
				// A lone character after a soft break: join it back.
				out[len(out)-3] = out[len(out)-1]
				out[len(out)-2] = '\n'
				out = out[:len(out)-1]
			} else {
				out = append(out, '\n')
			}
			p++
			linelen = 0
			continue
		}
		if linelen > qpMaxLine-4 && !(linelen == qpMaxLine-3 && p+1 < len(b) && b[p+1] == '\n') {
			out = append(out, '=', '\n')
			linelen = 0
		}
		out = appendHexEscape(out, '=', b[p])
		p++
		linelen += 3
	}
	if len(out) > 0 && linelen > 0 {
		out = append(out, '=', '\n')
	}
	return out
}

// pythonQP encodes b as Python's email.quoprimime.body_encode(s, 76, "\n")
// does for the latin-1 string s of b's bytes, the way the email package's
// set_content writes a quoted-printable text part.
func pythonQP(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	// Escape everything but printable ASCII (without "="), space, tab,
	// CR and LF.
	quoted := make([]byte, 0, len(b)+len(b)/8)
	for _, c := range b {
		if (c >= ' ' && c <= '~' && c != '=') || c == '\t' || c == '\r' || c == '\n' {
			quoted = append(quoted, c)
		} else {
			quoted = appendHexEscape(quoted, '=', c)
		}
	}
	out := make([]byte, 0, len(quoted)+len(quoted)/32+8)
	first := true
	emit := func(s []byte) {
		if !first {
			out = append(out, '\n')
		}
		first = false
		out = append(out, s...)
	}
	const maxlinelen1 = qpMaxLine - 1
	// str.splitlines on the quoted text: only CR, LF and CRLF remain.
	for rest := quoted; len(rest) > 0; {
		var line []byte
		i := 0
		for i < len(rest) && rest[i] != '\r' && rest[i] != '\n' {
			i++
		}
		line = rest[:i]
		switch {
		case i == len(rest):
			rest = nil
		case rest[i] == '\r' && i+1 < len(rest) && rest[i+1] == '\n':
			rest = rest[i+2:]
		default:
			rest = rest[i+1:]
		}
		start := 0
		laststart := len(line) - 1 - qpMaxLine
		for start <= laststart {
			stop := start + maxlinelen1
			switch {
			case line[stop-2] == '=':
				emit(line[start : stop-1])
				start = stop - 2
			case line[stop-1] == '=':
				emit(line[start:stop])
				start = stop - 1
			default:
				emit(append(append([]byte(nil), line[start:stop]...), '='))
				start = stop
			}
		}
		if n := len(line); n > 0 && (line[n-1] == ' ' || line[n-1] == '\t') {
			ws := line[n-1]
			q := appendHexEscape(nil, '=', ws)
			var tail []byte
			switch room := start - laststart; {
			case room >= 3:
				tail = q
			case room == 2:
				tail = []byte{ws, '=', '\n'}
			default:
				tail = append([]byte{'=', '\n'}, q...)
			}
			seg := line[start : n-1]
			if start > n-1 {
				seg = nil
			}
			emit(append(append([]byte(nil), seg...), tail...))
		} else {
			emit(line[start:])
		}
	}
	if c := b[len(b)-1]; c == '\r' || c == '\n' {
		emit(nil)
	}
	return out
}

// appendHexEscape appends c as mark and two upper-case hex digits: "=XX"
// in quoted-printable, "%XX" in a URL.
func appendHexEscape(out []byte, mark, c byte) []byte {
	return append(out, mark, hexUpper[c>>4], hexUpper[c&15])
}

// wrapQPMax is the most characters before the "=" of a soft line break
// that wrapQP writes: with "=" and CRLF, 76 octets.
const wrapQPMax = qpMaxLine - 3

// wrapQP encodes b the way Microsoft Outlook was seen to (Outlook 15.0 on
// real mail): a line longer than 74 characters is broken after its last
// space that leaves at most 73 characters before the "=" of the soft
// break (each line, its "=" and CRLF, 76 octets at most), or, with no
// such space, after 73 characters; the last white space character before
// a line end is escaped; no final soft break.
func wrapQP(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/16+8)
	var enc []byte
	for len(b) > 0 {
		line, nl := b, false
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b, nl = b[:i], b[i+1:], true
		} else {
			b = nil
		}
		enc = enc[:0]
		for i, c := range line {
			switch {
			case (c == ' ' || c == '\t') && i == len(line)-1 && nl:
				enc = appendHexEscape(enc, '=', c)
			case qpPlain(c):
				enc = append(enc, c)
			default:
				enc = appendHexEscape(enc, '=', c)
			}
		}
		// A break at k must not split an escape: enc holds "=" only as
		// the start of one.
		atom := func(k int) bool { return enc[k-1] != '=' && (k < 2 || enc[k-2] != '=') }
		s := 0
		for len(enc)-s > wrapQPMax+1 {
			k := 0
			for j := s + wrapQPMax; j > s; j-- {
				if atom(j) && enc[j-1] == ' ' {
					k = j
					break
				}
			}
			if k == 0 {
				k = s + wrapQPMax
				for !atom(k) {
					k--
				}
			}
			out = append(append(out, enc[s:k]...), '=', '\n')
			s = k
		}
		out = append(out, enc[s:]...)
		if nl {
			out = append(out, '\n')
		}
	}
	return out
}

// mime4jQP encodes b as Apache mime4j's QuotedPrintableOutputStream does
// in text mode (K-9 Mail for Android writes quoted-printable with it; one
// version escapes "." too, dots). Its soft break is decided before each
// character it writes, on a count of what is left of the line: a line
// holds 74 characters and the "=" of a soft break, a line after a soft
// break (whose first character is not counted) and the body's first line
// (start) 75. Only the last white space character before a line end is
// escaped; CRLF and LF both end a line; no final soft break.
func mime4jQP(b []byte, dots, start bool) []byte {
	out := make([]byte, 0, len(b)+len(b)/16+8)
	left := qpMaxLine
	if start {
		left++
	}
	soft := func(need int) {
		left--
		if left <= need {
			out = append(out, '=', '\n')
			left = qpMaxLine
		}
	}
	plain := func(c byte) {
		soft(1)
		out = append(out, c)
	}
	escape := func(c byte) {
		soft(3)
		out = appendHexEscape(out, '=', c)
		left -= 2
	}
	var pending byte // a space or tab not yet written
	for i, c := range b {
		switch {
		case c == '\n' || c == '\r' && i+1 < len(b) && b[i+1] == '\n':
			if c == '\r' {
				continue
			}
			if pending != 0 {
				escape(pending)
				pending = 0
			}
			out = append(out, '\n')
			left = qpMaxLine
			continue
		}
		if pending != 0 {
			plain(pending)
			pending = 0
		}
		switch {
		case c == ' ' || c == '\t':
			pending = c
		case c >= ' ' && c <= '~' && c != '=' && !(dots && c == '.'):
			plain(c)
		default:
			escape(c)
		}
	}
	if pending != 0 {
		plain(pending)
	}
	return out
}
