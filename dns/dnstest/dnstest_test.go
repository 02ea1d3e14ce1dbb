package dnstest_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailprov/mailprov/dns"
	"github.com/mailprov/mailprov/dns/dnstest"
)

func TestServerAnswers(t *testing.T) {
	long := strings.Repeat("x", 250)
	zone := fmt.Sprintf(`
example.org.        300 IN TXT "v=spf1 " "-all"
esc.example.org.    300 IN TXT "a\"b\059c"
big.example.org.    300 IN TXT %q %q %q %q %q %q %q %q
alias.example.org.  300 IN CNAME example.org.
sub.deep.example.org. 300 IN A 192.0.2.1
`, long, long, long, long, long, long, long, long)
	srv := dnstest.NewServer(t, zone)
	r := srv.Resolver()
	ctx := context.Background()

	txt, _, err := dns.TXT(ctx, r, "example.org")
	require.NoError(t, err)
	assert.Equal(t, []string{"v=spf1 -all"}, txt)

	txt, _, err = dns.TXT(ctx, r, "esc.example.org")
	require.NoError(t, err)
	assert.Equal(t, []string{`a"b;c`}, txt)

	// 2000 bytes do not fit the advertised UDP size: the client must retry over TCP.
	txt, _, err = dns.TXT(ctx, r, "big.example.org")
	require.NoError(t, err)
	assert.Len(t, txt[0], 2000)

	txt, _, err = dns.TXT(ctx, r, "alias.example.org")
	require.NoError(t, err)
	assert.Equal(t, []string{"v=spf1 -all"}, txt)

	_, _, err = dns.TXT(ctx, r, "nope.example.org")
	var de *dns.Error
	require.True(t, errors.As(err, &de))
	assert.Equal(t, dns.KindNXDomain, de.Kind)

	// deep.example.org exists only as an empty non-terminal: NODATA.
	_, _, err = dns.TXT(ctx, r, "deep.example.org")
	require.True(t, errors.As(err, &de))
	assert.Equal(t, dns.KindNoData, de.Kind)
	assert.True(t, dns.IsNotFound(err))
	assert.False(t, dns.IsTemporary(err))
}

func TestServerFailures(t *testing.T) {
	srv := dnstest.NewServer(t, "", dnstest.WithTimeout("slow.test"), dnstest.WithServFail("broken.test"))
	r := srv.Resolver()
	ctx := context.Background()
	_, _, err := dns.TXT(ctx, r, "slow.test")
	var de *dns.Error
	require.True(t, errors.As(err, &de))
	assert.Equal(t, dns.KindTimeout, de.Kind)
	assert.True(t, dns.IsTemporary(err))

	_, _, err = dns.TXT(ctx, r, "broken.test")
	require.True(t, errors.As(err, &de))
	assert.Equal(t, dns.KindServFail, de.Kind)
}

func TestServerKnobs(t *testing.T) {
	zone := `
$ORIGIN example.org.
@    300 IN SOA ns hostmaster 1 3600 600 86400 42
@    300 IN TXT "hello"
`
	ctx := context.Background()
	tests := []struct {
		name string
		opt  dnstest.Option
		kind dns.ErrorKind
	}{
		0: {"refused", dnstest.WithRefused("example.org"), dns.KindRefused},
		1: {"servfail", dnstest.WithServFail("EXAMPLE.org."), dns.KindServFail},
		2: {"garbage", dnstest.WithGarbage("example.org"), dns.KindMalformed},
		3: {"drop", dnstest.WithDrop("example.org"), dns.KindTimeout},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := dnstest.NewServer(t, zone, tt.opt)
			_, _, err := dns.TXT(ctx, srv.Resolver(), "example.org")
			var de *dns.Error
			require.True(t, errors.As(err, &de), "%d", i)
			assert.Equal(t, tt.kind, de.Kind, "%d", i)
		})
	}

	// The zone's own SOA gives the negative TTL; the log shows each query.
	srv := dnstest.NewServer(t, zone, dnstest.WithTruncateAlways(), dnstest.WithAD())
	_, ans, err := dns.TXT(ctx, srv.Resolver(), "nope.example.org")
	assert.True(t, dns.IsNXDomain(err))
	assert.Equal(t, uint32(42), ans.TTL)
	assert.True(t, ans.Authentic)
	assert.Equal(t, []dnstest.Query{
		{Name: "nope.example.org.", Type: mdns.TypeTXT, Net: "udp"},
		{Name: "nope.example.org.", Type: mdns.TypeTXT, Net: "tcp"},
	}, srv.Log())
	assert.Equal(t, int64(2), srv.Queries())

	// Records added while running are served.
	rr, err := mdns.NewRR(`new.example.org. 60 IN TXT "added"`)
	require.NoError(t, err)
	srv.Add(rr)
	txt, _, err := dns.TXT(ctx, srv.Resolver(), "new.example.org")
	require.NoError(t, err)
	assert.Equal(t, []string{"added"}, txt)
}

func TestStart(t *testing.T) {
	_, err := dnstest.Start("example.org. IN BOGUS x")
	assert.Error(t, err)
	srv, err := dnstest.Start("", dnstest.WithIPv6())
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	srv.Close()
	srv.Close() // twice is fine
}

func TestClosedAddr(t *testing.T) {
	addr := dnstest.ClosedAddr(t)
	for _, network := range []string{"udp", "tcp"} {
		c, err := net.Dial(network, addr)
		if err == nil {
			c.SetDeadline(time.Now().Add(2 * time.Second))
			_, err = c.Write([]byte{0})
			if err == nil {
				_, err = c.Read(make([]byte, 1))
			}
			c.Close()
		}
		assert.ErrorIs(t, err, syscall.ECONNREFUSED, network)
	}
}
