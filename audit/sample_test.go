package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailprov/mailprov/audit"
	"github.com/mailprov/mailprov/dkim"
	"github.com/mailprov/mailprov/dns"
	"github.com/mailprov/mailprov/dns/dnstest"
	"github.com/mailprov/mailprov/headers"
)

var update = flag.Bool("update", false, "rewrite golden files and the sample's DNS snapshot")

// sampleNow is the clock of the sample audits: after the signature's x=.
var sampleNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

const (
	samplePath     = "../testdata/patchwork/2221996.json"
	sampleZone     = "../testdata/dns/sample.zone"
	sampleSnapshot = "../testdata/dns/2221996.snapshot"
	sampleGolden   = "testdata/2221996.audit.golden.json"
)

func loadSample(t *testing.T) *headers.Message {
	t.Helper()
	b, err := os.ReadFile(samplePath)
	require.NoError(t, err)
	m, err := headers.ParsePatchwork(b, "testdata/patchwork/2221996.json")
	require.NoError(t, err)
	return m
}

func marshal(t *testing.T, r *audit.Report) []byte {
	t.Helper()
	b, err := json.MarshalIndent(r, "", "  ")
	require.NoError(t, err)
	return append(b, '\n')
}

// TestSample audits the real Patchwork sample against the loopback zone
// that mirrors its domains, records the DNS answers as the snapshot the
// README's command replays, and compares the report with the golden file.
func TestSample(t *testing.T) {
	srv := dnstest.NewServerFile(t, sampleZone)
	client := srv.Resolver()
	client.Now = func() time.Time { return sampleNow }
	rec := &dns.Recorder{Resolver: client, Now: client.Now}
	a := &audit.Auditor{Resolver: rec, Now: func() time.Time { return sampleNow }}
	r := a.Audit(context.Background(), loadSample(t))

	require.Len(t, r.DKIM, 2)
	g := r.DKIM[0]
	assert.Equal(t, "gmail.com", g.Domain)
	require.NotNil(t, g.Result)
	assert.Equal(t, dkim.CheckPass, g.HeaderSignature, g.Detail)
	assert.Equal(t, dkim.CheckPass, g.Body, "the body must be proved from content + diff")
	assert.Equal(t, "rebuilt", g.BodySource)
	assert.Equal(t, dkim.ReasonExpired, g.Reason, "x= passed in April 2026")
	assert.Equal(t, 2048, g.KeyBits)

	require.NotNil(t, r.Origin)
	assert.Equal(t, "2607:f8b0:4864:20::1030", r.Origin.IP.String())
	require.NotNil(t, r.SPF)
	assert.Equal(t, "pass", string(r.SPF.Status))
	assert.Equal(t, "zhangckid@gmail.com", r.SPF.MailFrom)
	require.NotNil(t, r.SPF.Agrees)
	assert.True(t, *r.SPF.Agrees)
	require.NotNil(t, r.DMARC)
	assert.Equal(t, "pass", string(r.DMARC.Status))

	require.NotNil(t, r.Verdict)
	assert.True(t, r.Verdict.Authentic)
	assert.Equal(t, audit.LevelVerified, r.Verdict.Level)
	assert.Contains(t, r.Verdict.Reasons, "valid as of its date; expired since 2026-04-17T15:05:20Z")

	got := marshal(t, r)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(sampleGolden), 0o755))
		require.NoError(t, os.WriteFile(sampleGolden, got, 0o644))
		require.NoError(t, rec.Save(sampleSnapshot))
	}
	want, err := os.ReadFile(sampleGolden)
	require.NoError(t, err, "run go test ./audit -run TestSample -update")
	assert.Equal(t, string(want), string(got))
}

// TestSampleReplay replays the recorded snapshot with no network and must
// give the same report as the live audit.
func TestSampleReplay(t *testing.T) {
	snap, err := dns.LoadSnapshotFile(sampleSnapshot)
	require.NoError(t, err)
	a := &audit.Auditor{Resolver: snap, Now: func() time.Time { return sampleNow }}
	r := a.Audit(context.Background(), loadSample(t))
	want, err := os.ReadFile(sampleGolden)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(marshal(t, r)))

	// With a key cache of the caller's, shared by both audits below: the
	// same report, and the gmail.com key parsed once (the 1e100.net key
	// is missing, and a failed lookup is not cached).
	keys := new(dkim.KeyCache)
	a = &audit.Auditor{Resolver: snap, Now: func() time.Time { return sampleNow }, Keys: keys}
	assert.Equal(t, string(want), string(marshal(t, a.Audit(context.Background(), loadSample(t)))))
	assert.Equal(t, 1, keys.Len())

	// As of the message's own Date the signature had not expired: a pass.
	a.AsOfMessageDate = true
	r = a.Audit(context.Background(), loadSample(t))
	assert.Equal(t, dkim.StatusPass, r.DKIM[0].Status)
	assert.Equal(t, audit.LevelVerified, r.Verdict.Level)
	assert.True(t, bytes.Contains(marshal(t, r), []byte(`"as_of": "2026-04-10T23:04:46+08:00"`)))
	assert.Equal(t, 1, keys.Len())
}

// TestSampleSnapshotSPFAsOf: replayed from a snapshot, the SPF re-check
// holds as of when the answers were recorded, not as of the clock.
func TestSampleSnapshotSPFAsOf(t *testing.T) {
	snap, err := dns.LoadSnapshotFile(sampleSnapshot)
	require.NoError(t, err)
	later := sampleNow.Add(365 * 24 * time.Hour)
	a := &audit.Auditor{Resolver: snap, DNSSource: "snapshot", Now: func() time.Time { return later }}
	r := a.Audit(context.Background(), loadSample(t))
	require.NotNil(t, r.SPF)
	assert.True(t, r.SPF.AsOf.Equal(sampleNow), "spf as_of %v, want the snapshot's %v", r.SPF.AsOf, sampleNow)
	assert.Contains(t, r.SPF.Note, "as of when it was recorded")
	assert.True(t, r.AsOf.Equal(later), "the audit itself is as of the clock")
}
