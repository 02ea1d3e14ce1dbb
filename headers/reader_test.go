package headers

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReaderDetect(t *testing.T) {
	sample, err := os.ReadFile(samplePath)
	require.NoError(t, err)
	eml, err := os.ReadFile("testdata/plain-lf.eml")
	require.NoError(t, err)
	mbox, err := os.ReadFile("testdata/lore.mbox")
	require.NoError(t, err)

	tests := []struct {
		name string
		in   []byte
		kind SourceKind
		n    int
		err  error
	}{
		{name: "patchwork", in: sample, kind: SourcePatchwork, n: 1},
		{name: "patchwork with BOM and blank", in: append([]byte("\xef\xbb\xbf\n  "), sample...), kind: SourcePatchwork, n: 1},
		{name: "raw LF", in: eml, kind: SourceRaw, n: 1},
		{name: "raw CRLF", in: bytes.ReplaceAll(eml, []byte("\n"), []byte("\r\n")), kind: SourceRaw, n: 1},
		{name: "raw with BOM", in: append([]byte("\xef\xbb\xbf"), eml...), kind: SourceRaw, n: 1},
		{name: "mbox", in: mbox, kind: SourceMbox, n: 3},
		{name: "mbox after blank lines", in: append([]byte("\r\n\n"), mbox...), kind: SourceMbox, n: 3},
		{name: "mbox with BOM", in: append([]byte("\xef\xbb\xbf"), mbox...), kind: SourceMbox, n: 3},
		{name: "single message mbox", in: []byte("From x\nSubject: s\n\nb\n"), kind: SourceMbox, n: 1},
		{name: "empty", in: nil, err: ErrEmpty},
		{name: "blank", in: []byte(" \r\n\t\n"), err: ErrEmpty},
		{name: "long blank", in: bytes.Repeat([]byte("\n"), 2000), err: ErrUnrecognized},
		{name: "JSON array", in: []byte(`[{"headers":{}}]`), err: ErrNotPatchwork},
		{name: "truncated JSON", in: sample[:1000], err: ErrMalformedJSON},
		{name: "non-Patchwork JSON", in: []byte(`{"kind": "something else"}`), err: ErrNotPatchwork},
		{name: "binary", in: []byte("\x00\x01\x02\x03\xff\xfe"), err: ErrUnrecognized},
		{name: "text", in: []byte("Dear friend,\nthis is not mail.\n"), err: ErrUnrecognized},
		{name: "mbox of garbage", in: []byte("From \n\x00\x01\n"), err: ErrUnrecognized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// OneByteReader makes sure detection does not rely on one Read
			// returning everything, as a pipe on standard input would not.
			r := NewReader(iotest.OneByteReader(bytes.NewReader(tt.in)), "-")
			var n int
			var firstErr error
			for i := 0; i < 100; i++ {
				m, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					if firstErr == nil {
						firstErr = err
					}
					continue
				}
				n++
				assert.Equal(t, tt.kind, m.Source.Kind)
				assert.Equal(t, "-", m.Source.Name)
			}
			_, err := r.Next()
			assert.ErrorIs(t, err, io.EOF, "Next keeps returning io.EOF at the end")
			if tt.err != nil {
				require.ErrorIs(t, firstErr, tt.err)
				var le *LoadError
				require.ErrorAs(t, firstErr, &le)
				assert.Equal(t, "-", le.Name)
				return
			}
			require.NoError(t, firstErr)
			assert.Equal(t, tt.n, n)
			assert.Equal(t, tt.kind, r.Kind())
		})
	}
}

func TestReaderMaxMessageSize(t *testing.T) {
	eml, err := os.ReadFile("testdata/plain-lf.eml")
	require.NoError(t, err)
	r := NewReader(bytes.NewReader(eml), "x")
	r.MaxMessageSize = 100
	_, err = r.Next()
	require.ErrorIs(t, err, ErrTooLarge)
	_, err = r.Next()
	require.ErrorIs(t, err, io.EOF)

	sample, err := os.ReadFile(samplePath)
	require.NoError(t, err)
	r = NewReader(bytes.NewReader(sample), "x")
	r.MaxMessageSize = int64(len(sample))
	_, err = r.Next()
	require.NoError(t, err, "a message of exactly the limit is fine")
}

func TestReadAll(t *testing.T) {
	msgs, err := ReadAll(strings.NewReader("From a\nSubject: 1\n\nFrom b\nSubject: 2\n"), "m")
	require.NoError(t, err)
	require.Len(t, msgs, 2)
	msgs, err = ReadAll(strings.NewReader("From a\nSubject: 1\n\nFrom b\n\nFrom c\nSubject: 3\n"), "m")
	require.ErrorIs(t, err, ErrEmpty, "ReadAll stops at the first error")
	assert.Len(t, msgs, 1)
}

func TestReaderReadError(t *testing.T) {
	r := NewReader(iotest.ErrReader(io.ErrUnexpectedEOF), "e")
	_, err := r.Next()
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	r = NewReader(io.MultiReader(strings.NewReader("Subject: x\n\n"), iotest.ErrReader(io.ErrClosedPipe)), "e")
	_, err = r.Next()
	require.ErrorIs(t, err, io.ErrClosedPipe)
	var le *LoadError
	require.ErrorAs(t, err, &le)
}
