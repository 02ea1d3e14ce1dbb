package headers

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParsePatchworkSample(t *testing.T) {
	data, err := os.ReadFile(samplePath)
	require.NoError(t, err)
	m, err := ParsePatchwork(data, "2221996.json")
	require.NoError(t, err)
	assert.Equal(t, Source{Kind: SourcePatchwork, Name: "2221996.json"}, m.Source)
	assert.Equal(t, OrderPerName, m.Order)
	assert.Nil(t, m.Body)
	assert.Empty(t, m.Defects)

	require.NotNil(t, m.Patchwork)
	pw := m.Patchwork
	assert.Equal(t, int64(2221996), pw.ID)
	assert.Equal(t, "<20260410150457.85190-4-zhangckid@gmail.com>", pw.MsgID)
	assert.Equal(t, "[V6,03/14] iothread: tracking iothread users with holder name", pw.Name)
	assert.Equal(t, "Zhang Chen", pw.Submitter.Name)
	assert.Equal(t, "zhangckid@gmail.com", pw.Submitter.Email)
	assert.True(t, pw.HasDiff)
	assert.True(t, strings.HasPrefix(pw.Diff, "diff --git a/include/system/iothread.h"))
	assert.True(t, strings.HasSuffix(pw.Content, "2 files changed, 32 insertions(+), 4 deletions(-)"))

	// Key order is kept; lists become one field per element, top-down.
	assert.Equal(t, "Return-Path", m.Fields[0].Name)
	assert.Equal(t, " <qemu-devel-bounces+incoming=patchwork.ozlabs.org@nongnu.org>", m.Fields[0].Value)
	assert.Len(t, m.Values("Received"), 6)
	ar := m.Values("Authentication-Results")
	require.Len(t, ar, 2)
	assert.True(t, strings.HasPrefix(ar[0], " legolas.ozlabs.org;\r\n\tdkim=pass (2048-bit key;\r\n unprotected)"), "LF folding becomes CRLF: %q", ar[0])
	assert.True(t, strings.HasPrefix(ar[1], " legolas.ozlabs.org;\r\n spf=pass"))
	assert.Equal(t, "Sender", m.Fields[len(m.Fields)-1].Name)
	for _, f := range m.Fields {
		assert.NotContains(t, strings.ReplaceAll(f.Value, "\r\n", ""), "\n", f.Name)
		assert.NotContains(t, strings.ReplaceAll(f.Value, "\r\n", ""), "\r", f.Name)
	}
	subj, _ := m.Get("Subject")
	assert.Equal(t, "[PATCH V6 03/14] iothread: tracking iothread users with holder name", subj)
	assert.Len(t, m.Fields, 44)
}

func TestParsePatchworkCover(t *testing.T) {
	data, err := os.ReadFile("testdata/patchwork-cover.json")
	require.NoError(t, err)
	m, err := ParsePatchwork(data, "cover")
	require.NoError(t, err)
	assert.False(t, m.Patchwork.HasDiff)
	assert.Empty(t, m.Patchwork.Diff)
	assert.Equal(t, "This series does two things.\n\nAlice (2):\n  first\n  second\n", m.Patchwork.Content)
	assert.Equal(t, []string{" from b by c; Tue, 4 Mar 2025 09:00:02 +0000", " from a by b; Tue, 4 Mar 2025 09:00:01 +0000"}, m.Values("Received"))
	assert.Equal(t, "[PATCH 0/2] a cover letter", m.Patchwork.Name)
}

func TestParsePatchworkCaseDuplicates(t *testing.T) {
	data, err := os.ReadFile("testdata/patchwork-casedup.json")
	require.NoError(t, err)
	m, err := ParsePatchwork(data, "dup")
	require.NoError(t, err)
	assert.Equal(t, []Field{
		{"Authentication-Results", " mx.example.org;\r\n\tdkim=pass header.d=example.com"},
		{"Authentication-Results", " mx.example.org; spf=pass smtp.mailfrom=example.com"},
		{"From", " a@example.com"},
		{"X-Folded", " first\r\n\tsecond"},
	}, m.Fields, "one copy of the merged list; \\r dropped and CRLF restored")
	assert.Equal(t, "--- a/f\r\n+++ b/f\r\n", m.Patchwork.Diff, "diff keeps CRLF")
}

func TestParsePatchworkErrors(t *testing.T) {
	sample, err := os.ReadFile(samplePath)
	require.NoError(t, err)
	tests := []struct {
		in  string
		err error
	}{
		0:  {in: string(sample[:len(sample)/2]), err: ErrMalformedJSON},
		1:  {in: string(sample[:len(sample)-2]), err: ErrMalformedJSON},
		2:  {in: "{", err: ErrMalformedJSON},
		3:  {in: "", err: ErrMalformedJSON},
		4:  {in: "{}", err: ErrNotPatchwork},
		5:  {in: `{"id": 1, "name": "x"}`, err: ErrNotPatchwork},
		6:  {in: `{"headers": null}`, err: ErrNotPatchwork},
		7:  {in: `{"headers": []}`, err: ErrNotPatchwork},
		8:  {in: `{"headers": {}}`, err: ErrNotPatchwork},
		9:  {in: `{"headers": {"From": 5}}`, err: ErrNotPatchwork},
		10: {in: `{"headers": {"From": [1]}}`, err: ErrNotPatchwork},
		11: {in: `{"headers": {"From": {"a": "b"}}}`, err: ErrNotPatchwork},
		12: {in: `{"id": "x", "headers": {"From": "a"}}`, err: ErrNotPatchwork},
		13: {in: `{"content": 5, "headers": {"From": "a"}}`, err: ErrNotPatchwork},
		14: {in: `[{"headers": {"From": "a"}}]`, err: ErrNotPatchwork},
		15: {in: `{"headers": {"From": "a"}} trailing`, err: ErrMalformedJSON},
		16: {in: "{\"headers\": {\"From\": \"\xff\"}}", err: nil},
		17: {in: `{"headers": {"From": "a"}}`, err: nil},
		18: {in: "\x00\x01\x02binary", err: ErrMalformedJSON},
		19: {in: `{"headers": {"From": null}}`, err: ErrNotPatchwork},
		20: {in: `{"headers": {"": "x"}}`, err: ErrNotPatchwork},
		21: {in: `{"headers": {"Bad Name": "x"}}`, err: ErrNotPatchwork},
	}
	for i, tt := range tests {
		m, err := ParsePatchwork([]byte(tt.in), "t")
		if tt.err == nil {
			require.NoError(t, err, "%d", i)
			require.NotNil(t, m)
			continue
		}
		require.ErrorIs(t, err, tt.err, "%d: %q", i, tt.in)
		var le *LoadError
		require.ErrorAs(t, err, &le)
		assert.Equal(t, SourcePatchwork, le.Kind)
		assert.Nil(t, m)
	}
}

func TestParsePatchworkLarge(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"headers": {"Received": [`)
	for i := range 10000 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"from a by b; Mon, 3 Mar 2025 10:00:01 +0000"`)
	}
	b.WriteString(`], "X-Long": "` + strings.Repeat("a", 4<<20) + `"`)
	for i := range 5000 {
		b.WriteString(`, "X-F` + strings.Repeat("y", i%10) + string(rune('a'+i%26)) + `": "v"`)
	}
	b.WriteString(`}, "content": "c"}`)
	start := time.Now()
	m, err := ParsePatchwork([]byte(b.String()), "big")
	require.NoError(t, err)
	assert.Less(t, time.Since(start), 3*time.Second)
	assert.Len(t, m.Values("Received"), 10000)
}
