package dkim

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseKey(t *testing.T) {
	rsaKey := loadKey(t, "rsa1024.pem").Public().(*rsa.PublicKey)
	edKey := loadKey(t, "ed25519.pem").Public().(ed25519.PublicKey)
	spki, err := x509.MarshalPKIXPublicKey(rsaKey)
	require.NoError(t, err)
	edSPKI, err := x509.MarshalPKIXPublicKey(edKey)
	require.NoError(t, err)
	b64 := base64.StdEncoding.EncodeToString
	p := b64(spki)
	pkcs1 := b64(x509.MarshalPKCS1PublicKey(rsaKey))

	for i, tc := range []struct {
		txt  string
		err  error
		want func(t *testing.T, k *Key)
	}{
		0: {txt: "v=DKIM1; k=rsa; p=" + p, want: func(t *testing.T, k *Key) {
			assert.Equal(t, "rsa", k.Type)
			assert.Equal(t, 1024, k.Bits)
			assert.True(t, rsaKey.Equal(k.Public))
			assert.True(t, k.AllowsHash("sha256"))
			assert.True(t, k.AllowsEmail())
			assert.False(t, k.Testing())
		}},
		1: {txt: "p=" + p, want: func(t *testing.T, k *Key) { assert.Equal(t, "rsa", k.Type) }}, // k= defaults to rsa
		2: {txt: "v=DKIM1; p=" + pkcs1, want: func(t *testing.T, k *Key) { assert.True(t, rsaKey.Equal(k.Public)) }},
		3: {txt: "v=DKIM1; k=ed25519; p=" + b64(edKey), want: func(t *testing.T, k *Key) {
			assert.Equal(t, 256, k.Bits)
			assert.True(t, edKey.Equal(k.Public))
		}},
		4: {txt: "v=DKIM1; k=RSA; h=SHA256 : sha512; s=email:tlsrpt; t=y:s; n=hello; p=" + p, want: func(t *testing.T, k *Key) {
			assert.Equal(t, []string{"sha256", "sha512"}, k.Hashes)
			assert.False(t, k.AllowsHash("sha1"))
			assert.True(t, k.AllowsEmail())
			assert.True(t, k.Testing())
			assert.True(t, k.Strict())
			assert.Equal(t, "hello", k.Notes)
		}},
		5:  {txt: "s=tlsrpt; p=" + p, want: func(t *testing.T, k *Key) { assert.False(t, k.AllowsEmail()) }},
		6:  {txt: "s=*; p=" + p, want: func(t *testing.T, k *Key) { assert.True(t, k.AllowsEmail()) }},
		7:  {txt: "p = " + p[:40] + " \r\n\t" + p[40:], want: func(t *testing.T, k *Key) { assert.Equal(t, 1024, k.Bits) }},
		8:  {txt: "v=DKIM1; k=rsa; p=", err: ErrKeyRevoked},
		9:  {txt: "v=DKIM1; k=rsa", err: ErrKeySyntax},
		10: {txt: "k=rsa; v=DKIM1; p=" + p, err: ErrKeySyntax}, // v= not first
		11: {txt: "v=DKIM2; p=" + p, err: ErrKeySyntax},
		12: {txt: "k=dsa; p=" + p, err: ErrKeyUnsupported},
		13: {txt: "p=!!!", err: ErrKeySyntax},
		14: {txt: "k=ed25519; p=" + b64(edKey[:31]), err: ErrKeySyntax},
		15: {txt: "k=ed25519; p=" + b64(edSPKI), err: ErrKeySyntax}, // RFC 8463: raw key, not SPKI
		16: {txt: "k=rsa; p=" + b64(edSPKI), err: ErrKeyUnsupported},
		17: {txt: "p=" + p + "; p=" + p, err: ErrKeySyntax},
		18: {txt: "", err: ErrKeySyntax},
		19: {txt: "k=rsa; p=AAAA", err: ErrKeySyntax},
	} {
		k, err := ParseKey(tc.txt)
		if tc.err != nil {
			assert.ErrorIs(t, err, tc.err, "%d", i)
			if tc.err == ErrKeyRevoked {
				require.NotNil(t, k, "%d", i)
				assert.True(t, k.Revoked)
				assert.ErrorIs(t, k.VerifySignature(crypto.SHA256, nil, nil), ErrKeyRevoked)
			}
			continue
		}
		require.NoError(t, err, "%d", i)
		tc.want(t, k)
	}
}

func TestHashAlgorithm(t *testing.T) {
	for i, tc := range []struct {
		a       string
		h       crypto.Hash
		keyType string
		err     error
	}{
		0: {"rsa-sha256", crypto.SHA256, "rsa", nil},
		1: {"ed25519-sha256", crypto.SHA256, "ed25519", nil},
		2: {"RSA-SHA256", crypto.SHA256, "rsa", nil},
		3: {"rsa-sha1", crypto.SHA1, "rsa", ErrAlgorithmWeak},
		4: {"rsa-sha512", 0, "", ErrAlgorithmUnsupported},
		5: {"", 0, "", ErrAlgorithmUnsupported},
	} {
		h, kt, err := HashAlgorithm(tc.a)
		assert.Equal(t, tc.h, h, "%d", i)
		assert.Equal(t, tc.keyType, kt, "%d", i)
		if tc.err == nil {
			assert.NoError(t, err, "%d", i)
		} else {
			assert.ErrorIs(t, err, tc.err, "%d", i)
		}
	}
}

// TestVerifySignaturePrepared checks that an RSA Key from ParseKey verifies
// through its prepared form (rsapub) with crypto/rsa's verdicts, that
// copies share it, and that a Key whose Public was replaced, or one built
// by hand, verifies with crypto/rsa instead of the stale preparation.
func TestVerifySignaturePrepared(t *testing.T) {
	priv := loadKey(t, "rsa2048.pem").(*rsa.PrivateKey)
	other := loadKey(t, "rsa1024.pem").(*rsa.PrivateKey)
	spki, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	require.NoError(t, err)
	k, err := ParseKey("v=DKIM1; p=" + base64.StdEncoding.EncodeToString(spki))
	require.NoError(t, err)
	pub := k.Public.(*rsa.PublicKey)

	hashOf := func(h crypto.Hash, s string) []byte {
		d := h.New()
		d.Write([]byte(s))
		return d.Sum(nil)
	}
	digest := hashOf(crypto.SHA256, "header")
	sign := func(p *rsa.PrivateKey, h crypto.Hash, d []byte) []byte {
		sig, err := rsa.SignPKCS1v15(nil, p, h, d)
		require.NoError(t, err)
		return sig
	}
	sig := sign(priv, crypto.SHA256, digest)
	require.NoError(t, k.VerifySignature(crypto.SHA256, digest, sig))
	require.NotNil(t, k.prepared(pub), "ParseKey's key is not prepared")
	bad := append([]byte(nil), sig...)
	bad[100] ^= 4
	err = k.VerifySignature(crypto.SHA256, digest, bad)
	assert.ErrorIs(t, err, ErrBadSignature)
	assert.ErrorIs(t, err, rsa.ErrVerification)
	sig1 := sign(priv, crypto.SHA1, hashOf(crypto.SHA1, "header"))
	assert.NoError(t, k.VerifySignature(crypto.SHA1, hashOf(crypto.SHA1, "header"), sig1))

	copied := *k
	assert.Same(t, k.prepared(pub), copied.prepared(pub), "a copy prepares the key again")

	// Public replaced: the other key's signatures verify, this key's do not.
	copied.Public = &other.PublicKey
	assert.Nil(t, copied.prepared(&other.PublicKey))
	assert.NoError(t, copied.VerifySignature(crypto.SHA256, digest, sign(other, crypto.SHA256, digest)))
	assert.ErrorIs(t, copied.VerifySignature(crypto.SHA256, digest, sig), ErrBadSignature)

	byHand := &Key{Type: "rsa", Public: &priv.PublicKey, Bits: 2048}
	assert.Nil(t, byHand.prepared(&priv.PublicKey))
	assert.NoError(t, byHand.VerifySignature(crypto.SHA256, digest, sig))
	assert.ErrorIs(t, byHand.VerifySignature(crypto.SHA256, digest, bad), ErrBadSignature)
}
