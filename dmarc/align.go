package dmarc

import (
	"strings"

	"golang.org/x/net/publicsuffix"
)

// OrganizationalDomain returns the organizational domain of domain
// (RFC 7489 §3.2): its public suffix plus one label. Only the ICANN section
// of the public suffix list counts (RFC 7489 erratum 6485; mox does the
// same), so private suffixes such as github.io or blogspot.com do not make
// separate organizations: the organizational domain of foo.github.io is
// github.io. A domain that is itself a public suffix is its own
// organizational domain. The result is lower case, without a final dot.
func OrganizationalDomain(domain string) string {
	d := normalize(domain)
	if d == "" {
		return ""
	}
	suffix := icannSuffix(d)
	if len(suffix) >= len(d) {
		return d
	}
	rest := d[:len(d)-len(suffix)-1] // the labels before the suffix, without the dot
	if i := strings.LastIndexByte(rest, '.'); i >= 0 {
		rest = rest[i+1:]
	}
	return rest + "." + suffix
}

// icannSuffix returns the longest public suffix of d under an ICANN rule,
// or d's last label by the default "*" rule. publicsuffix.PublicSuffix
// also applies private rules; when it does (icann false), ask again for
// the name under the private suffix, which only ICANN rules or the default
// rule can match more shortly.
func icannSuffix(d string) string {
	s, icann := publicsuffix.PublicSuffix(d)
	for !icann {
		i := strings.IndexByte(s, '.')
		if i < 0 {
			break // the default rule: the last label
		}
		s, icann = publicsuffix.PublicSuffix(s[i+1:])
	}
	return s
}

// normalize lowers domain and drops one final dot so that comparisons and
// public suffix rules work; it returns "" for a name that cannot be a
// domain. U-labels are kept as given (converting them needs golang.org/x/text,
// which mailprov does not depend on), so an internationalized From domain
// aligns only with the same U-label form.
func normalize(domain string) string {
	d := strings.ToLower(strings.TrimSpace(domain))
	d = strings.TrimSuffix(d, ".")
	if d == "" || strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") || strings.Contains(d, "..") {
		return ""
	}
	for i := 0; i < len(d); i++ {
		switch c := d[i]; {
		case c <= ' ', c == '@', c == '<', c == '>', c == ';', c == '"', c == '\\', c == ',', c == 0x7f:
			return ""
		}
	}
	return d
}

// Aligned reports whether domain is aligned with the From domain under mode
// (RFC 7489 §3.1): identical for strict; the same organizational domain for
// relaxed (any other mode is taken as relaxed, the default).
func Aligned(domain, fromDomain string, mode Alignment) bool {
	d, f := normalize(domain), normalize(fromDomain)
	if d == "" || f == "" {
		return false
	}
	if d == f {
		return true
	}
	if mode == AlignStrict {
		return false
	}
	return OrganizationalDomain(d) == OrganizationalDomain(f)
}
