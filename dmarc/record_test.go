package dmarc

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRecord(t *testing.T) {
	rec := func(p, sp Policy, pct int, adkim, aspf Alignment) Record {
		return Record{Version: "DMARC1", Policy: p, SubdomainPolicy: sp, Percent: pct, ADKIM: adkim, ASPF: aspf, FO: "0"}
	}
	tests := []struct {
		in      string
		want    Record // Raw is filled in from in
		wantErr error
	}{
		0: {in: "v=DMARC1; p=reject; pct=100; rua=mailto:dmarc@example.com",
			want: withRUA(rec(PolicyReject, PolicyReject, 100, "r", "r"), "mailto:dmarc@example.com")},
		1: {in: "V=DMARC1;P=Reject", want: rec(PolicyReject, PolicyReject, 100, "r", "r")},
		2: {in: "v=DMARC1", wantErr: ErrNoPolicy},
		3: {in: "v=DMARC1; p=none; sp=quarantine; rua=mailto:mailauth-reports@google.com",
			want: withRUA(rec(PolicyNone, PolicyQuarantine, 100, "r", "r"), "mailto:mailauth-reports@google.com")},
		4: {in: "garbage", wantErr: ErrNotDMARC},
		5: {in: "", wantErr: ErrNotDMARC},
		6: {in: "v=DMARC1; p=bogus", wantErr: ErrNoPolicy},
		7: {in: "v=DMARC1; p=bogus; rua=mailto:a@example.com",
			want: implied(withRUA(rec(PolicyNone, PolicyNone, 100, "r", "r"), "mailto:a@example.com"))},
		8: {in: "v=DMARC1; rua=mailto:a@example.com!10m",
			want: implied(withRUA(rec(PolicyNone, PolicyNone, 100, "r", "r"), "mailto:a@example.com!10m"))},
		9:  {in: "v=DMARC1; rua=not a uri", wantErr: ErrNoPolicy},
		10: {in: "v=DMARC1; p=reject; sp=maybe", wantErr: ErrNoPolicy},
		11: {in: "  v = DMARC1 ;  p = quarantine ; ", want: rec(PolicyQuarantine, PolicyQuarantine, 100, "r", "r")},
		12: {in: "v=DMARC1; p=reject; pct=abc; adkim=x; aspf=S; foo=bar; np=none",
			want: rec(PolicyReject, PolicyReject, 100, "r", "s")},
		13: {in: "v=DMARC1; p=reject; pct=20; adkim=s", want: rec(PolicyReject, PolicyReject, 20, "s", "r")},
		14: {in: "v=DMARC1; p=reject; pct=101", want: rec(PolicyReject, PolicyReject, 100, "r", "r")},
		15: {in: "v=DMARC1; p=reject; pct=-1", want: rec(PolicyReject, PolicyReject, 100, "r", "r")},
		16: {in: "p=reject; v=DMARC1", wantErr: ErrNotDMARC},
		17: {in: "v=DMARC2; p=reject", wantErr: ErrNotDMARC},
		18: {in: "v=spf1 -all", wantErr: ErrNotDMARC},
		19: {in: "v=DMARC1; p=NONE; sp=NONE", want: rec(PolicyNone, PolicyNone, 100, "r", "r")},
		20: {in: "v=DMARC1; p=REJECT; sp=REJECT", want: rec(PolicyReject, PolicyReject, 100, "r", "r")},
		21: {in: "v=DMARC1; p=QUARANTINE; sp=NONE", want: rec(PolicyQuarantine, PolicyNone, 100, "r", "r")},
		22: {in: "v=DMARC1; p=none; p=reject", want: rec(PolicyNone, PolicyNone, 100, "r", "r")},
		23: {in: "v=DMARC1;;;=;p;;x", wantErr: ErrNoPolicy},
		24: {in: "v=dmarc1; p=quarantine", want: func() Record {
			r := rec(PolicyQuarantine, PolicyQuarantine, 100, "r", "r")
			r.Version = "dmarc1"
			return r
		}()},
		25: {in: "v=DMARC1; p=reject; fo=1:d; ruf=mailto:f@example.com, mailto:g@example.com",
			want: func() Record {
				r := rec(PolicyReject, PolicyReject, 100, "r", "r")
				r.FO, r.RUF = "1:d", []string{"mailto:f@example.com", "mailto:g@example.com"}
				return r
			}()},
		26: {in: "v=DMARC1; p=reject; pct=0", want: rec(PolicyReject, PolicyReject, 0, "r", "r")},
		27: {in: "v=DMARC1\t;\tp=reject\r\n", want: rec(PolicyReject, PolicyReject, 100, "r", "r")},
	}
	for i, tt := range tests {
		got, err := ParseRecord(tt.in)
		if tt.wantErr != nil {
			require.ErrorIs(t, err, tt.wantErr, "%d: %q", i, tt.in)
			continue
		}
		require.NoError(t, err, "%d: %q", i, tt.in)
		tt.want.Raw = tt.in
		assert.Equal(t, tt.want, *got, "%d: %q", i, tt.in)
	}
}

func withRUA(r Record, uris ...string) Record { r.RUA = uris; return r }
func implied(r Record) Record                 { r.PolicyImplied = true; return r }

func TestParseRecordLinear(t *testing.T) {
	big := "v=DMARC1; " + strings.Repeat("x=y;", 200000) + "p=reject"
	r, err := ParseRecord(big)
	require.NoError(t, err)
	assert.Equal(t, PolicyReject, r.Policy)
}

func TestIsRecord(t *testing.T) {
	for in, want := range map[string]bool{
		"v=DMARC1":          true,
		" V = dmarc1 ; p=x": true,
		"v=DMARC1x":         false,
		"x=1; v=DMARC1":     false,
		"":                  false,
		"v":                 false,
	} {
		assert.Equal(t, want, IsRecord(in), "%q", in)
	}
}
