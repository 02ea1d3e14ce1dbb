// Package dkim verifies DomainKeys Identified Mail signatures (RFC 6376),
// with the Ed25519 algorithm of RFC 8463 and the cryptographic rules of
// RFC 8301 (no rsa-sha1, RSA keys of at least 1024 bits).
//
// It is written for mail that is no longer in flight: messages taken from
// archives, mbox files and Patchwork, checked long after delivery. So a
// [Verifier] can verify "as of" a chosen time, can check the header
// signature of a message whose body is not stored, and can rebuild a
// Patchwork patch's body to check it against bh=.
//
// The low-level pieces are exported for the ARC verifier (RFC 8617) and
// for tools: [CanonicalizeHeader], [BodyHasher], [ParseKey], [LookupKey],
// [HashAlgorithm], [SelectFields], [HeaderHash] and [Key.VerifySignature].
//
// # Results
//
// Each signature gets a [Result] with an RFC 8601 [Status], a stable
// [Reason] code for anything but pass, a sentence for people, and the two
// cryptographic checks kept apart: HeaderSignature (b=) and Body (bh=).
// Result.Err wraps one sentinel error per reason (errors.Is(r.Err,
// ErrKeyRevoked)). The error returned by [Verifier.Verify] itself only means
// verification could not start.
//
// The choices this package makes where RFC 6376 leaves room:
//
//   - pass means the header signature and the body hash both verified.
//   - A message without its body (stored headers only) whose header
//     signature verifies is neutral with reason body_unchecked and
//     Body "unchecked": an honest partial result, never a pass.
//   - For a Patchwork patch, the body is rebuilt from Patchwork's content
//     and diff: the candidates of [BodyCandidates] and, for git
//     format-patch output whose git version no field names, a sweep over
//     about 1,000 git versions as its signature, within a bound on the
//     bytes hashed (hash_limit when reached); one is accepted only
//     when its computed hash equals bh= (BodySource "rebuilt"). When none
//     matches, the body is "unchecked", not "fail": the reconstruction, not
//     the message, may be wrong. When the header signature fails, the
//     re-spellings of [FieldVariants] that change a signed field's
//     canonical form are tried (at most 256 combinations); a variant is
//     accepted only when the signature verifies with it, and the
//     re-spelled field names are listed in Respelled. If such variants
//     exist and none verifies, the reason is header_altered: the archive
//     may have changed the field.
//   - An expired signature (x= before AsOf) is permerror with reason
//     expired, but the cryptography is still evaluated and reported in
//     HeaderSignature and Body, and Detail says "signature verifies;
//     expired since ..." when it does. Set Verifier.AsOf to the message's
//     date to ask whether the signature held when the mail was sent.
//   - A t= more than five minutes after both AsOf and the current time is
//     permerror future_timestamp (RFC 6376 §3.5 lets verifiers ignore such
//     signatures), evaluated the same way. A t= after an AsOf in the past
//     only draws a warning: with AsOf set to a message's Date, the MTA
//     often signs later than the Date says.
//   - rsa-sha1 is permerror algorithm_weak; an RSA key under MinKeyBits
//     (default 1024) is permerror key_too_small (RFC 8301), and one over
//     MaxKeyBits (default 8192) permerror key_too_large: its arithmetic
//     would cost too much.
//   - More From fields in the message than h= names is fail extra_from,
//     even when the cryptography verifies (the double-From attack).
//   - An l= shorter than the canonical body verifies the signed part but is
//     reported as policy with reason body_length_limit and a warning, since
//     unsigned content follows; an l= longer than the body is permerror
//     body_length_limit. Under l=, every rebuilt Patchwork body sharing
//     the first l= bytes matches, so what follows them is not known from
//     the archive: a warning says so, and the result is pass only when the
//     matching rebuilt body ends at l=, else policy body_length_limit with
//     no body length claimed past l=.
//   - A key with t=y verifies normally; Result.Testing is set and a
//     warning added.
//   - The key lookup's NXDOMAIN or NODATA is permerror key_missing; any
//     other DNS failure is temperror dns_error.
//   - The body hash needs no key, so it is checked before the key lookup:
//     a signature whose key has since been removed or revoked still
//     reports Body pass or fail (and the rebuilt candidate), with the key
//     problem as its Status and Reason.
//
// # Notable divergences
//
// go-msgauth rejects every signature with l=; this package verifies them
// and reports policy. go-msgauth does not detect extra From fields; this
// package does. A bare LF in the body is taken as CRLF and a lone CR as an
// ordinary byte, as go-msgauth does. Header fields are canonicalized from
// the headers package's Field values, which keep folding as CRLF; a raw
// message's white space before a field's colon is lost on loading, so its
// "simple" signature cannot verify.
package dkim
