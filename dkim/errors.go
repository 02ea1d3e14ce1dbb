package dkim

import (
	"errors"
)

// Status is the outcome of verifying one signature, in the words of
// RFC 8601 §2.7.1.
type Status string

// The statuses a DKIM Result can have.
const (
	StatusPass      Status = "pass"      // header signature and body both verified
	StatusFail      Status = "fail"      // the signature or body hash did not verify, or a security check failed
	StatusNeutral   Status = "neutral"   // the header signature verified but the body could not be checked
	StatusNone      Status = "none"      // no signature
	StatusPolicy    Status = "policy"    // verified, but not acceptable as is (l= leaves content unsigned)
	StatusTemperror Status = "temperror" // a temporary failure, typically DNS; a later try may succeed
	StatusPermerror Status = "permerror" // the signature or key cannot be used: syntax, algorithm, key, time
)

// Check is the outcome of one cryptographic check: the header signature
// (b=) or the body hash (bh=).
type Check string

// The outcomes of a check.
const (
	CheckPass      Check = "pass"      // computed and matched
	CheckFail      Check = "fail"      // computed and did not match
	CheckUnchecked Check = "unchecked" // not computed (no body, or verification stopped earlier)
)

// Reason is a stable, machine-readable code for a non-pass Result. The
// codes are part of mailprov's JSON interface.
type Reason string

// The reasons a Result may give. Each has a sentinel error (see
// [ErrBodyHashMismatch] and the others) that Result.Err wraps.
const (
	ReasonBodyHashMismatch     Reason = "body_hash_mismatch"    // bh= differs from the body's hash
	ReasonBadSignature         Reason = "bad_signature"         // b= does not verify
	ReasonKeyMissing           Reason = "key_missing"           // no key record (NXDOMAIN or no TXT)
	ReasonKeyRevoked           Reason = "key_revoked"           // key record with empty p=
	ReasonKeyTooSmall          Reason = "key_too_small"         // RSA key below the minimum size (RFC 8301)
	ReasonKeyTooLarge          Reason = "key_too_large"         // RSA key above Verifier.MaxKeyBits
	ReasonKeySyntax            Reason = "key_syntax"            // key record malformed
	ReasonKeyUnsupported       Reason = "key_unsupported"       // key type unknown or not matching a=
	ReasonAlgorithmUnsupported Reason = "algorithm_unsupported" // a= unknown, or unknown canonicalization
	ReasonAlgorithmWeak        Reason = "algorithm_weak"        // rsa-sha1 (RFC 8301 §3.1)
	ReasonExpired              Reason = "expired"               // x= before the time of verification
	ReasonFutureTimestamp      Reason = "future_timestamp"      // t= after the time of verification
	ReasonFromNotSigned        Reason = "from_not_signed"       // h= does not list From
	ReasonExtraFrom            Reason = "extra_from"            // more From fields than h= covers
	ReasonBodyLengthLimit      Reason = "body_length_limit"     // l= leaves body content unsigned, or exceeds the body
	ReasonDNSError             Reason = "dns_error"             // the key lookup failed temporarily
	ReasonSignatureSyntax      Reason = "signature_syntax"      // the signature field is malformed
	ReasonMissingTag           Reason = "missing_tag"           // a required tag is absent
	ReasonDomainMismatch       Reason = "domain_mismatch"       // i= not under d= (or not equal, with key t=s)
	ReasonKeyHashMismatch      Reason = "key_hash_mismatch"     // key h= does not allow the hash of a=
	ReasonKeyService           Reason = "key_service"           // key s= does not allow email
	ReasonBodyUnchecked        Reason = "body_unchecked"        // header signature verified, body not available
	ReasonHeaderAltered        Reason = "header_altered"        // header signature fails; an archive may have re-spelled a signed field
)

// Sentinel errors, one per Reason. Result.Err wraps one of them, so
// errors.Is(r.Err, dkim.ErrKeyRevoked) tells why a signature did not pass.
var (
	// ErrBodyHashMismatch is returned when the canonical body's hash is not bh=.
	ErrBodyHashMismatch = errors.New("dkim: body hash mismatch")
	// ErrBadSignature is returned when b= does not verify with the key.
	ErrBadSignature = errors.New("dkim: bad signature")
	// ErrKeyMissing is returned when the key record does not exist.
	ErrKeyMissing = errors.New("dkim: key record not found")
	// ErrKeyRevoked is returned for a key record with an empty p=.
	ErrKeyRevoked = errors.New("dkim: key revoked")
	// ErrKeyTooSmall is returned for an RSA key below Verifier.MinKeyBits.
	ErrKeyTooSmall = errors.New("dkim: key too small")
	// ErrKeyTooLarge is returned for an RSA key above Verifier.MaxKeyBits.
	ErrKeyTooLarge = errors.New("dkim: key too large")
	// ErrKeySyntax is returned for a malformed key record.
	ErrKeySyntax = errors.New("dkim: malformed key record")
	// ErrKeyUnsupported is returned for a key type mailprov cannot use, or
	// one that does not match the signature's algorithm.
	ErrKeyUnsupported = errors.New("dkim: unsupported key type")
	// ErrAlgorithmUnsupported is returned for an unknown a= or c=.
	ErrAlgorithmUnsupported = errors.New("dkim: unsupported algorithm")
	// ErrAlgorithmWeak is returned for rsa-sha1, which RFC 8301 §3.1
	// forbids verifiers to accept.
	ErrAlgorithmWeak = errors.New("dkim: weak algorithm")
	// ErrExpired is returned when x= is before the time of verification.
	ErrExpired = errors.New("dkim: signature expired")
	// ErrFutureTimestamp is returned when t= is after the time of
	// verification (beyond a small allowance for clock skew).
	ErrFutureTimestamp = errors.New("dkim: signature timestamp in the future")
	// ErrFromNotSigned is returned when h= does not list From
	// (RFC 6376 §5.4).
	ErrFromNotSigned = errors.New("dkim: From field not signed")
	// ErrExtraFrom is returned when the message has more From fields than
	// h= covers, so an unsigned From may be the one a reader sees.
	ErrExtraFrom = errors.New("dkim: unsigned From field")
	// ErrBodyLengthLimit is returned when l= covers less than the body, or
	// more than there is.
	ErrBodyLengthLimit = errors.New("dkim: body length limit")
	// ErrDNS is returned when the key lookup fails for a reason other than
	// the record not existing.
	ErrDNS = errors.New("dkim: key lookup failed")
	// ErrSignatureSyntax is returned for a malformed signature field.
	ErrSignatureSyntax = errors.New("dkim: malformed signature")
	// ErrMissingTag is returned when a required tag is absent.
	ErrMissingTag = errors.New("dkim: missing required tag")
	// ErrDomainMismatch is returned when i= is not d= or a subdomain of it,
	// or not d= itself when the key has t=s.
	ErrDomainMismatch = errors.New("dkim: identity not in signing domain")
	// ErrKeyHashMismatch is returned when the key's h= does not list the
	// signature's hash algorithm.
	ErrKeyHashMismatch = errors.New("dkim: key does not allow the hash algorithm")
	// ErrKeyService is returned when the key's s= does not list email.
	ErrKeyService = errors.New("dkim: key not for email")
	// ErrBodyUnchecked is returned when the header signature verifies but
	// the body is not available to check bh=.
	ErrBodyUnchecked = errors.New("dkim: body not checked")
	// ErrHeaderAltered is returned when the header signature fails on a
	// stored message whose archive may have re-spelled a signed field.
	ErrHeaderAltered = errors.New("dkim: header possibly altered by archive")
)

// reasonTable maps each sentinel to its Reason. It is the only place the
// mapping is written; it is never modified. It is ordered most specific
// first: ErrHeaderAltered also wraps ErrBadSignature.
var reasonTable = [...]struct {
	err    error
	reason Reason
}{
	{ErrHeaderAltered, ReasonHeaderAltered},
	{ErrBodyHashMismatch, ReasonBodyHashMismatch},
	{ErrBadSignature, ReasonBadSignature},
	{ErrKeyMissing, ReasonKeyMissing},
	{ErrKeyRevoked, ReasonKeyRevoked},
	{ErrKeyTooSmall, ReasonKeyTooSmall},
	{ErrKeyTooLarge, ReasonKeyTooLarge},
	{ErrKeySyntax, ReasonKeySyntax},
	{ErrKeyUnsupported, ReasonKeyUnsupported},
	{ErrAlgorithmUnsupported, ReasonAlgorithmUnsupported},
	{ErrAlgorithmWeak, ReasonAlgorithmWeak},
	{ErrExpired, ReasonExpired},
	{ErrFutureTimestamp, ReasonFutureTimestamp},
	{ErrFromNotSigned, ReasonFromNotSigned},
	{ErrExtraFrom, ReasonExtraFrom},
	{ErrBodyLengthLimit, ReasonBodyLengthLimit},
	{ErrDNS, ReasonDNSError},
	{ErrSignatureSyntax, ReasonSignatureSyntax},
	{ErrMissingTag, ReasonMissingTag},
	{ErrDomainMismatch, ReasonDomainMismatch},
	{ErrKeyHashMismatch, ReasonKeyHashMismatch},
	{ErrKeyService, ReasonKeyService},
	{ErrBodyUnchecked, ReasonBodyUnchecked},
}

// ReasonOf returns the Reason for an error wrapping one of the package's
// sentinels, or "" when it wraps none.
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
