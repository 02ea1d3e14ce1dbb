package spf

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mailprov/mailprov/dns"
)

// detailError is a sentinel with a detail for people, and the error that
// caused it, if any. Its text is "spf: <sentinel text>: <detail>"; a
// Result's Detail is the detail alone, as the Reason already says what
// the sentinel says.
type detailError struct {
	sentinel error
	detail   string
	cause    error
}

func (e *detailError) Error() string { return e.sentinel.Error() + ": " + e.detail }

func (e *detailError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.sentinel}
	}
	return []error{e.sentinel, e.cause}
}

// wrap returns an error wrapping sentinel with a detail.
func wrap(sentinel error, format string, args ...any) error {
	return &detailError{sentinel: sentinel, detail: fmt.Sprintf(format, args...)}
}

// wrapCause returns an error wrapping sentinel and cause, with the
// cause's detail: for a DNS failure, what failed and why
// ("example.org TXT: no DNS server answered (connection refused)").
func wrapCause(sentinel, cause error) error {
	return &detailError{sentinel: sentinel, detail: detailOf(cause), cause: cause}
}

// detailOf is the sentence for people an error carries, without the words
// of its sentinel or Reason: the detail of a wrap, the DNS failure of a
// *dns.Error, where a *SyntaxError is, or else the error's text.
func detailOf(err error) string {
	var (
		d  *detailError
		de *dns.Error
		se *SyntaxError
	)
	switch {
	case errors.As(err, &d):
		return d.detail
	case errors.As(err, &se):
		if se.Term == "" {
			return se.Msg
		}
		return fmt.Sprintf("term %q: %s", se.Term, se.Msg)
	case errors.As(err, &de):
		return de.Reason()
	}
	return strings.TrimPrefix(err.Error(), "spf: ")
}

// validLabels reports whether name (without a final dot) is at most 253
// octets of non-empty labels of at most 63 octets (RFC 1035 §2.3.4).
func validLabels(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	for label := range strings.SplitSeq(name, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
	}
	return true
}

// validInitialDomain is the RFC 7208 §4.3 check of <domain>: a
// multi-label domain name with valid labels, not an address literal. The
// final label must look like a top label, so "[1.2.3.4]" and "1.2.3.4" are
// rejected.
func validInitialDomain(domain string) bool {
	if !validLabels(domain) || strings.IndexByte(domain, '.') < 0 {
		return false
	}
	for i := 0; i < len(domain); i++ {
		if c := domain[i]; c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return isTopLabel(domain[strings.LastIndexByte(domain, '.')+1:])
}

// targetName turns a macro-expanded domain-spec into the name to query:
// the final dot removed, then left-hand labels removed until it is at most
// 253 octets (RFC 7208 §7.3). ok is false when the result is not a valid
// domain name (an empty label, a label over 63 octets), which the caller
// treats as a name that does not exist.
func targetName(expanded string) (name string, ok bool) {
	name = strings.TrimSuffix(expanded, ".")
	for len(name) > 253 {
		i := strings.IndexByte(name, '.')
		if i < 0 {
			return "", false
		}
		name = name[i+1:]
	}
	return name, validLabels(name)
}

// presentation escapes a name of raw octets into the presentation form
// miekg/dns uses on the wire side: "\X" for the characters it treats as
// special and "\DDD" for non-printable octets, so the question we send and
// the one echoed back compare equal.
func presentation(name string) string {
	clean := true
	for i := 0; i < len(name); i++ {
		if needsEscape(name[i]) {
			clean = false
			break
		}
	}
	if clean {
		return name
	}
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '.':
			b.WriteByte(c)
		case c < ' ' || c > '~':
			fmt.Fprintf(&b, "\\%03d", c)
		case needsEscape(c):
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func needsEscape(c byte) bool {
	switch c {
	case ' ', '\'', '@', ';', '(', ')', '"', '\\':
		return true
	}
	return c < ' ' || c > '~'
}

// sameOrSub reports whether name equals domain or is a subdomain of it,
// ignoring ASCII case and final dots.
func sameOrSub(name, domain string) bool {
	name = strings.TrimSuffix(name, ".")
	domain = strings.TrimSuffix(domain, ".")
	if len(name) < len(domain) {
		return false
	}
	if !strings.EqualFold(name[len(name)-len(domain):], domain) {
		return false
	}
	return len(name) == len(domain) || name[len(name)-len(domain)-1] == '.'
}
