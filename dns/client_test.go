package dns_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
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

// testZone is the zone most tests serve.
func testZone(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "test.zone"))
	require.NoError(t, err)
	// big.example.org: one TXT record of 120 strings of 250 bytes, too big
	// for UDP.
	big := strings.Repeat(`"`+strings.Repeat("x", 250)+`" `, 120)
	return string(b) + "\nbig.example.org. 300 IN TXT " + big + "\n"
}

// fastClient asks srvs with one try each and a timeout short enough for
// tests, long enough for a loaded machine.
func fastClient(srvs ...*dnstest.Server) *dns.Client {
	c := &dns.Client{Timeout: time.Second, Attempts: 1}
	for _, s := range srvs {
		c.Servers = append(c.Servers, s.Addr())
	}
	return c
}

func kindOf(t *testing.T, err error) dns.ErrorKind {
	t.Helper()
	var de *dns.Error
	require.ErrorAs(t, err, &de)
	return de.Kind
}

func TestClientAnswers(t *testing.T) {
	srv := dnstest.NewServer(t, testZone(t))
	r := fastClient(srv)
	ctx := context.Background()

	txt, ans, err := dns.TXT(ctx, r, "example.org")
	require.NoError(t, err)
	assert.Equal(t, []string{"v=spf1 ip4:192.0.2.0/24 -all"}, txt)
	assert.Equal(t, "example.org.", ans.Name)
	assert.Equal(t, uint32(300), ans.TTL)
	assert.Equal(t, mdns.RcodeSuccess, ans.Rcode)
	assert.False(t, ans.Authentic)

	txt, _, err = dns.TXT(ctx, r, "esc.example.org")
	require.NoError(t, err)
	assert.Equal(t, []string{"a\"b;c\\d\x00e"}, txt)

	ips, _, err := dns.A(ctx, r, "mail.example.org")
	require.NoError(t, err)
	assert.Equal(t, []netip.Addr{netip.MustParseAddr("192.0.2.25")}, ips)

	ips, _, err = dns.AAAA(ctx, r, "mail.example.org")
	require.NoError(t, err)
	assert.Equal(t, []netip.Addr{netip.MustParseAddr("2001:db8::25")}, ips)

	ips, _, err = dns.IP(ctx, r, "mail.example.org", netip.MustParseAddr("::ffff:192.0.2.1"))
	require.NoError(t, err)
	assert.Equal(t, []netip.Addr{netip.MustParseAddr("192.0.2.25")}, ips)

	mxs, _, err := dns.MXs(ctx, r, "example.org")
	require.NoError(t, err)
	assert.Equal(t, []dns.MX{{Preference: 10, Host: "mail.example.org."}}, mxs)

	names, _, err := dns.PTR(ctx, r, netip.MustParseAddr("192.0.2.25"))
	require.NoError(t, err)
	assert.Equal(t, []string{"mail.example.org."}, names)

	names, _, err = dns.PTR(ctx, r, netip.MustParseAddr("2001:db8::25"))
	require.NoError(t, err)
	assert.Equal(t, []string{"mail.example.org."}, names)

	// A CNAME chain is followed and kept.
	txt, ans, err = dns.TXT(ctx, r, "alias.example.org")
	require.NoError(t, err)
	assert.Equal(t, []string{"v=spf1 ip4:192.0.2.0/24 -all"}, txt)
	require.Len(t, ans.Records, 2)
	assert.Equal(t, mdns.TypeCNAME, ans.Records[0].Header().Rrtype)
}

func TestClientNegative(t *testing.T) {
	srv := dnstest.NewServer(t, testZone(t))
	r := fastClient(srv)
	ctx := context.Background()

	// NXDOMAIN, with the zone's SOA minimum (60) as negative TTL.
	_, ans, err := dns.TXT(ctx, r, "nope.example.org")
	assert.Equal(t, dns.KindNXDomain, kindOf(t, err))
	require.ErrorIs(t, err, dns.ErrNotFound)
	assert.True(t, dns.IsNXDomain(err))
	assert.False(t, dns.IsTemporary(err))
	require.NotNil(t, ans)
	assert.Equal(t, mdns.RcodeNameError, ans.Rcode)
	assert.Equal(t, uint32(60), ans.TTL)

	// NODATA: the name exists, without TXT.
	_, ans, err = dns.TXT(ctx, r, "mail.example.org")
	assert.Equal(t, dns.KindNoData, kindOf(t, err))
	assert.False(t, dns.IsNXDomain(err))
	assert.True(t, dns.IsNotFound(err))
	assert.Equal(t, uint32(60), ans.TTL)

	// An empty non-terminal is NODATA too.
	_, _, err = dns.TXT(ctx, r, "deep.example.org")
	assert.Equal(t, dns.KindNoData, kindOf(t, err))

	// A CNAME to a name without the type is NODATA.
	_, _, err = dns.A(ctx, r, "alias.example.org")
	assert.Equal(t, dns.KindNoData, kindOf(t, err))

	// Invalid names never reach the wire.
	n := srv.Queries()
	_, _, err = dns.TXT(ctx, r, strings.Repeat("a", 64)+".example.org")
	assert.Equal(t, dns.KindMalformed, kindOf(t, err))
	assert.Equal(t, n, srv.Queries())
}

// TestClientHostile checks that each kind of bad server behaviour gives the
// right Kind, within a time bound.
func TestClientHostile(t *testing.T) {
	t.Parallel()
	zone := testZone(t)
	wrongID := dnstest.WithHandler(func(w mdns.ResponseWriter, r *mdns.Msg) bool {
		m := new(mdns.Msg)
		m.SetReply(r)
		m.Id = r.Id + 1
		w.WriteMsg(m)
		return true
	})
	otherQuestion := dnstest.WithHandler(func(w mdns.ResponseWriter, r *mdns.Msg) bool {
		m := new(mdns.Msg)
		m.SetQuestion("other.example.org.", mdns.TypeTXT)
		m.Id = r.Id
		m.Response = true
		m.Answer = []mdns.RR{&mdns.TXT{Hdr: mdns.RR_Header{Name: "other.example.org.", Rrtype: mdns.TypeTXT, Class: mdns.ClassINET, Ttl: 60}, Txt: []string{"spoof"}}}
		w.WriteMsg(m)
		return true
	})
	noQR := dnstest.WithHandler(func(w mdns.ResponseWriter, r *mdns.Msg) bool {
		m := r.Copy()
		m.Response = false
		w.WriteMsg(m)
		return true
	})
	noEDNS := dnstest.WithHandler(func(w mdns.ResponseWriter, r *mdns.Msg) bool {
		if r.IsEdns0() == nil {
			return false // the zone answers
		}
		m := new(mdns.Msg)
		m.SetRcode(r, mdns.RcodeFormatError)
		w.WriteMsg(m)
		return true
	})
	refusedBare := dnstest.WithHandler(func(w mdns.ResponseWriter, r *mdns.Msg) bool {
		m := new(mdns.Msg)
		m.SetRcode(r, mdns.RcodeRefused)
		m.Question = nil
		w.WriteMsg(m)
		return true
	})
	// Slow rows must wait out the client's timeout (short here); fast rows
	// must not (it is long there). Bounds leave room for a loaded machine.
	tests := []struct {
		name  string
		opts  []dnstest.Option
		qname string
		kind  dns.ErrorKind // 0: success
		slow  bool
	}{
		0:  {"wrong-id", []dnstest.Option{wrongID}, "example.org", dns.KindMalformed, true},
		1:  {"garbage", []dnstest.Option{dnstest.WithGarbage("example.org")}, "example.org", dns.KindMalformed, true},
		2:  {"garbage-tcp", []dnstest.Option{dnstest.WithGarbage("example.org"), dnstest.WithTruncateAlways()}, "example.org", dns.KindMalformed, false},
		3:  {"other-question", []dnstest.Option{otherQuestion}, "example.org", dns.KindMalformed, true},
		4:  {"no-qr-bit", []dnstest.Option{noQR}, "example.org", dns.KindMalformed, true},
		5:  {"never-answers", []dnstest.Option{dnstest.WithDrop("example.org")}, "example.org", dns.KindTimeout, true},
		6:  {"servfail", []dnstest.Option{dnstest.WithServFail("example.org")}, "example.org", dns.KindServFail, false},
		7:  {"refused", []dnstest.Option{dnstest.WithRefused("example.org")}, "example.org", dns.KindRefused, false},
		8:  {"cname-loop", nil, "loop1.example.org", dns.KindMalformed, false},
		9:  {"cname-chain-too-long", nil, "c1.example.org", dns.KindMalformed, false},
		10: {"truncated-tcp-refused", []dnstest.Option{dnstest.WithTruncateAlways(), dnstest.WithNoTCP()}, "example.org", dns.KindServFail, false},
		11: {"truncated-always-tcp-ok", []dnstest.Option{dnstest.WithTruncateAlways()}, "example.org", 0, false},
		12: {"huge-txt-over-tcp", nil, "big.example.org", 0, false},
		13: {"formerr-retry-without-edns", []dnstest.Option{noEDNS}, "example.org", 0, false},
		14: {"refused-without-question", []dnstest.Option{refusedBare}, "example.org", dns.KindRefused, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := dnstest.NewServer(t, zone, tt.opts...)
			c := &dns.Client{Servers: []string{srv.Addr()}, Timeout: 5 * time.Second, Attempts: 1}
			if tt.slow {
				c.Timeout = 300 * time.Millisecond
			}
			start := time.Now()
			txt, _, err := dns.TXT(context.Background(), c, tt.qname)
			elapsed := time.Since(start)
			if tt.kind == 0 {
				require.NoError(t, err, "%d", i)
				require.NotEmpty(t, txt)
			} else {
				assert.Equal(t, tt.kind, kindOf(t, err), "%d: %v", i, err)
			}
			if tt.slow {
				assert.GreaterOrEqual(t, elapsed, 300*time.Millisecond, "%d", i)
			}
			assert.Less(t, elapsed, 2500*time.Millisecond, "%d", i)
		})
	}
}

func TestClientHugeTXTUsesTCP(t *testing.T) {
	srv := dnstest.NewServer(t, testZone(t))
	txt, _, err := dns.TXT(context.Background(), fastClient(srv), "big.example.org")
	require.NoError(t, err)
	require.Len(t, txt, 1)
	assert.Len(t, txt[0], 120*250)
	log := srv.Log()
	require.Len(t, log, 2)
	assert.Equal(t, "udp", log[0].Net)
	assert.Equal(t, "tcp", log[1].Net)
}

func TestClientTimeoutBounds(t *testing.T) {
	t.Parallel()
	srv := dnstest.NewServer(t, "", dnstest.WithDrop("slow.test"))

	t.Run("client-timeout", func(t *testing.T) {
		t.Parallel()
		c := &dns.Client{Servers: []string{srv.Addr()}, Timeout: 100 * time.Millisecond, Attempts: 3}
		start := time.Now()
		_, err := c.Query(context.Background(), "slow.test", mdns.TypeTXT)
		elapsed := time.Since(start)
		assert.Equal(t, dns.KindTimeout, kindOf(t, err))
		require.ErrorIs(t, err, dns.ErrTemporary)
		assert.GreaterOrEqual(t, elapsed, 300*time.Millisecond)
		assert.Less(t, elapsed, 1500*time.Millisecond)
	})
	t.Run("ctx-deadline", func(t *testing.T) {
		t.Parallel()
		c := &dns.Client{Servers: []string{srv.Addr()}, Timeout: 10 * time.Second}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.Query(ctx, "slow.test", mdns.TypeTXT)
		assert.Less(t, time.Since(start), time.Second)
		assert.Equal(t, dns.KindTimeout, kindOf(t, err))
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})
	t.Run("ctx-cancel", func(t *testing.T) {
		t.Parallel()
		c := &dns.Client{Servers: []string{srv.Addr()}, Timeout: 10 * time.Second}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		start := time.Now()
		_, err := c.Query(ctx, "slow.test", mdns.TypeTXT)
		assert.Less(t, time.Since(start), time.Second)
		assert.Equal(t, dns.KindTimeout, kindOf(t, err))
		require.ErrorIs(t, err, context.Canceled)
	})
	t.Run("ctx-already-done", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := fastClient(srv).Query(ctx, "slow.test", mdns.TypeTXT)
		assert.Equal(t, dns.KindTimeout, kindOf(t, err))
	})
}

func TestClientFailover(t *testing.T) {
	zone := testZone(t)
	for _, opt := range []struct {
		name string
		opt  dnstest.Option
	}{
		{"servfail", dnstest.WithServFail("example.org")},
		{"refused", dnstest.WithRefused("example.org")},
		{"garbage", dnstest.WithGarbage("example.org")},
		{"drop", dnstest.WithDrop("example.org")},
	} {
		t.Run(opt.name, func(t *testing.T) {
			bad := dnstest.NewServer(t, zone, opt.opt)
			good := dnstest.NewServer(t, zone)
			txt, ans, err := dns.TXT(context.Background(), fastClient(bad, good), "example.org")
			require.NoError(t, err)
			assert.Equal(t, []string{"v=spf1 ip4:192.0.2.0/24 -all"}, txt)
			assert.Equal(t, int64(1), bad.Queries())
			assert.Equal(t, int64(1), good.Queries())
			assert.Equal(t, mdns.RcodeSuccess, ans.Rcode)
		})
	}

	// A definite answer (NXDOMAIN) from the first server is final.
	first := dnstest.NewServer(t, zone)
	second := dnstest.NewServer(t, zone)
	_, _, err := dns.TXT(context.Background(), fastClient(first, second), "nope.example.org")
	assert.Equal(t, dns.KindNXDomain, kindOf(t, err))
	assert.Equal(t, int64(0), second.Queries())

	// Retries: Attempts rounds over all servers.
	bad := dnstest.NewServer(t, zone, dnstest.WithServFail("example.org"))
	c := fastClient(bad)
	c.Attempts = 3
	_, err = c.Query(context.Background(), "example.org", mdns.TypeTXT)
	assert.Equal(t, dns.KindServFail, kindOf(t, err))
	assert.Equal(t, int64(3), bad.Queries())
}

func TestClientAD(t *testing.T) {
	zone := testZone(t)
	srv := dnstest.NewServer(t, zone, dnstest.WithAD("example.org"))
	_, ans, err := dns.TXT(context.Background(), fastClient(srv), "example.org")
	require.NoError(t, err)
	assert.True(t, ans.Authentic)
	_, ans, err = dns.A(context.Background(), fastClient(srv), "mail.example.org")
	require.NoError(t, err)
	assert.False(t, ans.Authentic)

	all := dnstest.NewServer(t, zone, dnstest.WithAD())
	_, ans, err = dns.A(context.Background(), fastClient(all), "mail.example.org")
	require.NoError(t, err)
	assert.True(t, ans.Authentic)
	assert.True(t, dns.NewLookup("mail.example.org", mdns.TypeA, ans, nil).Authentic)
}

func TestClientIPv6(t *testing.T) {
	srv := dnstest.NewServer(t, testZone(t), dnstest.WithIPv6())
	assert.True(t, strings.HasPrefix(srv.Addr(), "[::1]:"))
	txt, _, err := dns.TXT(context.Background(), fastClient(srv), "big.example.org")
	require.NoError(t, err)
	assert.Len(t, txt[0], 120*250)
}

// TestClientUnreachable: a server that cannot be reached is its own kind
// (no reply came, so not SERVFAIL), temporary, said without the socket
// addresses of Go's network errors, and the next server is asked.
func TestClientUnreachable(t *testing.T) {
	zone := testZone(t)
	good := dnstest.NewServer(t, zone)
	truncNoTCP := dnstest.NewServer(t, zone, dnstest.WithTruncateAlways(), dnstest.WithNoTCP())
	closed := dnstest.ClosedAddr(t)
	tests := []struct {
		name    string
		servers []string
		kind    dns.ErrorKind // 0: success
		reason  string
	}{
		0: {"refused", []string{closed}, dns.KindUnreachable,
			"example.org TXT: no DNS server answered (connection refused)"},
		1: {"server-name-unresolvable", []string{"notahost.invalid:53"}, dns.KindUnreachable,
			"example.org TXT: no DNS server answered (cannot resolve server name notahost.invalid)"},
		2: {"refused-then-good", []string{closed, good.Addr()}, 0, ""},
		// The server did answer (truncated), so TCP refused is its failure.
		3: {"truncated-then-tcp-refused", []string{truncNoTCP.Addr()}, dns.KindServFail,
			"example.org TXT: server failure (truncated reply, then TCP: connection refused)"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			c := &dns.Client{Servers: tt.servers, Timeout: time.Second, Attempts: 1}
			txt, _, err := dns.TXT(context.Background(), c, "example.org")
			assert.Less(t, time.Since(start), 3*time.Second, "%d: refused must not wait out the timeout", i)
			if tt.kind == 0 {
				require.NoError(t, err, "%d", i)
				assert.NotEmpty(t, txt, "%d", i)
				return
			}
			var de *dns.Error
			require.ErrorAs(t, err, &de, "%d", i)
			assert.Equal(t, tt.kind, de.Kind, "%d", i)
			assert.True(t, de.IsTemporary(), "%d", i)
			assert.ErrorIs(t, err, dns.ErrTemporary, "%d", i)
			assert.Equal(t, tt.reason, de.Reason(), "%d", i)
			assert.Equal(t, "dns: "+tt.reason, err.Error(), "%d", i)
			assert.NotContains(t, err.Error(), "127.0.0.1", "%d: no socket addresses", i)
		})
	}
	assert.Equal(t, "unreachable", dns.KindUnreachable.String())
}

// TestErrorReason: each kind is said once, in words, with its cause.
func TestErrorReason(t *testing.T) {
	netErr := &net.OpError{Op: "read", Net: "udp",
		Source: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 54041},
		Addr:   &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9},
		Err:    &os.SyscallError{Syscall: "read", Err: syscall.ECONNREFUSED}}
	tests := []struct {
		err  dns.Error
		want string
	}{
		0: {dns.Error{Name: "example.org.", Type: mdns.TypeTXT, Kind: dns.KindNXDomain}, "example.org TXT: no such name (NXDOMAIN)"},
		1: {dns.Error{Name: "example.org.", Type: mdns.TypeMX, Kind: dns.KindNoData}, "example.org MX: no MX records"},
		2: {dns.Error{Name: "example.org.", Type: mdns.TypeTXT, Kind: dns.KindServFail, Err: errors.New("rcode SERVFAIL")}, "example.org TXT: server failure (rcode SERVFAIL)"},
		3: {dns.Error{Name: "example.org.", Type: mdns.TypeTXT, Kind: dns.KindRefused}, "example.org TXT: query refused (REFUSED)"},
		4: {dns.Error{Name: "example.org.", Type: mdns.TypeTXT, Kind: dns.KindTimeout, Err: context.DeadlineExceeded}, "example.org TXT: no answer in time"},
		5: {dns.Error{Name: "example.org.", Type: mdns.TypeTXT, Kind: dns.KindTimeout, Err: context.Canceled}, "example.org TXT: no answer in time (canceled)"},
		6: {dns.Error{Name: "example.org.", Type: mdns.TypeTXT, Kind: dns.KindMalformed, Err: errors.New("CNAME loop")}, "example.org TXT: malformed answer (CNAME loop)"},
		7: {dns.Error{Name: "example.org.", Type: mdns.TypeTXT, Kind: dns.KindNotInSnapshot}, "example.org TXT: not in the DNS snapshot"},
		8: {dns.Error{Name: "example.org.", Type: mdns.TypeTXT, Kind: dns.KindUnreachable, Err: netErr}, "example.org TXT: no DNS server answered (connection refused)"},
		9: {dns.Error{Name: "example.org.", Type: mdns.TypeTXT, Kind: dns.KindUnreachable, Err: errors.New("dns: no servers in /etc/resolv.conf")},
			"example.org TXT: no DNS server answered (no servers in /etc/resolv.conf)"},
	}
	for i, tt := range tests {
		assert.Equal(t, tt.want, tt.err.Reason(), "%d", i)
		assert.Equal(t, "dns: "+tt.want, tt.err.Error(), "%d", i)
	}
}
