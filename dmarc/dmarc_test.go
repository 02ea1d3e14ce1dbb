package dmarc

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailprov/mailprov/dns"
	"github.com/mailprov/mailprov/dns/dnstest"
)

func newChecker(t *testing.T, opts ...dnstest.Option) *Checker {
	t.Helper()
	srv := dnstest.NewServerFile(t, "testdata/dmarc.zone", opts...)
	return &Checker{Resolver: srv.Resolver()}
}

func TestCheck(t *testing.T) {
	c := newChecker(t, dnstest.WithServFail("_dmarc.servfail.example"))
	pass := func(d string) []DKIMInput { return []DKIMInput{{Domain: d, Selector: "sel", Pass: true}} }
	failed := func(d string) []DKIMInput { return []DKIMInput{{Domain: d, Selector: "sel", Pass: false}} }
	spfPass := func(d string) SPFInput { return SPFInput{Domain: d, Pass: true} }

	tests := []struct {
		from        string
		dkim        []DKIMInput
		spf         SPFInput
		status      Status
		reason      Reason
		policy      Policy
		disposition string
		recordAt    string
		alignedDKIM string
		alignedSPF  bool
		err         error
	}{
		// Real-world record shapes, pass and fail.
		0: {from: "reject.example", dkim: pass("reject.example"), status: StatusPass, policy: PolicyReject,
			disposition: "none", recordAt: "reject.example", alignedDKIM: "d=reject.example s=sel"},
		1: {from: "reject.example", dkim: failed("reject.example"), status: StatusFail, reason: ReasonNotAligned,
			policy: PolicyReject, disposition: "reject", recordAt: "reject.example", err: ErrNotAligned},
		2: {from: "caps.example", dkim: pass("other.example"), status: StatusFail, reason: ReasonNotAligned,
			policy: PolicyReject, disposition: "reject", recordAt: "caps.example", err: ErrNotAligned},
		3: {from: "upper.example", spf: spfPass("mail.upper.example"), status: StatusFail, reason: ReasonNotAligned,
			policy: PolicyNone, disposition: "none", recordAt: "upper.example", err: ErrNotAligned}, // aspf=S
		4: {from: "upper.example", spf: spfPass("upper.example"), status: StatusPass, policy: PolicyNone,
			disposition: "none", recordAt: "upper.example", alignedSPF: true},
		5: {from: "bare.example", dkim: pass("bare.example"), status: StatusPermerror, reason: ReasonNoPolicy,
			recordAt: "bare.example", err: ErrNoPolicy},
		6: {from: "sp.example", status: StatusFail, reason: ReasonNotAligned, policy: PolicyNone,
			disposition: "none", recordAt: "sp.example", err: ErrNotAligned},
		// Subdomain without its own record: sp= of the organizational domain.
		7: {from: "news.sp.example", status: StatusFail, reason: ReasonNotAligned, policy: PolicyQuarantine,
			disposition: "quarantine", recordAt: "sp.example", err: ErrNotAligned},
		8: {from: "news.sp.example", dkim: pass("sp.example"), status: StatusPass, policy: PolicyQuarantine,
			disposition: "none", recordAt: "sp.example", alignedDKIM: "d=sp.example s=sel"},
		// Subdomain with its own record: its p=.
		9: {from: "own.sp.example", status: StatusFail, reason: ReasonNotAligned, policy: PolicyReject,
			disposition: "reject", recordAt: "own.sp.example", err: ErrNotAligned},
		// Subdomain of a record without sp=: sp defaults to p.
		10: {from: "www.reject.example", spf: spfPass("reject.example"), status: StatusPass, policy: PolicyReject,
			disposition: "none", recordAt: "reject.example", alignedSPF: true},
		// Garbage and broken records.
		11: {from: "bogus.example", status: StatusPermerror, reason: ReasonNoPolicy, recordAt: "bogus.example", err: ErrNoPolicy},
		12: {from: "garbage.example", status: StatusPermerror, reason: ReasonNoPolicy, recordAt: "garbage.example", err: ErrNoPolicy},
		13: {from: "notdmarc.example", status: StatusNone, reason: ReasonNoRecord},
		14: {from: "spfonly.example", status: StatusNone, reason: ReasonNoRecord},
		15: {from: "two.example", dkim: pass("two.example"), status: StatusNone, reason: ReasonMultipleRecords,
			recordAt: "two.example", err: ErrMultipleRecords},
		16: {from: "ruaonly.example", status: StatusFail, reason: ReasonNotAligned, policy: PolicyNone,
			disposition: "none", recordAt: "ruaonly.example", err: ErrNotAligned},
		17: {from: "order.example", status: StatusNone, reason: ReasonNoRecord},
		18: {from: "mixed.example", status: StatusFail, reason: ReasonNotAligned, policy: PolicyQuarantine,
			disposition: "quarantine", recordAt: "mixed.example", err: ErrNotAligned},
		19: {from: "split.example", dkim: pass("split.example"), status: StatusPass, policy: PolicyReject,
			disposition: "none", recordAt: "split.example", alignedDKIM: "d=split.example s=sel"},
		20: {from: "spaces.example", status: StatusFail, reason: ReasonNotAligned, policy: PolicyQuarantine,
			disposition: "quarantine", recordAt: "spaces.example", err: ErrNotAligned},
		21: {from: "unknown.example", status: StatusFail, reason: ReasonNotAligned, policy: PolicyReject,
			disposition: "reject", recordAt: "unknown.example", err: ErrNotAligned},
		22: {from: "lower.example", status: StatusFail, reason: ReasonNotAligned, policy: PolicyQuarantine,
			disposition: "quarantine", recordAt: "lower.example", err: ErrNotAligned},
		// No record anywhere.
		23: {from: "nothing.example", dkim: pass("nothing.example"), status: StatusNone, reason: ReasonNoRecord},
		24: {from: "a.b.nothing.example", status: StatusNone, reason: ReasonNoRecord},
		// DNS failure.
		25: {from: "servfail.example", status: StatusTemperror, reason: ReasonDNSError, err: dns.ErrTemporary},
		// Strict alignment.
		26: {from: "strict.example", dkim: pass("mail.strict.example"), spf: spfPass("mail.strict.example"),
			status: StatusFail, reason: ReasonNotAligned, policy: PolicyQuarantine, disposition: "quarantine",
			recordAt: "strict.example", err: ErrNotAligned},
		27: {from: "strict.example", dkim: pass("STRICT.example."), status: StatusPass, policy: PolicyQuarantine,
			disposition: "none", recordAt: "strict.example", alignedDKIM: "d=strict.example s=sel"},
		// Relaxed alignment: parent and sibling domains.
		28: {from: "news.reject.example", dkim: pass("mail.reject.example"), status: StatusPass, policy: PolicyReject,
			disposition: "none", recordAt: "reject.example", alignedDKIM: "d=mail.reject.example s=sel"},
		29: {from: "reject.example", dkim: pass("reject.example.evil.example"), status: StatusFail,
			reason: ReasonNotAligned, policy: PolicyReject, disposition: "reject", recordAt: "reject.example", err: ErrNotAligned},
		// Public suffix list: example.co.uk is an org domain under an ICANN rule.
		30: {from: "mail.example.co.uk", dkim: pass("example.co.uk"), status: StatusPass, policy: PolicyNone,
			disposition: "none", recordAt: "example.co.uk", alignedDKIM: "d=example.co.uk s=sel"},
		31: {from: "mail.example.co.uk", dkim: pass("other.co.uk"), status: StatusFail, reason: ReasonNotAligned,
			policy: PolicyNone, disposition: "none", recordAt: "example.co.uk", err: ErrNotAligned},
		// github.io is a private suffix, ignored: foo.github.io falls back to github.io.
		32: {from: "foo.github.io", dkim: pass("bar.github.io"), status: StatusPass, policy: PolicyReject,
			disposition: "none", recordAt: "github.io", alignedDKIM: "d=bar.github.io s=sel"},
		// Second DKIM signature aligned, first not; failed aligned one skipped.
		33: {from: "reject.example", dkim: []DKIMInput{{Domain: "reject.example", Selector: "a"},
			{Domain: "list.example", Selector: "b", Pass: true}, {Domain: "reject.example", Selector: "c", Pass: true}},
			status: StatusPass, policy: PolicyReject, disposition: "none", recordAt: "reject.example",
			alignedDKIM: "d=reject.example s=c"},
		// SPF failed for an aligned domain.
		34: {from: "reject.example", spf: SPFInput{Domain: "reject.example"}, status: StatusFail,
			reason: ReasonNotAligned, policy: PolicyReject, disposition: "reject", recordAt: "reject.example", err: ErrNotAligned},
		// Bad From domains.
		35: {from: "", status: StatusPermerror, reason: ReasonInvalidDomain, err: ErrNoFromDomain},
		36: {from: "..", status: StatusPermerror, reason: ReasonInvalidDomain, err: ErrNoFromDomain},
		37: {from: "a b.example", status: StatusPermerror, reason: ReasonInvalidDomain, err: ErrNoFromDomain},
		// pct= ignored without ApplyPercent.
		38: {from: "pct.example", status: StatusFail, reason: ReasonNotAligned, policy: PolicyReject,
			disposition: "reject", recordAt: "pct.example", err: ErrNotAligned},
	}
	for i, tt := range tests {
		res := c.Check(context.Background(), tt.from, tt.dkim, tt.spf)
		assert.Equal(t, tt.status, res.Status, "%d: %s: %+v", i, tt.from, res)
		assert.Equal(t, tt.reason, res.Reason, "%d: %s", i, tt.from)
		assert.Equal(t, tt.policy, res.Policy, "%d: %s", i, tt.from)
		assert.Equal(t, tt.disposition, res.Disposition, "%d: %s", i, tt.from)
		assert.Equal(t, tt.recordAt, res.RecordDomain, "%d: %s", i, tt.from)
		assert.Equal(t, tt.alignedDKIM, res.AlignedDKIM, "%d: %s", i, tt.from)
		assert.Equal(t, tt.alignedSPF, res.AlignedSPF, "%d: %s", i, tt.from)
		if tt.err != nil {
			require.ErrorIs(t, res.Err, tt.err, "%d: %s", i, tt.from)
		}
		if res.Status != StatusPass {
			assert.NotEmpty(t, res.Detail, "%d", i)
		}
		if tt.reason != ReasonInvalidDomain {
			assert.NotEmpty(t, res.Trace, "%d: every looked-up result has a trace", i)
		}
	}
}

func TestCheckTrace(t *testing.T) {
	c := newChecker(t)
	res := c.Check(context.Background(), "news.sp.example", nil, SPFInput{})
	require.Len(t, res.Trace, 2)
	assert.Equal(t, "_dmarc.news.sp.example.", res.Trace[0].Name)
	assert.Equal(t, "nxdomain", res.Trace[0].Result)
	assert.Equal(t, "_dmarc.sp.example.", res.Trace[1].Name)
	assert.Equal(t, "ok", res.Trace[1].Result)
	assert.Equal(t, "sp.example", res.OrgDomain)
	assert.False(t, res.Authentic())
}

func TestCheckPercent(t *testing.T) {
	c := newChecker(t)
	tests := []struct {
		from   string
		sample int
		want   string
	}{
		0: {"pct.example", 0, "reject"},      // in the 20%
		1: {"pct.example", 19, "reject"},     // in the 20%
		2: {"pct.example", 20, "quarantine"}, // left out: next milder policy
		3: {"pct.example", 99, "quarantine"},
		4: {"qpct.example", 0, "none"}, // pct=0: never enacted
		5: {"reject.example", 99, "reject"},
	}
	for i, tt := range tests {
		c.ApplyPercent = func() int { return tt.sample }
		res := c.Check(context.Background(), tt.from, nil, SPFInput{})
		assert.Equal(t, StatusFail, res.Status, "%d", i)
		assert.Equal(t, tt.want, res.Disposition, "%d", i)
	}
	c.ApplyPercent = nil
	res := c.Check(context.Background(), "pct.example", nil, SPFInput{})
	assert.Equal(t, "reject", res.Disposition)
	require.NotNil(t, res.PolicyRecord)
	assert.Equal(t, 20, res.PolicyRecord.Percent, "pct is reported even when not applied")
}

func TestCheckTimeout(t *testing.T) {
	c := newChecker(t, dnstest.WithTimeout("_dmarc.slow.example"))
	start := time.Now()
	res := c.Check(context.Background(), "slow.example", nil, SPFInput{})
	assert.Equal(t, StatusTemperror, res.Status)
	assert.Equal(t, ReasonDNSError, res.Reason)
	assert.Less(t, time.Since(start), 5*time.Second)
}

// TestCheckUnreachable: the detail of a failed policy lookup says what
// failed, once, without the resolver's socket addresses (it goes into
// reports and Authentication-Results reason= text).
func TestCheckUnreachable(t *testing.T) {
	addr := dnstest.ClosedAddr(t)
	c := &Checker{Resolver: &dns.Client{Servers: []string{addr}, Timeout: time.Second, Attempts: 1}}
	res := c.Check(context.Background(), "example.org", nil, SPFInput{})
	assert.Equal(t, StatusTemperror, res.Status)
	assert.Equal(t, ReasonDNSError, res.Reason)
	assert.Contains(t, res.Detail, "no DNS server answered")
	assert.NotContains(t, res.Detail, "dns: ", "one prefix, not dmarc: ... dns: ...")
	assert.NotContains(t, res.Detail, addr)
	assert.NotContains(t, res.Detail, "127.0.0.1")
	var de *dns.Error
	require.ErrorAs(t, res.Err, &de, "the dns.Error stays reachable")
	assert.Equal(t, dns.KindUnreachable, de.Kind)
}

func TestCheckFrom(t *testing.T) {
	c := newChecker(t)
	tests := []struct {
		from   []string
		status Status
		reason Reason
		err    error
	}{
		0: {[]string{" Joe <joe@reject.example>"}, StatusFail, ReasonNotAligned, ErrNotAligned},
		1: {nil, StatusPermerror, ReasonNoFromDomain, ErrNoFromDomain},
		2: {[]string{"a@reject.example", "b@reject.example"}, StatusPermerror, ReasonMultipleFrom, ErrMultipleFrom},
		3: {[]string{"a@reject.example, b@other.example"}, StatusPermerror, ReasonMultipleFrom, ErrMultipleFrom},
		4: {[]string{"undisclosed-recipients:;"}, StatusPermerror, ReasonNoFromDomain, ErrNoFromDomain},
		5: {[]string{"joe"}, StatusPermerror, ReasonNoFromDomain, ErrNoFromDomain},
	}
	for i, tt := range tests {
		res := c.CheckFrom(context.Background(), tt.from, nil, SPFInput{})
		assert.Equal(t, tt.status, res.Status, "%d: %v", i, res)
		assert.Equal(t, tt.reason, res.Reason, "%d", i)
		require.ErrorIs(t, res.Err, tt.err, "%d", i)
	}
}

func TestResultJSON(t *testing.T) {
	c := newChecker(t)
	res := c.Check(context.Background(), "reject.example", []DKIMInput{{Domain: "reject.example", Selector: "s1", Pass: true}}, SPFInput{})
	b, err := json.Marshal(res)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	for _, k := range []string{"result", "policy", "from_domain", "org_domain", "aligned_dkim", "aligned_spf", "record"} {
		assert.Contains(t, m, k)
	}
	assert.Equal(t, "pass", m["result"])
	assert.NotContains(t, m, "Err")
}

func TestCheckCanceled(t *testing.T) {
	c := newChecker(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := c.Check(ctx, "reject.example", nil, SPFInput{})
	assert.Equal(t, StatusTemperror, res.Status)
	assert.True(t, errors.Is(res.Err, dns.ErrTemporary) || errors.Is(res.Err, context.Canceled), "%v", res.Err)
}

// TestSampleZone checks the shared sample zone's gmail.com-shaped record.
func TestSampleZone(t *testing.T) {
	srv := dnstest.NewServerFile(t, filepath.Join("..", "testdata", "dns", "sample.zone"))
	c := &Checker{Resolver: srv.Resolver()}
	res := c.Check(context.Background(), "gmail.com", []DKIMInput{{Domain: "gmail.com", Selector: "20230601", Pass: true}}, SPFInput{})
	assert.Equal(t, StatusPass, res.Status)
	assert.Equal(t, PolicyNone, res.Policy)
	res = c.Check(context.Background(), "mail.gmail.com", nil, SPFInput{Domain: "example.net", Pass: true})
	assert.Equal(t, StatusFail, res.Status)
	assert.Equal(t, PolicyQuarantine, res.Policy, "sp= applies to subdomains")
	assert.Equal(t, "quarantine", res.Disposition)
}
