package audit_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/mailprov/mailprov/audit"
	"github.com/mailprov/mailprov/dns"
	"github.com/mailprov/mailprov/headers"
)

// BenchmarkAudit audits the Patchwork sample (one gmail.com signature
// checked against a rebuilt body, SPF at the origin, DMARC) with its DNS
// answers replayed from the snapshot, as an ingest filter would with a
// warm cache. The baselines: loading the JSON, and Parse (no DNS, no
// crypto), which every audit does first.
func BenchmarkAudit(b *testing.B) {
	raw, err := os.ReadFile(samplePath)
	if err != nil {
		b.Fatal(err)
	}
	snap, err := dns.LoadSnapshotFile(sampleSnapshot)
	if err != nil {
		b.Fatal(err)
	}
	load := func(b *testing.B) *headers.Message {
		m, err := headers.ParsePatchwork(raw, "sample")
		if err != nil {
			b.Fatal(err)
		}
		return m
	}
	ctx := context.Background()
	a := &audit.Auditor{Resolver: snap, Now: func() time.Time { return sampleNow }, AsOfMessageDate: true}
	if r := a.Audit(ctx, load(b)); r.Verdict.Level != audit.LevelVerified {
		b.Fatalf("verdict %s, want verified", r.Verdict.Level)
	}
	b.Run("baseline-load", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			load(b)
		}
	})
	b.Run("baseline-parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			audit.Parse(load(b), audit.ParseOptions{})
		}
	})
	b.Run("audit", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if r := a.Audit(ctx, load(b)); r.Verdict.Level != audit.LevelVerified {
				b.Fatal(r.Verdict.Level)
			}
		}
	})
	b.Run("audit-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				m, err := headers.ParsePatchwork(raw, "sample")
				if err != nil {
					b.Error(err)
					return
				}
				if r := a.Audit(ctx, m); r.Verdict.Level != audit.LevelVerified {
					b.Error(r.Verdict.Level)
					return
				}
			}
		})
	})
}
