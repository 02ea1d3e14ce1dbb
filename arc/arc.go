// Package arc validates Authenticated Received Chains (RFC 8617): the
// ARC-Seal, ARC-Message-Signature and ARC-Authentication-Results fields
// intermediaries such as mailing lists and forwarders add, each set
// numbered by i=. It checks the structure of the sets, the cv= values, the
// newest ARC-Message-Signature, and every ARC-Seal over the chain, as
// RFC 8617 §5.2 describes, and computes the chain validation status, the
// oldest instance whose ARC-Message-Signature still validates, and what
// each intermediary recorded (its authserv-id and results).
//
// Signatures are checked with the dkim package's canonicalization, key
// lookup and signature code; nothing is reimplemented here. A message
// without a body (a Patchwork header map) can still have its seals checked,
// since ARC-Seals cover only header fields; its ARC-Message-Signatures are
// then checked over the header only and the result says so (status
// neutral, reason body_unchecked), never pass.
//
// Algorithms: RFC 8617 §4.1.3 names rsa-sha256 as the one ARC signing
// algorithm. An ed25519-sha256 ARC set is reported as fail with reason
// algorithm_unsupported unless Verifier.AllowEd25519 is set, in which case
// it is verified as DKIM would (RFC 8463).
package arc

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/mailprov/mailprov/dkim"
	"github.com/mailprov/mailprov/dns"
	"github.com/mailprov/mailprov/headers"
)

// DefaultMinKeyBits is the smallest RSA key accepted when
// Verifier.MinKeyBits is zero (RFC 8301 §3.2, which ARC inherits).
const DefaultMinKeyBits = 1024

// DefaultMaxKeyBits is the largest RSA key accepted when
// Verifier.MaxKeyBits is zero, as dkim.DefaultMaxKeyBits.
const DefaultMaxKeyBits = dkim.DefaultMaxKeyBits

// Status is the chain validation status (RFC 8617 §4.4 "cv").
type Status string

// The statuses a Result can have.
const (
	StatusPass Status = "pass" // every seal verified and the newest message signature too
	StatusFail Status = "fail" // the chain is broken, forged, or cannot be checked
	StatusNone Status = "none" // the message has no ARC sets
	// StatusNeutral: the seals verified and the newest message signature's
	// header part too, but the body was not available to check bh=. Not a
	// word of RFC 8617; mailprov's honest result for stored headers.
	StatusNeutral Status = "neutral"
)

// Check is the outcome of one cryptographic check.
type Check string

// The outcomes of a check.
const (
	CheckPass      Check = "pass"
	CheckFail      Check = "fail"
	CheckUnchecked Check = "unchecked"
	// CheckHeaderOnly: an ARC-Message-Signature whose header signature
	// verified while the body was not available.
	CheckHeaderOnly Check = "header_only"
)

// Reason is a stable, machine-readable code for a non-pass Result.
type Reason string

// The reasons a Result may give. Each but ReasonNoChain has a sentinel error
// that Result.Err wraps.
const (
	ReasonNoChain              Reason = "no_chain"               // no ARC fields (status none)
	ReasonInstance             Reason = "instance_invalid"       // i= missing, not a number, 0, or over 50
	ReasonGap                  Reason = "instance_gap"           // a set between 1 and N is missing
	ReasonMissingField         Reason = "missing_field"          // a set lacks its AS, AMS or AAR
	ReasonDuplicate            Reason = "duplicate_field"        // a set has two AS, AMS or AAR
	ReasonSignatureSyntax      Reason = "signature_syntax"       // a malformed AS or AMS tag list
	ReasonMissingTag           Reason = "missing_tag"            // a required tag is absent or empty
	ReasonChainFailed          Reason = "chain_failed"           // the newest seal says cv=fail
	ReasonCVMismatch           Reason = "cv_mismatch"            // i=1 without cv=none, or i>1 without cv=pass
	ReasonMessageSignature     Reason = "message_signature_fail" // the newest AMS does not verify
	ReasonBodyHashMismatch     Reason = "body_hash_mismatch"     // the newest AMS's bh= differs from the body
	ReasonSeal                 Reason = "seal_fail"              // an ARC-Seal does not verify
	ReasonAlgorithmUnsupported Reason = "algorithm_unsupported"  // a= other than rsa-sha256 (ed25519 unless allowed)
	ReasonKeyMissing           Reason = "key_missing"            // no key record
	ReasonKeyTooSmall          Reason = "key_too_small"          // RSA key below MinKeyBits
	ReasonKeyTooLarge          Reason = "key_too_large"          // RSA key above MaxKeyBits
	ReasonKeyInvalid           Reason = "key_invalid"            // key record malformed, revoked, or of the wrong type
	ReasonDNSError             Reason = "dns_error"              // a key lookup failed temporarily
	ReasonBodyUnchecked        Reason = "body_unchecked"         // status neutral: no body to check bh=
)

// Sentinel errors. Result.Err wraps one of them, and the dkim sentinel of
// the underlying cause where there is one (dkim.ErrKeyMissing,
// dkim.ErrBadSignature, ...).
var (
	ErrInstance             = errors.New("arc: invalid instance")
	ErrGap                  = errors.New("arc: gap in instances")
	ErrMissingField         = errors.New("arc: incomplete ARC set")
	ErrDuplicate            = errors.New("arc: duplicate ARC field")
	ErrSignatureSyntax      = errors.New("arc: malformed ARC signature")
	ErrMissingTag           = errors.New("arc: missing required tag")
	ErrChainFailed          = errors.New("arc: chain already failed (cv=fail)")
	ErrCVMismatch           = errors.New("arc: wrong cv= value")
	ErrMessageSignature     = errors.New("arc: ARC-Message-Signature does not verify")
	ErrSeal                 = errors.New("arc: ARC-Seal does not verify")
	ErrAlgorithmUnsupported = errors.New("arc: unsupported algorithm")
	ErrBodyUnchecked        = errors.New("arc: body not checked")
)

// reasonTable maps sentinels to reasons, most specific first. It is never
// modified.
var reasonTable = [...]struct {
	err    error
	reason Reason
}{
	{ErrInstance, ReasonInstance},
	{ErrGap, ReasonGap},
	{ErrMissingField, ReasonMissingField},
	{ErrDuplicate, ReasonDuplicate},
	{ErrSignatureSyntax, ReasonSignatureSyntax},
	{ErrMissingTag, ReasonMissingTag},
	{ErrChainFailed, ReasonChainFailed},
	{ErrCVMismatch, ReasonCVMismatch},
	{ErrAlgorithmUnsupported, ReasonAlgorithmUnsupported},
	{dkim.ErrKeyMissing, ReasonKeyMissing},
	{dkim.ErrKeyTooSmall, ReasonKeyTooSmall},
	{dkim.ErrKeyTooLarge, ReasonKeyTooLarge},
	{dkim.ErrDNS, ReasonDNSError},
	{dkim.ErrKeySyntax, ReasonKeyInvalid},
	{dkim.ErrKeyRevoked, ReasonKeyInvalid},
	{dkim.ErrKeyUnsupported, ReasonKeyInvalid},
	{dkim.ErrKeyHashMismatch, ReasonKeyInvalid},
	{dkim.ErrBodyHashMismatch, ReasonBodyHashMismatch},
	{ErrMessageSignature, ReasonMessageSignature},
	{ErrSeal, ReasonSeal},
	{ErrBodyUnchecked, ReasonBodyUnchecked},
}

// ReasonOf returns the Reason for an error wrapping one of the sentinels
// above, or "" when it wraps none.
func ReasonOf(err error) Reason {
	if err == nil {
		return ""
	}
	for _, e := range reasonTable {
		if errors.Is(err, e.err) {
			return e.reason
		}
	}
	return ""
}

// Verifier validates ARC chains. The zero value is usable: it asks the
// servers in /etc/resolv.conf, requires 1024-bit RSA keys, refuses
// ed25519 and does not log. A Verifier is safe for concurrent use if its
// Resolver is.
type Verifier struct {
	// Resolver looks up key records; nil means a dns.Client with default
	// settings.
	Resolver dns.Resolver
	// AsOf is the instant the result holds for (reported in Result.AsOf);
	// zero means the current time.
	AsOf time.Time
	// MinKeyBits is the smallest RSA key accepted; zero means
	// DefaultMinKeyBits.
	MinKeyBits int
	// MaxKeyBits is the largest RSA key accepted; zero means
	// DefaultMaxKeyBits.
	MaxKeyBits int
	// AllowEd25519 accepts ed25519-sha256 ARC signatures (RFC 8463 keys),
	// which RFC 8617 does not name. When false they fail with reason
	// algorithm_unsupported.
	AllowEd25519 bool
	// Logger receives one debug line per Verify; nil means no logging.
	Logger *slog.Logger
	// Keys caches parsed key records across calls, and may be shared with
	// dkim.Verifiers; nil means a key is parsed once per Verify call.
	Keys *dkim.KeyCache
}

// Result is the outcome of validating a message's ARC chain.
type Result struct {
	// Status is the chain validation status; never empty.
	Status Status `json:"result"`
	// Reason says why Status is not pass ("" on pass).
	Reason Reason `json:"reason,omitempty"`
	// Detail is a sentence for people.
	Detail string `json:"detail,omitempty"`
	// Instances is the number of ARC sets (the highest i=).
	Instances int `json:"instances"`
	// OldestPass is the oldest instance from which every
	// ARC-Message-Signature up to the newest still validates (RFC 8617
	// §5.2 step 6): 1 when all do, N when only the newest does, 0 when
	// not computed (the newest fails or the chain is broken). Header-only
	// validation counts when the body is absent.
	OldestPass int `json:"oldest_pass,omitempty"`
	// Sets are the ARC sets, oldest (i=1) first.
	Sets []Set `json:"sets"`
	// Trace lists the DNS questions the result rests on.
	Trace []dns.Lookup `json:"trace,omitempty"`
	// AsOf is the instant the result holds for.
	AsOf time.Time `json:"as_of"`
	// Err wraps a sentinel for Reason; nil on pass.
	Err error `json:"-"`
}

// Authentic reports whether every DNS answer the result rests on had the
// AD bit set (and there was at least one).
func (r Result) Authentic() bool {
	for _, l := range r.Trace {
		if !l.Authentic {
			return false
		}
	}
	return len(r.Trace) > 0
}

// Set reports one ARC set: who sealed it, what it claims, and what held.
type Set struct {
	Instance int `json:"instance"`
	// Sealer and Selector are the ARC-Seal's d= and s=.
	Sealer   string `json:"sealer"`
	Selector string `json:"selector"`
	// CV is the seal's cv= as written ("none", "pass", "fail").
	CV string `json:"cv"`
	// SealResult is the ARC-Seal check: pass, fail or unchecked.
	SealResult Check `json:"seal"`
	// AMSResult is the ARC-Message-Signature check: pass, fail,
	// header_only (no body to check) or unchecked.
	AMSResult Check `json:"message_signature"`
	// AMSDomain and AMSSelector are the ARC-Message-Signature's d= and s=.
	AMSDomain   string `json:"ams_domain,omitempty"`
	AMSSelector string `json:"ams_selector,omitempty"`
	// Body is the ARC-Message-Signature's body hash check.
	Body Check `json:"body,omitempty"`
	// Timestamp is the seal's t=, zero when absent.
	Timestamp time.Time `json:"timestamp,omitzero"`
	// AuthServID is the authserv-id of the ARC-Authentication-Results.
	AuthServID string `json:"authserv_id,omitempty"`
	// Vouches are the results the intermediary recorded, one per method,
	// e.g. "dkim=pass header.d=example.org", "spf=pass smtp.mailfrom=...".
	Vouches []string `json:"vouches,omitempty"`
	// Problem says what went wrong with this set, if anything.
	Problem string `json:"problem,omitempty"`
}

// ParseSets reads the ARC sets of a header without checking signatures:
// what each intermediary sealed and claimed. The error, if any, wraps the
// sentinel for the first structural problem (ErrInstance, ErrGap,
// ErrMissingField, ErrDuplicate, ErrSignatureSyntax, ErrMissingTag); the
// sets that could be read are returned with it.
func ParseSets(fields []headers.Field) ([]Set, error) {
	c := parseChain(fields)
	return reportSets(c), c.err
}

func reportSets(c *chain) []Set {
	out := make([]Set, len(c.sets))
	for k, s := range c.sets {
		r := Set{Instance: s.instance, SealResult: CheckUnchecked, AMSResult: CheckUnchecked, Body: CheckUnchecked}
		if s.as != nil {
			r.Sealer, r.Selector, r.CV, r.Timestamp = s.as.Domain, s.as.Selector, s.as.ChainValidation, s.as.Timestamp
		}
		if s.sig != nil {
			r.AMSDomain, r.AMSSelector = s.sig.Domain, s.sig.Selector
		}
		if s.results != nil {
			r.AuthServID = s.results.AuthServID
			for _, ar := range s.results.Results {
				v := ar.Method + "=" + ar.Result
				for _, p := range ar.Properties {
					v += " " + p.Key() + "=" + p.Value
				}
				r.Vouches = append(r.Vouches, v)
			}
		}
		out[k] = r
	}
	return out
}

// Verify validates the ARC chain of m (RFC 8617 §5.2).
func (v *Verifier) Verify(ctx context.Context, m *headers.Message) (res Result) {
	res.AsOf = v.AsOf
	if res.AsOf.IsZero() {
		res.AsOf = time.Now()
	}
	if v.Logger != nil {
		start := time.Now()
		defer func() {
			v.Logger.DebugContext(ctx, "arc verify", "result", res.Status, "reason", res.Reason,
				"instances", res.Instances, "oldest_pass", res.OldestPass, "duration", time.Since(start))
		}()
	}
	if m == nil {
		m = &headers.Message{}
	}
	c := parseChain(m.Fields)
	res.Sets = reportSets(c)
	res.Instances = len(c.sets)
	if c.err == nil && len(c.sets) == 0 {
		res.Status, res.Reason, res.Detail = StatusNone, ReasonNoChain, "the message has no ARC sets"
		return res
	}
	if c.err != nil {
		return fail(res, c.err)
	}

	// §5.2 steps 2-3: the newest cv must not be fail; i=1 has none, the
	// rest pass.
	n := len(c.sets)
	if cv := c.sets[n-1].as.ChainValidation; cv == "fail" {
		return fail(res, fmt.Errorf("%w: i=%d", ErrChainFailed, n))
	}
	for _, s := range c.sets {
		want := "pass"
		if s.instance == 1 {
			want = "none"
		}
		if s.as.ChainValidation != want {
			res.Sets[s.instance-1].Problem = fmt.Sprintf("cv=%s, want cv=%s", s.as.ChainValidation, want)
			return fail(res, fmt.Errorf("%w: i=%d has cv=%s, want %s", ErrCVMismatch, s.instance, s.as.ChainValidation, want))
		}
	}

	st := &state{v: v, m: m, res: &res, keys: map[string]keyResult{}}
	// Step 4: the newest AMS. Step 5: older AMSs for oldest-pass.
	var newestErr error
	for i := n; i >= 1; i-- {
		err := st.checkAMS(ctx, c.sets[i-1])
		if i == n {
			newestErr = err
		}
		if err == nil && res.OldestPass == i+1 || err == nil && i == n {
			res.OldestPass = i
		}
	}
	// Step 6: every seal, newest first.
	var sealErr error
	for i := n; i >= 1; i-- {
		if err := st.checkSeal(ctx, c.sets[:i]); err != nil && sealErr == nil {
			sealErr = err
		}
	}
	switch {
	case newestErr != nil:
		res.OldestPass = 0
		return fail(res, newestErr)
	case sealErr != nil:
		res.OldestPass = 0
		return fail(res, sealErr)
	case m.Body == nil:
		res.Status, res.Reason, res.Err = StatusNeutral, ReasonBodyUnchecked, ErrBodyUnchecked
		res.Detail = fmt.Sprintf("all %d ARC-Seals verified and the newest ARC-Message-Signature's header signature too; "+
			"the body was not available, so its body hash was not checked", n)
		return res
	}
	res.Status = StatusPass
	return res
}

func fail(res Result, err error) Result {
	res.Status, res.Reason, res.Err, res.Detail = StatusFail, ReasonOf(err), err, err.Error()
	return res
}

// state is what one Verify call shares between checks: the key cache, so
// each key is asked for once, and the result being filled in.
type state struct {
	v    *Verifier
	m    *headers.Message
	res  *Result
	keys map[string]keyResult
}

type keyResult struct {
	key *dkim.Key
	err error
}

// key returns the key for selector and domain, looking it up once and
// recording the lookup in the trace.
func (st *state) key(ctx context.Context, selector, domain string) (*dkim.Key, error) {
	id := strings.ToLower(selector + "._domainkey." + domain)
	if k, ok := st.keys[id]; ok {
		return k.key, k.err
	}
	r := st.v.Resolver
	if r == nil {
		r = &dns.Client{}
	}
	k, lookup, err := st.v.Keys.Lookup(ctx, r, selector, domain)
	st.res.Trace = append(st.res.Trace, lookup)
	st.keys[id] = keyResult{k, err}
	return k, err
}

// algorithm checks a= and returns its hash and key type.
func (st *state) algorithm(a string) (crypto.Hash, string, error) {
	h, keyType, err := dkim.HashAlgorithm(a)
	if err != nil {
		return 0, "", fmt.Errorf("%w: a=%.30s: %w", ErrAlgorithmUnsupported, a, err)
	}
	if keyType == "ed25519" && !st.v.AllowEd25519 {
		return 0, "", fmt.Errorf("%w: a=%s (RFC 8617 names only rsa-sha256; see Verifier.AllowEd25519)",
			ErrAlgorithmUnsupported, a)
	}
	return h, keyType, nil
}

// usableKey fetches the key for sig and checks it fits the algorithm.
func (st *state) usableKey(ctx context.Context, sig *headers.Signature, keyType string) (*dkim.Key, error) {
	k, err := st.key(ctx, sig.Selector, sig.Domain)
	if err != nil {
		return nil, err
	}
	if k.Type != keyType {
		return nil, fmt.Errorf("%w: key k=%s for a=%s", dkim.ErrKeyUnsupported, k.Type, sig.Algorithm)
	}
	if !k.AllowsHash("sha256") {
		return nil, fmt.Errorf("%w: key h= does not list sha256", dkim.ErrKeyHashMismatch)
	}
	minBits := st.v.MinKeyBits
	if minBits == 0 {
		minBits = DefaultMinKeyBits
	}
	maxBits := st.v.MaxKeyBits
	if maxBits == 0 {
		maxBits = DefaultMaxKeyBits
	}
	if _, ok := k.Public.(*rsa.PublicKey); ok {
		switch {
		case k.Bits < minBits:
			return nil, fmt.Errorf("%w: %d bits, want %d", dkim.ErrKeyTooSmall, k.Bits, minBits)
		case k.Bits > maxBits:
			return nil, fmt.Errorf("%w: %d bits, at most %d", dkim.ErrKeyTooLarge, k.Bits, maxBits)
		}
	}
	return k, nil
}

// checkAMS verifies the ARC-Message-Signature of set s (RFC 8617 §5.2
// step 4, as DKIM with the rules of §4.1.2) and records the outcome in
// the report. It returns nil when the header signature verified and the
// body hash matched or could not be checked.
func (st *state) checkAMS(ctx context.Context, s *arcSet) (err error) {
	rep := &st.res.Sets[s.instance-1]
	defer func() {
		if err != nil {
			rep.AMSResult = CheckFail
			err = fmt.Errorf("%w: i=%d: %w", ErrMessageSignature, s.instance, err)
			if rep.Problem == "" {
				rep.Problem = err.Error()
			}
		}
	}()
	sig := s.sig
	h, keyType, err := st.algorithm(sig.Algorithm)
	if err != nil {
		return err
	}
	k, err := st.usableKey(ctx, sig, keyType)
	if err != nil {
		return err
	}
	if st.m.Body != nil {
		limit := int64(-1)
		if sig.Length != nil {
			limit = *sig.Length
		}
		bh := dkim.NewBodyHasher(sig.BodyCanon, h, limit)
		bh.Write(st.m.Body)
		if subtle.ConstantTimeCompare(bh.Sum(), sig.BodyHash) != 1 {
			rep.Body = CheckFail
			return fmt.Errorf("%w: bh= does not match the body", dkim.ErrBodyHashMismatch)
		}
		rep.Body = CheckPass
	}
	signed := dkim.SelectFields(st.m.Fields, sig.Headers)
	digest := dkim.HeaderHash(h, sig.HeaderCanon, signed, s.ams)
	if err := k.VerifySignature(h, digest, sig.Sig); err != nil {
		return err
	}
	rep.AMSResult = CheckPass
	if st.m.Body == nil {
		rep.AMSResult = CheckHeaderOnly
	}
	return nil
}

// checkSeal verifies the ARC-Seal of the newest set in sets (RFC 8617
// §5.1.1, §5.2 step 6): a relaxed-canonicalized hash over, for each set
// from i=1 up, its ARC-Authentication-Results, ARC-Message-Signature and
// ARC-Seal, the last seal with b= emptied.
func (st *state) checkSeal(ctx context.Context, sets []*arcSet) (err error) {
	s := sets[len(sets)-1]
	rep := &st.res.Sets[s.instance-1]
	defer func() {
		if err != nil {
			rep.SealResult = CheckFail
			err = fmt.Errorf("%w: i=%d: %w", ErrSeal, s.instance, err)
			if rep.Problem == "" {
				rep.Problem = err.Error()
			}
		}
	}()
	h, keyType, err := st.algorithm(s.as.Algorithm)
	if err != nil {
		return err
	}
	k, err := st.usableKey(ctx, s.as, keyType)
	if err != nil {
		return err
	}
	signed := make([]headers.Field, 0, 3*len(sets))
	for _, x := range sets {
		signed = append(signed, x.aar, x.ams)
		if x != s {
			signed = append(signed, x.seal)
		}
	}
	digest := dkim.HeaderHash(h, dkim.Relaxed, signed, s.seal)
	if err := k.VerifySignature(h, digest, s.as.Sig); err != nil {
		return err
	}
	rep.SealResult = CheckPass
	return nil
}
