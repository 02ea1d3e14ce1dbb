package headers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
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
	assert.Less(t, time.Since(start), 10*time.Second)
	assert.Len(t, m.Values("Received"), 10000)
}

// referenceHeaders is the straightforward encoding/json reading of a
// Patchwork headers object (the lead's first version), kept as the oracle
// for orderedHeaders.
func referenceHeaders(raw []byte) ([]Field, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var fields []Field
	seen := map[string][]string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		var values []string
		if v[0] == '[' {
			if err := json.Unmarshal(v, &values); err != nil {
				return nil, err
			}
		} else if err := json.Unmarshal(v, new(string)); err == nil {
			var s string
			_ = json.Unmarshal(v, &s)
			values = []string{s}
		} else {
			return nil, err
		}
		lower := strings.ToLower(key)
		if prev, dup := seen[lower]; dup && slices.Equal(prev, values) {
			continue
		}
		if _, dup := seen[lower]; !dup {
			seen[lower] = values
		}
		for _, s := range values {
			s = strings.ReplaceAll(s, "\r\n", "\n")
			fields = append(fields, Field{Name: key, Value: " " + strings.ReplaceAll(s, "\n", "\r\n")})
		}
	}
	return fields, nil
}

func TestOrderedHeadersMatchesEncodingJSON(t *testing.T) {
	inputs := []string{
		`{}`,
		`{"A": "x"}`,
		`{"A": ["x", "y"], "a": ["x", "y"], "B": []}`,
		`{"A": ["x"], "a": ["y"]}`,
		`{"A": "\u00e9\ud83d\ude00\ud800x\udc00\u0041\/\b\f\t\r\n\\\"", "B": "caf\u00e9 \u20ac"}`,
		"{\"A\": \"\xff\xfe raw bytes \xc3\xa9\"}",
		`{"A": "line1\r\nline2\rline3\n\tline4"}`,
		` { "A" : [ "x" , "y" ] , "B" : "z" } `,
	}
	data, err := os.ReadFile(samplePath)
	require.NoError(t, err)
	var obj struct{ Headers json.RawMessage }
	require.NoError(t, json.Unmarshal(data, &obj))
	inputs = append(inputs, string(obj.Headers))
	var pairs []string // enough keys for the map path
	for i := range 40 {
		pairs = append(pairs, fmt.Sprintf(`"K%d": "v", "X%d": ["a"], "k%d": "v", "x%d": ["b"]`, i, i, i, i))
	}
	inputs = append(inputs, "{"+strings.Join(pairs, ",")+"}")
	for i, in := range inputs {
		want, err := referenceHeaders([]byte(in))
		require.NoError(t, err, "%d", i)
		got, err := orderedHeaders([]byte(in))
		require.NoError(t, err, "%d", i)
		assert.Equal(t, want, got, "%d: %s", i, in)
	}
}
