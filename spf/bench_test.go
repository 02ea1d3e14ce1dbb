package spf_test

import (
	"context"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/mailprov/mailprov/dns"
	"github.com/mailprov/mailprov/dns/dnstest"
	"github.com/mailprov/mailprov/spf"
)

// benchZone is a gmail-like policy: three includes of realistic netblock
// lists (the shape of Google's published records; test data).
var benchZone = map[string]string{
	"example.com":            "v=spf1 include:_netblocks.google.com include:_netblocks2.google.com include:_netblocks3.google.com ~all",
	"_netblocks.google.com":  "v=spf1 ip4:35.190.247.0/24 ip4:64.233.160.0/19 ip4:66.102.0.0/20 ip4:66.249.80.0/20 ip4:72.14.192.0/18 ip4:74.125.0.0/16 ip4:108.177.8.0/21 ip4:173.194.0.0/16 ip4:209.85.128.0/17 ip4:216.58.192.0/19 ip4:216.239.32.0/19 ~all",
	"_netblocks2.google.com": "v=spf1 ip6:2001:4860:4000::/36 ip6:2404:6800:4000::/36 ip6:2607:f8b0:4000::/36 ip6:2800:3f0:4000::/36 ip6:2a00:1450:4000::/36 ip6:2c0f:fb50:4000::/36 ~all",
	"_netblocks3.google.com": "v=spf1 ip4:172.217.0.0/19 ip4:172.217.32.0/20 ip4:172.217.128.0/19 ip4:172.217.160.0/20 ip4:172.217.192.0/19 ip4:172.253.56.0/21 ip4:172.253.112.0/20 ip4:108.177.96.0/19 ip4:35.191.0.0/16 ip4:130.211.0.0/22 ~all",
}

// countingResolver counts the questions a Checker asks.
type countingResolver struct {
	dns.Resolver
	n atomic.Int64
}

func (c *countingResolver) Query(ctx context.Context, name string, qtype uint16) (*dns.Answer, error) {
	c.n.Add(1)
	return c.Resolver.Query(ctx, name, qtype)
}

// BenchmarkCheckHost evaluates the gmail-like policy for an address in the
// last include (so every include is evaluated: 4 TXT questions, the RFC
// minimum for this policy).
//
//   - baseline-netip-prefix-contains: only the prefix checks, on prefixes
//     parsed in advance: the floor of any evaluation.
//   - cold: every question goes over the wire to the loopback server.
//   - warm: the questions are answered by a warm dns.Cache.
func BenchmarkCheckHost(b *testing.B) {
	var rrs []mdns.RR
	for name, txt := range benchZone {
		rrs = append(rrs, txtRR(name, txt))
	}
	srv := dnstest.NewServerRR(b, rrs)
	ip := netip.MustParseAddr("35.191.1.1")
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()

	b.Run("baseline-netip-prefix-contains", func(b *testing.B) {
		var prefixes []netip.Prefix
		for _, name := range []string{"_netblocks.google.com", "_netblocks2.google.com", "_netblocks3.google.com"} {
			for _, f := range strings.Fields(benchZone[name]) {
				if p, err := netip.ParsePrefix(f[4:]); err == nil && (strings.HasPrefix(f, "ip4:") || strings.HasPrefix(f, "ip6:")) {
					prefixes = append(prefixes, p)
				}
			}
		}
		b.ReportAllocs()
		matched := 0
		for b.Loop() {
			for _, p := range prefixes {
				if p.Contains(ip) {
					matched++
					break
				}
			}
		}
		if matched == 0 {
			b.Fatal("no match")
		}
	})

	run := func(b *testing.B, res dns.Resolver) {
		cr := &countingResolver{Resolver: res}
		c := &spf.Checker{Resolver: cr}
		if r := c.CheckHost(ctx, ip, "example.com", "user@example.com", "mail.example.com"); r.Status != spf.StatusPass {
			b.Fatalf("%s: %s", r.Status, r.Detail)
		}
		cr.n.Store(0)
		wire := srv.Queries()
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			c.CheckHost(ctx, ip, "example.com", "user@example.com", "mail.example.com")
		}
		b.ReportMetric(float64(cr.n.Load())/float64(b.N), "queries/op")
		b.ReportMetric(float64(srv.Queries()-wire)/float64(b.N), "wire-queries/op")
	}
	b.Run("cold", func(b *testing.B) { run(b, srv.Resolver()) })
	b.Run("warm", func(b *testing.B) { run(b, &dns.Cache{Resolver: srv.Resolver()}) })
}
