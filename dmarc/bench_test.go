package dmarc

import (
	"testing"

	msgdmarc "github.com/emersion/go-msgauth/dmarc"
	"golang.org/x/net/publicsuffix"
)

// BenchmarkParseRecord compares ParseRecord with go-msgauth's Parse on a
// typical record.
func BenchmarkParseRecord(b *testing.B) {
	const rec = "v=DMARC1; p=reject; sp=quarantine; pct=100; adkim=s; rua=mailto:dmarc@example.com; ruf=mailto:f@example.com; fo=1"
	b.Run("baseline-go-msgauth", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := msgdmarc.Parse(rec); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("mailprov", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ParseRecord(rec); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkOrganizationalDomain measures the ICANN-only public suffix walk
// against x/net's EffectiveTLDPlusOne (which also applies private rules).
func BenchmarkOrganizationalDomain(b *testing.B) {
	b.Run("baseline-x/net-etld+1", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = publicsuffixETLD1("mail.foo.github.io")
		}
	})
	b.Run("mailprov", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = OrganizationalDomain("mail.foo.github.io")
		}
	})
}

func publicsuffixETLD1(d string) (string, error) { return publicsuffix.EffectiveTLDPlusOne(d) }
