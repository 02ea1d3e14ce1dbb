package dns_test

import (
	"context"
	"testing"

	"github.com/mailprov/mailprov/dns"
	"github.com/mailprov/mailprov/dns/dnstest"
)

// BenchmarkTXT compares a TXT lookup over the wire (Client against the
// loopback server, no cache) with one answered from a warm Cache.
func BenchmarkTXT(b *testing.B) {
	zone := `example.org. 300 IN TXT "v=spf1 ip4:192.0.2.0/24 -all"`
	srv := dnstest.NewServer(b, zone)
	ctx := context.Background()
	run := func(b *testing.B, r dns.Resolver) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := dns.TXT(ctx, r, "example.org"); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("baseline-wire-no-cache", func(b *testing.B) { run(b, srv.Resolver()) })
	b.Run("cache-warm", func(b *testing.B) {
		c := &dns.Cache{Resolver: srv.Resolver()}
		if _, _, err := dns.TXT(ctx, c, "example.org"); err != nil {
			b.Fatal(err)
		}
		run(b, c)
	})
}
