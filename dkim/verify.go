package dkim

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"hash"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/mailprov/mailprov/dns"
	"github.com/mailprov/mailprov/headers"
)

// DefaultMinKeyBits is the smallest RSA key accepted when
// Verifier.MinKeyBits is zero (RFC 8301 §3.2).
const DefaultMinKeyBits = 1024

// DefaultMaxKeyBits is the largest RSA key accepted when
// Verifier.MaxKeyBits is zero. RFC 8301 §3.2 asks verifiers to handle
// 1024 to 4096 bits; the cost of a verification grows with the square of
// the key size (about 3 ms at 8192 bits, 0.2 s at 65536 bits, more for the
// largest key a TXT record can hold), so a bigger key published by a
// hostile domain is refused before any arithmetic. crypto/tls draws the
// same line for certificates.
const DefaultMaxKeyBits = 8192

// futureSkew is how far t= may lie after the time of verification before
// the signature is refused as coming from the future.
const futureSkew = 5 * time.Minute

// Verifier verifies DKIM signatures. Its zero value is not usable: set
// Resolver. A Verifier is safe for concurrent use if its Resolver is. It
// keeps parsed key records between calls (see Keys) and reuses its
// buffers, so it must not be copied after first use.
type Verifier struct {
	// Resolver looks up key records. Required.
	Resolver dns.Resolver
	// AsOf is the instant verification holds for: x= and t= are judged
	// against it. Zero means the current time.
	AsOf time.Time
	// MinKeyBits is the smallest RSA key accepted; zero means
	// DefaultMinKeyBits.
	MinKeyBits int
	// MaxKeyBits is the largest RSA key accepted; zero means
	// DefaultMaxKeyBits.
	MaxKeyBits int
	// Logger receives one debug line per signature verified; nil means
	// no logging.
	Logger *slog.Logger
	// Keys caches parsed key records; nil means a cache of the Verifier's
	// own. Verifiers made per message (say, each with its own AsOf) can
	// share one, so that a key is parsed once for all the messages it
	// signed.
	Keys *KeyCache

	keys KeyCache
	// runs keeps the state of finished Verify calls, *run, for the
	// buffers in it.
	runs sync.Pool
}

// Result is the outcome of verifying one signature. Its JSON form is part
// of mailprov's report.
type Result struct {
	Domain           string `json:"domain"`           // d=
	Selector         string `json:"selector"`         // s=
	Algorithm        string `json:"algorithm"`        // a=
	Canonicalization string `json:"canonicalization"` // c=, "header/body"
	// Status is never empty.
	Status Status `json:"result"`
	// Reason is empty only on pass.
	Reason Reason `json:"reason,omitempty"`
	// Detail is a sentence for people saying what was found.
	Detail string `json:"detail,omitempty"`
	// HeaderSignature and Body are the cryptographic checks of b= and bh=.
	HeaderSignature Check `json:"header_signature"`
	Body            Check `json:"body"`
	// BodySource says which body was hashed: "message" (the stored body)
	// or "rebuilt" (a Patchwork reconstruction); empty when none was.
	BodySource string `json:"body_source,omitempty"`
	// BodyCandidate is the label of the rebuilt body that matched bh=.
	BodyCandidate string `json:"body_candidate,omitempty"`
	// BodyReason is, for a Patchwork patch whose body no rebuilt body
	// proved, a stable code saying why: list_footer_unknown, list_footer,
	// git_version_unknown, content_changed, signature_cut, multipart,
	// not_text, charset, nothing_built, hash_limit (Warnings says it in a
	// sentence). Empty otherwise.
	BodyReason string `json:"body_reason,omitempty"`
	// KeyBits is the size of the key used, when one was found.
	KeyBits int `json:"key_bits,omitempty"`
	// Timestamp and Expiration are t= and x=, zero when absent.
	Timestamp  time.Time `json:"timestamp,omitzero"`
	Expiration time.Time `json:"expiration,omitzero"`
	// AsOf is the instant the result holds for.
	AsOf time.Time `json:"as_of"`
	// Testing is true when the key has t=y.
	Testing bool `json:"testing,omitempty"`
	// Respelled names the signed fields whose archived spelling was
	// replaced by a variant to make the header signature verify.
	Respelled []string `json:"respelled_headers,omitempty"`
	// Warnings are remarks that do not change Status.
	Warnings []string `json:"warnings,omitempty"`
	// Trace holds the DNS lookups the result rests on.
	Trace []dns.Lookup `json:"trace,omitempty"`
	// Err wraps the sentinel for Reason; nil on pass.
	Err error `json:"-"`
	// Signature is the parsed signature field (nil if the field could not
	// be read at all).
	Signature *headers.Signature `json:"-"`
}

// Authentic reports whether every DNS answer the result rests on was
// DNSSEC-validated (the AD bit). It says nothing about Status.
func (r Result) Authentic() bool {
	if len(r.Trace) == 0 {
		return false
	}
	for _, l := range r.Trace {
		if !l.Authentic {
			return false
		}
	}
	return true
}

func (r *Result) set(s Status, err error, detail string) {
	r.Status, r.Err, r.Reason, r.Detail = s, err, ReasonOf(err), detail
}

// Verify verifies every DKIM-Signature field of m, top-down, and returns one
// Result per field (none when m has no signature). m may be a full message
// (Body set), stored headers only, or a Patchwork patch; see the package
// documentation for how each is judged. The error is non-nil only when
// verification cannot start (no message, no Resolver).
func (v *Verifier) Verify(ctx context.Context, m *headers.Message) ([]Result, error) {
	if err := v.check(m); err != nil {
		return nil, err
	}
	st := v.newRun(m)
	var out []Result
	for _, f := range m.Fields {
		if asciiEqualFold(f.Name, headers.FieldDKIMSignature) {
			out = append(out, st.verify(ctx, f))
		}
	}
	v.release(st)
	return out, nil
}

// VerifyField verifies one signature field of m, which need not be a
// DKIM-Signature: X-Google-DKIM-Signature, say, has the same syntax.
func (v *Verifier) VerifyField(ctx context.Context, m *headers.Message, f headers.Field) (Result, error) {
	rs, err := v.VerifyFields(ctx, m, []headers.Field{f})
	if err != nil {
		return Result{}, err
	}
	return rs[0], nil
}

// VerifyFields verifies the given signature fields of m, in order, as
// VerifyField does, and returns one Result per field. Body hashes are
// shared between the fields, which matters for a Patchwork patch whose
// body is searched among many rebuilt candidates: verifying a
// DKIM-Signature and an X-Google-DKIM-Signature in one call searches once.
func (v *Verifier) VerifyFields(ctx context.Context, m *headers.Message, fields []headers.Field) ([]Result, error) {
	if err := v.check(m); err != nil {
		return nil, err
	}
	st := v.newRun(m)
	out := make([]Result, 0, len(fields))
	for _, f := range fields {
		out = append(out, st.verify(ctx, f))
	}
	v.release(st)
	return out, nil
}

func (v *Verifier) check(m *headers.Message) error {
	if m == nil {
		return errors.New("dkim: nil message")
	}
	if v.Resolver == nil {
		return errors.New("dkim: Verifier has no Resolver")
	}
	return nil
}

// run holds what one Verify call shares between signatures.
type run struct {
	v        *Verifier
	m        *headers.Message
	asOf     time.Time
	log      *slog.Logger // nil: no logging
	bodySums []bodySum
	sumsBuf  [2]bodySum // bodySums' first array
	pw       pwState
	// scratch is a buffer shared by the steps of the run, one at a time:
	// the body hasher's buffer, then the canonical header.
	scratch []byte
	// selected holds the signed fields of the signature being verified.
	selected []headers.Field
	// digest holds the header hash of the signature being verified.
	digest [64]byte
	// sha256 is a SHA-256 hasher for bodies, reset before each use.
	sha256 hash.Hash
}

type bodySum struct {
	canon string
	h     crypto.Hash
	limit int64
	sum   []byte // in buf when it fits
	n     int64
	buf   [sha256.Size]byte
}

// newRun returns the state for one Verify call, reusing the buffers of an
// earlier one if there is one to spare. Pass it to release when done.
func (v *Verifier) newRun(m *headers.Message) *run {
	r, _ := v.runs.Get().(*run)
	if r == nil {
		r = new(run)
	}
	r.v, r.m, r.asOf, r.log = v, m, v.AsOf, v.Logger
	if r.asOf.IsZero() {
		r.asOf = time.Now()
	}
	r.bodySums = r.sumsBuf[:0]
	return r
}

// release clears st, keeping only its buffers, for a later newRun. Nothing
// returned by the run may point into those buffers.
func (v *Verifier) release(st *run) {
	*st = run{scratch: st.scratch, selected: st.selected[:0], sha256: st.sha256}
	v.runs.Put(st)
}

// messageBody hashes m.Body, once per (canon, hash, limit).
func (st *run) messageBody(canon string, h crypto.Hash, limit int64) ([]byte, int64) {
	for _, b := range st.bodySums {
		if b.canon == canon && b.h == h && b.limit == limit {
			return b.sum, b.n
		}
	}
	if cap(st.scratch) < bodyBufSize {
		st.scratch = make([]byte, bodyBufSize)
	}
	var hh hash.Hash
	if h == crypto.SHA256 {
		if st.sha256 == nil {
			st.sha256 = sha256.New()
		} else {
			st.sha256.Reset()
		}
		hh = st.sha256
	} else {
		hh = h.New()
	}
	var bh BodyHasher
	bh.init(canon, hh, limit, st.scratch[:bodyBufSize])
	bh.Write(st.m.Body)
	bh.finish()
	st.bodySums = append(st.bodySums, bodySum{canon: canon, h: h, limit: limit, n: bh.Len()})
	bs := &st.bodySums[len(st.bodySums)-1]
	bs.sum = hh.Sum(bs.buf[:0])
	return bs.sum, bs.n
}

func (st *run) verify(ctx context.Context, f headers.Field) (r Result) {
	if st.log != nil && st.log.Enabled(ctx, slog.LevelDebug) {
		start := time.Now()
		defer func() {
			st.log.Debug("dkim verify", "domain", r.Domain, "selector", r.Selector, "result", r.Status,
				"reason", r.Reason, "header", r.HeaderSignature, "body", r.Body, "duration", time.Since(start))
		}()
	}
	r = Result{AsOf: st.asOf, HeaderSignature: CheckUnchecked, Body: CheckUnchecked}
	sig, perr := headers.ParseSignature(f.Name, f.Value)
	r.Signature = sig
	if sig != nil {
		r.Domain, r.Selector, r.Algorithm = sig.Domain, sig.Selector, sig.Algorithm
		r.Canonicalization = sig.Canonicalization()
		r.Timestamp, r.Expiration = sig.Timestamp, sig.Expiration
	}
	if perr != nil {
		r.set(StatusPermerror, fmt.Errorf("%w: %w", ErrSignatureSyntax, perr), "The signature field is malformed: "+perr.Error()+".")
		return r
	}
	if tag := missingTag(sig.Tags); tag != "" {
		r.set(StatusPermerror, fmt.Errorf("%w: %s=", ErrMissingTag, tag), "The signature lacks the required "+tag+"= tag.")
		return r
	}
	if sig.Version != "1" {
		r.set(StatusPermerror, fmt.Errorf("%w: v=%s", ErrSignatureSyntax, sig.Version), "The signature has version v="+sig.Version+", not 1.")
		return r
	}
	if !validCanon(sig.HeaderCanon) || !validCanon(sig.BodyCanon) {
		r.set(StatusPermerror, fmt.Errorf("%w: c=%s", ErrAlgorithmUnsupported, r.Canonicalization), "The canonicalization "+r.Canonicalization+" is unknown.")
		return r
	}
	h, keyType, err := HashAlgorithm(sig.Algorithm)
	if err != nil {
		detail := "The algorithm a=" + sig.Algorithm + " is not supported."
		if errors.Is(err, ErrAlgorithmWeak) {
			detail = "The signature uses rsa-sha1, which RFC 8301 forbids verifiers to accept."
		}
		r.set(StatusPermerror, err, detail)
		return r
	}
	if len(sig.Sig) == 0 {
		r.set(StatusPermerror, fmt.Errorf("%w: empty b=", ErrSignatureSyntax), "The signature's b= is empty.")
		return r
	}
	domain := strings.ToLower(strings.TrimSuffix(sig.Domain, "."))
	var idDomain string
	if sig.Identity != "" {
		at := strings.LastIndexByte(sig.Identity, '@')
		if at < 0 {
			r.set(StatusPermerror, fmt.Errorf("%w: i=%s has no @", ErrSignatureSyntax, sig.Identity), "The identity i= has no @.")
			return r
		}
		idDomain = strings.ToLower(strings.TrimSuffix(sig.Identity[at+1:], "."))
		if idDomain != domain && !strings.HasSuffix(idDomain, "."+domain) {
			r.set(StatusPermerror, fmt.Errorf("%w: i=%s, d=%s", ErrDomainMismatch, sig.Identity, sig.Domain),
				"The identity "+sig.Identity+" is not in the signing domain "+sig.Domain+".")
			return r
		}
	}
	signedFroms := 0
	for _, name := range sig.Headers {
		if asciiEqualFold(name, "From") {
			signedFroms++
		}
	}
	if signedFroms == 0 {
		r.set(StatusPermerror, ErrFromNotSigned, "The signature does not cover the From field (RFC 6376 §5.4).")
		return r
	}
	if sig.QueryMethods != "" && !hasDNSTXT(sig.QueryMethods) {
		r.set(StatusPermerror, fmt.Errorf("%w: q=%s", ErrSignatureSyntax, sig.QueryMethods), "The query method q="+sig.QueryMethods+" is not supported.")
		return r
	}
	if !sig.Expiration.IsZero() && !sig.Timestamp.IsZero() && !sig.Expiration.After(sig.Timestamp) {
		r.set(StatusPermerror, fmt.Errorf("%w: x= not after t=", ErrSignatureSyntax), "The expiration x= is not after the timestamp t=.")
		return r
	}

	// The body needs no key: check it first, so that a result whose key is
	// gone (rotated, revoked) still says whether the body is intact.
	limit := int64(-1)
	if sig.Length != nil {
		limit = *sig.Length
	}
	var bodyLen int64
	var bodyNote string
	switch {
	case st.m.Body != nil:
		sum, n := st.messageBody(sig.BodyCanon, h, limit)
		r.BodySource, bodyLen = "message", n
		r.Body = checkOf(subtle.ConstantTimeCompare(sum, sig.BodyHash) == 1)
	case st.m.Patchwork != nil:
		mt := st.matchBody(sig.BodyCanon, h, limit, sig.BodyHash)
		if mt.ok {
			r.Body, r.BodySource, r.BodyCandidate, bodyLen = CheckPass, "rebuilt", mt.label, mt.n
			if limit >= 0 {
				r.Warnings = append(r.Warnings, pwLimitNote(limit))
			}
		} else {
			r.BodyReason, bodyNote = st.pwBodyNote(sig, mt)
			r.Warnings = append(r.Warnings, bodyNote)
		}
	default:
		bodyNote = "body not available"
	}

	keys := st.v.Keys
	if keys == nil {
		keys = &st.v.keys
	}
	key, lookup, err := keys.Lookup(ctx, st.v.Resolver, sig.Selector, sig.Domain)
	r.Trace = append(r.Trace, lookup)
	if err != nil {
		keyFailure(&r, err, sig, lookup)
		return r
	}
	r.KeyBits = key.Bits
	if key.Testing() {
		r.Testing = true
		r.Warnings = append(r.Warnings, "the key is in testing mode (t=y)")
	}
	switch {
	case key.Type != keyType:
		r.set(StatusPermerror, fmt.Errorf("%w: k=%s, a=%s", ErrKeyUnsupported, key.Type, sig.Algorithm),
			"The key is "+key.Type+" but the signature is "+sig.Algorithm+".")
		return r
	case !key.AllowsHash(hashName(h)):
		r.set(StatusPermerror, fmt.Errorf("%w: h=%s", ErrKeyHashMismatch, strings.Join(key.Hashes, ":")),
			"The key does not allow "+hashName(h)+" (h="+strings.Join(key.Hashes, ":")+").")
		return r
	case !key.AllowsEmail():
		r.set(StatusPermerror, fmt.Errorf("%w: s=%s", ErrKeyService, strings.Join(key.Services, ":")),
			"The key is not for email (s="+strings.Join(key.Services, ":")+").")
		return r
	case key.Strict() && sig.Identity != "" && idDomain != domain:
		r.set(StatusPermerror, fmt.Errorf("%w: key t=s, i=%s", ErrDomainMismatch, sig.Identity),
			"The key requires i= to be in "+sig.Domain+" itself (t=s).")
		return r
	case key.Type == "rsa" && key.Bits < st.minBits():
		r.set(StatusPermerror, fmt.Errorf("%w: %d bits", ErrKeyTooSmall, key.Bits),
			fmt.Sprintf("The RSA key has %d bits, fewer than the %d RFC 8301 requires.", key.Bits, st.minBits()))
		return r
	case key.Type == "rsa" && key.Bits > st.maxBits():
		r.set(StatusPermerror, fmt.Errorf("%w: %d bits", ErrKeyTooLarge, key.Bits),
			fmt.Sprintf("The RSA key has %d bits, more than the %d mailprov verifies.", key.Bits, st.maxBits()))
		return r
	}

	// The header signature.
	st.selected = appendSelected(st.selected[:0], st.m.Fields, sig.Headers)
	signed := st.selected
	var digest []byte
	digest, st.scratch = headerHash(st.digest[:0], st.scratch, h, sig.HeaderCanon, signed, f)
	r.HeaderSignature = checkOf(key.VerifySignature(h, digest, sig.Sig) == nil)
	var altered []string
	if r.HeaderSignature == CheckFail && st.m.Patchwork != nil {
		var respelled []string
		respelled, altered = st.tryVariants(h, sig.HeaderCanon, signed, f, key, sig.Sig)
		if respelled != nil {
			r.HeaderSignature, r.Respelled = CheckPass, respelled
			r.Warnings = append(r.Warnings, "verified with the archive's re-spelling of "+strings.Join(respelled, ", ")+" undone")
		}
	}

	// The verdict.
	expired := !sig.Expiration.IsZero() && sig.Expiration.Before(st.asOf)
	// A signature cannot come from the future of both the real clock and
	// AsOf (RFC 6376 §3.5 lets verifiers ignore it). A t= merely after an
	// AsOf in the past is normal when AsOf is the message's Date (signing
	// happens later, at the MTA) and only draws a warning.
	latest := st.asOf
	if !st.v.AsOf.IsZero() { // else asOf is the clock already
		if now := time.Now(); now.After(latest) {
			latest = now
		}
	}
	future := !sig.Timestamp.IsZero() && sig.Timestamp.After(latest.Add(futureSkew))
	if !future && !sig.Timestamp.IsZero() && sig.Timestamp.After(st.asOf.Add(futureSkew)) {
		r.Warnings = append(r.Warnings, "signed at "+sig.Timestamp.Format(time.RFC3339)+", after as_of")
	}
	switch {
	case r.Body == CheckFail:
		r.set(StatusFail, ErrBodyHashMismatch, "The body's hash does not match bh=; the body was changed after signing.")
	case r.HeaderSignature == CheckFail && len(altered) > 0:
		r.set(StatusFail, fmt.Errorf("%w: %w: %s", ErrHeaderAltered, ErrBadSignature, strings.Join(altered, ", ")),
			"The header signature does not verify; the archive may have altered "+strings.Join(altered, ", ")+".")
	case r.HeaderSignature == CheckFail:
		r.set(StatusFail, ErrBadSignature, "The header signature (b=) does not verify.")
	case st.froms() > signedFroms:
		r.set(StatusFail, fmt.Errorf("%w: %d From fields, %d signed", ErrExtraFrom, st.froms(), signedFroms),
			"The message has more From fields than the signature covers; an unsigned one may be displayed.")
	case future:
		r.set(StatusPermerror, ErrFutureTimestamp, verifies(r.Body)+"; but its timestamp "+sig.Timestamp.Format(time.RFC3339)+" is in the future.")
	// l= before x=: an expired signature still proves who signed (the
	// audit counts it), so it must not hide an unsigned tail.
	case r.Body == CheckPass && limit > bodyLen:
		r.set(StatusPermerror, fmt.Errorf("%w: l=%d, body %d", ErrBodyLengthLimit, limit, bodyLen),
			fmt.Sprintf("The signature claims l=%d but the canonical body has only %d bytes.", limit, bodyLen))
	case r.Body == CheckPass && limit >= 0 && limit < bodyLen && r.BodySource == "rebuilt":
		r.set(StatusPolicy, fmt.Errorf("%w: l=%d, rebuilt body longer", ErrBodyLengthLimit, limit), pwLimitDetail(limit))
	case r.Body == CheckPass && limit >= 0 && limit < bodyLen:
		r.set(StatusPolicy, fmt.Errorf("%w: l=%d, body %d", ErrBodyLengthLimit, limit, bodyLen),
			fmt.Sprintf("The signature verifies but covers only %d of %d body bytes (l=); the rest is unsigned.", limit, bodyLen))
		r.Warnings = append(r.Warnings, fmt.Sprintf("%d body bytes after l= are not signed", bodyLen-limit))
	case expired:
		r.set(StatusPermerror, ErrExpired, verifies(r.Body)+"; expired since "+sig.Expiration.Format(time.RFC3339)+".")
	case r.Body == CheckUnchecked:
		r.set(StatusNeutral, fmt.Errorf("%w: %s", ErrBodyUnchecked, bodyNote), "Header signature verified; "+bodyNote+".")
	default:
		r.set(StatusPass, nil, "")
	}
	if expired && r.Reason != ReasonExpired {
		r.Warnings = append(r.Warnings, "the signature also expired at "+sig.Expiration.Format(time.RFC3339))
	}
	return r
}

// keyFailure sets r for a key lookup that failed with err.
func keyFailure(r *Result, err error, sig *headers.Signature, lookup dns.Lookup) {
	keyName := sig.Selector + "._domainkey." + sig.Domain
	var bodyOnly string
	switch r.Body {
	case CheckPass:
		bodyOnly = " The body matches bh=."
	case CheckFail:
		bodyOnly = " The body does not match bh=."
	}
	switch {
	case errors.Is(err, ErrKeyMissing):
		r.set(StatusPermerror, err, "No key record at "+keyName+"."+bodyOnly)
	case errors.Is(err, ErrDNS):
		detail := "The key lookup for " + keyName + " failed: " + lookup.Result + "."
		var de *dns.Error
		if errors.As(err, &de) { // what failed, with no socket addresses
			detail = "The key lookup failed: " + de.Reason() + "."
		}
		r.set(StatusTemperror, err, detail+bodyOnly)
	case errors.Is(err, ErrKeyRevoked):
		r.set(StatusPermerror, err, "The key at "+keyName+" is revoked (empty p=)."+bodyOnly)
	default:
		r.set(StatusPermerror, err, "The key record at "+keyName+" cannot be used: "+err.Error()+"."+bodyOnly)
	}
}

// missingTag returns the first tag a DKIM signature must have (RFC 6376
// §3.5) that is not among tags, in the order v, a, b, bh, d, h, s, or "".
func missingTag(tags []headers.Tag) string {
	var have uint8
	for _, t := range tags {
		switch t.Name {
		case "v":
			have |= 1 << 0
		case "a":
			have |= 1 << 1
		case "b":
			have |= 1 << 2
		case "bh":
			have |= 1 << 3
		case "d":
			have |= 1 << 4
		case "h":
			have |= 1 << 5
		case "s":
			have |= 1 << 6
		}
	}
	if have == 1<<7-1 {
		return ""
	}
	for i, name := range [...]string{"v", "a", "b", "bh", "d", "h", "s"} {
		if have&(1<<i) == 0 {
			return name
		}
	}
	return ""
}

// verifies says, for the expired and future details, what did verify.
func verifies(body Check) string {
	if body == CheckPass {
		return "The signature verifies"
	}
	return "The header signature verifies (body not checked)"
}

// froms counts the message's From fields.
func (st *run) froms() int {
	n := 0
	for _, f := range st.m.Fields {
		if asciiEqualFold(f.Name, "From") {
			n++
		}
	}
	return n
}

func (st *run) minBits() int {
	if st.v.MinKeyBits > 0 {
		return st.v.MinKeyBits
	}
	return DefaultMinKeyBits
}

func (st *run) maxBits() int {
	if st.v.MaxKeyBits > 0 {
		return st.v.MaxKeyBits
	}
	return DefaultMaxKeyBits
}

func checkOf(ok bool) Check {
	if ok {
		return CheckPass
	}
	return CheckFail
}

func validCanon(c string) bool { return c == Simple || c == Relaxed }

// hasDNSTXT reports whether a q= list names dns/txt, the only query method.
func hasDNSTXT(q string) bool {
	for _, m := range strings.Split(q, ":") {
		if strings.EqualFold(strings.TrimSpace(m), "dns/txt") {
			return true
		}
	}
	return false
}
