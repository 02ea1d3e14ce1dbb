package headers

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// Names of the signature fields ParseSignature understands.
const (
	FieldDKIMSignature        = "DKIM-Signature"
	FieldGoogleDKIMSignature  = "X-Google-DKIM-Signature"
	FieldARCMessageSignature  = "ARC-Message-Signature"
	FieldARCSeal              = "ARC-Seal"
	FieldAuthenticationResult = "Authentication-Results"
	FieldARCAuthResults       = "ARC-Authentication-Results"
)

// Signature is a parsed DKIM-Signature (RFC 6376 §3.5), ARC-Message-Signature
// or ARC-Seal (RFC 8617 §4.1), or Google's X-Google-DKIM-Signature, which
// has the DKIM syntax but is not a standard field.
//
// Parsing is syntactic: values are typed, but whether required tags are
// present or the algorithm is supported is for the verifier to judge.
type Signature struct {
	// Field is the header field name the signature came from, canonical case.
	Field string `json:"field"`
	// NonStandard is true for X-Google-DKIM-Signature and other fields that
	// use the DKIM syntax without being defined by an RFC.
	NonStandard bool `json:"non_standard,omitempty"`

	Version   string `json:"version,omitempty"`   // v=
	Algorithm string `json:"algorithm,omitempty"` // a=, e.g. "rsa-sha256"
	// HeaderCanon and BodyCanon come from c= ("simple" when absent; a
	// missing body part is "simple" too).
	HeaderCanon string   `json:"header_canonicalization,omitempty"`
	BodyCanon   string   `json:"body_canonicalization,omitempty"`
	Domain      string   `json:"domain,omitempty"`   // d=
	Selector    string   `json:"selector,omitempty"` // s=
	Identity    string   `json:"identity,omitempty"` // i= (DKIM only)
	Headers     []string `json:"headers,omitempty"`  // h=, as written, in order
	// BodyHashRaw and SignatureRaw are bh= and b= exactly as written.
	BodyHashRaw  string `json:"bh,omitempty"`
	SignatureRaw string `json:"b,omitempty"`
	// BodyHash and Sig are the decoded bh= and b=.
	BodyHash []byte `json:"-"`
	Sig      []byte `json:"-"`
	// Timestamp (t=) and Expiration (x=) are zero when absent.
	Timestamp  time.Time `json:"timestamp,omitzero"`
	Expiration time.Time `json:"expiration,omitzero"`
	// Length is l=, the number of body octets signed, or nil when absent.
	Length       *int64 `json:"length,omitempty"`
	QueryMethods string `json:"query_methods,omitempty"`  // q=
	CopiedFields string `json:"copied_headers,omitempty"` // z=
	// Instance is the ARC i= (1..50); 0 for DKIM.
	Instance int `json:"instance,omitempty"`
	// ChainValidation is the ARC-Seal cv= ("none", "pass", "fail").
	ChainValidation string `json:"cv,omitempty"`
	// Tags are all tags in order, including unknown ones.
	Tags []Tag `json:"tags"`
	// Raw is the field value as written.
	Raw string `json:"-"`
}

// Canonicalization returns c= in its full "header/body" form.
func (s *Signature) Canonicalization() string {
	// The common pairs without building a string.
	switch {
	case s.HeaderCanon == "relaxed" && s.BodyCanon == "relaxed":
		return "relaxed/relaxed"
	case s.HeaderCanon == "relaxed" && s.BodyCanon == "simple":
		return "relaxed/simple"
	case s.HeaderCanon == "simple" && s.BodyCanon == "simple":
		return "simple/simple"
	case s.HeaderCanon == "simple" && s.BodyCanon == "relaxed":
		return "simple/relaxed"
	}
	return s.HeaderCanon + "/" + s.BodyCanon
}

// Tag returns the value of the tag named name and whether it is present.
func (s *Signature) Tag(name string) (string, bool) {
	for _, t := range s.Tags {
		if t.Name == name {
			return t.Value, true
		}
	}
	return "", false
}

// IsARC reports whether the signature is an ARC-Seal or ARC-Message-Signature.
func (s *Signature) IsARC() bool {
	return s.Field == FieldARCSeal || s.Field == FieldARCMessageSignature
}

// ParseSignature parses the value of a signature field. fieldName selects
// the flavour (ARC i= is an instance number; DKIM i= is an identity); an
// unknown name is treated as a non-standard DKIM-style signature.
//
// It always returns a Signature holding what could be read. The error, if
// any, is a *TagError for the first problem: malformed tag list, duplicate
// tag, bad base64, bad number.
func ParseSignature(fieldName, value string) (*Signature, error) {
	block := new(sigBlock)
	s := &block.sig
	// Field by field: block is zero, and a copy of a whole Signature
	// would cost a write barrier per pointer while the GC runs.
	s.Field, s.Raw = canonicalSigField(fieldName), value
	s.HeaderCanon, s.BodyCanon = "simple", "simple"
	switch s.Field {
	case FieldDKIMSignature, FieldARCMessageSignature, FieldARCSeal:
	default:
		s.NonStandard = true
	}
	tags, firstErr := parseTagList(value, block.tags[:0])
	s.Tags = tags
	setErr := func(tag string, err error) {
		if firstErr == nil {
			firstErr = &TagError{Tag: tag, Err: err}
		}
	}
	// b= and bh= are decoded into the block, or into one allocation when
	// they may need more room (n counts their folding white space too).
	var dec []byte
	if n := decodedLen(tags, "b") + decodedLen(tags, "bh"); n > len(block.dec) {
		dec = make([]byte, 0, n)
	} else if n > 0 {
		dec = block.dec[:0:n]
	}
	for _, t := range tags {
		v := t.Value
		switch t.Name {
		case "v":
			s.Version = v
		case "a":
			s.Algorithm = strings.ToLower(v)
		case "c":
			h, b, _ := strings.Cut(strings.ToLower(v), "/")
			if h == "" {
				setErr("c", fmt.Errorf("%w: canonicalization %q", ErrTagSyntax, v))
			}
			s.HeaderCanon = h
			if b != "" {
				s.BodyCanon = b
			}
		case "d":
			s.Domain = v
		case "s":
			s.Selector = v
		case "i":
			if s.IsARC() {
				n, ok := parseDigits(v, 9, false)
				if !ok {
					setErr("i", fmt.Errorf("%w: instance %q is not a number", ErrTagSyntax, v))
				}
				s.Instance = int(n)
			} else {
				s.Identity = v
			}
		case "h":
			s.Headers = splitHeaderNames(v, block.headers[:0])
		case "bh":
			s.BodyHashRaw = v
			var ok bool
			if s.BodyHash, dec, ok = decodeBase64(dec, v); !ok {
				setErr("bh", fmt.Errorf("%w: bad base64", ErrTagSyntax))
			}
		case "b":
			s.SignatureRaw = v
			var ok bool
			if s.Sig, dec, ok = decodeBase64(dec, v); !ok {
				setErr("b", fmt.Errorf("%w: bad base64", ErrTagSyntax))
			}
		case "t", "x":
			n, err := parseUnixTime(v)
			if err != nil {
				setErr(t.Name, err)
				continue
			}
			if t.Name == "t" {
				s.Timestamp = n
			} else {
				s.Expiration = n
			}
		case "l":
			n, ok := parseDigits(v, 18, true)
			if !ok {
				setErr("l", fmt.Errorf("%w: body length %q", ErrTagSyntax, v))
				continue
			}
			s.Length = &n
		case "q":
			s.QueryMethods = v
		case "z":
			s.CopiedFields = v
		case "cv":
			s.ChainValidation = strings.ToLower(v)
		}
	}
	return s, firstErr
}

// decodedLen is an upper bound on the bytes the base64 value of tag name
// decodes to, 0 if there is no such tag.
func decodedLen(tags []Tag, name string) int {
	for _, t := range tags {
		if t.Name == name {
			return base64.StdEncoding.DecodedLen(len(t.Value))
		}
	}
	return 0
}

// sigBlock is a Signature with room for the tags, h= names and decoded
// b= and bh= of a common signature (rsa-sha256 with a 2048-bit key, a
// dozen tags, h= of up to 18 names), so that ParseSignature allocates
// once; a larger signature takes more. The allocator's cost is about its
// bytes, so the block is not made larger to fit more: 1408 bytes against
// about 1300 for the same signature in four allocations.
type sigBlock struct {
	sig     Signature
	tags    [12]Tag
	headers [18]string
	dec     [320]byte
}

// maxHeadersPrealloc bounds the h= names ParseSignature makes room for up
// front.
const maxHeadersPrealloc = 64

// decodeBase64 decodes the b= or bh= value v (base64 with folding white
// space anywhere; see appendBase64), appending the result to dst, which is
// not reallocated when it has room. It returns the result, with its
// capacity clipped, or nil when v is not base64; and dst with the result
// appended.
func decodeBase64(dst []byte, v string) (out, grown []byte, ok bool) {
	start := len(dst)
	if dst, ok = appendBase64(dst, v); !ok {
		return nil, dst, false
	}
	return dst[start:len(dst):len(dst)], dst, true
}

// splitHeaderNames splits the h= value v at its colons, with the folding
// white space around each name removed and empty names dropped. The names
// go in buf when they fit.
func splitHeaderNames(v string, buf []string) []string {
	var names []string
	for rest := v; rest != ""; {
		h := rest
		if i := strings.IndexByte(rest, ':'); i >= 0 {
			h, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		if h = trimFWS(h); h != "" {
			if names == nil {
				names = buf
				if n := strings.Count(rest, ":") + 2; n > cap(buf) {
					names = make([]string, 0, min(n, maxHeadersPrealloc))
				}
			}
			names = append(names, h)
		}
	}
	return names
}

// parseUnixTime reads a DKIM time value: up to 12 decimal digits of seconds
// since the epoch, folding white space around and between them ignored.
func parseUnixTime(v string) (time.Time, error) {
	n, ok := parseDigits(v, 12, true)
	if !ok {
		return time.Time{}, fmt.Errorf("%w: time %q", ErrTagSyntax, v)
	}
	return time.Unix(n, 0).UTC(), nil
}

// parseDigits reads 1 to max decimal digits (no sign), skipping folding
// white space anywhere when fws is set; max must be at most 18 so the value
// fits in an int64.
func parseDigits(v string, max int, fws bool) (int64, bool) {
	var n int64
	digits := 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= '0' && c <= '9':
			if digits++; digits > max {
				return 0, false
			}
			n = n*10 + int64(c-'0')
		case fws && isFWS(c):
		default:
			return 0, false
		}
	}
	return n, digits > 0
}

func canonicalSigField(name string) string {
	switch {
	case strings.EqualFold(name, FieldDKIMSignature):
		return FieldDKIMSignature
	case strings.EqualFold(name, FieldGoogleDKIMSignature):
		return FieldGoogleDKIMSignature
	case strings.EqualFold(name, FieldARCMessageSignature):
		return FieldARCMessageSignature
	case strings.EqualFold(name, FieldARCSeal):
		return FieldARCSeal
	}
	return name
}
