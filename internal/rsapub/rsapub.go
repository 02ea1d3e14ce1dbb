// Package rsapub verifies RSASSA-PKCS1-v1_5 signatures (RFC 8017 §8.2.2)
// with an RSA public key prepared once for many verifications.
//
// crypto/rsa rebuilds the modulus's Montgomery constants from the
// *rsa.PublicKey on every call (R² mod n alone is about a quarter of a
// 2048-bit verification), and offers no way to keep them, as
// PrivateKey.Precompute does for private keys. A Key keeps them. The
// arithmetic is filippo.io/bigmod, the standard library's
// crypto/internal/fips140/bigmod published by its author; this package
// adds only the encoding check, done the way RFC 8017 §8.2.2 and crypto/rsa
// do it: every byte of the recovered encoded message is compared with the
// one expected, nothing in it is parsed.
package rsapub

import (
	"bytes"
	"crypto"
	"crypto/fips140"
	"crypto/rsa"
	"errors"

	"filippo.io/bigmod"
)

// ErrUnsupportedKey is returned by New for a key it does not prepare:
// fewer than 1024 bits, an even modulus, or an exponent that is even,
// below 3 or above 2³¹-1. crypto/rsa refuses such keys too, with a reason
// of its own (or, for small keys, accepts them under GODEBUG=rsa1024min=0),
// so callers verify with crypto/rsa instead.
var ErrUnsupportedKey = errors.New("rsapub: key not supported")

// Key is an RSA public key prepared for verification. It is not modified
// after New and is safe for concurrent use.
type Key struct {
	pub *rsa.PublicKey
	n   *bigmod.Modulus
	e   uint
}

// New prepares pub for verification, which costs about as much as one
// crypto/rsa verification. pub must not be modified afterwards.
func New(pub *rsa.PublicKey) (*Key, error) {
	if pub == nil || pub.N == nil || pub.N.Sign() <= 0 || pub.N.BitLen() < 1024 || pub.N.Bit(0) == 0 ||
		pub.E < 3 || pub.E&1 == 0 || pub.E > 1<<31-1 {
		return nil, ErrUnsupportedKey
	}
	n, err := bigmod.NewModulus(pub.N.Bytes())
	if err != nil {
		return nil, err
	}
	return &Key{pub: pub, n: n, e: uint(pub.E)}, nil
}

// Public returns the key New prepared.
func (k *Key) Public() *rsa.PublicKey { return k.pub }

// DER DigestInfo prefixes (RFC 8017 §9.2 note 1) of the hashes DKIM signs
// with; VerifyPKCS1v15 hands any other hash to crypto/rsa.
const (
	prefixSHA1   = "\x30\x21\x30\x09\x06\x05\x2b\x0e\x03\x02\x1a\x05\x00\x04\x14"
	prefixSHA256 = "\x30\x31\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x05\x00\x04\x20"
)

func digestInfo(h crypto.Hash) string {
	switch h {
	case crypto.SHA1:
		return prefixSHA1
	case crypto.SHA256:
		return prefixSHA256
	}
	return ""
}

// VerifyPKCS1v15 reports whether sig is k's RSASSA-PKCS1-v1_5 signature of
// hashed, the digest made with h, as rsa.VerifyPKCS1v15 does: a nil error
// means the signature is valid, and an invalid one returns
// rsa.ErrVerification. Hashes other than SHA-1 and SHA-256, a digest of the
// wrong length, and FIPS 140-3 mode are handed to rsa.VerifyPKCS1v15
// itself.
func (k *Key) VerifyPKCS1v15(h crypto.Hash, hashed, sig []byte) error {
	prefix := digestInfo(h)
	if prefix == "" || len(hashed) != h.Size() || fips140.Enabled() {
		return rsa.VerifyPKCS1v15(k.pub, h, hashed, sig)
	}
	// RFC 8017 §8.2.2 step 1: the signature is exactly k octets.
	size := k.n.Size()
	if len(sig) != size {
		return rsa.ErrVerification
	}
	// Step 2: s < n, m = s^e mod n, EM = I2OSP(m, k). New took no key
	// under 1024 bits, so EM has room for T and eight bytes of padding
	// (§9.2 step 3).
	s, err := bigmod.NewNat().SetBytes(sig, k.n)
	if err != nil {
		return rsa.ErrVerification
	}
	tLen := len(prefix) + len(hashed)
	em := bigmod.NewNat().ExpShortVarTime(s, k.e, k.n).Bytes(k.n)
	// Steps 3 and 4: EM must equal 0x00 || 0x01 || PS || 0x00 || T, PS
	// all 0xff, T the DigestInfo prefix and the digest.
	for _, b := range em[2 : size-tLen-1] {
		if b != 0xff {
			return rsa.ErrVerification
		}
	}
	if em[0] != 0 || em[1] != 1 || em[size-tLen-1] != 0 ||
		string(em[size-tLen:size-len(hashed)]) != prefix ||
		!bytes.Equal(em[size-len(hashed):], hashed) {
		return rsa.ErrVerification
	}
	return nil
}
