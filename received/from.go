package received

import (
	"net/netip"
	"strings"
)

// from reads the from clause: the client's name (usually its HELO), then
// comments and literals in one of the layouts MTAs use:
//
//	Postfix, Sendmail:  helo (rdns [ip])          rdns "unknown" when none
//	Exim:               rdns ([ip]:port helo=helo) or helo ([ip]) when equal
//	qmail:              rdns (HELO helo) (ident@ip)
//	CommuniGate:        [ip] (HELO helo) | rdns ([ip] verified)
//	Microsoft:          helo (ip)
//	fetchmail, GMX:     name [ip] | rdns (EHLO helo) [ip]
//
// base is the string the tokens point into; top is false for a from clause
// read out of a leading "(from ...)" comment.
func (p *parser) from(base string, ts []token, top bool) {
	h := &p.h
	if len(ts) == 0 {
		return
	}
	var (
		name        token
		hasName     bool
		nameIP      netip.Addr
		explicit    string // HELO named in a comment
		hasExplicit bool
		rdns        string
		hasRDNSForm bool // a "(words [ip])" comment was seen
		bracketIP   netip.Addr
		bareIP      netip.Addr
		barePort    bool
		topIP       netip.Addr
		verified    bool
		attached    bool
		exim3Helo   string
	)
	i := 0
	switch ts[0].kind {
	case tokWord, tokBracket:
		name, hasName = ts[0], true
		i = 1
		nameIP, _ = parseIP(name.text)
		if len(ts) > 1 && ts[1].kind == tokComment && ts[1].start == name.end {
			attached = true
		}
	case tokAngle:
		i = 1
	}
	for ; i < len(ts); i++ {
		t := ts[i]
		switch t.kind {
		case tokBracket:
			if a, ok := parseIP(t.text); ok && !topIP.IsValid() {
				topIP = a
			}
		case tokWord:
			// obtuse smtpd: `host(ip), claiming to be "helo"`.
			if equalFold(t.text, "be") && i+1 < len(ts) && ts[i+1].kind == tokQuoted {
				explicit, hasExplicit = ts[i+1].text, true
			}
		case tokComment:
			var buf [16]token
			lx := newLexer(t.text)
			in := lx.lex(buf[:0])
			words := 0 // words before a bracket in this comment
			var before token
			sawIP := false
			for j := 0; j < len(in); j++ {
				u := in[j]
				switch u.kind {
				case tokWord:
					w := u.text
					var kb keyBuf
					switch string(foldKey(&kb, w)) {
					case "helo", "ehlo", "lhlo":
						hasExplicit = true
						explicit = ""
						if j+1 < len(in) && (in[j+1].kind == tokWord || in[j+1].kind == tokBracket) {
							explicit = in[j+1].text
							if in[j+1].kind == tokBracket {
								explicit = t.text[in[j+1].start:in[j+1].end]
							}
							j++
						}
						continue
					case "account":
						if j+1 < len(in) && in[j+1].kind == tokWord {
							setAuth(h, in[j+1].text)
							j++
						}
						continue
					case "verified":
						verified = true
						continue
					}
					switch {
					case hasPrefixFold(w, "helo="):
						explicit, hasExplicit = w[5:], true
						continue
					case hasPrefixFold(w, "ident="):
						if h.From.Ident == "" {
							h.From.Ident = w[6:]
						}
						continue
					}
					if ident, addr, ok := identIP(w); ok {
						if !bareIP.IsValid() {
							bareIP = addr
							barePort = strings.IndexByte(w, ':') > 0 && addr.Is4()
							if ident != "" && h.From.Ident == "" {
								h.From.Ident = ident
							}
						}
						sawIP = true
						continue
					}
					if !sawIP {
						words++
						before = u
					}
				case tokBracket:
					if a, ok := parseIP(u.text); ok {
						if !bracketIP.IsValid() {
							bracketIP = a
							if words > 0 || j > 0 && in[j-1].kind == tokWord {
								hasRDNSForm = true
							}
							if words == 1 {
								cand := before.text
								if k := strings.LastIndexByte(cand, '@'); k > 0 {
									if h.From.Ident == "" {
										h.From.Ident = cand[:k]
									}
									cand = cand[k+1:]
								}
								if !noName(cand) && isHostname(cand) {
									rdns = cand
								}
							}
						}
						sawIP = true
					}
				case tokQuoted:
					// zmailer: ([ip]:port "EHLO name" rhost-flags-...)
					q := u.text
					if hasPrefixFold(q, "EHLO ") || hasPrefixFold(q, "HELO ") {
						explicit, hasExplicit = strings.TrimSpace(q[5:]), true
					}
				}
			}
			// Exim 3: "rdns (helo) [ip]": a comment holding just a name.
			if !sawIP && len(in) == 1 && in[0].kind == tokWord && strings.IndexByte(in[0].text, '.') > 0 &&
				isHostname(in[0].text) && exim3Helo == "" {
				exim3Helo = in[0].text
			}
			// "(user@host)" with no address: ident only.
			if !sawIP && len(in) == 1 && in[0].kind == tokWord {
				if k := strings.LastIndexByte(in[0].text, '@'); k > 0 && h.From.Ident == "" && isHostname(in[0].text[k+1:]) {
					h.From.Ident = in[0].text[:k]
				}
			}
		}
	}

	// The address: a bracketed one in a comment is what the receiver saw.
	ip := bracketIP
	if !ip.IsValid() {
		ip = bareIP
	}
	if !ip.IsValid() {
		ip = topIP
	}
	nameIsIP := nameIP.IsValid()
	if !ip.IsValid() && nameIsIP {
		ip = nameIP
	}
	h.From.IP = ip

	nameText := ""
	if hasName {
		nameText = name.text
		if name.kind == tokBracket {
			nameText = base[name.start:name.end]
		}
	}
	switch {
	case !hasName:
		if hasExplicit {
			h.From.HELO = explicit
		}
		h.From.RDNS = rdns
	case name.kind == tokBracket:
		// An address literal as HELO; the IP may be the same literal.
		h.From.HELO = nameText
		if hasExplicit {
			h.From.HELO = explicit
		}
		h.From.RDNS = rdns
	case nameIsIP:
		// "from 1.2.3.4 by ..." names the client by its address only;
		// with another address present, the name was the HELO.
		switch {
		case hasExplicit:
			h.From.HELO = explicit
		case ip != nameIP || bracketIP.IsValid() || bareIP.IsValid():
			h.From.HELO = nameText
		}
		h.From.RDNS = rdns
	case hasExplicit:
		h.From.HELO = explicit
		h.From.RDNS = rdns
		if rdns == "" && !hasRDNSForm && !noName(nameText) && isHostname(nameText) {
			h.From.RDNS = nameText
		}
	case hasRDNSForm:
		h.From.HELO = nameText
		h.From.RDNS = rdns
	case bracketIP.IsValid():
		// "name ([ip])": Exim shows the verified name once when it equals
		// the HELO; CommuniGate marks it "verified". Others show the HELO.
		h.From.HELO = nameText
		if (p.exim || verified) && !noName(nameText) && isHostname(nameText) {
			h.From.RDNS = nameText
		}
	case exim3Helo != "" && (topIP.IsValid() || bareIP.IsValid()):
		h.From.RDNS = nameText
		h.From.HELO = exim3Helo
	case bareIP.IsValid():
		// qmail "rdns (ip)", where the HELO equalled the name; Microsoft
		// and XMail "helo (ip)"; obtuse smtpd "rdns(ip)" without HELO.
		switch {
		case attached:
			h.From.RDNS = nameText
		case barePort || p.microsoft || strings.IndexByte(nameText, '.') < 0 || noName(nameText) || !isHostname(nameText):
			h.From.HELO = nameText
		default:
			h.From.HELO = nameText
			h.From.RDNS = nameText
		}
	default:
		h.From.HELO = nameText
	}
	if noName(h.From.RDNS) {
		h.From.RDNS = ""
	}
	if equalFold(h.From.HELO, "unknown") && !hasExplicit {
		h.From.HELO = ""
	}
	_ = top
}

// identIP reads "1.2.3.4", "ident@1.2.3.4" or "1.2.3.4:port".
func identIP(w string) (ident string, a netip.Addr, ok bool) {
	if k := strings.LastIndexByte(w, '@'); k > 0 {
		ident, w = w[:k], w[k+1:]
	}
	a, ok = parseIP(w)
	return ident, a, ok
}
