package dmarc

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Policy is a requested handling policy, the p= and sp= tags (RFC 7489 §6.3).
type Policy string

// The policies RFC 7489 defines.
const (
	PolicyNone       Policy = "none"
	PolicyQuarantine Policy = "quarantine"
	PolicyReject     Policy = "reject"
)

// Alignment is an identifier alignment mode, the adkim= and aspf= tags
// (RFC 7489 §3.1).
type Alignment string

// The alignment modes.
const (
	AlignRelaxed Alignment = "r" // organizational domains must match
	AlignStrict  Alignment = "s" // domains must be identical
)

// Errors from ParseRecord.
var (
	// ErrNotDMARC means the text does not start with a v=DMARC1 tag, so it
	// is not a DMARC record and policy discovery discards it (RFC 7489
	// §6.6.3 step 2).
	ErrNotDMARC = errors.New("dmarc: not a DMARC record")
	// ErrNoPolicy means the record has no valid p= (or has an invalid sp=)
	// and no valid rua= to fall back on, so no DMARC processing applies
	// (RFC 7489 §6.6.3 step 6.2).
	ErrNoPolicy = errors.New("dmarc: record has no valid policy")
)

// Record is a parsed DMARC policy record (RFC 7489 §6.3).
//
// Parsing follows §6.3 and §6.6.3: tag names and keyword values are
// case-insensitive, white space around tags is ignored, unknown tags are
// ignored, and a bad value of an optional tag (pct, adkim, aspf, fo) is
// replaced by its default.
type Record struct {
	// Version is the v= value as written ("DMARC1").
	Version string `json:"version"`
	// Policy is p=, or "none" when p= is missing or invalid but rua= holds
	// a valid URI (then PolicyImplied is true).
	Policy Policy `json:"policy"`
	// PolicyImplied is true when Policy was not published but inferred as
	// "none" by RFC 7489 §6.6.3 step 6.1.
	PolicyImplied bool `json:"policy_implied,omitempty"`
	// SubdomainPolicy is sp=, or Policy when absent.
	SubdomainPolicy Policy `json:"subdomain_policy"`
	// Percent is pct=, 0 to 100; 100 when absent or invalid.
	Percent int       `json:"pct"`
	ADKIM   Alignment `json:"adkim"` // adkim=, "r" when absent or invalid
	ASPF    Alignment `json:"aspf"`  // aspf=, "r" when absent or invalid
	// RUA and RUF are the aggregate and failure report URIs, as written.
	RUA []string `json:"rua,omitempty"`
	RUF []string `json:"ruf,omitempty"`
	// FO is fo=, the failure reporting options, "0" when absent.
	FO string `json:"fo"`
	// Raw is the record text as published.
	Raw string `json:"raw"`
}

// IsRecord reports whether txt starts with a v=DMARC1 tag (case and white
// space aside), which is what policy discovery keeps (RFC 7489 §6.6.3).
func IsRecord(txt string) bool {
	first, _, _ := strings.Cut(txt, ";")
	name, value, ok := strings.Cut(first, "=")
	return ok && strings.EqualFold(strings.TrimSpace(name), "v") &&
		strings.EqualFold(strings.TrimSpace(value), "DMARC1")
}

// ParseRecord parses a DMARC TXT record. It returns ErrNotDMARC (wrapped)
// if txt does not start with v=DMARC1, and ErrNoPolicy (wrapped, with the
// partly parsed Record) if there is no usable policy. It runs in time
// linear in len(txt) and never panics.
func ParseRecord(txt string) (*Record, error) {
	if !IsRecord(txt) {
		return nil, fmt.Errorf("%w: %.40q", ErrNotDMARC, txt)
	}
	r := &Record{Percent: 100, ADKIM: AlignRelaxed, ASPF: AlignRelaxed, FO: "0", Raw: txt}
	var pOK, spBad, spSet bool
	var pValue string
	seen := map[string]bool{}
	for i, spec := range strings.Split(txt, ";") {
		name, value, ok := strings.Cut(spec, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		value = strings.TrimSpace(value)
		if !ok || name == "" || seen[name] {
			continue // §6.3: syntax errors past v= are ignored; the first tag wins
		}
		seen[name] = true
		switch name {
		case "v":
			if i == 0 {
				r.Version = value
			}
		case "p":
			pValue = value
			r.Policy, pOK = parsePolicy(value)
		case "sp":
			spSet = true
			r.SubdomainPolicy, ok = parsePolicy(value)
			spBad = !ok
		case "pct":
			if n, ok := parsePercent(value); ok {
				r.Percent = n
			}
		case "adkim":
			if a, ok := parseAlignment(value); ok {
				r.ADKIM = a
			}
		case "aspf":
			if a, ok := parseAlignment(value); ok {
				r.ASPF = a
			}
		case "rua":
			r.RUA = splitURIs(value)
		case "ruf":
			r.RUF = splitURIs(value)
		case "fo":
			if value != "" {
				r.FO = value
			}
		}
	}
	if !pOK || spBad {
		if !hasValidURI(r.RUA) {
			switch {
			case !seen["p"]:
				return r, fmt.Errorf("%w: no p= tag", ErrNoPolicy)
			case !pOK:
				return r, fmt.Errorf("%w: p=%.20q", ErrNoPolicy, pValue)
			default:
				return r, fmt.Errorf("%w: invalid sp=", ErrNoPolicy)
			}
		}
		// §6.6.3 step 6.1: act as if the record were "v=DMARC1; p=none".
		r.Policy, r.SubdomainPolicy, r.PolicyImplied = PolicyNone, PolicyNone, true
		return r, nil
	}
	if !spSet {
		r.SubdomainPolicy = r.Policy
	}
	return r, nil
}

func parsePolicy(s string) (Policy, bool) {
	switch p := Policy(strings.ToLower(s)); p {
	case PolicyNone, PolicyQuarantine, PolicyReject:
		return p, true
	}
	return "", false
}

func parseAlignment(s string) (Alignment, bool) {
	switch a := Alignment(strings.ToLower(s)); a {
	case AlignRelaxed, AlignStrict:
		return a, true
	}
	return "", false
}

// parsePercent reads 1 to 3 digits with a value of at most 100.
func parsePercent(s string) (int, bool) {
	if s == "" || len(s) > 3 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, n <= 100
}

func splitURIs(s string) []string {
	var out []string
	for _, u := range strings.Split(s, ",") {
		if u = strings.TrimSpace(u); u != "" {
			out = append(out, u)
		}
	}
	return out
}

// hasValidURI reports whether one of the DMARC URIs (RFC 7489 §6.2: a URI
// with an optional "!size" suffix) is syntactically valid: it parses and
// has a scheme and something after it.
func hasValidURI(uris []string) bool {
	for _, s := range uris {
		if i := strings.LastIndexByte(s, '!'); i >= 0 {
			s = s[:i]
		}
		u, err := url.Parse(s)
		if err == nil && u.Scheme != "" && (u.Opaque != "" || u.Host != "") {
			return true
		}
	}
	return false
}
