package headers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readMbox(t *testing.T, data string, limit int64) ([]*Message, []error) {
	t.Helper()
	r := NewReader(strings.NewReader(data), "t.mbox")
	r.MaxMessageSize = limit
	var msgs []*Message
	var errs []error
	for i := 0; ; i++ {
		require.Less(t, i, 1000, "Next never returned io.EOF")
		m, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		msgs = append(msgs, m)
	}
	return msgs, errs
}

func TestMboxrd(t *testing.T) {
	data, err := os.ReadFile("testdata/lore.mbox")
	require.NoError(t, err)
	for _, crlf := range []bool{false, true} {
		in := string(data)
		eol := "\n"
		if crlf {
			in = strings.ReplaceAll(in, "\n", "\r\n")
			eol = "\r\n"
		}
		msgs, errs := readMbox(t, in, 0)
		require.Empty(t, errs)
		require.Len(t, msgs, 3)
		body := func(s string) string { return strings.ReplaceAll(s, "\n", eol) }
		assert.Equal(t, body("From here on, one '>' was added by the archive.\n"+
			">From this line, two: one stays.\n"+
			">From\n"+
			"Fromage is not a separator.\n"+
			" From with a leading space neither.\n"), string(msgs[0].Body))
		assert.Equal(t, body("Body two ends with a blank line of its own.\n\n"), string(msgs[1].Body))
		assert.Equal(t, body("last\n"), string(msgs[2].Body))
		for i, m := range msgs {
			assert.Equal(t, Source{Kind: SourceMbox, Name: "t.mbox", Index: i, Envelope: "mboxrd@z Thu Jan  1 00:00:00 1970"}, m.Source)
			assert.Equal(t, OrderExact, m.Order)
			id, _ := m.Get("Message-ID")
			assert.Equal(t, fmt.Sprintf("<%d@example.com>", i+1), id)
		}
	}
}

func TestUnescapeFrom(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{">From x", true}, {">>From x", true}, {">>>From ", true},
		{"From x", false}, {">From", false}, {">from x", false}, {"> From x", false}, {">", false}, {"", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, unescapeFrom([]byte(tt.in)), "%q", tt.in)
	}
}

func TestMboxEdgeCases(t *testing.T) {
	t.Run("leading blank lines", func(t *testing.T) {
		msgs, errs := readMbox(t, "\n\nFrom a\nSubject: x\n\nb\n", 0)
		require.Empty(t, errs)
		require.Len(t, msgs, 1)
		assert.Equal(t, "b\n", string(msgs[0].Body))
	})
	t.Run("empty message between", func(t *testing.T) {
		msgs, errs := readMbox(t, "From a\nFrom b\nSubject: y\n", 0)
		require.Len(t, msgs, 1)
		require.Len(t, errs, 1)
		require.ErrorIs(t, errs[0], ErrEmpty)
		var le *LoadError
		require.ErrorAs(t, errs[0], &le)
		assert.Equal(t, SourceMbox, le.Kind)
		assert.Equal(t, int64(0), le.Offset)
		assert.Equal(t, 1, msgs[0].Source.Index, "indexes count failed messages too")
	})
	t.Run("garbage message", func(t *testing.T) {
		msgs, errs := readMbox(t, "From a\nnot mail\n\nFrom b\nSubject: y\n", 0)
		require.Len(t, msgs, 1)
		require.Len(t, errs, 1)
		require.ErrorIs(t, errs[0], ErrUnrecognized)
	})
	t.Run("only a From_ line", func(t *testing.T) {
		msgs, errs := readMbox(t, "From a\n", 0)
		assert.Empty(t, msgs)
		require.Len(t, errs, 1)
		require.ErrorIs(t, errs[0], ErrEmpty)
	})
	t.Run("too large is skipped", func(t *testing.T) {
		in := "From a\nSubject: big\n\n" + strings.Repeat("0123456789\n", 200) +
			"From b\nSubject: long line\n\n" + strings.Repeat("x", 100000) + "\n" +
			"From c\nSubject: small\n\nok\n"
		msgs, errs := readMbox(t, in, 1000)
		require.Len(t, errs, 2)
		for _, err := range errs {
			require.ErrorIs(t, err, ErrTooLarge)
		}
		var le *LoadError
		require.ErrorAs(t, errs[1], &le)
		assert.Equal(t, int64(strings.Index(in, "From b")), le.Offset)
		require.Len(t, msgs, 1)
		assert.Equal(t, 2, msgs[0].Source.Index)
		assert.Equal(t, "ok\n", string(msgs[0].Body))
	})
	t.Run("From_ line after a long line", func(t *testing.T) {
		// A line longer than the bufio buffer must not hide the next From_ line.
		in := "From a\nSubject: a\n\n" + strings.Repeat("y", 200000) + "\nFrom b\nSubject: b\n"
		msgs, errs := readMbox(t, in, 0)
		require.Empty(t, errs)
		require.Len(t, msgs, 2)
		assert.Len(t, msgs[0].Body, 200001)
	})
	t.Run("read error ends the stream", func(t *testing.T) {
		boom := errors.New("boom")
		r := NewReader(io.MultiReader(strings.NewReader("From a\nSubject: a\n\nbody\n"), errReader{boom}), "e")
		_, err := r.Next()
		require.ErrorIs(t, err, boom)
		_, err = r.Next()
		require.ErrorIs(t, err, io.EOF)
	})
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// mboxGen generates an mbox of n small messages on the fly, so a test can
// stream hundreds of megabytes without holding them.
type mboxGen struct {
	n, i int
	buf  []byte
	body string
}

func (g *mboxGen) Read(p []byte) (int, error) {
	for len(g.buf) == 0 {
		if g.i == g.n {
			return 0, io.EOF
		}
		g.buf = fmt.Appendf(g.buf[:0], "From sender%d@example.com Mon Mar  3 10:00:00 2025\n"+
			"Received: from a.example.com by b.example.org; Mon, 3 Mar 2025 10:00:00 +0000\n"+
			"From: Sender %d <sender%d@example.com>\nSubject: message %d\nMessage-ID: <%d@example.com>\n\n%s\n",
			g.i, g.i, g.i, g.i, g.i, g.body)
		g.i++
	}
	n := copy(p, g.buf)
	g.buf = g.buf[n:]
	return n, nil
}

// TestMboxStreaming streams a generated ~200 MB mbox and checks that the
// heap stays bounded: memory must not grow with the file.
func TestMboxStreaming(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 200 MB")
	}
	line := strings.Repeat("The quick brown fox jumps over the lazy dog. ", 2) + "\n"
	body := strings.Repeat(line, 4000/len(line))
	const n = 50000
	gen := &mboxGen{n: n, body: body + ">From escaped\n"}
	r := NewReader(gen, "gen.mbox")
	var total int64
	var maxHeap uint64
	var ms runtime.MemStats
	start := time.Now()
	for i := 0; ; i++ {
		m, err := r.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		require.Equal(t, i, m.Source.Index)
		total += int64(len(m.Body))
		if i%5000 == 0 {
			require.True(t, bytes.HasSuffix(m.Body, []byte("\nFrom escaped\n")))
			runtime.GC()
			runtime.ReadMemStats(&ms)
			maxHeap = max(maxHeap, ms.HeapAlloc)
		}
	}
	t.Logf("streamed %d messages, %d MB of bodies in %v, max heap %d KB", n, total>>20, time.Since(start), maxHeap>>10)
	assert.Equal(t, n, gen.i)
	assert.Greater(t, total, int64(180<<20))
	assert.Less(t, maxHeap, uint64(32<<20), "heap grew with the file")
}

// TestSourceJSON: an mbox message's index is in its JSON form even when it
// is 0; other kinds have none.
func TestSourceJSON(t *testing.T) {
	for i, tc := range []struct {
		src  Source
		want string
	}{
		0: {Source{Kind: SourceMbox, Name: "a.mbox"}, `{"kind":"mbox","name":"a.mbox","index":0}`},
		1: {Source{Kind: SourceMbox, Name: "a.mbox", Index: 2, Envelope: "x@y"}, `{"kind":"mbox","name":"a.mbox","envelope":"x@y","index":2}`},
		2: {Source{Kind: SourceRaw, Name: "a.eml"}, `{"kind":"raw","name":"a.eml"}`},
		3: {Source{Kind: SourcePatchwork, Name: "p.json"}, `{"kind":"patchwork","name":"p.json"}`},
	} {
		b, err := json.Marshal(tc.src)
		require.NoError(t, err)
		assert.JSONEq(t, tc.want, string(b), "%d", i)
		assert.Equal(t, tc.want, string(b), "%d: field order", i)
	}
}
