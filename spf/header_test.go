package spf_test

import (
	"errors"
	"fmt"
	"net/netip"
	"testing"

	"github.com/emersion/go-msgauth/authres"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailprov/mailprov/spf"
)

func TestReceivedSPF(t *testing.T) {
	q := spf.Query{IP: netip.MustParseAddr("192.0.2.1"), MailFrom: "myname@example.com", HELO: "foo.example.com"}
	for i, tc := range []struct {
		r    spf.Result
		want string
	}{
		0: {spf.Result{Status: spf.StatusPass, Domain: "example.com", Identity: "mailfrom", Mechanism: "ip4:192.0.2.0/24"},
			`pass (mybox.example.org: domain of myname@example.com designates 192.0.2.1 as permitted sender) receiver=mybox.example.org; client-ip=192.0.2.1; envelope-from="myname@example.com"; helo=foo.example.com; identity=mailfrom; mechanism="ip4:192.0.2.0/24";`},
		1: {spf.Result{Status: spf.StatusSoftfail, Domain: "example.com", Identity: "mailfrom", Mechanism: "~all"},
			`softfail (mybox.example.org: domain of transitioning myname@example.com does not designate 192.0.2.1 as permitted sender) receiver=mybox.example.org; client-ip=192.0.2.1; envelope-from="myname@example.com"; helo=foo.example.com; identity=mailfrom; mechanism=~all;`},
		2: {spf.Result{Status: spf.StatusPermerror, Domain: "example.com", Identity: "mailfrom", Detail: `syntax error in "a:(x)\"": bad`},
			`permerror (mybox.example.org: permanent error in processing domain of myname@example.com: syntax error in "a:\(x\)\\"": bad) receiver=mybox.example.org; client-ip=192.0.2.1; envelope-from="myname@example.com"; helo=foo.example.com; identity=mailfrom; problem="syntax error in \"a:(x)\\\"\": bad";`},
	} {
		assert.Equal(t, tc.want, tc.r.ReceivedSPF("mybox.example.org", q), "%d", i)
	}
	// Null sender: the HELO identity, postmaster@HELO.
	r := spf.Result{Status: spf.StatusNone, Domain: "foo.example.com", Identity: "helo"}
	assert.Equal(t, `none (unknown: foo.example.com does not designate permitted sender hosts) receiver=unknown; client-ip=192.0.2.1; envelope-from="postmaster@foo.example.com"; helo=foo.example.com; identity=helo;`,
		r.ReceivedSPF("", spf.Query{IP: q.IP, HELO: "foo.example.com"}))
	// Header injection is impossible.
	r = spf.Result{Status: spf.StatusTemperror, Domain: "example.com", Detail: "x\r\nX-Evil: 1"}
	assert.NotContains(t, r.ReceivedSPF("mx", q), "\n")
}

func TestAuthResult(t *testing.T) {
	r := spf.Result{Status: spf.StatusPass, Domain: "example.com", Identity: spf.IdentityMailFrom}
	assert.Equal(t, "spf=pass smtp.mailfrom=example.com", r.AuthResult())
	r = spf.Result{Status: spf.StatusNone, Domain: "mail.example.org", Identity: spf.IdentityHELO}
	assert.Equal(t, "spf=none smtp.helo=mail.example.org", r.AuthResult())

	// The whole field, formatted by go-msgauth.
	r = spf.Result{Status: spf.StatusFail, Domain: "example.com", Identity: spf.IdentityMailFrom, Detail: "mechanism -all matched"}
	assert.Equal(t, `mx.example.net; spf=fail reason="mechanism -all matched" smtp.mailfrom=example.com`, r.AuthenticationResults("mx.example.net"))
	// It parses back with go-msgauth (whose parser splits quoted values at
	// spaces, so the round trip uses a one-word reason).
	r.Detail = "no_match"
	id, results, err := authres.Parse(r.AuthenticationResults("mx.example.net"))
	require.NoError(t, err)
	assert.Equal(t, "mx.example.net", id)
	require.Len(t, results, 1)
	assert.Equal(t, &authres.SPFResult{Value: authres.ResultFail, Reason: "no_match", From: "example.com"}, results[0])
}

// TestReasonTable checks that every sentinel has its own Reason.
func TestReasonTable(t *testing.T) {
	sentinels := []error{
		spf.ErrSyntax, spf.ErrNoRecord, spf.ErrInvalidDomain, spf.ErrInvalidIP, spf.ErrMultipleRecords,
		spf.ErrTooManyLookups, spf.ErrTooManyVoidLookups, spf.ErrTooManyMX, spf.ErrIncludeNone,
		spf.ErrRedirectNone, spf.ErrRecursion, spf.ErrMacroTooLong, spf.ErrDNS, spf.ErrTimeout,
		spf.ErrMechanism, spf.ErrNoMatch,
	}
	seen := map[spf.Reason]error{}
	for _, err := range sentinels {
		reason := spf.ReasonFor(fmt.Errorf("wrapped: %w", err))
		require.NotEmpty(t, reason, "%v", err)
		_, dup := seen[reason]
		require.False(t, dup, "%v and %v share %q", err, seen[reason], reason)
		seen[reason] = err
	}
	assert.Equal(t, spf.Reason(""), spf.ReasonFor(nil))
	assert.Equal(t, spf.Reason(""), spf.ReasonFor(errors.New("other")))
	_, err := spf.ParseRecord("v=spf1 moo")
	assert.Equal(t, spf.ReasonSyntax, spf.ReasonFor(err))
}
