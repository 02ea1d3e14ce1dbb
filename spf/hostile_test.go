package spf_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailprov/mailprov/dns"
	"github.com/mailprov/mailprov/dns/dnstest"
	"github.com/mailprov/mailprov/spf"
)

func txtRR(name string, text ...string) mdns.RR {
	return &mdns.TXT{Hdr: mdns.RR_Header{Name: mdns.Fqdn(name), Rrtype: mdns.TypeTXT, Class: mdns.ClassINET, Ttl: 300}, Txt: txtStrings(text)}
}

func aRR(name, ip string) mdns.RR {
	return &mdns.A{Hdr: mdns.RR_Header{Name: mdns.Fqdn(name), Rrtype: mdns.TypeA, Class: mdns.ClassINET, Ttl: 300}, A: net.ParseIP(ip).To4()}
}

func mxRR(name string, pref uint16, host string) mdns.RR {
	return &mdns.MX{Hdr: mdns.RR_Header{Name: mdns.Fqdn(name), Rrtype: mdns.TypeMX, Class: mdns.ClassINET, Ttl: 300}, Preference: pref, Mx: mdns.Fqdn(host)}
}

func cnameRR(name, target string) mdns.RR {
	return &mdns.CNAME{Hdr: mdns.RR_Header{Name: mdns.Fqdn(name), Rrtype: mdns.TypeCNAME, Class: mdns.ClassINET, Ttl: 300}, Target: mdns.Fqdn(target)}
}

// Hostile DNS behaviour for one name, through dnstest.WithHandler.
func hostile(name string, act func(w mdns.ResponseWriter, r *mdns.Msg)) dnstest.Option {
	name = strings.ToLower(mdns.Fqdn(name))
	return dnstest.WithHandler(func(w mdns.ResponseWriter, r *mdns.Msg) bool {
		if len(r.Question) != 1 || strings.ToLower(r.Question[0].Name) != name {
			return false
		}
		act(w, r)
		return true
	})
}

func drop(mdns.ResponseWriter, *mdns.Msg) {}

func garbage(w mdns.ResponseWriter, r *mdns.Msg) {
	b := []byte{byte(r.Id >> 8), byte(r.Id), 0x81, 0x80, 0, 1, 0, 9, 0, 0, 0, 0, 0xff, 0xfe, 0xfd}
	w.Write(b)
}

func wrongID(w mdns.ResponseWriter, r *mdns.Msg) {
	m := new(mdns.Msg)
	m.SetReply(r)
	m.Id = r.Id + 1
	w.WriteMsg(m)
}

func servfail(w mdns.ResponseWriter, r *mdns.Msg) {
	m := new(mdns.Msg)
	m.SetRcode(r, mdns.RcodeServerFailure)
	w.WriteMsg(m)
}

// truncateAlways answers every UDP question with an empty truncated reply
// and never answers over TCP.
func truncateAlways(w mdns.ResponseWriter, r *mdns.Msg) {
	if _, udp := w.RemoteAddr().(*net.UDPAddr); !udp {
		return
	}
	m := new(mdns.Msg)
	m.SetReply(r)
	m.Truncated = true
	w.WriteMsg(m)
}

func ips(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, " ip4:10.%d.%d.0/24", i/250, i%250)
	}
	return b.String()
}

func TestHostile(t *testing.T) {
	long60 := strings.Repeat("l", 60)
	for _, tc := range []struct {
		name     string
		rrs      []mdns.RR
		opts     []dnstest.Option
		setup    func(*spf.Checker)
		ip       string // default 192.0.2.1
		mailFrom string // default user@a.test
		status   spf.Status
		err      error
		check    func(t *testing.T, r spf.Result)
	}{
		{name: "include-loop",
			rrs:    []mdns.RR{txtRR("a.test", "v=spf1 include:b.test -all"), txtRR("b.test", "v=spf1 include:a.test -all")},
			status: spf.StatusPermerror, err: spf.ErrTooManyLookups,
			check: func(t *testing.T, r spf.Result) { assert.Equal(t, 11, r.Lookups) }},
		{name: "redirect-loop",
			rrs:    []mdns.RR{txtRR("a.test", "v=spf1 redirect=a.test")},
			status: spf.StatusPermerror, err: spf.ErrTooManyLookups},
		{name: "include-loop-limit-raised",
			rrs:    []mdns.RR{txtRR("a.test", "v=spf1 include:a.test -all")},
			setup:  func(c *spf.Checker) { c.MaxLookups = 1 << 30 },
			status: spf.StatusPermerror, err: spf.ErrRecursion},
		{name: "record-10000-chars",
			rrs:    []mdns.RR{txtRR("a.test", "v=spf1"+ips(600)+" -all")},
			status: spf.StatusFail, err: spf.ErrMechanism,
			check: func(t *testing.T, r spf.Result) {
				assert.Equal(t, "-all", r.Mechanism)
				assert.Greater(t, len(strings.Join(r.Trace[0].Records, "")), 10000)
			}},
		{name: "record-10000-chars-match",
			rrs:    []mdns.RR{txtRR("a.test", "v=spf1"+ips(600)+" -all")},
			ip:     "10.1.249.7",
			status: spf.StatusPass},
		{name: "record-10000-chars-garbage",
			rrs:    []mdns.RR{txtRR("a.test", "v=spf1 "+strings.Repeat("a:x ", 2500))},
			status: spf.StatusPermerror, err: spf.ErrSyntax},
		{name: "record-10000-chars-lookups",
			rrs:    []mdns.RR{txtRR("a.test", "v=spf1 "+strings.Repeat("a:x.test ", 1100)), aRR("x.test", "192.0.2.9")},
			status: spf.StatusPermerror, err: spf.ErrTooManyLookups},
		{name: "two-records",
			rrs:    []mdns.RR{txtRR("a.test", "v=spf1 -all"), txtRR("a.test", "v=spf1 +all"), txtRR("a.test", "other")},
			status: spf.StatusPermerror, err: spf.ErrMultipleRecords},
		{name: "macro-huge-name-truncated",
			rrs:      []mdns.RR{txtRR("a.test", "v=spf1 exists:%{l}.%{l}.%{l}.%{l}.%{l}.%{l}.example.com -all")},
			mailFrom: long60 + "@a.test",
			status:   spf.StatusFail, err: spf.ErrMechanism,
			check: func(t *testing.T, r spf.Result) {
				require.Len(t, r.Trace, 2)
				q := r.Trace[1].Name
				assert.LessOrEqual(t, len(q), 254, q)
				assert.Equal(t, strings.Repeat(long60+".", 3)+"example.com.", q, "left labels removed")
			}},
		{name: "macro-expansion-too-long",
			rrs:      []mdns.RR{txtRR("a.test", "v=spf1 exists:"+strings.Repeat("%{s}", 200)+".example.com -all")},
			mailFrom: long60 + "@a.test",
			status:   spf.StatusPermerror, err: spf.ErrMacroTooLong},
		{name: "label-over-63",
			rrs:      []mdns.RR{txtRR("a.test", "v=spf1 a:%{l}.example.com -all")},
			mailFrom: strings.Repeat("x", 70) + "@a.test",
			status:   spf.StatusFail, err: spf.ErrMechanism,
			check: func(t *testing.T, r spf.Result) { assert.Len(t, r.Trace, 1, "no query for an impossible name") }},
		{name: "domain-label-over-63",
			mailFrom: "u@" + strings.Repeat("x", 64) + ".test",
			status:   spf.StatusNone, err: spf.ErrInvalidDomain,
			check: func(t *testing.T, r spf.Result) { assert.Empty(t, r.Trace) }},
		{name: "no-record",
			status: spf.StatusNone, err: spf.ErrNoRecord},
		{name: "invalid-ip", ip: "invalid",
			rrs:    []mdns.RR{txtRR("a.test", "v=spf1 -all")},
			status: spf.StatusPermerror, err: spf.ErrInvalidIP},
		{name: "include-timeout",
			rrs:    []mdns.RR{txtRR("a.test", "v=spf1 include:slow.test -all")},
			opts:   []dnstest.Option{dnstest.WithTimeout("slow.test")},
			status: spf.StatusTemperror, err: spf.ErrDNS,
			check: func(t *testing.T, r spf.Result) {
				var de *dns.Error
				require.ErrorAs(t, r.Err, &de)
				assert.Equal(t, dns.KindTimeout, de.Kind)
			}},
		{name: "record-servfail",
			opts:   []dnstest.Option{hostile("a.test", servfail)},
			status: spf.StatusTemperror, err: spf.ErrDNS},
		{name: "record-garbage",
			opts:   []dnstest.Option{hostile("a.test", garbage)},
			status: spf.StatusTemperror, err: spf.ErrDNS},
		{name: "record-wrong-id",
			opts:   []dnstest.Option{hostile("a.test", wrongID)},
			status: spf.StatusTemperror, err: spf.ErrDNS},
		{name: "record-truncated-no-tcp",
			opts:   []dnstest.Option{hostile("a.test", truncateAlways)},
			status: spf.StatusTemperror, err: spf.ErrDNS},
		{name: "a-garbage",
			rrs:    []mdns.RR{txtRR("a.test", "v=spf1 a:bad.test -all")},
			opts:   []dnstest.Option{hostile("bad.test", garbage)},
			status: spf.StatusTemperror, err: spf.ErrDNS},
		{name: "record-cname-loop",
			rrs:    []mdns.RR{cnameRR("a.test", "b.test"), cnameRR("b.test", "a.test")},
			status: spf.StatusTemperror, err: spf.ErrDNS},
		{name: "deadline",
			rrs:  []mdns.RR{txtRR("a.test", "v=spf1 a:slow.test -all")},
			opts: []dnstest.Option{dnstest.WithTimeout("slow.test")},
			setup: func(c *spf.Checker) {
				c.Timeout = 300 * time.Millisecond
				c.Resolver.(*dns.Client).Timeout = 10 * time.Second
			},
			status: spf.StatusTemperror, err: spf.ErrTimeout},
		{name: "void-limit",
			rrs:    []mdns.RR{txtRR("a.test", "v=spf1 a:n1.test a:n2.test a:n3.test -all")},
			status: spf.StatusPermerror, err: spf.ErrTooManyVoidLookups,
			check: func(t *testing.T, r spf.Result) { assert.Equal(t, 3, r.VoidLookups) }},
		{name: "mx-limit",
			rrs: func() []mdns.RR {
				rrs := []mdns.RR{txtRR("a.test", "v=spf1 mx -all")}
				for i := range 11 {
					rrs = append(rrs, mxRR("a.test", uint16(i), fmt.Sprintf("mx%d.test", i)))
				}
				return rrs
			}(),
			status: spf.StatusPermerror, err: spf.ErrTooManyMX},
		{name: "include-none",
			rrs:    []mdns.RR{txtRR("a.test", "v=spf1 include:b.test -all"), txtRR("b.test", "not spf")},
			status: spf.StatusPermerror, err: spf.ErrIncludeNone},
		{name: "redirect-none",
			rrs:    []mdns.RR{txtRR("a.test", "v=spf1 redirect=b.test")},
			status: spf.StatusPermerror, err: spf.ErrRedirectNone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := dnstest.NewServerRR(t, tc.rrs, tc.opts...)
			res := srv.Resolver()
			res.Timeout, res.Attempts = 200*time.Millisecond, 2 // a retry absorbs a loaded machine
			c := &spf.Checker{Resolver: res}
			if tc.setup != nil {
				tc.setup(c)
			}
			ip, _ := netip.ParseAddr(tc.ip)
			if tc.ip == "" {
				ip = netip.MustParseAddr("192.0.2.1")
			}
			from := tc.mailFrom
			if from == "" {
				from = "user@a.test"
			}
			start := time.Now()
			r := c.Check(context.Background(), spf.Query{IP: ip, MailFrom: from, HELO: "helo.test"})
			assert.Less(t, time.Since(start), 3*time.Second, "bounded time")
			require.Equal(t, tc.status, r.Status, "%s: %s", r.Reason, r.Detail)
			if tc.err != nil {
				require.ErrorIs(t, r.Err, tc.err)
				assert.Equal(t, spf.ReasonFor(tc.err), r.Reason)
			} else {
				require.NoError(t, r.Err)
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}
