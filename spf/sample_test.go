package spf_test

import (
	"context"
	"net/netip"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailprov/mailprov/dns"
	"github.com/mailprov/mailprov/dns/dnstest"
	"github.com/mailprov/mailprov/spf"
)

// TestSampleOrigin checks the origin of the repository's sample message
// (testdata/patchwork) against the hand-written sample zone.
func TestSampleOrigin(t *testing.T) {
	srv := dnstest.NewServerFile(t, filepath.Join("..", "testdata", "dns", "sample.zone"))
	c := &spf.Checker{Resolver: srv.Resolver()}
	for i, tc := range []struct {
		q         spf.Query
		status    spf.Status
		mechanism string
		lookups   int
	}{
		0: {spf.Query{IP: netip.MustParseAddr("2607:f8b0:4864:20::1030"), MailFrom: "zhangckid@gmail.com", HELO: "mail-pj1-x1030.google.com"},
			spf.StatusPass, "include:_netblocks2.google.com", 3},
		1: {spf.Query{IP: netip.MustParseAddr("209.51.188.17"), MailFrom: "qemu-devel-bounces+patchwork=example.org@nongnu.org", HELO: "lists.gnu.org"},
			spf.StatusPass, "ip4:209.51.188.0/24", 0},
		2: {spf.Query{IP: netip.MustParseAddr("192.0.2.1"), MailFrom: "zhangckid@gmail.com", HELO: "mail.example"},
			spf.StatusSoftfail, "~all", 4},
	} {
		r := c.Check(context.Background(), tc.q)
		require.Equal(t, tc.status, r.Status, "%d: %s", i, r.Detail)
		assert.Equal(t, tc.mechanism, r.Mechanism, "%d", i)
		assert.Equal(t, tc.lookups, r.Lookups, "%d", i)
		assert.Equal(t, spf.IdentityMailFrom, r.Identity, "%d", i)
		assert.Len(t, r.Trace, tc.lookups+1, "%d: one TXT query per term plus the first", i)
	}
}

// TestMemo checks that a Checker's memo of parsed records and trace entries
// (which makes evaluations over a warm dns.Cache cheap) is safe for
// concurrent use and changes no result.
func TestMemo(t *testing.T) {
	srv := dnstest.NewServerFile(t, filepath.Join("..", "testdata", "dns", "sample.zone"))
	c := &spf.Checker{Resolver: &dns.Cache{Resolver: srv.Resolver()}}
	q := spf.Query{IP: netip.MustParseAddr("2607:f8b0:4864:20::1030"), MailFrom: "zhangckid@gmail.com", HELO: "mail-pj1-x1030.google.com"}
	first := c.Check(context.Background(), q)
	require.Equal(t, spf.StatusPass, first.Status)
	first.Trace[0].Records[0] = "changed by the caller"
	var wg sync.WaitGroup
	results := make([]spf.Result, 16)
	for i := range results {
		wg.Go(func() { results[i] = c.Check(context.Background(), q) })
	}
	wg.Wait()
	for i, r := range results {
		require.Equal(t, spf.StatusPass, r.Status, "%d", i)
		require.Len(t, r.Trace, len(first.Trace), "%d", i)
		assert.NotEqual(t, "changed by the caller", r.Trace[0].Records[0], "%d", i)
		for j := range r.Trace {
			assert.Equal(t, first.Trace[j].Name, r.Trace[j].Name, "%d/%d", i, j)
		}
	}
	assert.Equal(t, results[0].Trace, results[15].Trace)
}
