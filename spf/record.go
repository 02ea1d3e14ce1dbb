package spf

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// ErrSyntax means an SPF record, a domain-spec or a macro-string is not
// well formed (RFC 7208 §4.6, §7.1, §12). Evaluating such a record gives
// permerror.
var ErrSyntax = errors.New("spf: syntax error")

// SyntaxError describes where a record is malformed. It matches ErrSyntax
// with errors.Is.
type SyntaxError struct {
	// Term is the offending term as written (truncated to 80 bytes), or ""
	// when the problem is with the record as a whole.
	Term string
	// Msg says what is wrong.
	Msg string
}

func (e *SyntaxError) Error() string {
	if e.Term == "" {
		return "spf: syntax error: " + e.Msg
	}
	return fmt.Sprintf("spf: syntax error in %q: %s", e.Term, e.Msg)
}

// Is makes errors.Is(err, ErrSyntax) hold.
func (e *SyntaxError) Is(target error) bool { return target == ErrSyntax }

func syntaxErr(term, format string, args ...any) *SyntaxError {
	if len(term) > 80 {
		term = term[:80]
	}
	return &SyntaxError{Term: term, Msg: fmt.Sprintf(format, args...)}
}

// Qualifier is the result a directive gives when its mechanism matches
// (RFC 7208 §4.6.2).
type Qualifier byte

// The qualifiers.
const (
	QualifierPass     Qualifier = '+'
	QualifierFail     Qualifier = '-'
	QualifierSoftfail Qualifier = '~'
	QualifierNeutral  Qualifier = '?'
)

// Status returns the check_host() result the qualifier stands for.
func (q Qualifier) Status() Status {
	switch q {
	case QualifierFail:
		return StatusFail
	case QualifierSoftfail:
		return StatusSoftfail
	case QualifierNeutral:
		return StatusNeutral
	}
	return StatusPass
}

// The mechanism names (RFC 7208 §5), as Directive.Mechanism holds them.
const (
	MechAll     = "all"
	MechInclude = "include"
	MechA       = "a"
	MechMX      = "mx"
	MechPTR     = "ptr"
	MechIP4     = "ip4"
	MechIP6     = "ip6"
	MechExists  = "exists"
)

// Directive is one qualified mechanism of a record.
type Directive struct {
	// Qualifier is the directive's qualifier; '+' when none was written.
	Qualifier Qualifier `json:"qualifier"`
	// Mechanism is the lower-case mechanism name (MechAll etc.).
	Mechanism string `json:"mechanism"`
	// Domain is the domain-spec (an unexpanded macro-string) of include,
	// exists, and of a, mx and ptr when one is given; "" otherwise.
	Domain string `json:"domain,omitempty"`
	// Net is the network of ip4 and ip6, as written (not masked).
	Net netip.Prefix `json:"net,omitzero"`
	// V4Len and V6Len are the CIDR lengths of a and mx (the dual-cidr-length
	// of RFC 7208 §5.6); 32 and 128 when none was written.
	V4Len int `json:"v4_len"`
	V6Len int `json:"v6_len"`
}

// String formats the directive as it would appear in a record, omitting a
// "+" qualifier and default CIDR lengths.
func (d Directive) String() string {
	var b strings.Builder
	if d.Qualifier != 0 && d.Qualifier != QualifierPass {
		b.WriteByte(byte(d.Qualifier))
	}
	b.WriteString(d.Mechanism)
	switch d.Mechanism {
	case MechIP4, MechIP6:
		b.WriteByte(':')
		b.WriteString(d.Net.Addr().String())
		if d.Net.Bits() != d.Net.Addr().BitLen() {
			b.WriteByte('/')
			b.WriteString(strconv.Itoa(d.Net.Bits()))
		}
		return b.String()
	}
	if d.Domain != "" {
		b.WriteByte(':')
		b.WriteString(d.Domain)
	}
	if d.Mechanism == MechA || d.Mechanism == MechMX {
		if d.V4Len != 32 {
			b.WriteByte('/')
			b.WriteString(strconv.Itoa(d.V4Len))
		}
		if d.V6Len != 128 {
			b.WriteString("//")
			b.WriteString(strconv.Itoa(d.V6Len))
		}
	}
	return b.String()
}

// Modifier is a modifier other than redirect and exp (RFC 7208 §6), kept
// but otherwise ignored as §6 requires.
type Modifier struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Record is a parsed SPF record (RFC 7208 §4.5, §12).
type Record struct {
	// Directives are the mechanisms with their qualifiers, in order.
	Directives []Directive `json:"directives"`
	// Redirect is the domain-spec of the redirect= modifier, "" if none.
	Redirect string `json:"redirect,omitempty"`
	// Exp is the domain-spec of the exp= modifier, "" if none.
	Exp string `json:"exp,omitempty"`
	// Modifiers are the unknown modifiers, in order.
	Modifiers []Modifier `json:"modifiers,omitempty"`
}

// String formats the record: "v=spf1", the directives in order, then
// redirect=, exp= and the unknown modifiers. ParseRecord(r.String())
// gives back an equal Record.
func (r *Record) String() string {
	var b strings.Builder
	b.WriteString("v=spf1")
	for _, d := range r.Directives {
		b.WriteByte(' ')
		b.WriteString(d.String())
	}
	if r.Redirect != "" {
		b.WriteString(" redirect=")
		b.WriteString(r.Redirect)
	}
	if r.Exp != "" {
		b.WriteString(" exp=")
		b.WriteString(r.Exp)
	}
	for _, m := range r.Modifiers {
		b.WriteByte(' ')
		b.WriteString(m.Name)
		b.WriteByte('=')
		b.WriteString(m.Value)
	}
	return b.String()
}

// IsRecord reports whether a TXT record's text is an SPF version 1 record:
// it begins with "v=spf1" (in any case) followed by a space or the end
// (RFC 7208 §4.5).
func IsRecord(txt string) bool {
	return len(txt) >= 6 && strings.EqualFold(txt[:6], "v=spf1") && (len(txt) == 6 || txt[6] == ' ')
}

// ParseRecord parses an SPF record, checking the syntax of every term
// (including macro-strings and domain-specs) before anything is evaluated,
// as RFC 7208 §4.6 requires. A syntax problem gives an error matching
// ErrSyntax. It runs in time linear in len(txt).
func ParseRecord(txt string) (*Record, error) {
	if !IsRecord(txt) {
		return nil, syntaxErr("", "record does not begin with \"v=spf1\"")
	}
	r := &Record{Directives: make([]Directive, 0, min(strings.Count(txt, " "), 64))}
	seenRedirect, seenExp := false, false
	rest := txt[6:]
	for len(rest) > 0 {
		if rest[0] == ' ' {
			rest = rest[1:]
			continue
		}
		end := strings.IndexByte(rest, ' ')
		if end < 0 {
			end = len(rest)
		}
		term := rest[:end]
		rest = rest[end:]
		for i := 0; i < len(term); i++ {
			if c := term[i]; c < 0x21 || c > 0x7e {
				return nil, syntaxErr(term, "character 0x%02x not allowed (terms are printable US-ASCII separated by spaces)", c)
			}
		}
		mod, d, err := parseTerm(term)
		if err != nil {
			return nil, err
		}
		if mod == nil {
			r.Directives = append(r.Directives, d)
			continue
		}
		switch strings.ToLower(mod.Name) {
		case "redirect":
			if seenRedirect {
				return nil, syntaxErr(term, "redirect= appears twice")
			}
			seenRedirect = true
			r.Redirect = mod.Value
		case "exp":
			if seenExp {
				return nil, syntaxErr(term, "exp= appears twice")
			}
			seenExp = true
			r.Exp = mod.Value
		default:
			r.Modifiers = append(r.Modifiers, *mod)
		}
	}
	return r, nil
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlnum(c byte) bool { return isAlpha(c) || isDigit(c) }

// parseTerm parses one term: a modifier (returned as mod) or a directive.
func parseTerm(term string) (mod *Modifier, d Directive, err error) {
	d.Qualifier = QualifierPass
	body := term
	qualified := false
	switch term[0] {
	case '+', '-', '~', '?':
		d.Qualifier = Qualifier(term[0])
		body = term[1:]
		qualified = true
	}
	i := 0
	for i < len(body) && (isAlnum(body[i]) || body[i] == '-' || body[i] == '_' || body[i] == '.') {
		i++
	}
	name, rest := body[:i], body[i:]
	if rest != "" && rest[0] == '=' {
		// name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) (§12)
		if qualified {
			return nil, d, syntaxErr(term, "a modifier cannot have a qualifier")
		}
		if name == "" || !isAlpha(name[0]) {
			return nil, d, syntaxErr(term, "modifier name must begin with a letter")
		}
		value := rest[1:]
		switch strings.ToLower(name) {
		case "redirect", "exp":
			if err := checkDomainSpec(value); err != nil {
				return nil, d, syntaxErr(term, "%s", err)
			}
		default:
			if _, err := parseMacroString(value, true, false); err != nil {
				return nil, d, syntaxErr(term, "%s", err)
			}
		}
		return &Modifier{Name: name, Value: value}, d, nil
	}
	d.Mechanism = strings.ToLower(name)
	switch d.Mechanism {
	case MechAll:
		if rest != "" {
			return nil, d, syntaxErr(term, "\"all\" takes no argument")
		}
	case MechInclude, MechExists:
		if rest == "" || rest[0] != ':' {
			return nil, d, syntaxErr(term, "%q needs \":\" and a domain-spec", d.Mechanism)
		}
		d.Domain = rest[1:]
		if err := checkDomainSpec(d.Domain); err != nil {
			return nil, d, syntaxErr(term, "%s", err)
		}
	case MechPTR:
		if rest != "" {
			if rest[0] != ':' {
				return nil, d, syntaxErr(term, "\"ptr\" takes only \":\" and a domain-spec")
			}
			d.Domain = rest[1:]
			if err := checkDomainSpec(d.Domain); err != nil {
				return nil, d, syntaxErr(term, "%s", err)
			}
		}
	case MechA, MechMX:
		spec := rest
		if rest != "" && rest[0] == ':' {
			spec = rest[1:]
		} else if rest != "" && rest[0] != '/' {
			return nil, d, syntaxErr(term, "unexpected %q after %q", rest[0], d.Mechanism)
		}
		dom, v4, v6, err := splitDualCIDR(spec)
		if err != nil {
			return nil, d, syntaxErr(term, "%s", err)
		}
		d.V4Len, d.V6Len = v4, v6
		if rest != "" && rest[0] == ':' {
			if err := checkDomainSpec(dom); err != nil {
				return nil, d, syntaxErr(term, "%s", err)
			}
			d.Domain = dom
		} else if dom != "" {
			return nil, d, syntaxErr(term, "malformed CIDR length")
		}
	case MechIP4, MechIP6:
		if rest == "" || rest[0] != ':' {
			return nil, d, syntaxErr(term, "%q needs \":\" and a network", d.Mechanism)
		}
		p, err := parseNetwork(rest[1:], d.Mechanism == MechIP4)
		if err != nil {
			return nil, d, syntaxErr(term, "%s", err)
		}
		d.Net = p
	default:
		return nil, d, syntaxErr(term, "unknown mechanism %q", name)
	}
	return nil, d, nil
}

// parseCIDR parses the digits of an ip4-cidr-length (max 32) or
// ip6-cidr-length (max 128): no leading zeros, no sign (RFC 7208 §12).
func parseCIDR(s string, max int) (int, error) {
	if s == "" || len(s) > 3 || (s[0] == '0' && len(s) > 1) {
		return 0, fmt.Errorf("bad CIDR length %q", s)
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, fmt.Errorf("bad CIDR length %q", s)
		}
		n = n*10 + int(s[i]-'0')
	}
	if n > max {
		return 0, fmt.Errorf("CIDR length %d exceeds %d", n, max)
	}
	return n, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// splitDualCIDR splits "domain-spec[/n][//m]" (RFC 7208 §5.6
// dual-cidr-length) from its end, returning the lengths with defaults 32 and
// 128.
func splitDualCIDR(s string) (dom string, v4, v6 int, err error) {
	v4, v6 = 32, 128
	if i := strings.LastIndex(s, "//"); i >= 0 && allDigits(s[i+2:]) {
		if v6, err = parseCIDR(s[i+2:], 128); err != nil {
			return "", 0, 0, err
		}
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '/'); i >= 0 && allDigits(s[i+1:]) {
		if v4, err = parseCIDR(s[i+1:], 32); err != nil {
			return "", 0, 0, err
		}
		s = s[:i]
	}
	return s, v4, v6, nil
}

// parseNetwork parses the argument of ip4: or ip6:.
func parseNetwork(s string, v4 bool) (netip.Prefix, error) {
	addrText, lenText, hasLen := strings.Cut(s, "/")
	a, err := netip.ParseAddr(addrText)
	if err != nil || a.Zone() != "" || a.Is4() != v4 {
		if v4 {
			return netip.Prefix{}, fmt.Errorf("bad ip4-network %q", addrText)
		}
		return netip.Prefix{}, fmt.Errorf("bad ip6-network %q", addrText)
	}
	bits := a.BitLen()
	if hasLen {
		if bits, err = parseCIDR(lenText, a.BitLen()); err != nil {
			return netip.Prefix{}, err
		}
	}
	return netip.PrefixFrom(a, bits), nil
}

// checkDomainSpec checks domain-spec = macro-string domain-end, where
// domain-end = ( "." toplabel [ "." ] ) / macro-expand (RFC 7208 §7.1).
// Macro letters c, r and t are not allowed (§7.2).
func checkDomainSpec(s string) error {
	if s == "" {
		return errors.New("empty domain-spec")
	}
	toks, err := parseMacroString(s, false, false)
	if err != nil {
		return err
	}
	last := toks[len(toks)-1]
	if last.kind != tokLiteral {
		return nil // ends in a macro-expand
	}
	lit := last.text
	lit = strings.TrimSuffix(lit, ".")
	dot := strings.LastIndexByte(lit, '.')
	if dot < 0 {
		return fmt.Errorf("domain-spec %q does not end in \".\" toplabel or a macro", s)
	}
	if !isTopLabel(lit[dot+1:]) {
		return fmt.Errorf("domain-spec %q: %q is not a valid top label", s, lit[dot+1:])
	}
	return nil
}

// isTopLabel reports whether s matches toplabel = ( *alphanum ALPHA
// *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum ).
func isTopLabel(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	special := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isAlpha(c), c == '-':
			special = true
		case isDigit(c):
		default:
			return false
		}
	}
	return special
}
