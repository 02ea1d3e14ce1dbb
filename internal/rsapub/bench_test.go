package rsapub

import (
	"crypto"
	"crypto/rsa"
	"testing"
)

// BenchmarkVerifyPKCS1v15 verifies one rsa-2048 SHA-256 signature with
// crypto/rsa, the baseline, and with a prepared Key. New is the one-time
// cost a Key adds.
func BenchmarkVerifyPKCS1v15(b *testing.B) {
	priv := loadKey(b, "rsa2048.pem")
	digest := digestOf(crypto.SHA256, "a patch")
	sig, err := rsa.SignPKCS1v15(nil, priv, crypto.SHA256, digest)
	if err != nil {
		b.Fatal(err)
	}
	k, err := New(&priv.PublicKey)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("baseline=crypto-rsa", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := rsa.VerifyPKCS1v15(&priv.PublicKey, crypto.SHA256, digest, sig); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("rsapub", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := k.VerifyPKCS1v15(crypto.SHA256, digest, sig); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("New", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := New(&priv.PublicKey); err != nil {
				b.Fatal(err)
			}
		}
	})
}
