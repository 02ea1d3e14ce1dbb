package headers

import (
	"bytes"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRawLineEndings(t *testing.T) {
	lf, err := os.ReadFile("testdata/plain-lf.eml")
	require.NoError(t, err)
	crlf, err := os.ReadFile("testdata/plain-crlf.eml")
	require.NoError(t, err)
	ml, err := ParseRaw(lf, "lf.eml")
	require.NoError(t, err)
	mc, err := ParseRaw(crlf, "crlf.eml")
	require.NoError(t, err)

	assert.Equal(t, ml.Fields, mc.Fields, "fields do not depend on the line ending")
	assert.Equal(t, Source{Kind: SourceRaw, Name: "lf.eml"}, ml.Source)
	assert.Equal(t, OrderExact, ml.Order)
	assert.Empty(t, ml.Defects)
	require.Len(t, ml.Fields, 11)
	assert.Equal(t, Field{"Subject", " =?iso-8859-1?q?Gr=FC=DFe?= aus\r\n Berlin"}, ml.Fields[5])
	assert.Equal(t, " from mail.example.com (mail.example.com [192.0.2.10])\r\n\tby mx.example.org (Postfix) with ESMTPS id 4ABCD\r\n\tfor <list@example.org>; Mon, 3 Mar 2025 10:00:01 +0000 (UTC)", ml.Fields[1].Value)

	assert.Equal(t, "Hello,\n>From the start.\n-- \n2.49.0\n", string(ml.Body), "body kept as is, no mbox un-escaping")
	assert.Equal(t, "Hello,\r\n>From the start.\r\n-- \r\n2.49.0\r\n", string(mc.Body))
}

func TestParseRaw(t *testing.T) {
	tests := []struct {
		in      string
		fields  []Field
		body    *string
		defects int
		err     error
	}{
		0:  {in: "Subject: x", fields: []Field{{"Subject", " x"}}},
		1:  {in: "Subject: x\n", fields: []Field{{"Subject", " x"}}},
		2:  {in: "Subject: x\n\n", fields: []Field{{"Subject", " x"}}, body: ptr("")},
		3:  {in: "Subject: x\r\n\r\nbody", fields: []Field{{"Subject", " x"}}, body: ptr("body")},
		4:  {in: "Subject:x\n", fields: []Field{{"Subject", "x"}}},
		5:  {in: "Subject:\n\tx\n", fields: []Field{{"Subject", "\r\n\tx"}}},
		6:  {in: "From alice@example.com Thu Jan  1 00:00:00 1970\nSubject: x\n", fields: []Field{{"Subject", " x"}}},
		7:  {in: "Subject : x\n", fields: []Field{{"Subject", " x"}}, defects: 1},
		8:  {in: " cont\nA: 1\n", err: ErrUnrecognized},
		9:  {in: "A: 1\nno colon here\n more\n", fields: []Field{{"A", " 1"}}, defects: 2},
		10: {in: "A: 1\n\xff\xfe: 2\n", fields: []Field{{"A", " 1"}}, defects: 1},
		11: {in: "A: 1\n: empty name\n", fields: []Field{{"A", " 1"}}, defects: 1},
		12: {in: "", err: ErrEmpty},
		13: {in: " \r\n\t\n", err: ErrEmpty},
		14: {in: "just text\nA: 1\n", err: ErrUnrecognized},
		15: {in: "\nbody only\n", err: ErrUnrecognized},
		16: {in: "A: 1\rB: 2\n", fields: []Field{{"A", " 1\rB: 2"}}}, // a bare CR is not a line end
		17: {in: "A: 1\n\r\nbody\n", fields: []Field{{"A", " 1"}}, body: ptr("body\n")},
		18: {in: "A: 1\n \nB: 2\n", fields: []Field{{"A", " 1\r\n "}, {"B", " 2"}}},
	}
	for i, tt := range tests {
		m, err := ParseRaw([]byte(tt.in), "t")
		if tt.err != nil {
			require.ErrorIs(t, err, tt.err, "%d", i)
			var le *LoadError
			require.ErrorAs(t, err, &le, "%d", i)
			assert.Equal(t, SourceRaw, le.Kind)
			assert.Nil(t, m)
			continue
		}
		require.NoError(t, err, "%d", i)
		assert.Equal(t, tt.fields, m.Fields, "%d", i)
		if tt.body == nil {
			assert.Nil(t, m.Body, "%d", i)
		} else {
			assert.Equal(t, *tt.body, string(m.Body), "%d", i)
			assert.NotNil(t, m.Body, "%d", i)
		}
		assert.Len(t, m.Defects, tt.defects, "%d: %q", i, m.Defects)
	}
}

func ptr[T any](v T) *T { return &v }

func TestParseRawDefectsFile(t *testing.T) {
	data, err := os.ReadFile("testdata/header-defects.eml")
	require.NoError(t, err)
	m, err := ParseRaw(data, "d")
	require.NoError(t, err)
	assert.Equal(t, []Field{{"X-First", " 1"}, {"Subject", " spaced name"}, {"X-Good", " yes\r\n\tfolded"}}, m.Fields)
	require.Len(t, m.Defects, 3)
	assert.Contains(t, m.Defects[0], "line 2: white space before the colon")
	assert.Contains(t, m.Defects[1], "line 3: not a header field")
	assert.Contains(t, m.Defects[2], "line 4: continuation")
}

// TestParseRawHostile checks that big and broken inputs finish quickly
// without a panic and give a message or a typed error.
func TestParseRawHostile(t *testing.T) {
	var received strings.Builder
	for i := range 10000 {
		received.WriteString("Received: from h")
		received.WriteString(strings.Repeat("x", i%50))
		received.WriteString(" by mx; Mon, 3 Mar 2025 10:00:01 +0000\r\n\t(folded)\r\n")
	}
	received.WriteString("Subject: many hops\r\n\r\nbody\r\n")

	rng := rand.New(rand.NewPCG(1, 2))
	garbage := make([]byte, 4<<20)
	for i := range garbage {
		garbage[i] = byte(rng.UintN(256))
	}
	garbageLines := bytes.Repeat([]byte("@@@ \x00\x01\x02\n"), 500000)

	tests := map[string]struct {
		in     []byte
		fields int
		err    error
	}{
		"10000 Received":   {in: []byte(received.String()), fields: 10001},
		"8MB header line":  {in: []byte("X-Long: " + strings.Repeat("a", 8<<20) + "\r\nSubject: s\r\n\r\n"), fields: 2},
		"8MB folded field": {in: []byte("X-Long: a" + strings.Repeat("\r\n b", 2<<20) + "\r\n\r\n"), fields: 1},
		"binary garbage":   {in: garbage, err: ErrUnrecognized},
		"garbage lines":    {in: garbageLines, err: ErrUnrecognized},
		"8MB field name":   {in: []byte(strings.Repeat("N", 8<<20) + ": v\n"), fields: 1},
		"only colons":      {in: bytes.Repeat([]byte(":"), 1<<20), err: ErrUnrecognized},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			m, err := ParseRaw(tt.in, name)
			assert.Less(t, time.Since(start), 10*time.Second)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Len(t, m.Fields, tt.fields)
			assert.LessOrEqual(t, len(m.Defects), maxDefects+1)
		})
	}
}

func TestParseRawDefectsBounded(t *testing.T) {
	in := "A: 1\n" + strings.Repeat("junk\n", 1000)
	m, err := ParseRaw([]byte(in), "x")
	require.NoError(t, err)
	require.Len(t, m.Defects, maxDefects+1)
	assert.Equal(t, "more defects not listed", m.Defects[maxDefects])
}

// TestParseRawManyLines checks a header longer than the lines ParseRaw
// remembers from its first pass, with LF and CRLF folded fields on both
// sides of that point.
func TestParseRawManyLines(t *testing.T) {
	var in strings.Builder
	var want []Field
	for i := range 50 {
		eol := "\r\n"
		if i%3 == 0 {
			eol = "\n"
		}
		name := "X-Field-" + strings.Repeat("n", i%5)
		in.WriteString(name + ": v" + eol + " w" + eol + "\tx" + eol)
		want = append(want, Field{Name: name, Value: " v\r\n w\r\n\tx"})
	}
	in.WriteString("\r\nbody\r\n")
	m, err := ParseRaw([]byte(in.String()), "many")
	require.NoError(t, err)
	assert.Equal(t, want, m.Fields)
	assert.Equal(t, "body\r\n", string(m.Body))
	assert.Empty(t, m.Defects)
}
