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
