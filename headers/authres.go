package headers

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrAuthResSyntax means an Authentication-Results or
// ARC-Authentication-Results value is not well formed (RFC 8601 §2.2,
// RFC 8617 §4.1.1). It is wrapped in a *SyntaxError.
var ErrAuthResSyntax = errors.New("headers: malformed Authentication-Results")

// SyntaxError describes where a structured field value stops making sense.
type SyntaxError struct {
	Field  string // the field name, e.g. "Authentication-Results"
	Offset int    // byte offset into the value as given
	Msg    string // what was wrong
	Err    error  // the sentinel, e.g. ErrAuthResSyntax
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("headers: %s: at offset %d: %s", e.Field, e.Offset, e.Msg)
}

// Unwrap returns the sentinel error.
func (e *SyntaxError) Unwrap() error { return e.Err }

// AuthResults is a parsed Authentication-Results (RFC 8601) or
// ARC-Authentication-Results (RFC 8617 §4.1.1) field.
type AuthResults struct {
	// AuthServID names the host that did the checks, as written.
	AuthServID string `json:"authserv_id"`
	// Version is the authres-version after the authserv-id, 0 when absent.
	Version int `json:"version,omitempty"`
	// Instance is the ARC i= (1..50); 0 for Authentication-Results.
	Instance int `json:"instance,omitempty"`
	// Results are the method results in order. It is empty for the "none"
	// form (no checks were done).
	Results []AuthResult `json:"results"`
	// Comment holds the comments around the authserv-id and version.
	Comment string `json:"comment,omitempty"`
	// Raw is the field value as given.
	Raw string `json:"-"`
}

// AuthResult is one resinfo: a method's result with its reason, properties
// and comments.
type AuthResult struct {
	// Method is the method name in lower case ("dkim", "spf", "dkim-atps",
	// "x-foo"); unknown methods are kept.
	Method string `json:"method"`
	// MethodVersion is the number after "/" as in "dkim/1", 0 when absent.
	MethodVersion int `json:"method_version,omitempty"`
	// Result is the result keyword in lower case ("pass", "fail", ...).
	Result string `json:"result"`
	// Reason is the reason= value with quoting removed.
	Reason string `json:"reason,omitempty"`
	// Properties are the ptype.property=value items in order.
	Properties []Property `json:"-"`
	// Comment holds every comment inside this resinfo, joined by "; ".
	// A comment is never read as a result or property.
	Comment string `json:"comment,omitempty"`
}

// Property is one ptype.property=pvalue item of a result. Type and Name are
// lower case. Microsoft writes bare "action=none"; such items have an empty
// Type.
type Property struct {
	Type    string `json:"type"` // "header", "smtp", "body", "policy", ...
	Name    string `json:"name"`
	Value   string `json:"value"`
	Comment string `json:"comment,omitempty"` // a comment right after the value
}

// Key returns "type.name", or just the name when Type is empty.
func (p Property) Key() string {
	if p.Type == "" {
		return p.Name
	}
	return p.Type + "." + p.Name
}

// Prop returns the value of the first property whose key ("header.d",
// "smtp.mailfrom") equals key, case-insensitively.
func (r AuthResult) Prop(key string) (string, bool) {
	for _, p := range r.Properties {
		if strings.EqualFold(p.Key(), key) {
			return p.Value, true
		}
	}
	return "", false
}

// PropertyMap returns the properties keyed "type.name"; when a key repeats,
// the first value wins. It returns nil when there are no properties.
func (r AuthResult) PropertyMap() map[string]string {
	if len(r.Properties) == 0 {
		return nil
	}
	m := make(map[string]string, len(r.Properties))
	for _, p := range r.Properties {
		if _, ok := m[p.Key()]; !ok {
			m[p.Key()] = p.Value
		}
	}
	return m
}

// ParseAuthResults parses an Authentication-Results value (RFC 8601 §2.2).
//
// The parser is lenient where real mail differs from the grammar without
// ambiguity: a missing ";" at the end, comments and folding anywhere,
// quoted or bare values, Microsoft's bare "action=none" properties. It is
// strict about structure: a comment is never read as a result.
//
// It always returns an AuthResults holding what could be read. The error,
// a *SyntaxError wrapping ErrAuthResSyntax, is for the first problem; a
// broken resinfo is skipped up to the next ";" and the ones after it are
// still read, unless the value ends inside a comment or quoted string.
func ParseAuthResults(value string) (*AuthResults, error) {
	p := &arParser{s: value, field: FieldAuthenticationResult}
	ar := &AuthResults{Raw: value}
	p.parse(ar)
	return ar, p.err
}

// ParseARCAuthResults parses an ARC-Authentication-Results value
// (RFC 8617 §4.1.1): "i=" instance ";" followed by an Authentication-Results
// payload. A missing or bad instance is an error; the rest is still parsed.
func ParseARCAuthResults(value string) (*AuthResults, error) {
	p := &arParser{s: value, field: FieldARCAuthResults}
	ar := &AuthResults{Raw: value}
	p.skipCFWS(nil)
	if !p.hasWord("i") {
		p.fail("missing i= instance")
		p.parse(ar)
		return ar, p.err
	}
	p.i++
	p.skipCFWS(nil)
	if p.eat('=') {
		p.skipCFWS(nil)
		if n, ok := p.number(); ok && n >= 1 && n <= 50 {
			ar.Instance = n
		} else {
			p.fail("ARC instance is not a number from 1 to 50")
		}
		p.skipCFWS(nil)
	}
	if !p.eat(';') {
		p.fail("expected i=N; before the authserv-id")
		p.resync()
		p.eat(';')
	}
	if !p.fatal {
		p.parse(ar)
	}
	return ar, p.err
}

// arParser is a single-pass scanner over an A-R value. It never recurses:
// nested comments are tracked with a depth counter, so time and stack are
// linear in the input.
type arParser struct {
	s        string
	i        int
	field    string
	sentinel error // wrapped in each SyntaxError; ErrAuthResSyntax when nil
	err      error
	fatal    bool // the value ended inside a comment or quoted string
}

func (p *arParser) fail(msg string) { p.failAt(p.i, msg) }

func (p *arParser) failAt(off int, msg string) {
	if p.err == nil {
		sentinel := p.sentinel
		if sentinel == nil {
			sentinel = ErrAuthResSyntax
		}
		p.err = &SyntaxError{Field: p.field, Offset: off, Msg: msg, Err: sentinel}
	}
}

func (p *arParser) eof() bool { return p.i >= len(p.s) }

func (p *arParser) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// hasWord reports whether the keyword w (case-insensitive) starts at p.i
// and is not followed by another keyword character.
func (p *arParser) hasWord(w string) bool {
	end := p.i + len(w)
	if end > len(p.s) || !strings.EqualFold(p.s[p.i:end], w) {
		return false
	}
	return end == len(p.s) || !isKeywordChar(p.s[end])
}

func isWSP(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// isKeywordChar: ALPHA / DIGIT / "-" (RFC 8601 Keyword, RFC 5321 Ldh-str),
// plus "_", which real methods such as "x_foo" use.
func isKeywordChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// skipCFWS skips folding white space and comments. When comments is not
// nil, the text of each comment is appended to it.
func (p *arParser) skipCFWS(comments *[]string) {
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case isWSP(c):
			p.i++
		case c == '(':
			text, ok := p.comment()
			if !ok {
				return
			}
			if comments != nil {
				*comments = append(*comments, text)
			}
		default:
			return
		}
	}
}

// comment reads a comment starting at '(' (RFC 5322 §3.2.2), nested to any
// depth, and returns its text without the outer parentheses, with
// quoted-pairs resolved and line breaks removed. An unterminated comment is
// fatal.
func (p *arParser) comment() (string, bool) {
	start := p.i
	depth := 0
	escaped := false
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		switch c {
		case '\\':
			escaped = true
			p.i++ // the quoted-pair's second byte
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return cleanText(p.s[start+1:p.i-1], escaped), true
			}
		}
	}
	p.i = len(p.s)
	p.failAt(start, "unterminated comment")
	p.fatal = true
	return "", false
}

// cleanText removes line breaks and, when escaped, resolves quoted-pairs,
// and trims white space.
func cleanText(s string, escaped bool) string {
	if !escaped && strings.IndexAny(s, "\r\n") < 0 {
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\r', '\n':
		case '\\':
			if escaped && i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return strings.TrimSpace(b.String())
}

// quoted reads a quoted-string starting at '"' and returns its content with
// quoted-pairs resolved and line breaks removed.
func (p *arParser) quoted() (string, bool) {
	start := p.i
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		switch c {
		case '\\':
			if p.i < len(p.s) {
				b.WriteByte(p.s[p.i])
				p.i++
			}
		case '"':
			return b.String(), true
		case '\r', '\n':
		default:
			b.WriteByte(c)
		}
	}
	p.failAt(start, "unterminated quoted string")
	p.fatal = true
	return "", false
}

// keyword reads 1*keyword characters.
func (p *arParser) keyword() string {
	start := p.i
	for p.i < len(p.s) && isKeywordChar(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

// number reads 1*DIGIT (at most 9 digits).
func (p *arParser) number() (int, bool) {
	start := p.i
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	if p.i == start || p.i-start > 9 {
		return 0, false
	}
	n, err := strconv.Atoi(p.s[start:p.i])
	return n, err == nil
}

// value reads a value (RFC 2045 token / quoted-string) or a pvalue
// ([local-part] "@" domain-name). Bare values run to white space, ";", "("
// or ")"; this also accepts "<addr>" and base64 with "/" "+" "=".
func (p *arParser) value() (string, bool) {
	start := p.i
	if p.i < len(p.s) && p.s[p.i] == '"' {
		v, ok := p.quoted()
		if !ok || p.i >= len(p.s) || p.s[p.i] != '@' {
			return v, ok
		}
		// A quoted local-part: "john doe"@example.com, kept as written
		// but unfolded, as quoted() unfolds a whole quoted value.
	}
	for p.i < len(p.s) {
		c := p.s[p.i]
		if isWSP(c) || c == ';' || c == '(' || c == ')' || c == '"' {
			break
		}
		p.i++
	}
	v := p.s[start:p.i]
	if strings.IndexAny(v, "\r\n") >= 0 {
		v = strings.NewReplacer("\r", "", "\n", "").Replace(v)
	}
	return v, true
}

// parse reads authserv-id [version] and the resinfos into ar.
func (p *arParser) parse(ar *AuthResults) {
	var comments []string
	p.skipCFWS(&comments)
	if p.fatal {
		ar.Comment = strings.Join(comments, "; ")
		return
	}
	idStart := p.i
	id, ok := p.value()
	if !ok {
		return
	}
	if id == "" || strings.IndexByte(id, '=') >= 0 {
		// No authserv-id: Office 365 starts with "spf=none (...) ...".
		// Read the results anyway; the value stays an error.
		p.i = idStart
		p.fail("missing authserv-id")
		ar.Comment = strings.Join(comments, "; ")
		p.results(ar, true)
		return
	}
	ar.AuthServID = id
	p.skipCFWS(&comments)
	if !p.fatal && p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		vStart := p.i
		n, ok := p.number()
		if !ok || (p.i < len(p.s) && !isWSP(p.s[p.i]) && p.s[p.i] != ';' && p.s[p.i] != '(') {
			p.failAt(vStart, "bad authres-version")
		} else {
			ar.Version = n
		}
		p.skipCFWS(&comments)
	}
	ar.Comment = strings.Join(comments, "; ")
	if p.fatal {
		return
	}
	if !p.eof() && p.s[p.i] != ';' {
		p.fail("expected ';' after the authserv-id")
		p.resync()
	}
	p.results(ar, false)
}

// results reads the resinfos and the "none" form. When first is true the
// scanner is at the first method, not at a ';'.
func (p *arParser) results(ar *AuthResults, first bool) {
	sawNone := false
	for !p.fatal && !p.eof() {
		var rc []string
		if !first {
			// p.s[p.i] == ';'
			p.i++
			p.skipCFWS(&rc)
			if p.fatal {
				return
			}
			if p.eof() {
				break // a trailing ';'
			}
		}
		first = false
		if p.s[p.i] == ';' {
			continue // an empty resinfo: tolerated
		}
		mark := p.i
		if p.hasWord("none") {
			p.i += len("none")
			p.skipCFWS(nil)
			if p.eof() || p.s[p.i] == ';' {
				if len(ar.Results) > 0 || sawNone {
					p.failAt(mark, `"none" beside results`)
				}
				sawNone = true
				continue
			}
			p.i = mark
		}
		r, ok := p.resinfo(rc)
		if ok {
			if sawNone {
				p.failAt(mark, `results after "none"`)
			}
			ar.Results = append(ar.Results, r)
		} else {
			p.resync()
		}
	}
	if p.err == nil && len(ar.Results) == 0 && !sawNone {
		p.fail("no results")
	}
}

// resync skips to the next ';' outside comments and quoted strings.
func (p *arParser) resync() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ';':
			return
		case '(':
			if _, ok := p.comment(); !ok {
				return
			}
		case '"':
			if _, ok := p.quoted(); !ok {
				return
			}
		default:
			p.i++
		}
	}
}

// resinfo reads methodspec [reasonspec] *propspec up to the next ';' or the
// end. comments holds comments already read before the method.
func (p *arParser) resinfo(comments []string) (AuthResult, bool) {
	var r AuthResult
	finish := func() (AuthResult, bool) {
		r.Comment = strings.Join(comments, "; ")
		return r, true
	}
	method := p.keyword()
	if method == "" {
		p.fail("expected a method name")
		return r, false
	}
	r.Method = strings.ToLower(method)
	p.skipCFWS(&comments)
	if p.eat('/') {
		p.skipCFWS(&comments)
		n, ok := p.number()
		if !ok {
			p.fail("bad method version")
			return r, false
		}
		r.MethodVersion = n
		p.skipCFWS(&comments)
	}
	if !p.eat('=') {
		p.fail(fmt.Sprintf("expected '=' after method %q", method))
		return r, false
	}
	p.skipCFWS(&comments)
	result := p.keyword()
	if result == "" {
		p.fail(fmt.Sprintf("missing result for method %q", method))
		return r, false
	}
	r.Result = strings.ToLower(result)
	for {
		p.skipCFWS(&comments)
		if p.fatal {
			return r, false
		}
		if p.eof() || p.s[p.i] == ';' {
			return finish()
		}
		keyStart := p.i
		ptype := p.keyword()
		if ptype == "" {
			p.fail(fmt.Sprintf("unexpected %q in result of %q", p.s[p.i], method))
			return r, false
		}
		p.skipCFWS(&comments)
		var name string
		if p.eat('.') {
			p.skipCFWS(&comments)
			name = p.keyword()
			if name == "" {
				p.fail("missing property name after '.'")
				return r, false
			}
			p.skipCFWS(&comments)
		} else {
			ptype, name = "", ptype
		}
		if !p.eat('=') {
			p.failAt(keyStart, fmt.Sprintf("expected ptype.property=value in result of %q", method))
			return r, false
		}
		p.skipCFWS(&comments)
		if p.fatal {
			return r, false
		}
		v, ok := p.value()
		if !ok {
			return r, false
		}
		if ptype == "" && strings.EqualFold(name, "reason") {
			if r.Reason == "" {
				r.Reason = v
			}
			continue
		}
		prop := Property{Type: strings.ToLower(ptype), Name: strings.ToLower(name), Value: v}
		n := len(comments)
		p.skipCFWS(&comments)
		if len(comments) > n {
			prop.Comment = strings.Join(comments[n:], "; ")
		}
		r.Properties = append(r.Properties, prop)
	}
}
