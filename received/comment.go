package received

import (
	"net/netip"
	"strings"
)

// comment reads a top-level comment for data that MTAs put in comments
// wherever they like: TLS parameters, authentication, the envelope
// sender, the MTA's name, qmail's invocation note.
func (p *parser) comment(c string) {
	h := &p.h
	c = strings.TrimSpace(c)
	if c == "" {
		return
	}
	switch {
	case hasPrefixFold(c, "Exim "):
		p.exim = true
		if h.Software == "" {
			h.Software = collapse(c)
		}
		return
	case hasPrefixFold(c, "qmail "):
		// qmail: "(qmail 1234 invoked by uid 0)",
		// "(qmail 1 invoked from network[1.2.3.4/host.example])".
		h.Software = "qmail"
		if k := strings.Index(c, "network["); k >= 0 {
			rest := c[k+len("network["):]
			if e := strings.IndexByte(rest, ']'); e >= 0 {
				rest = rest[:e]
				name := ""
				if s := strings.IndexByte(rest, '/'); s >= 0 {
					rest, name = rest[:s], rest[s+1:]
				}
				if ip, ok := parseIP(rest); ok && !h.From.IP.IsValid() {
					h.From.IP = ip
					if isHostname(name) {
						h.From.RDNS = name
					}
				}
			}
		}
		return
	case hasPrefixFold(c, "using "):
		// Postfix: "using TLSv1.2 with cipher X (256/256 bits)".
		p.postfixTLS(c)
		return
	case hasPrefixFold(c, "via "):
		if h.Via == "" {
			h.Via = collapse(strings.TrimSpace(c[4:]))
		}
		return
	}
	if isTLSComment(c) {
		p.tlsComment(c)
		return
	}
	// Word-level scan of the comment.
	var buf [24]token
	lx := newLexer(c)
	ts := lx.lex(buf[:0])
	for i := 0; i < len(ts); i++ {
		t := ts[i]
		if t.kind != tokWord {
			continue
		}
		w := t.text
		next := func() (token, bool) {
			if i+1 < len(ts) {
				return ts[i+1], true
			}
			return token{}, false
		}
		var kb keyBuf
		switch string(foldKey(&kb, w)) {
		case "envelope-from", "envelope-sender", "return-path", "envelope-from:":
			if n, ok := next(); ok && (n.kind == tokAngle || n.kind == tokWord) && h.EnvelopeFrom == "" {
				h.EnvelopeFrom = n.text
				i++
			}
		case "authenticated":
			h.Authenticated = true
			if n, ok := next(); ok && n.kind == tokWord {
				switch {
				case equalFold(n.text, "as") && i+2 < len(ts):
					setAuth(h, ts[i+2].text)
				case equalFold(n.text, "sender:") && i+2 < len(ts):
					setAuth(h, ts[i+2].text)
				case equalFold(n.text, "user") && i+2 < len(ts):
					setAuth(h, ts[i+2].text)
				}
			}
		case "auth:":
			// Courier / CommuniGate: "AUTH: LOGIN user, TLS: ..."
			h.Authenticated = true
			if i+2 < len(ts) && ts[i+2].kind == tokWord {
				setAuth(h, ts[i+2].text)
			}
		case "ssl:", "tls:":
			if n, ok := next(); ok && n.kind == tokWord {
				p.courierTLS(n.text)
			}
		}
	}
}

func setAuth(h *Hop, id string) {
	h.Authenticated = true
	if h.Auth == "" {
		h.Auth = id
	}
}

// isTLSComment reports whether c is one of the TLS comment forms:
// "version=... cipher=...", Exim's "TLS1.2:CIPHER:256", OpenSMTPD's
// "TLSv1.3:CIPHER:256:NO", or a bare version ("TLS1.3", "TLS", "TLS12").
func isTLSComment(c string) bool {
	if hasPrefixFold(c, "version=") || strings.Contains(c, "cipher=") {
		return true
	}
	if hasPrefixFold(c, "TLS") || hasPrefixFold(c, "SSL") {
		if strings.IndexByte(c, ':') > 0 && !strings.ContainsAny(c, " \t\n") {
			return true
		}
		return !strings.ContainsAny(c, " \t\n:") && len(c) <= 12
	}
	return false
}

func (p *parser) tlsComment(c string) {
	t := p.h.tls()
	if strings.Contains(c, "=") {
		// Sendmail, Gmail, Microsoft: "version=TLS1_2, cipher=X bits=128/128".
		var buf [12]token
		lx := newLexer(c)
		for _, w := range lx.lex(buf[:0]) {
			if w.kind != tokWord {
				continue
			}
			k, v, ok := strings.Cut(w.text, "=")
			if !ok {
				continue
			}
			switch strings.ToLower(k) {
			case "version":
				t.Version = normVersion(v)
			case "cipher":
				t.Cipher = v
			case "bits":
				if s, _, _ := strings.Cut(v, "/"); s != "" {
					t.Bits, _ = atoi(s)
				}
			}
		}
		return
	}
	if strings.IndexByte(c, ':') > 0 {
		// Exim / OpenSMTPD: "TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256".
		v, rest, _ := strings.Cut(c, ":")
		t.Version = normVersion(v)
		cipher, bits, _ := strings.Cut(rest, ":")
		t.Cipher = cipher
		bits, _, _ = strings.Cut(bits, ":")
		t.Bits, _ = atoi(bits)
		return
	}
	t.Version = normVersion(c)
}

// postfixTLS reads "using TLSv1.3 with cipher X (256/256 bits) ...".
func (p *parser) postfixTLS(c string) {
	t := p.h.tls()
	var buf [16]token
	lx := newLexer(c)
	ts := lx.lex(buf[:0])
	for i, w := range ts {
		switch {
		case i == 1 && w.kind == tokWord:
			t.Version = normVersion(w.text)
		case w.kind == tokWord && equalFold(w.text, "cipher") && i+1 < len(ts) && t.Cipher == "":
			t.Cipher = ts[i+1].text
		case w.kind == tokComment && t.Bits == 0 && strings.HasSuffix(w.text, "bits"):
			s, _, _ := strings.Cut(w.text, "/")
			t.Bits, _ = atoi(strings.TrimSpace(strings.TrimSuffix(s, "bits")))
		}
	}
}

// courierTLS reads "TLSv1/SSLv3,128bits,RC4-MD5".
func (p *parser) courierTLS(s string) {
	t := p.h.tls()
	v, rest, _ := strings.Cut(s, ",")
	t.Version = normVersion(v)
	bits, cipher, _ := strings.Cut(rest, ",")
	t.Bits, _ = atoi(strings.TrimSuffix(bits, "bits"))
	t.Cipher = cipher
}

// normVersion maps the TLS version spellings MTAs write onto one form.
func normVersion(v string) string {
	v = strings.TrimSpace(v)
	if !hasPrefixFold(v, "TLS") {
		return v
	}
	r := v[3:]
	r = strings.TrimLeft(r, "vV-_ ")
	switch r {
	case "":
		return ""
	case "1", "1.0", "1_0", "10":
		return "TLSv1.0"
	case "1.1", "1_1", "11":
		return "TLSv1.1"
	case "1.2", "1_2", "12":
		return "TLSv1.2"
	case "1.3", "1_3", "13":
		return "TLSv1.3"
	}
	return v
}

// isIPText reports whether s is an address, with or without brackets.
func isIPText(s string) bool {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimSuffix(s, "]"), "[")
	_, ok := parseIP(s)
	return ok
}

// parseIP reads an address as MTAs write it: "1.2.3.4", "IPv6:2001:db8::1",
// "::ffff:1.2.3.4" (unmapped), with a port glued on ("1.2.3.4:25",
// "1.2.3.4.25") or a zone ("fe80::1%3").
func parseIP(s string) (netip.Addr, bool) {
	if len(s) < 2 || len(s) > 64 {
		return netip.Addr{}, false
	}
	if hasPrefixFold(s, "IPv6:") {
		s = s[5:]
	}
	if !ipChars(s) {
		return netip.Addr{}, false // cheap reject: no error value built
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	// IPv4 with a port: "1.2.3.4:5678" or "1.2.3.4.5678".
	if k := strings.LastIndexByte(s, ':'); k > 0 && strings.Count(s, ":") == 1 {
		if _, ok := atoi(s[k+1:]); ok {
			if a, err := netip.ParseAddr(s[:k]); err == nil && a.Is4() {
				return a, true
			}
		}
	}
	if strings.Count(s, ".") == 4 {
		k := strings.LastIndexByte(s, '.')
		if _, ok := atoi(s[k+1:]); ok {
			if a, err := netip.ParseAddr(s[:k]); err == nil && a.Is4() {
				return a, true
			}
		}
	}
	return netip.Addr{}, false
}

// isHostname accepts a plausible host name: letters, digits, '-', '_', '.',
// with at least one letter.
func isHostname(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	letter := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			letter = true
		case c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return letter
}

// noName reports whether an MTA wrote a placeholder instead of a name.
func noName(s string) bool {
	return equalFold(s, "unknown") || equalFold(s, "softdnserr") || s == ""
}

// ipChars reports whether s holds only what an address (with a port or
// zone) can: hex digits, '.', ':', and anything after a '%'.
func ipChars(s string) bool {
	sep := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			return sep && i > 0
		case c == '.' || c == ':':
			sep = true
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
		default:
			return false
		}
	}
	return sep
}
