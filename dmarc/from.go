package dmarc

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"strings"
)

// Errors from FromDomain.
var (
	// ErrMultipleFrom means the message has more than one From field, or
	// one From field with more than one address (RFC 7489 §6.6.1).
	ErrMultipleFrom = errors.New("dmarc: more than one From address")
	// ErrNoFromDomain means there is no From field, or its address has no
	// domain, or it cannot be parsed.
	ErrNoFromDomain = errors.New("dmarc: no From domain")
)

// FromDomain returns the RFC5322.From domain DMARC evaluates, lower case,
// from the values of a message's From fields (RFC 7489 §6.6.1). There must
// be exactly one From field holding exactly one address; otherwise it
// returns an error wrapping ErrMultipleFrom or ErrNoFromDomain.
//
// Encoded words in unknown charsets do not stop parsing. If net/mail cannot
// parse the field at all, a single <local@domain> angle address, or a bare
// local@domain, is still accepted, as receivers commonly do.
func FromDomain(fromFieldValues []string) (string, error) {
	switch len(fromFieldValues) {
	case 0:
		return "", fmt.Errorf("%w: no From field", ErrNoFromDomain)
	case 1:
	default:
		return "", fmt.Errorf("%w: %d From fields", ErrMultipleFrom, len(fromFieldValues))
	}
	v := strings.TrimSpace(unfold(fromFieldValues[0]))
	if v == "" {
		return "", fmt.Errorf("%w: empty From field", ErrNoFromDomain)
	}
	p := mail.AddressParser{WordDecoder: &mime.WordDecoder{
		CharsetReader: func(_ string, r io.Reader) (io.Reader, error) { return r, nil },
	}}
	var addr string
	if list, err := p.ParseList(v); err == nil {
		switch len(list) {
		case 0:
			return "", fmt.Errorf("%w: no address in From", ErrNoFromDomain)
		case 1:
			addr = list[0].Address
		default:
			return "", fmt.Errorf("%w: %d addresses in From", ErrMultipleFrom, len(list))
		}
	} else {
		a, err := looseAddress(v)
		if err != nil {
			return "", err
		}
		addr = a
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return "", fmt.Errorf("%w: address %.60q has no domain", ErrNoFromDomain, addr)
	}
	d := normalize(addr[at+1:])
	if d == "" || strings.HasPrefix(d, "[") {
		return "", fmt.Errorf("%w: bad domain in %.60q", ErrNoFromDomain, addr)
	}
	return d, nil
}

// looseAddress extracts the address from a From value net/mail rejected:
// the content of the only <...> pair, or the value itself when it is one
// word holding an "@".
func looseAddress(v string) (string, error) {
	if strings.Count(v, "<") > 1 {
		return "", fmt.Errorf("%w: several angle addresses in From", ErrMultipleFrom)
	}
	if i := strings.IndexByte(v, '<'); i >= 0 {
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			return "", fmt.Errorf("%w: unterminated angle address in From", ErrNoFromDomain)
		}
		return strings.TrimSpace(v[i+1 : i+j]), nil
	}
	if strings.ContainsAny(v, " \t,") || !strings.Contains(v, "@") {
		return "", fmt.Errorf("%w: cannot parse From %.60q", ErrNoFromDomain, v)
	}
	return v, nil
}

// unfold removes CR and LF so a folded field value parses as one line.
func unfold(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.NewReplacer("\r\n", "", "\r", "", "\n", "").Replace(s)
}
