package dmarc

import (
	"errors"
	"strings"
	"testing"
)

func FuzzParseRecord(f *testing.F) {
	for _, s := range []string{
		"v=DMARC1; p=reject; pct=100; rua=mailto:dmarc@example.com",
		"V=DMARC1;P=Reject",
		"v=DMARC1",
		"v=DMARC1; p=none; sp=quarantine; rua=mailto:mailauth-reports@google.com",
		"v=DMARC1; rua=mailto:a@example.com!10m",
		"v=DMARC1; p=bogus; sp=x; pct=abc; adkim=s; aspf=r; fo=1:d; ruf=mailto:f@example.com",
		"  v = DMARC1 ;  p = quarantine ; ",
		"v=DMARC1;;;=;p;;x",
		"garbage",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRecord(s)
		if IsRecord(s) == errors.Is(err, ErrNotDMARC) {
			t.Fatalf("IsRecord(%q) disagrees with ParseRecord error %v", s, err)
		}
		if err != nil {
			if !errors.Is(err, ErrNotDMARC) && !errors.Is(err, ErrNoPolicy) {
				t.Fatalf("untyped error %v", err)
			}
			if !strings.HasPrefix(err.Error(), "dmarc: ") {
				t.Fatalf("error without package prefix: %v", err)
			}
			return
		}
		if _, ok := parsePolicy(string(r.Policy)); !ok {
			t.Fatalf("invalid policy %q", r.Policy)
		}
		if _, ok := parsePolicy(string(r.SubdomainPolicy)); !ok {
			t.Fatalf("invalid subdomain policy %q", r.SubdomainPolicy)
		}
		if r.Percent < 0 || r.Percent > 100 {
			t.Fatalf("pct %d", r.Percent)
		}
		if r.ADKIM != AlignRelaxed && r.ADKIM != AlignStrict || r.ASPF != AlignRelaxed && r.ASPF != AlignStrict {
			t.Fatalf("alignment %q %q", r.ADKIM, r.ASPF)
		}
		if r.Raw != s {
			t.Fatal("Raw changed")
		}
		// Round trip: the essential tags, written out canonically, parse
		// to the same policy.
		canon := "v=DMARC1; p=" + string(r.Policy) + "; sp=" + string(r.SubdomainPolicy) +
			"; adkim=" + string(r.ADKIM) + "; aspf=" + string(r.ASPF)
		r2, err := ParseRecord(canon)
		if err != nil || r2.Policy != r.Policy || r2.SubdomainPolicy != r.SubdomainPolicy ||
			r2.ADKIM != r.ADKIM || r2.ASPF != r.ASPF {
			t.Fatalf("round trip of %q via %q: %+v %v", s, canon, r2, err)
		}
	})
}

func FuzzFromDomain(f *testing.F) {
	for _, s := range []string{"joe@example.com", "Joe <joe@example.com>", "a@b, c@d", "x <a@b", "=?x?q?a?= <a@b.c>", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := FromDomain([]string{s})
		if err != nil {
			if !errors.Is(err, ErrNoFromDomain) && !errors.Is(err, ErrMultipleFrom) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if d == "" || d != normalize(d) {
			t.Fatalf("domain %q not normalized", d)
		}
	})
}
