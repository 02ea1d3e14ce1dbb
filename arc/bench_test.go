package arc

import (
	"context"
	"crypto"
	"crypto/rsa"
	"testing"

	"github.com/mailprov/mailprov/dkim"
	"github.com/mailprov/mailprov/dns"
	"github.com/mailprov/mailprov/dns/dnstest"
	"github.com/mailprov/mailprov/headers"
)

// BenchmarkVerify measures validating a 3-set chain (3 seals, 3 message
// signatures, body hashed 3 times), with keys from a dns.Cache in front of
// the loopback server. The floor is the 6 RSA verifications alone.
func BenchmarkVerify(b *testing.B) {
	key := testKey(b)
	m := chainOf(b, key, 3)
	srv := dnstest.NewServer(b, testZone(b, key, hopNames(3)...))
	v := &Verifier{Resolver: &dns.Cache{Resolver: srv.Resolver()}}
	ctx := context.Background()
	if res := v.Verify(ctx, m); res.Status != StatusPass {
		b.Fatalf("%s: %s", res.Status, res.Detail)
	}
	b.Run("floor-rsa", func(b *testing.B) {
		c := parseChain(m.Fields)
		s := c.sets[2]
		digest := dkim.HeaderHash(crypto.SHA256, dkim.Relaxed, dkim.SelectFields(m.Fields, s.sig.Headers), s.ams)
		b.ReportAllocs()
		for b.Loop() {
			for range 6 {
				if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, digest, s.sig.Sig); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("mailprov", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if res := v.Verify(ctx, m); res.Status != StatusPass {
				b.Fatal(res.Detail)
			}
		}
	})
	b.Run("mailprov-headers-only", func(b *testing.B) {
		h := &headers.Message{Fields: m.Fields}
		b.ReportAllocs()
		for b.Loop() {
			if res := v.Verify(ctx, h); res.Status != StatusNeutral {
				b.Fatal(res.Detail)
			}
		}
	})
}
