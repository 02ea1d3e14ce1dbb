package headers

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Errors from the address, date and Message-ID parsers.
var (
	// ErrBadAddress means an address field (From, Sender, Reply-To, To,
	// Cc, Return-Path) holds an element that is not an address, even with
	// the repairs ParseAddressList attempts.
	ErrBadAddress = errors.New("headers: malformed address")
	// ErrBadDate means a Date value could not be read as a date.
	ErrBadDate = errors.New("headers: malformed date")
	// ErrBadMessageID means a Message-ID value is not "<left@right>".
	ErrBadMessageID = errors.New("headers: malformed message ID")
)

// Mailbox is one address with its display name, RFC 2047 words decoded.
type Mailbox struct {
	// Name is the display name, or "" when there is none.
	Name string `json:"name,omitempty"`
	// Address is "local@domain" without angle brackets.
	Address string `json:"address"`
}

// Domain returns the part of the address after the last "@", in lower
// case and without a final dot, or "" when there is no "@".
func (m Mailbox) Domain() string {
	i := strings.LastIndexByte(m.Address, '@')
	if i < 0 {
		return ""
	}
	return strings.TrimSuffix(strings.ToLower(m.Address[i+1:]), ".")
}

// String returns the mailbox in RFC 5322 form, as net/mail formats it.
func (m Mailbox) String() string {
	return (&mail.Address{Name: m.Name, Address: m.Address}).String()
}

// wordDecoder decodes RFC 2047 encoded-words in UTF-8, US-ASCII,
// ISO-8859-1 (built into mime.WordDecoder) and the charsets of
// charsetReader.
var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

// lenientDecoder is wordDecoder with unknown charsets decoded as US-ASCII
// (bytes above 0x7F become U+FFFD), so a display name in, say, GB2312 does
// not make its address unreadable.
var lenientDecoder = &mime.WordDecoder{CharsetReader: func(charset string, r io.Reader) (io.Reader, error) {
	if cr, err := charsetReader(charset, r); err == nil {
		return cr, nil
	}
	return charsetReader("us-ascii", r)
}}

// ParseAddressList parses an address-list field value (From, To, Cc,
// Reply-To) after unfolding it. It uses net/mail and, for what net/mail
// rejects, repairs common breakage: display names with unquoted dots
// ("Dr . David Alan Gilbert <...>" is accepted by net/mail already),
// addresses without angle brackets after a name ("Name a@example.com"), a
// missing closing ">", and RFC 2047 words inside quotes. Groups contribute
// their members; an empty group or a blank value gives no mailboxes.
//
// Elements that cannot be read even so are left out and reported in the
// error, which wraps ErrBadAddress; the mailboxes that were read are
// returned with it.
func ParseAddressList(value string) ([]Mailbox, error) {
	v := Unfold(value)
	if v == "" {
		return nil, nil
	}
	p := mail.AddressParser{WordDecoder: lenientDecoder}
	if list, err := p.ParseList(v); err == nil {
		return toMailboxes(list), nil
	}
	var out []Mailbox
	var bad []string
	for _, elem := range splitAddressList(v) {
		if strings.TrimSpace(elem) == "" {
			continue
		}
		if list, err := p.ParseList(elem); err == nil {
			out = append(out, toMailboxes(list)...)
			continue
		}
		if mb, ok := repairMailbox(elem); ok {
			out = append(out, mb)
			continue
		}
		bad = append(bad, elem)
	}
	if len(bad) > 0 {
		return out, fmt.Errorf("%w: %.60q", ErrBadAddress, strings.Join(bad, ", "))
	}
	return out, nil
}

// ParseMailbox parses a field that holds one mailbox, such as Sender. With
// more than one, it returns the first and an error wrapping ErrBadAddress.
func ParseMailbox(value string) (Mailbox, error) {
	list, err := ParseAddressList(value)
	switch {
	case len(list) == 0 && err == nil:
		return Mailbox{}, fmt.Errorf("%w: no address", ErrBadAddress)
	case len(list) == 0:
		return Mailbox{}, err
	case len(list) > 1 && err == nil:
		err = fmt.Errorf("%w: %d addresses where one is allowed", ErrBadAddress, len(list))
	}
	return list[0], err
}

// ParseReturnPath reads a Return-Path value (RFC 5321 §4.4): the address
// without angle brackets, or "" for the null reverse-path "<>". A source
// route ("<@relay:a@example.com>") is dropped. A value that is neither
// empty nor has an "@" is returned with an error wrapping ErrBadAddress.
func ParseReturnPath(value string) (string, error) {
	v := stripComments(Unfold(value))
	if strings.HasPrefix(v, "<") {
		end := strings.IndexByte(v, '>')
		if end < 0 {
			return strings.TrimSpace(v[1:]), fmt.Errorf("%w: unclosed angle bracket in return path", ErrBadAddress)
		}
		v = strings.TrimSpace(v[1:end])
	}
	if strings.HasPrefix(v, "@") {
		if i := strings.IndexByte(v, ':'); i >= 0 {
			v = v[i+1:]
		}
	}
	if v != "" && (!strings.Contains(v, "@") || strings.ContainsAny(v, " \t<>")) {
		return v, fmt.Errorf("%w: return path %.60q", ErrBadAddress, v)
	}
	return v, nil
}

func toMailboxes(list []*mail.Address) []Mailbox {
	if len(list) == 0 {
		return nil
	}
	out := make([]Mailbox, 0, len(list))
	for _, a := range list {
		name := a.Name
		if strings.Contains(name, "=?") {
			// Encoded-words inside quotes: wrong by RFC 2047 §5, common in
			// practice.
			name = DecodeText(name)
		}
		out = append(out, Mailbox{Name: name, Address: a.Address})
	}
	return out
}

// splitAddressList splits v at commas outside quotes, comments and angle
// brackets.
func splitAddressList(v string) []string {
	var out []string
	depth, inQuote, inAngle, start := 0, false, false, 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\' && (inQuote || depth > 0):
			i++
		case inQuote:
			inQuote = c != '"'
		case c == '"' && depth == 0:
			inQuote = true
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth > 0:
		case c == '<':
			inAngle = true
		case c == '>':
			inAngle = false
		case c == ',' && !inAngle:
			out = append(out, v[start:i])
			start = i + 1
		}
	}
	return append(out, v[start:])
}

// repairMailbox reads one broken mailbox: "Name a@b", "Name <a@b" or
// "a@b" with odd characters around it. The address is the last word with
// an "@"; the rest, unquoted and decoded, is the name.
func repairMailbox(elem string) (Mailbox, bool) {
	s := strings.TrimSpace(stripComments(elem))
	if i := strings.LastIndexByte(s, '<'); i >= 0 {
		addr := strings.TrimSpace(strings.TrimSuffix(s[i+1:], ">"))
		if strings.Count(addr, "@") != 1 || strings.ContainsAny(addr, " \t<>,\"") {
			return Mailbox{}, false
		}
		return Mailbox{Name: cleanName(s[:i]), Address: addr}, true
	}
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return Mailbox{}, false
	}
	addr := strings.Trim(fields[len(fields)-1], "<>")
	if strings.Count(addr, "@") != 1 || strings.HasPrefix(addr, "@") || strings.HasSuffix(addr, "@") || strings.ContainsAny(addr, "\",;:") {
		return Mailbox{}, false
	}
	return Mailbox{Name: cleanName(strings.Join(fields[:len(fields)-1], " ")), Address: addr}, true
}

func cleanName(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = strings.ReplaceAll(s[1:len(s)-1], `\"`, `"`)
	}
	return DecodeText(s)
}

// stripComments removes RFC 5322 comments (nested, with quoted-pairs),
// outside quoted strings, each replaced by one space.
func stripComments(s string) string {
	if !strings.Contains(s, "(") {
		return s
	}
	var b strings.Builder
	depth, inQuote := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && (inQuote || depth > 0) && i+1 < len(s):
			if depth == 0 {
				b.WriteByte(c)
				b.WriteByte(s[i+1])
			}
			i++
		case depth == 0 && c == '"':
			inQuote = !inQuote
			b.WriteByte(c)
		case inQuote:
			b.WriteByte(c)
		case c == '(':
			if depth == 0 {
				b.WriteByte(' ')
			}
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// DecodeText unfolds an unstructured field value (such as Subject) and
// decodes its RFC 2047 encoded-words. When a word uses a charset mailprov
// cannot decode, or is malformed, the unfolded value is returned as is.
func DecodeText(value string) string {
	v := Unfold(value)
	if !strings.Contains(v, "=?") {
		return v
	}
	d, err := wordDecoder.DecodeHeader(v)
	if err != nil {
		return v
	}
	return d
}

// ParseMessageID reads a Message-ID (or Content-ID) value: "<left@right>"
// with optional comments and white space around it. It returns the ID
// without the angle brackets. Missing brackets around an otherwise plain
// ID are tolerated. Text after the first ID is an error (wrapping
// ErrBadMessageID) but the first ID is still returned.
func ParseMessageID(value string) (string, error) {
	v := strings.TrimSpace(stripComments(Unfold(value)))
	if v == "" {
		return "", fmt.Errorf("%w: empty", ErrBadMessageID)
	}
	if v[0] != '<' {
		if strings.ContainsAny(v, " \t<>") || !strings.Contains(v, "@") {
			return "", fmt.Errorf("%w: %.60q", ErrBadMessageID, v)
		}
		return v, nil
	}
	end := strings.IndexByte(v, '>')
	if end < 0 {
		return "", fmt.Errorf("%w: no closing '>' in %.60q", ErrBadMessageID, v)
	}
	id := strings.TrimSpace(v[1:end])
	if id == "" || strings.ContainsAny(id, " \t<") {
		return "", fmt.Errorf("%w: %.60q", ErrBadMessageID, v)
	}
	if rest := strings.TrimSpace(v[end+1:]); rest != "" {
		return id, fmt.Errorf("%w: text after the ID: %.40q", ErrBadMessageID, rest)
	}
	return id, nil
}

// charsetReader converts the 8-bit charsets that mime.WordDecoder lacks
// and real mail uses most: windows-1252, ISO-8859-15, and aliases of
// ISO-8859-1, US-ASCII and UTF-8. Other charsets are an error.
func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	var table func(byte) rune
	switch strings.ToLower(strings.TrimSpace(charset)) {
	case "utf-8", "utf8":
		return input, nil
	case "us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us", "us":
		table = func(c byte) rune {
			if c < 0x80 {
				return rune(c)
			}
			return utf8.RuneError
		}
	case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "cp819", "ibm819", "iso-ir-100":
		table = func(c byte) rune { return rune(c) }
	case "windows-1252", "cp1252", "x-cp1252", "win-1252":
		table = func(c byte) rune {
			if c >= 0x80 && c <= 0x9f {
				return cp1252[c-0x80]
			}
			return rune(c)
		}
	case "iso-8859-15", "iso8859-15", "iso_8859-15", "latin9", "latin-9", "l9":
		table = func(c byte) rune {
			switch c {
			case 0xa4:
				return '€'
			case 0xa6:
				return 'Š'
			case 0xa8:
				return 'š'
			case 0xb4:
				return 'Ž'
			case 0xb8:
				return 'ž'
			case 0xbc:
				return 'Œ'
			case 0xbd:
				return 'œ'
			case 0xbe:
				return 'Ÿ'
			}
			return rune(c)
		}
	default:
		return nil, fmt.Errorf("headers: unsupported charset %q", charset)
	}
	data, err := io.ReadAll(input)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(data)+len(data)/2)
	for _, c := range data {
		out = utf8.AppendRune(out, table(c))
	}
	return strings.NewReader(string(out)), nil
}

// cp1252 maps windows-1252 bytes 0x80..0x9F; the five unassigned bytes map
// to the C1 controls of the same value, as WHATWG's encoding standard does.
var cp1252 = [32]rune{
	'€', 0x81, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0x8d, 'Ž', 0x8f,
	0x90, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0x9d, 'ž', 'Ÿ',
}

// ParseDate reads a Date value (RFC 5322 §3.3), including the obsolete
// forms of §4.3: two- and three-digit years, zone names (UT, GMT, EST, EDT,
// CST, CDT, MST, MDT, PST, PDT; military letters and unknown names mean
// "-0000", that is UTC with no claim about local time), missing seconds or
// day of week, comments such as "(PDT)", and the asctime order of mbox
// From_ lines ("Mon Mar  3 10:00:00 2025"). A missing zone reads as UTC. It
// falls back to RFC 3339. Errors wrap ErrBadDate.
//
// Unlike net/mail.ParseDate, which reads "EST" as a zone named EST with
// offset zero, zone names get their RFC offsets.
func ParseDate(value string) (time.Time, error) {
	v := strings.TrimSpace(stripComments(Unfold(value)))
	if t, ok := parseDate(v); ok {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%w: %.60q", ErrBadDate, v)
}

func parseDate(v string) (time.Time, bool) {
	v = strings.ReplaceAll(v, ",", " ")
	tok := strings.Fields(v)
	if len(tok) > 0 && isAlpha(tok[0]) && len(tok[0]) >= 3 && monthNumber(tok[0]) == 0 {
		tok = tok[1:] // day of week (not checked against the date)
	}
	if len(tok) < 4 {
		return time.Time{}, false
	}
	var day, month, year int
	var clock string
	var rest []string
	var ok bool
	if m := monthNumber(tok[0]); m != 0 {
		// asctime: month day time [zone] year
		month = m
		if day, ok = atoiN(tok[1], 2); !ok {
			return time.Time{}, false
		}
		clock = tok[2]
		last := tok[len(tok)-1]
		if year, ok = atoiN(last, 4); !ok {
			return time.Time{}, false
		}
		rest = tok[3 : len(tok)-1]
	} else {
		if day, ok = atoiN(tok[0], 2); !ok {
			return time.Time{}, false
		}
		if month = monthNumber(tok[1]); month == 0 {
			return time.Time{}, false
		}
		if year, ok = atoiN(tok[2], 4); !ok {
			return time.Time{}, false
		}
		switch len(tok[2]) {
		case 2: // RFC 5322 §4.3
			if year < 50 {
				year += 2000
			} else {
				year += 1900
			}
		case 3:
			year += 1900
		}
		clock, rest = tok[3], tok[4:]
	}
	hour, minute, sec, ok := parseClock(clock)
	if !ok {
		return time.Time{}, false
	}
	offset := 0
	if len(rest) > 0 {
		// The first zone token counts; a name after a numeric zone
		// ("+0000 GMT") is ignored, as is anything else after it.
		if offset, ok = parseZone(rest[0]); !ok {
			return time.Time{}, false
		}
	}
	loc := time.UTC
	if offset != 0 {
		loc = time.FixedZone("", offset)
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, loc)
	if t.Day() != day { // 31 Feb and the like
		return time.Time{}, false
	}
	return t, true
}

// parseClock reads hh:mm[:ss[.fraction]]; a leap second 60 reads as 59.
func parseClock(s string) (h, m, sec int, ok bool) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, 0, 0, false
	}
	if h, ok = atoiN(parts[0], 2); !ok || h > 23 {
		return 0, 0, 0, false
	}
	if m, ok = atoiN(parts[1], 2); !ok || m > 59 {
		return 0, 0, 0, false
	}
	if len(parts) == 3 {
		s, _, _ := strings.Cut(parts[2], ".")
		if sec, ok = atoiN(s, 2); !ok || sec > 60 {
			return 0, 0, 0, false
		}
		sec = min(sec, 59)
	}
	return h, m, sec, true
}

// parseZone reads +hhmm, -hhmm, +hh:mm or a zone name; it returns the
// offset east of UTC in seconds.
func parseZone(z string) (int, bool) {
	if z[0] == '+' || z[0] == '-' {
		digits := strings.Replace(z[1:], ":", "", 1)
		n, ok := atoiN(digits, 4)
		if !ok || len(digits) != 4 || n/100 > 23 || n%100 > 59 {
			return 0, false
		}
		off := (n/100)*3600 + (n%100)*60
		if z[0] == '-' {
			off = -off
		}
		return off, true
	}
	if !isAlpha(z) {
		return 0, false
	}
	switch strings.ToUpper(z) {
	case "EDT":
		return -4 * 3600, true
	case "EST", "CDT":
		return -5 * 3600, true
	case "CST", "MDT":
		return -6 * 3600, true
	case "MST", "PDT":
		return -7 * 3600, true
	case "PST":
		return -8 * 3600, true
	}
	// UT, GMT, UTC, Z, military letters and unknown names (RFC 5322 §4.3:
	// treat as -0000).
	return 0, true
}

var monthNames = [12]string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

// monthNumber returns 1..12 for a month name (its first three letters are
// compared, so "March" works) or 0.
func monthNumber(s string) int {
	if len(s) < 3 || !isAlpha(s) {
		return 0
	}
	for i, n := range monthNames {
		if strings.EqualFold(s[:3], n) {
			return i + 1
		}
	}
	return 0
}

func isAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return s != ""
}

// atoiN reads 1 to n decimal digits.
func atoiN(s string, n int) (int, bool) {
	if s == "" || len(s) > n {
		return 0, false
	}
	v := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		v = v*10 + int(s[i]-'0')
	}
	return v, true
}
