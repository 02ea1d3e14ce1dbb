package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailprov/mailprov/audit"
	"github.com/mailprov/mailprov/dns"
	"github.com/mailprov/mailprov/headers"
)

const sampleTextGolden = "testdata/2221996.audit.golden.txt"

// TestSampleText pins the human report of the sample: verdict first, one
// line per check with its mark, then the hop timeline.
func TestSampleText(t *testing.T) {
	snap, err := dns.LoadSnapshotFile(sampleSnapshot)
	require.NoError(t, err)
	a := &audit.Auditor{Resolver: snap, DNSSource: "snapshot", Now: func() time.Time { return sampleNow }}
	r := a.Audit(context.Background(), loadSample(t))

	var plain bytes.Buffer
	require.NoError(t, audit.WriteText(&plain, r, audit.TextOptions{}))
	got := plain.String()
	if *update {
		require.NoError(t, os.WriteFile(sampleTextGolden, []byte(got), 0o644))
	}
	want, err := os.ReadFile(sampleTextGolden)
	require.NoError(t, err, "run go test ./audit -run TestSampleText -update")
	assert.Equal(t, string(want), got)

	lines := strings.Split(got, "\n")
	assert.True(t, strings.HasPrefix(lines[1], "AUTHENTIC [verified]"), "the verdict comes first: %q", lines[1])
	assert.Less(t, strings.Index(got, "Checks"), strings.Index(got, "Path (oldest first)"))
	assert.NotContains(t, got, "\x1b[")

	var colored bytes.Buffer
	require.NoError(t, audit.WriteText(&colored, r, audit.TextOptions{Color: true}))
	assert.Contains(t, colored.String(), "\x1b[32m✓\x1b[0m")
}

// TestTextBodyNotRebuilt audits the sample with its stored diff altered:
// the header signature still verifies, no rebuilt body matches, and the
// human report says why under the DKIM line, not only in the JSON.
func TestTextBodyNotRebuilt(t *testing.T) {
	snap, err := dns.LoadSnapshotFile(sampleSnapshot)
	require.NoError(t, err)
	m := loadSample(t)
	pw := *m.Patchwork
	pw.Diff += "+one more line\n"
	m.Patchwork = &pw
	a := &audit.Auditor{Resolver: snap, AsOfMessageDate: true, Now: func() time.Time { return sampleNow }}
	r := a.Audit(context.Background(), m)
	assert.Equal(t, audit.LevelVerifiedHeaderOnly, r.Verdict.Level)
	var b bytes.Buffer
	require.NoError(t, audit.WriteText(&b, r, audit.TextOptions{}))
	assert.Contains(t, b.String(), "note: none of ")
	assert.Contains(t, b.String(), "[content_changed]: ")
	assert.Equal(t, "content_changed", r.DKIM[0].BodyReason, "the code is a field of its own in the JSON")
	js, err := json.Marshal(r.DKIM[0])
	require.NoError(t, err)
	assert.Contains(t, string(js), `"body_reason":"content_changed"`)
}

func TestAuthenticationResults(t *testing.T) {
	snap, err := dns.LoadSnapshotFile(sampleSnapshot)
	require.NoError(t, err)
	a := &audit.Auditor{Resolver: snap, AsOfMessageDate: true, Now: func() time.Time { return sampleNow }}
	r := a.Audit(context.Background(), loadSample(t))
	got := audit.AuthenticationResults("mx.example.net", r)
	assert.Equal(t, "mx.example.net; dkim=pass header.d=gmail.com; spf=pass smtp.mailfrom=zhangckid@gmail.com; dmarc=pass header.from=gmail.com", strings.Join(strings.Fields(got), " "))
}

func TestParseAsOf(t *testing.T) {
	for i, tc := range []struct {
		in      string
		at      time.Time
		message bool
		bad     bool
	}{
		0: {in: ""},
		1: {in: "now"},
		2: {in: "message", message: true},
		3: {in: "1667843664", at: time.Unix(1667843664, 0).UTC()},
		4: {in: "2026-04-10T23:04:46+08:00", at: time.Date(2026, 4, 10, 15, 4, 46, 0, time.UTC)},
		5: {in: "2026-04-10", at: time.Date(2026, 4, 10, 0, 0, 0, 0, time.UTC)},
		6: {in: "last tuesday", bad: true},
	} {
		at, message, err := audit.ParseAsOf(tc.in)
		if tc.bad {
			assert.ErrorIs(t, err, audit.ErrBadTime, "%d", i)
			continue
		}
		require.NoError(t, err, "%d", i)
		assert.True(t, tc.at.Equal(at), "%d: %v", i, at)
		assert.Equal(t, tc.message, message, "%d", i)
	}
}

// TestTextHostileAndBare: a huge Subject is cut for people (the JSON keeps
// it whole), a message without signatures gets no empty "Checks:"
// heading from Parse, and --at message on mail without a Date says what
// it fell back to.
func TestTextHostileAndBare(t *testing.T) {
	raw := "From: a@example.org\r\nSubject: " + strings.Repeat("x", 1<<20) + "\r\n\r\nbody\r\n"
	m, err := headers.ParseRaw([]byte(raw), "big.eml")
	require.NoError(t, err)
	r := audit.Parse(m, audit.ParseOptions{})
	var b bytes.Buffer
	require.NoError(t, audit.WriteText(&b, r, audit.TextOptions{}))
	assert.Less(t, b.Len(), 2000)
	assert.Contains(t, b.String(), "(1048576 bytes in all)")
	assert.NotContains(t, b.String(), "Checks")
	assert.Len(t, r.Message.Subject, 1<<20)

	a := &audit.Auditor{Resolver: &dns.Snapshot{}, AsOfMessageDate: true, Now: func() time.Time { return sampleNow }}
	r = a.Audit(context.Background(), m)
	assert.True(t, r.AsOf.Equal(sampleNow))
	assert.Contains(t, strings.Join(r.Problems, "\n"), "Date: no usable Date field")
}

func TestValidAuthServID(t *testing.T) {
	for i, tc := range []struct {
		id string
		ok bool
	}{
		0: {"mx.example.net", true},
		1: {`"mx example"`, false}, // white space, even quoted
		2: {`"mx.example"`, true},
		3: {`"a\"b"`, true},
		4: {`"a\"`, false},
		5: {"", false},
		6: {"a;b", false},
		7: {"mx/1", false}, // a tspecial
		8: {"m\u00e9", false},
	} {
		assert.Equal(t, tc.ok, audit.ValidAuthServID(tc.id), "%d: %q", i, tc.id)
	}
}
