package spf

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// maxExpansion bounds the length of any macro expansion, so that a record
// of many large macros cannot make evaluation use unbounded memory. Domain
// names are cut to 253 octets afterwards (RFC 7208 §7.3); explanations are
// meant for a single SMTP reply line.
const maxExpansion = 8192

type tokKind uint8

const (
	tokLiteral tokKind = iota // a run of macro-literal characters (and SP in explanations)
	tokEscape                 // "%%", "%_" or "%-": text is "%", " " or "%20"
	tokMacro                  // "%{" macro-letter transformers *delimiter "}"
)

// macroTok is one token of a macro-string (RFC 7208 §7.1).
type macroTok struct {
	kind    tokKind
	text    string // literal or escape text
	letter  byte   // lower-case macro letter
	upper   bool   // upper-case letter: URL-escape the value
	digits  int    // number of right-hand parts to keep; 0 means all
	reverse bool
	delims  string // "" means "."
}

// maxDigits caps the DIGIT transformer: no value can have more parts than
// maxExpansion+1, so larger numbers mean "all parts".
const maxDigits = maxExpansion + 1

// parseMacroString tokenizes a macro-string. allowCRT permits the letters c,
// r and t (explanation text only, §7.2); explain also permits spaces
// (explain-string, §6.2).
func parseMacroString(s string, allowCRT, explain bool) ([]macroTok, error) {
	var toks []macroTok
	lit := -1 // start of the current literal run
	flush := func(i int) {
		if lit >= 0 {
			toks = append(toks, macroTok{kind: tokLiteral, text: s[lit:i]})
			lit = -1
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c != '%' {
			// macro-literal = %x21-24 / %x26-7E
			if (c < 0x21 || c > 0x7e) && !(explain && c == ' ') {
				return nil, fmt.Errorf("character 0x%02x not allowed in a macro-string", c)
			}
			if lit < 0 {
				lit = i
			}
			i++
			continue
		}
		flush(i)
		if i+1 >= len(s) {
			return nil, errors.New("\"%\" at end of macro-string")
		}
		switch s[i+1] {
		case '%':
			toks = append(toks, macroTok{kind: tokEscape, text: "%"})
			i += 2
			continue
		case '_':
			toks = append(toks, macroTok{kind: tokEscape, text: " "})
			i += 2
			continue
		case '-':
			toks = append(toks, macroTok{kind: tokEscape, text: "%20"})
			i += 2
			continue
		case '{':
		default:
			return nil, fmt.Errorf("\"%%\" followed by %q (want \"{\", \"%%\", \"_\" or \"-\")", s[i+1])
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return nil, errors.New("unterminated macro")
		}
		t, err := parseMacro(s[i+2:i+end], allowCRT)
		if err != nil {
			return nil, err
		}
		toks = append(toks, t)
		i += end + 1
	}
	flush(len(s))
	return toks, nil
}

// parseMacro parses the inside of "%{...}": macro-letter transformers
// *delimiter, with transformers = *DIGIT [ "r" ].
func parseMacro(s string, allowCRT bool) (macroTok, error) {
	t := macroTok{kind: tokMacro}
	if s == "" {
		return t, errors.New("empty macro")
	}
	c := s[0]
	t.upper = c >= 'A' && c <= 'Z'
	t.letter = c | 0x20
	switch t.letter {
	case 's', 'l', 'o', 'd', 'i', 'p', 'h', 'v':
	case 'c', 'r', 't':
		if !allowCRT {
			return t, fmt.Errorf("macro letter %q is allowed only in explanation text", c)
		}
	default:
		return t, fmt.Errorf("unknown macro letter %q", c)
	}
	i := 1
	hasDigits := false
	for i < len(s) && isDigit(s[i]) {
		hasDigits = true
		if t.digits < maxDigits {
			t.digits = t.digits*10 + int(s[i]-'0')
		}
		i++
	}
	if hasDigits && t.digits == 0 {
		return t, errors.New("macro DIGIT transformer must be nonzero")
	}
	t.digits = min(t.digits, maxDigits)
	if i < len(s) && s[i]|0x20 == 'r' {
		t.reverse = true
		i++
	}
	t.delims = s[i:]
	for ; i < len(s); i++ {
		switch s[i] {
		case '.', '-', '+', ',', '/', '_', '=':
		default:
			return t, fmt.Errorf("bad macro delimiter %q", s[i])
		}
	}
	return t, nil
}

// macroEnv holds the values the macro letters expand to (RFC 7208 §7.3).
type macroEnv struct {
	sender       string     // s
	local        string     // l
	senderDomain string     // o
	domain       string     // d
	helo         string     // h
	ip           netip.Addr // i, c, v (unmapped)
	receiver     string     // r
	now          time.Time  // t
	// ptr returns the validated domain name for %{p} given the current
	// domain; nil means "unknown".
	ptr func(domain string) string
}

// expand expands a tokenized macro-string. The result is at most
// maxExpansion bytes; a longer one gives ErrMacroTooLong.
func expand(toks []macroTok, env *macroEnv) (string, error) {
	var b strings.Builder
	for _, t := range toks {
		var v string
		switch t.kind {
		case tokLiteral, tokEscape:
			v = t.text
		default:
			v = transform(env.value(t.letter), t.digits, t.reverse, t.delims)
			if t.upper {
				v = urlEscape(v)
			}
		}
		if b.Len()+len(v) > maxExpansion {
			return "", ErrMacroTooLong
		}
		b.WriteString(v)
	}
	return b.String(), nil
}

func (env *macroEnv) value(letter byte) string {
	switch letter {
	case 's':
		return env.sender
	case 'l':
		return env.local
	case 'o':
		return env.senderDomain
	case 'd':
		return env.domain
	case 'h':
		return env.helo
	case 'i':
		return dottedIP(env.ip)
	case 'c':
		if !env.ip.IsValid() {
			return ""
		}
		return env.ip.String()
	case 'v':
		if env.ip.Is4() {
			return "in-addr"
		}
		return "ip6"
	case 'p':
		if env.ptr == nil {
			return "unknown"
		}
		return env.ptr(env.domain)
	case 'r':
		if env.receiver == "" {
			return "unknown"
		}
		return env.receiver
	case 't':
		return strconv.FormatInt(env.now.Unix(), 10)
	}
	return ""
}

// dottedIP is the %{i} form: dotted quad for IPv4, dot-separated nibbles for
// IPv6 (RFC 7208 §7.3, §7.4).
func dottedIP(ip netip.Addr) string {
	if !ip.IsValid() {
		return ""
	}
	if ip.Is4() {
		return ip.String()
	}
	const hex = "0123456789abcdef"
	a := ip.As16()
	b := make([]byte, 0, 63)
	for i, x := range a {
		if i > 0 {
			b = append(b, '.')
		}
		b = append(b, hex[x>>4], '.', hex[x&0xf])
	}
	return string(b)
}

// transform splits v on the delimiters (default "."), reverses the parts if
// asked, keeps the right-most n parts (n > 0), and joins them with ".".
func transform(v string, n int, reverse bool, delims string) string {
	if n == 0 && !reverse && (delims == "" || delims == ".") {
		return v
	}
	if delims == "" {
		delims = "."
	}
	var parts []string
	start := 0
	for i := 0; i < len(v); i++ {
		if strings.IndexByte(delims, v[i]) >= 0 {
			parts = append(parts, v[start:i])
			start = i + 1
		}
	}
	parts = append(parts, v[start:])
	if reverse {
		for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
			parts[i], parts[j] = parts[j], parts[i]
		}
	}
	if n > 0 && n < len(parts) {
		parts = parts[len(parts)-n:]
	}
	return strings.Join(parts, ".")
}

// urlEscape escapes every byte outside the URI unreserved set (RFC 3986:
// ALPHA / DIGIT / "-" / "." / "_" / "~") as %XX, for upper-case macro
// letters (RFC 7208 §7.3).
func urlEscape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isAlnum(c) || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&0xf])
	}
	return b.String()
}

// splitSender splits a mailbox at its last "@"; an empty local-part becomes
// "postmaster" (RFC 7208 §4.3).
func splitSender(sender string) (local, domain string) {
	i := strings.LastIndexByte(sender, '@')
	if i < 0 {
		return "postmaster", sender
	}
	local, domain = sender[:i], sender[i+1:]
	if local == "" {
		local = "postmaster"
	}
	return local, domain
}
