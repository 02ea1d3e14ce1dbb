package received

import (
	"net/mail"
	"strings"
	"testing"
)

// BenchmarkChain parses the Patchwork sample's six Received fields.
// Baselines on the same text: one strings.Fields pass (the floor for
// looking at every byte) and net/mail.ParseDate of each date part.
func BenchmarkChain(b *testing.B) {
	values := list(sampleHeaders(b)["Received"])
	n := float64(len(values))
	dates := make([]string, len(values))
	for i, v := range values {
		d := v[strings.LastIndexByte(v, ';')+1:]
		if k := strings.IndexByte(d, '('); k >= 0 {
			d = d[:k]
		}
		dates[i] = strings.TrimSpace(d)
	}
	perHop := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/hop")
	}
	b.Run("baseline-strings.Fields", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, v := range values {
				_ = strings.Fields(v)
			}
		}
		perHop(b)
	})
	b.Run("baseline-mail.ParseDate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, d := range dates {
				if _, err := mail.ParseDate(d); err != nil {
					b.Fatal(err)
				}
			}
		}
		perHop(b)
	})
	b.Run("mailprov-Parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, v := range values {
				if _, err := Parse(v); err != nil {
					b.Fatal(err)
				}
			}
		}
		perHop(b)
	})
	b.Run("mailprov-NewChain", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = NewChain(values, Options{})
		}
		perHop(b)
	})
}
