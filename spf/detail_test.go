package spf_test

import (
	"context"
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

// TestDetail: a Result's Detail says what its Reason does not, once: no
// "mechanism matched: ~all matched", no "no SPF record: x has no SPF
// record", and a DNS failure in words, without socket addresses, also in
// the Received-SPF and Authentication-Results fields made from it.
func TestDetail(t *testing.T) {
	zone := []mdns.RR{
		txtRR("soft.test", "v=spf1 ~all"),
		txtRR("neutral.test", "v=spf1 ip4:198.51.100.0/24"),
		txtRR("other.test", "not spf"),
		txtRR("inc.test", "v=spf1 include:nothing.test -all"),
		txtRR("bad.test", "v=spf1 ip4:192.0.2.0/33 -all"),
		txtRR("nov.test", "spf1 -all"),
	}
	srv := dnstest.NewServerRR(t, zone)
	closed := dnstest.ClosedAddr(t)
	tests := []struct {
		domain string
		down   bool // ask a server that is not there
		status spf.Status
		reason spf.Reason
		detail string
	}{
		0: {"soft.test", false, spf.StatusSoftfail, spf.ReasonMechanism, "~all matched in the record of soft.test"},
		1: {"neutral.test", false, spf.StatusNeutral, spf.ReasonNoMatch, "no mechanism in the record of neutral.test matched"},
		2: {"nothing.test", false, spf.StatusNone, spf.ReasonNoRecord, "nothing.test has no SPF record (nxdomain)"},
		3: {"other.test", false, spf.StatusNone, spf.ReasonNoRecord, "other.test has no SPF record"},
		4: {"inc.test", false, spf.StatusPermerror, spf.ReasonIncludeNone, "include:nothing.test: nothing.test has no SPF record (nxdomain)"},
		5: {"bad.test", false, spf.StatusPermerror, spf.ReasonSyntax, `term "ip4:192.0.2.0/33": CIDR length 33 exceeds 32`},
		6: {"soft.test", true, spf.StatusTemperror, spf.ReasonDNSError, "soft.test TXT: no DNS server answered (connection refused)"},
	}
	for i, tt := range tests {
		addr := srv.Addr()
		if tt.down {
			addr = closed
		}
		c := &spf.Checker{Resolver: &dns.Client{Servers: []string{addr}, Timeout: time.Second, Attempts: 2}}
		q := spf.Query{IP: netip.MustParseAddr("192.0.2.1"), MailFrom: "user@" + tt.domain, HELO: "helo.test"}
		r := c.Check(context.Background(), q)
		require.Equal(t, tt.status, r.Status, "%d: %s", i, r.Detail)
		assert.Equal(t, tt.reason, r.Reason, "%d", i)
		assert.Equal(t, tt.detail, r.Detail, "%d", i)
		sentinel := strings.TrimPrefix(r.Err.Error(), "spf: ")
		sentinel = sentinel[:strings.Index(sentinel, ": ")]
		assert.False(t, strings.HasPrefix(r.Detail, sentinel), "%d: the detail repeats %q", i, sentinel)
		for _, field := range []string{r.ReceivedSPF("mx.test", q), r.AuthenticationResults("mx.test")} {
			assert.NotContains(t, field, "127.0.0.1", "%d", i)
			if r.Status == spf.StatusTemperror || r.Status == spf.StatusPermerror {
				assert.Contains(t, field, strings.ReplaceAll(tt.detail, `"`, `\"`), "%d", i)
			}
		}
	}
}
