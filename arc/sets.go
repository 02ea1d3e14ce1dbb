package arc

import (
	"fmt"
	"strings"

	"github.com/mailprov/mailprov/headers"
)

// MaxInstance is the largest ARC instance number (RFC 8617 §4.2.1).
const MaxInstance = 50

// arcSet is one ARC set as found in the message: the three fields of one
// instance and their parsed values.
type arcSet struct {
	instance int
	seal     headers.Field
	ams      headers.Field
	aar      headers.Field
	as       *headers.Signature
	sig      *headers.Signature // the AMS
	results  *headers.AuthResults
}

// chain is the ARC sets of a message, oldest (i=1) first, and the first
// structural problem found, if any.
type chain struct {
	sets []*arcSet
	err  error // wraps a structural sentinel; nil when well formed
}

// parseChain collects the ARC fields of fields and checks the structure of
// the sets (RFC 8617 §4.2, §5.2 steps 1-2): each instance 1..N has exactly
// one ARC-Seal, ARC-Message-Signature and ARC-Authentication-Results, with
// no gaps, N <= 50, and every field parses with the tags it must have.
// It returns a chain with no sets when the message has no ARC fields.
func parseChain(fields []headers.Field) *chain {
	c := &chain{}
	setErr := func(err error) {
		if c.err == nil {
			c.err = err
		}
	}
	type slot struct {
		seals, amss, aars []headers.Field
	}
	byInstance := map[int]*slot{}
	get := func(i int) *slot {
		s := byInstance[i]
		if s == nil {
			s = &slot{}
			byInstance[i] = s
		}
		return s
	}
	maxSeen := 0
	for _, f := range fields {
		var kind string
		switch {
		case strings.EqualFold(f.Name, headers.FieldARCSeal):
			kind = "seal"
		case strings.EqualFold(f.Name, headers.FieldARCMessageSignature):
			kind = "ams"
		case strings.EqualFold(f.Name, headers.FieldARCAuthResults):
			kind = "aar"
		default:
			continue
		}
		var i int
		var err error
		if kind == "aar" {
			i, err = aarInstance(f.Value)
		} else {
			i, err = sigInstance(f.Value)
		}
		if err != nil {
			setErr(fmt.Errorf("%w: %s: %w", ErrInstance, f.Name, err))
			continue
		}
		if i > maxSeen {
			maxSeen = i
		}
		s := get(i)
		switch kind {
		case "seal":
			s.seals = append(s.seals, f)
		case "ams":
			s.amss = append(s.amss, f)
		case "aar":
			s.aars = append(s.aars, f)
		}
	}
	if len(byInstance) == 0 && c.err == nil {
		return c
	}
	if maxSeen > MaxInstance {
		setErr(fmt.Errorf("%w: i=%d is over %d", ErrInstance, maxSeen, MaxInstance))
	}
	// Build the sets 1..N in order, even past a problem, so they can be
	// reported. N is capped so a hostile i= cannot make us allocate much.
	n := min(maxSeen, MaxInstance)
	for i := 1; i <= n; i++ {
		s := byInstance[i]
		if s == nil {
			setErr(fmt.Errorf("%w: no ARC set for i=%d of %d", ErrGap, i, maxSeen))
			c.sets = append(c.sets, &arcSet{instance: i}) // a placeholder keeps sets[i-1] at instance i
			continue
		}
		set := &arcSet{instance: i}
		for _, x := range []struct {
			name string
			fs   []headers.Field
			dst  *headers.Field
		}{
			{headers.FieldARCAuthResults, s.aars, &set.aar},
			{headers.FieldARCMessageSignature, s.amss, &set.ams},
			{headers.FieldARCSeal, s.seals, &set.seal},
		} {
			switch len(x.fs) {
			case 0:
				setErr(fmt.Errorf("%w: no %s for i=%d", ErrMissingField, x.name, i))
			case 1:
				*x.dst = x.fs[0]
			default:
				setErr(fmt.Errorf("%w: %d %s fields for i=%d", ErrDuplicate, len(x.fs), x.name, i))
				*x.dst = x.fs[0]
			}
		}
		if set.seal.Name != "" {
			as, err := parseSeal(set.seal.Value)
			set.as = as
			if err != nil {
				setErr(fmt.Errorf("ARC-Seal i=%d: %w", i, err))
			}
		}
		if set.ams.Name != "" {
			sig, err := parseAMS(set.ams.Value)
			set.sig = sig
			if err != nil {
				setErr(fmt.Errorf("ARC-Message-Signature i=%d: %w", i, err))
			}
		}
		if set.aar.Name != "" {
			// Only i= (already checked) must be right; the payload is the
			// intermediary's claims, reported as read.
			set.results, _ = headers.ParseARCAuthResults(set.aar.Value)
		}
		c.sets = append(c.sets, set)
	}
	return c
}

// sigInstance reads the i= tag of an ARC-Seal or ARC-Message-Signature.
func sigInstance(v string) (int, error) {
	tags, _ := headers.ParseTagList(v) // syntax is judged later, in parseSeal/parseAMS
	for _, t := range tags {
		if t.Name == "i" {
			return instanceNumber(t.Value)
		}
	}
	return 0, fmt.Errorf("no i= tag")
}

// aarInstance reads the "i=N;" that must start an ARC-Authentication-Results
// value (RFC 8617 §4.1.1): optional white space, "i", "=", a number, ";".
// Anything else there (the authserv-id first, no ";") is an error.
func aarInstance(v string) (int, error) {
	s := strings.TrimLeft(v, " \t\r\n")
	if !strings.HasPrefix(s, "i") {
		return 0, fmt.Errorf("value does not start with i=")
	}
	s = strings.TrimLeft(s[1:], " \t\r\n")
	if !strings.HasPrefix(s, "=") {
		return 0, fmt.Errorf("value does not start with i=")
	}
	num, _, ok := strings.Cut(s[1:], ";")
	if !ok {
		return 0, fmt.Errorf("no ';' after i=")
	}
	return instanceNumber(strings.Trim(num, " \t\r\n"))
}

// instanceNumber parses an instance number. Up to 9 digits are read so that
// "i=51" or "i=1000" is reported as out of range rather than as garbage.
func instanceNumber(v string) (int, error) {
	if v == "" || len(v) > 9 {
		return 0, fmt.Errorf("instance %.12q is not a number", v)
	}
	n := 0
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, fmt.Errorf("instance %.12q is not a number", v)
		}
		n = n*10 + int(v[i]-'0')
	}
	if n < 1 {
		return 0, fmt.Errorf("instance %d is below 1", n)
	}
	return n, nil
}

// parseSeal parses an ARC-Seal and checks its required tags (RFC 8617
// §4.1.3): a, b, cv, d, i, s; t optional; h= forbidden.
func parseSeal(v string) (*headers.Signature, error) {
	s, err := headers.ParseSignature(headers.FieldARCSeal, v)
	if err != nil {
		return s, fmt.Errorf("%w: %w", ErrSignatureSyntax, err)
	}
	if err := requireTags(s, "a", "b", "cv", "d", "s"); err != nil {
		return s, err
	}
	if err := checkNames(s); err != nil {
		return s, err
	}
	if _, ok := s.Tag("h"); ok {
		return s, fmt.Errorf("%w: ARC-Seal must not have h=", ErrSignatureSyntax)
	}
	switch s.ChainValidation {
	case "none", "pass", "fail":
	default:
		return s, fmt.Errorf("%w: cv=%.20q", ErrSignatureSyntax, s.ChainValidation)
	}
	return s, nil
}

// parseAMS parses an ARC-Message-Signature and checks its required tags
// (RFC 8617 §4.1.2): a, b, bh, d, h, i, s; c and t optional. h= must not
// name ARC-Seal.
func parseAMS(v string) (*headers.Signature, error) {
	s, err := headers.ParseSignature(headers.FieldARCMessageSignature, v)
	if err != nil {
		return s, fmt.Errorf("%w: %w", ErrSignatureSyntax, err)
	}
	if err := requireTags(s, "a", "b", "bh", "d", "h", "s"); err != nil {
		return s, err
	}
	if err := checkNames(s); err != nil {
		return s, err
	}
	for _, h := range s.Headers {
		if strings.EqualFold(h, headers.FieldARCSeal) {
			return s, fmt.Errorf("%w: h= names ARC-Seal", ErrSignatureSyntax)
		}
	}
	if _, ok := s.Tag("c"); !ok {
		// Without c=, DKIM would mean simple/simple. ARC sealers sign
		// relaxed/relaxed, and the ValiMail suite (ams_fields_c_na) and
		// dkimpy, ARC's reference implementation, read a missing c= so.
		s.HeaderCanon, s.BodyCanon = "relaxed", "relaxed"
	}
	for _, c := range []string{s.HeaderCanon, s.BodyCanon} {
		if c != "simple" && c != "relaxed" {
			return s, fmt.Errorf("%w: c=%.30q", ErrSignatureSyntax, s.Canonicalization())
		}
	}
	return s, nil
}

// checkNames checks that d= is a domain name and s= a selector: dot-separated
// non-empty labels of at most 63 bytes of letters, digits, "-" and "_" (or
// UTF-8, RFC 8616), so no malformed name is sent to DNS.
func checkNames(s *headers.Signature) error {
	for _, x := range []struct{ tag, v string }{{"d", s.Domain}, {"s", s.Selector}} {
		if !validName(strings.TrimSuffix(x.v, ".")) {
			return fmt.Errorf("%w: %s=%.40q is not a domain name", ErrSignatureSyntax, x.tag, x.v)
		}
	}
	return nil
}

func validName(v string) bool {
	if v == "" || len(v) > 253 {
		return false
	}
	for _, label := range strings.Split(v, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			switch c := label[i]; {
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c >= 0x80:
			default:
				return false
			}
		}
	}
	return true
}

// requireTags checks that each named tag is present and, except h=, not
// empty.
func requireTags(s *headers.Signature, names ...string) error {
	for _, n := range names {
		v, ok := s.Tag(n)
		if !ok {
			return fmt.Errorf("%w: %s=", ErrMissingTag, n)
		}
		if n != "h" && strings.Trim(v, " \t\r\n") == "" {
			return fmt.Errorf("%w: %s= is empty", ErrMissingTag, n)
		}
	}
	return nil
}
