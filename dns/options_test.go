package dns_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailprov/mailprov/dns"
	"github.com/mailprov/mailprov/dns/dnstest"
)

func TestServerAddr(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		0:  {"127.0.0.1:5353", "127.0.0.1:5353"},
		1:  {"127.0.0.1", "127.0.0.1:53"},
		2:  {"::1", "[::1]:53"},
		3:  {"[::1]", "[::1]:53"},
		4:  {"[::1]:5353", "[::1]:5353"},
		5:  {"ns.example", "ns.example:53"},
		6:  {"", ""},
		7:  {"1.2.3.4:", ""},
		8:  {"1.2.3.4:x", ""},
		9:  {":53", ""},
		10: {"x:y:z", ""},
		11: {"notahost", "notahost:53"}, // a name; ResolveServers checks it resolves
		12: {"1.2.3.999", ""},
		13: {"1.2.3.999:53", ""},
		14: {"[1.2.3.4]", ""},
		15: {"[x:y:z]:53", ""},
		16: {"[::1]:0", ""},
		17: {"127.0.0.1:65536", ""},
		18: {"127.0.0.1:53:53", ""},
		19: {"-ns.example", ""},
		20: {"ns_1.example", ""},
		21: {"ns.example.:5353", "ns.example.:5353"},
		22: {"bad host", ""},
		23: {"fe80::1%eth0", "[fe80::1%eth0]:53"},
	}
	for i, tt := range tests {
		got, err := dns.ServerAddr(tt.in)
		if tt.want == "" {
			assert.Error(t, err, "%d", i)
			continue
		}
		require.NoError(t, err, "%d", i)
		assert.Equal(t, tt.want, got, "%d", i)
	}
}

func TestResolveServers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := dns.ResolveServers(ctx, []string{"127.0.0.1:5353", "[::1]", "localhost:5300"})
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(got), 3)
	assert.Equal(t, []string{"127.0.0.1:5353", "[::1]:53"}, got[:2])
	assert.Contains(t, got, "127.0.0.1:5300", "localhost, from /etc/hosts")

	for i, bad := range []string{"x:y:z", "notahost.invalid", "127.0.0.1:0", "ns.example.invalid:5353"} {
		_, err := dns.ResolveServers(ctx, []string{"127.0.0.1", bad})
		assert.Error(t, err, "%d", i)
		host, _, _ := strings.Cut(bad, ":")
		assert.Contains(t, err.Error(), host, "%d: the error names the server", i)
	}
}

func TestNewResolver(t *testing.T) {
	srv := dnstest.NewServer(t, testZone(t))
	r, rec, err := dns.NewResolver(dns.Options{Servers: []string{srv.Addr()}, Timeout: 300 * time.Millisecond, Attempts: 1, Record: true})
	require.NoError(t, err)
	require.NotNil(t, rec)
	ctx := context.Background()
	for range 3 {
		_, _, err := dns.TXT(ctx, r, "example.org")
		require.NoError(t, err)
	}
	assert.Equal(t, int64(1), srv.Queries(), "cached")
	path := filepath.Join(t.TempDir(), "rec.jsonl")
	require.NoError(t, rec.Save(path))

	// Replay with no network.
	srv.Close()
	r, rec, err = dns.NewResolver(dns.Options{SnapshotPath: path})
	require.NoError(t, err)
	assert.Nil(t, rec)
	txt, _, err := dns.TXT(ctx, r, "example.org")
	require.NoError(t, err)
	assert.Equal(t, []string{"v=spf1 ip4:192.0.2.0/24 -all"}, txt)
	_, err = r.Query(ctx, "example.org", mdns.TypeA)
	assert.Equal(t, dns.KindNotInSnapshot, kindOf(t, err))

	_, _, err = dns.NewResolver(dns.Options{SnapshotPath: filepath.Join(t.TempDir(), "missing")})
	assert.Error(t, err)
	_, _, err = dns.NewResolver(dns.Options{Servers: []string{"1.2.3.4:x"}})
	assert.Error(t, err)
}
