package dmarc

import (
	"context"
	"testing"

	msgdmarc "github.com/emersion/go-msgauth/dmarc"
	"github.com/stretchr/testify/assert"

	"github.com/mailprov/mailprov/dns"
	"github.com/mailprov/mailprov/dns/dnstest"
)

// TestGoMsgauthComparison measures go-msgauth's dmarc.Parse and
// dmarc.LookupWithOptions on real-world record shapes, next to ParseRecord
// and Check. The differences recorded here are why the package doc says
// mailprov does not build on go-msgauth for DMARC.
func TestGoMsgauthComparison(t *testing.T) {
	tests := []struct {
		record string
		// msgauthOK: go-msgauth's Parse returns a record; msgauthP its p=.
		msgauthOK bool
		msgauthP  string
		// oursOK: ParseRecord returns a record; oursP its p=.
		oursOK bool
		oursP  Policy
	}{
		0:  {"v=DMARC1; p=reject; pct=100; rua=mailto:d@example.com", true, "reject", true, PolicyReject},
		1:  {"v=DMARC1; p=none; sp=quarantine; rua=mailto:mailauth-reports@google.com", true, "none", true, PolicyNone},
		2:  {"V=DMARC1;P=Reject", false, "", true, PolicyReject},                            // case
		3:  {"v=DMARC1; p=Reject", false, "", true, PolicyReject},                           // keyword case
		4:  {"v=DMARC1; p=NONE; sp=NONE", false, "", true, PolicyNone},                      // seen in the corpus
		5:  {"v=DMARC1", false, "", false, ""},                                              // no p, no rua
		6:  {"v=DMARC1; rua=mailto:a@example.com", false, "", true, PolicyNone},             // §6.6.3 6.1
		7:  {"v=DMARC1; p=reject; pct=abc", false, "", true, PolicyReject},                  // §6.3 defaults
		8:  {"v=DMARC1; p=reject; fo=x", false, "", true, PolicyReject},                     // §6.3 defaults
		9:  {"v=DMARC1; p=quarantine; foo=bar", true, "quarantine", true, PolicyQuarantine}, // unknown tag
		10: {"  v = DMARC1 ;  p = quarantine ; ", true, "quarantine", true, PolicyQuarantine},
		11: {"garbage", false, "", false, ""},
	}
	for i, tt := range tests {
		mr, merr := msgdmarc.Parse(tt.record)
		assert.Equal(t, tt.msgauthOK, merr == nil, "%d: go-msgauth on %q: %v", i, tt.record, merr)
		if merr == nil {
			assert.Equal(t, tt.msgauthP, string(mr.Policy), "%d", i)
		}
		r, err := ParseRecord(tt.record)
		assert.Equal(t, tt.oursOK, err == nil, "%d: ours on %q: %v", i, tt.record, err)
		if err == nil {
			assert.Equal(t, tt.oursP, r.Policy, "%d", i)
		}
	}

	// Two DMARC records: RFC 7489 §6.6.3 step 5 says no policy. go-msgauth's
	// Lookup takes the first; Check reports none.
	srv := dnstest.NewServerFile(t, "testdata/dmarc.zone")
	res := srv.Resolver()
	lookupTXT := func(name string) ([]string, error) {
		txts, _, err := dns.TXT(context.Background(), res, name)
		return txts, err
	}
	mr, merr := msgdmarc.LookupWithOptions("two.example", &msgdmarc.LookupOptions{LookupTXT: lookupTXT})
	if assert.NoError(t, merr) {
		assert.Equal(t, msgdmarc.Policy("reject"), mr.Policy, "go-msgauth takes the first of two records")
	}
	ours := (&Checker{Resolver: res}).Check(context.Background(), "two.example", nil, SPFInput{})
	assert.Equal(t, StatusNone, ours.Status)
	assert.Equal(t, ReasonMultipleRecords, ours.Reason)

	// No organizational-domain fallback in go-msgauth's Lookup.
	_, merr = msgdmarc.LookupWithOptions("news.sp.example", &msgdmarc.LookupOptions{LookupTXT: lookupTXT})
	assert.Error(t, merr, "go-msgauth does not fall back to the organizational domain")
	ours = (&Checker{Resolver: res}).Check(context.Background(), "news.sp.example", nil, SPFInput{})
	assert.Equal(t, PolicyQuarantine, ours.Policy)
}
