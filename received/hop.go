package received

import (
	"errors"
	"net/netip"
	"strings"
	"time"
)

// Errors returned by [Parse]. Parse returns an error only when the value
// yields nothing at all; every other problem is a warning on the [Hop].
var (
	// ErrEmpty is returned for a value that is empty or only white space.
	ErrEmpty = errors.New("received: empty field")
	// ErrUnreadable is returned when no clause, address or date could be
	// read from a non-empty value. The Hop returned with it still holds the
	// raw text and a warning.
	ErrUnreadable = errors.New("received: nothing readable")
)

// Host is the sending side of a hop as the receiving host recorded it.
type Host struct {
	// HELO is the name the client gave in HELO/EHLO/LHLO, as written
	// (an address literal keeps its brackets: "[10.0.0.1]"). Empty when
	// the field does not show it.
	HELO string `json:"helo,omitempty"`
	// RDNS is the client's reverse-DNS name as the receiver looked it up.
	// Empty when not shown or shown as "unknown".
	RDNS string `json:"rdns,omitempty"`
	// IP is the client's address; the zero Addr when the field has none.
	// IPv4-mapped IPv6 addresses are unmapped.
	IP netip.Addr `json:"ip,omitzero"`
	// Ident is the RFC 1413 identity or local user some MTAs show
	// ("ident@host"); usually empty.
	Ident string `json:"ident,omitempty"`
}

// TLS describes the encryption of the SMTP session a hop was received on.
// A non-nil TLS with empty fields means the field says TLS was used (for
// example "with ESMTPS") without naming version or cipher.
type TLS struct {
	// Version is normalised to the OpenSSL spelling: "TLSv1.0" ...
	// "TLSv1.3". Forms such as "TLS1_3", "TLS1.3", "TLS-1.3" and
	// "version=TLS1_3" all read as "TLSv1.3"; other spellings are kept as
	// written ("SSLv3", "TLSv1/SSLv3").
	Version string `json:"version,omitempty"`
	// Cipher is the cipher suite as written.
	Cipher string `json:"cipher,omitempty"`
	// Bits is the symmetric key size when shown, else 0.
	Bits int `json:"bits,omitempty"`
}

// Hop is one Received field, read into its clauses (RFC 5321 §4.4,
// RFC 5322 §3.6.7).
type Hop struct {
	// From is the client that handed the message to By.
	From Host `json:"from"`
	// By is the receiving host's name as it wrote it.
	By string `json:"by,omitempty"`
	// Via is the link type ("Frontend Transport", "TCP"); usually empty.
	Via string `json:"via,omitempty"`
	// With is the protocol, an RFC 3848 keyword such as "ESMTPS" when the
	// MTA writes one, else the text it wrote ("Microsoft SMTP Server",
	// "mapi", "local").
	With string `json:"with,omitempty"`
	// ID is the receiver's queue or message id.
	ID string `json:"id,omitempty"`
	// For is the recipient the field names, without angle brackets.
	For string `json:"for,omitempty"`
	// EnvelopeFrom is the SMTP MAIL FROM when the field shows it
	// ("(envelope-from <x>)", "envelope-sender", Haraka's bare form).
	EnvelopeFrom string `json:"envelope_from,omitempty"`
	// TLS is nil when the field shows no sign of encryption.
	TLS *TLS `json:"tls,omitempty"`
	// Auth is the authenticated identity when the field shows one
	// ("Authenticated sender: x", "authenticated as x", "AUTH: LOGIN x",
	// "account x").
	Auth string `json:"auth,omitempty"`
	// Authenticated is true when the hop was an authenticated submission:
	// an identity above, Sendmail's "(authenticated bits=N)", an RFC 3848
	// "...A" protocol (ESMTPA, ESMTPSA, LMTPA...), Exim's "asmtp", or a
	// webmail submission "with HTTP".
	Authenticated bool `json:"authenticated,omitempty"`
	// Software is the receiving MTA as it names itself ("Postfix",
	// "Exim 4.90_1", "8.12.10/8.12.10", "qmail"), when shown.
	Software string `json:"software,omitempty"`
	// Time is the date-time after the last ";", with the hop's own zone
	// offset. The zero Time when missing or unreadable (see Warnings).
	Time time.Time `json:"time,omitzero"`
	// DelaySeconds is set by [NewChain]: seconds since the previous (older)
	// hop. Nil for the first hop and when either time is missing; negative
	// values are kept and flagged as clock skew.
	DelaySeconds *int64 `json:"delay_seconds,omitempty"`
	// Warnings says what could not be read.
	Warnings []string `json:"warnings,omitempty"`
	// Raw is the field value as given.
	Raw string `json:"raw"`
}

// UsedTLS reports whether the hop shows the session was encrypted.
func (h *Hop) UsedTLS() bool { return h.TLS != nil }

func (h *Hop) warn(w string) {
	for _, x := range h.Warnings {
		if x == w {
			return
		}
	}
	if len(h.Warnings) < 8 {
		h.Warnings = append(h.Warnings, w)
	}
}

func (h *Hop) tls() *TLS {
	if h.TLS == nil {
		h.TLS = &TLS{}
	}
	return h.TLS
}

// MaxLen is the length of a field value [Parse] reads; the rest of a
// longer value is ignored with a warning (Hop.Raw keeps all of it).
const MaxLen = 16 << 10

// Warnings for layouts Parse could only partly read.
const (
	warnUnbalanced    = "unbalanced parentheses"
	warnNoClauses     = "layout not recognised: no from or by clause"
	warnNothing       = "nothing readable"
	warnNoFromKeyword = "text before by read as the from clause (no from keyword)"
	warnTooLong       = "field longer than 16 KiB: only the first 16 KiB read"
)

// clause keywords
const (
	kwNone = iota
	kwFrom
	kwBy
	kwVia
	kwWith
	kwID
	kwFor
	kwSkip    // a repeated or unusable clause ("by uid 502")
	kwEnvFrom // XMail's "from <sender>" after by
)

func keyword(w string) int {
	switch len(w) {
	case 2:
		if equalFold(w, "by") {
			return kwBy
		}
		if equalFold(w, "id") {
			return kwID
		}
	case 3:
		if equalFold(w, "via") {
			return kwVia
		}
		if equalFold(w, "for") {
			return kwFor
		}
	case 4:
		if equalFold(w, "from") {
			return kwFrom
		}
		if equalFold(w, "with") {
			return kwWith
		}
	}
	return kwNone
}

func isKeyword(w string) bool { return keyword(w) != kwNone }

// span is a run of tokens [a, b) of one token list.
type span struct{ a, b int }

func (s span) empty() bool { return s.b <= s.a }

// Parse reads one Received field value (without the "Received:" name; the
// value may still be folded). It never panics and runs in time linear in
// len(value). Unknown layouts give a Hop with what could be read, the raw
// text and a warning; an error is returned only for a value that yields
// nothing at all (see [ErrEmpty], [ErrUnreadable]), together with a Hop
// that holds the raw text.
func Parse(value string) (Hop, error) {
	h := Hop{Raw: value}
	if strings.TrimSpace(value) == "" {
		h.warn(warnNothing)
		return h, ErrEmpty
	}
	if len(value) > MaxLen {
		// No MTA writes a Received field this long (RFC 5322 §2.1.1 caps a
		// line at 998 bytes); read the head and say so.
		value = value[:MaxLen]
		h.warn(warnTooLong)
	}
	var buf [64]token
	lx := newLexer(value)
	toks := lx.lex(buf[:0])
	if !lx.balanced() {
		h.warn(warnUnbalanced)
	}
	p := parser{s: value, h: h}
	p.parse(toks)
	h = p.h
	if h.From == (Host{}) && h.By == "" && h.With == "" && h.ID == "" && h.For == "" && h.Time.IsZero() && h.Software == "" {
		h.warn(warnNothing)
		return h, ErrUnreadable
	}
	return h, nil
}

type parser struct {
	s         string
	h         Hop
	exim      bool
	microsoft bool
}

func (p *parser) parse(toks []token) {
	h := &p.h
	// The date-time follows the last top-level ";" (RFC 5322 §3.6.7).
	semi := -1
	for i := len(toks) - 1; i >= 0; i-- {
		if toks[i].kind == tokSemi {
			semi = i
			break
		}
	}
	clauses, date := toks, toks[:0]
	if semi >= 0 {
		clauses, date = toks[:semi], toks[semi+1:]
	}
	dateFound := p.date(date)
	if !dateFound {
		// No ";" or nothing after it: some MTAs omit the ";" (or put the
		// date before trailing text). Look for a date among the clauses.
		if k := findDate(clauses); k >= 0 {
			date = clauses[k:]
			clauses = clauses[:k]
			dateFound = p.date(date)
		}
	}
	if !dateFound && h.Time.IsZero() {
		h.warn(warnNoDate)
	}

	// Comments anywhere carry TLS, authentication, envelope sender and
	// software; read them all first so clause reading can use the MTA.
	for i := range toks {
		t := &toks[i]
		switch t.kind {
		case tokComment:
			p.comment(t.text)
		case tokWord:
			p.word(toks, i)
		}
	}

	// Split the clauses.
	var cl [kwEnvFrom + 1]span
	var seen [kwEnvFrom + 1]bool
	cur := kwNone
	lead := span{0, 0}
	for i := 0; i < len(clauses); i++ {
		t := clauses[i]
		k := kwNone
		if t.kind == tokWord {
			k = keyword(t.text)
		}
		if k == kwNone {
			if cur == kwNone {
				lead.b = i + 1
			} else if cur != kwSkip && cl[cur].b == i {
				cl[cur].b = i + 1
			}
			continue
		}
		switch {
		case k == kwFrom && seen[kwBy] && !seen[kwEnvFrom]:
			k = kwEnvFrom
		case seen[k]:
			if k == kwWith {
				// "with ESMTP with STARTTLS": the second names the TLS.
				if i+1 < len(clauses) && clauses[i+1].kind == tokWord && equalFold(clauses[i+1].text, "STARTTLS") {
					h.tls()
				}
			}
			cur = kwSkip
			continue
		}
		seen[k] = true
		cur = k
		cl[k] = span{i + 1, i + 1}
	}

	// by and with first: the from clause's reading depends on the MTA.
	if seen[kwBy] {
		p.by(clauses[cl[kwBy].a:cl[kwBy].b])
	}
	if seen[kwWith] {
		p.with(clauses[cl[kwWith].a:cl[kwWith].b])
	}
	// A leading "(from host [ip])" comment stands for the from clause.
	if !seen[kwFrom] && !lead.empty() && clauses[0].kind == tokComment {
		inner := clauses[0].text
		if len(inner) > 5 && equalFold(inner[:5], "from ") {
			var ib [16]token
			il := newLexer(inner)
			it := il.lex(ib[:0])
			if len(it) > 0 {
				p.from(inner, it[1:], false)
				seen[kwFrom] = true
			}
		}
	}
	// A mangled from keyword ("m host (...) by ..."): read the leading
	// words as the from clause, and say so.
	if !seen[kwFrom] && seen[kwBy] && !lead.empty() && (clauses[0].kind == tokWord || clauses[0].kind == tokBracket) {
		p.from(p.s, clauses[lead.a:lead.b], true)
		h.warn(warnNoFromKeyword)
	}
	if seen[kwFrom] && !cl[kwFrom].empty() {
		p.from(p.s, clauses[cl[kwFrom].a:cl[kwFrom].b], true)
	}
	if seen[kwVia] {
		if v := p.words(clauses[cl[kwVia].a:cl[kwVia].b]); v != "" {
			h.Via = v
		}
	}
	if seen[kwID] {
		if t, ok := first(clauses[cl[kwID].a:cl[kwID].b]); ok {
			h.ID = t.text
		}
	}
	if seen[kwFor] {
		if t, ok := first(clauses[cl[kwFor].a:cl[kwFor].b]); ok {
			h.For = t.text
		}
	}
	if seen[kwEnvFrom] && h.EnvelopeFrom == "" {
		if t, ok := first(clauses[cl[kwEnvFrom].a:cl[kwEnvFrom].b]); ok && strings.Contains(t.text, "@") {
			h.EnvelopeFrom = t.text
		}
	}
	if !seen[kwFrom] && !seen[kwBy] && h.Software != "qmail" {
		h.warn(warnNoClauses)
	}
	withTLS, withAuth, withHTTP := protocol(h.With)
	// Via names a web submission, but only "HTTP" and "HTTPS" say the
	// client authenticated.
	var viaHTTP, viaAuth bool
	var b keyBuf
	switch string(foldKey(&b, h.Via)) {
	case "http", "https":
		viaHTTP, viaAuth = true, true
	case "httpu":
		viaHTTP = true
	}
	if h.TLS == nil && withTLS {
		h.tls()
	}
	if withHTTP || viaHTTP {
		// A webmail submission: the name after "from" is the web client,
		// and HTTP has no HELO.
		h.From.HELO = ""
	}
	if !h.Authenticated && (withAuth || viaAuth) {
		h.Authenticated = true
	}
}

// first returns the first word, angle or bracket token of ts.
func first(ts []token) (token, bool) {
	for _, t := range ts {
		switch t.kind {
		case tokWord, tokAngle, tokBracket:
			if t.text != "" {
				return t, true
			}
		}
	}
	return token{}, false
}

// words returns the leading run of word (and bracket) tokens of ts as one
// string with single spaces.
func (p *parser) words(ts []token) string {
	n := 0
	for n < len(ts) && (ts[n].kind == tokWord || ts[n].kind == tokBracket) {
		w := ts[n].text
		if equalFold(w, "tls") || equalFold(w, "envelope-from") || equalFold(w, "envelope-sender") {
			break
		}
		n++
	}
	if n == 0 {
		return ""
	}
	return collapse(p.s[ts[0].start:ts[n-1].end])
}

// collapse turns runs of white space into single spaces, allocating only
// when the text needs it.
func collapse(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if isSpace(s[i]) && (s[i] != ' ' || (i+1 < len(s) && isSpace(s[i+1]))) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	sp := false
	for i := 0; i < len(s); i++ {
		if isSpace(s[i]) {
			sp = true
			continue
		}
		if sp && b.Len() > 0 {
			b.WriteByte(' ')
		}
		sp = false
		b.WriteByte(s[i])
	}
	return b.String()
}

// findDate returns the index of the token where a date-time starts, or -1.
func findDate(ts []token) int {
	for i := range ts {
		if ts[i].kind != tokWord {
			continue
		}
		w := ts[i].text
		if !isDayName(w) && !isDigitStart(w) {
			continue
		}
		var wb [3]string
		n := 0
		for j := i; j < len(ts) && n < 3; j++ {
			if ts[j].kind == tokWord {
				wb[n] = ts[j].text
				n++
			} else if ts[j].kind != tokComment {
				break
			}
		}
		if dateStart(wb[:n], 0) {
			return i
		}
	}
	return -1
}

// date reads the date region; it reports whether a date start was found.
func (p *parser) date(ts []token) bool {
	k := findDate(ts)
	if k < 0 {
		return false
	}
	var wb [16]string
	words := wb[:0]
	var idx [16]int
	for j := k; j < len(ts) && len(words) < len(wb); j++ {
		if ts[j].kind == tokWord {
			idx[len(words)] = j
			words = append(words, ts[j].text)
		}
	}
	t, used, warn := parseDate(words)
	if warn != "" {
		p.h.warn(warn)
	}
	p.h.Time = t
	// Courier and others write "; date id X".
	if used < len(words) {
		rest := ts[idx[used]:]
		for j := 0; j+1 < len(rest); j++ {
			if rest[j].kind == tokWord && keyword(rest[j].text) == kwID && p.h.ID == "" {
				if t, ok := first(rest[j+1:]); ok {
					p.h.ID = t.text
				}
			}
		}
	}
	return true
}

// word handles top-level words that carry data outside any clause:
// Exim 4.9x and Haraka "tls CIPHER", Haraka "envelope-from <x>".
func (p *parser) word(ts []token, i int) {
	w := ts[i].text
	if i+1 >= len(ts) || w == "" {
		return
	}
	next := ts[i+1]
	// Most words start with neither letter; no other byte folds to them.
	switch lowerASCII(w[0]) {
	case 't':
		if equalFold(w, "tls") && next.kind == tokWord {
			p.h.tls().Cipher = next.text
		}
	case 'e':
		if (equalFold(w, "envelope-from") || equalFold(w, "envelope-sender")) && (next.kind == tokAngle || next.kind == tokWord) {
			if p.h.EnvelopeFrom == "" {
				p.h.EnvelopeFrom = next.text
			}
		}
	}
}

func (p *parser) by(ts []token) {
	h := &p.h
	if t, ok := first(ts); ok {
		h.By = t.text
		if t.kind == tokBracket {
			h.By = p.s[t.start:t.end]
		}
	}
	if h.Software != "" {
		return
	}
	for _, t := range ts {
		if t.kind != tokComment {
			continue
		}
		c := strings.TrimSpace(t.text)
		if c == "" || isTLSComment(c) || isIPText(c) || hasPrefixFold(c, "authenticated") ||
			hasPrefixFold(c, "envelope-") || hasPrefixFold(c, "via ") || hasPrefixFold(c, "using ") {
			continue
		}
		h.Software = collapse(c)
		break
	}
}

func (p *parser) with(ts []token) {
	h := &p.h
	w := p.words(ts)
	// IronPort: "ESMTP/TLS/ECDHE-RSA-AES256-GCM-SHA384".
	if k := strings.Index(w, "/TLS/"); k > 0 && !strings.Contains(w, " ") {
		h.tls().Cipher = w[k+5:]
		w = w[:k]
	}
	h.With = w
	if hasPrefixFold(w, "Microsoft") || equalFold(w, "mapi") {
		p.microsoft = true
	}
}

// protocol reads what an RFC 3848 protocol keyword (or Exim's lower-case
// form) says about the session: TLS, an authenticated client, a web
// submission.
func protocol(with string) (tls, auth, http bool) {
	var b keyBuf
	switch string(foldKey(&b, with)) {
	case "esmtps", "utf8smtps", "lmtps", "utf8lmtps", "smtps":
		return true, false, false
	case "esmtpsa", "utf8smtpsa", "lmtpsa", "utf8lmtpsa":
		return true, true, false
	case "esmtpa", "utf8smtpa", "lmtpa", "utf8lmtpa", "asmtp":
		return false, true, false
	case "http", "httpu":
		return false, true, true
	case "https":
		return true, true, true
	}
	return false, false, false
}
