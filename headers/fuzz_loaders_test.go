package headers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// addFileSeeds adds every file of testdata matching pattern, and the
// Patchwork sample, as seeds.
func addFileSeeds(f *testing.F, patterns ...string) {
	f.Helper()
	files := []string{samplePath}
	for _, p := range patterns {
		m, _ := filepath.Glob(filepath.Join("testdata", p))
		files = append(files, m...)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

func isLoadError(err error) bool {
	var le *LoadError
	return errors.As(err, &le)
}

func FuzzParseRaw(f *testing.F) {
	addFileSeeds(f, "*.eml", "*.mbox")
	f.Add([]byte("Subject: x\r\n\r\nbody"))
	f.Add([]byte("A: 1\n \n\tB\n\n"))
	f.Add([]byte("From x\nA:\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseRaw(data, "fuzz")
		if err != nil {
			if !isLoadError(err) || !(errors.Is(err, ErrEmpty) || errors.Is(err, ErrUnrecognized)) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if len(m.Fields) == 0 {
			t.Fatal("no fields and no error")
		}
		if len(m.Defects) > maxDefects+1 {
			t.Fatalf("%d defects", len(m.Defects))
		}
		for _, fl := range m.Fields {
			if fl.Name == "" || !validFieldName([]byte(fl.Name)) {
				t.Fatalf("bad field name %q", fl.Name)
			}
			// Every line break in a value is CRLF followed by white space.
			v := fl.Value
			for i := strings.IndexByte(v, '\n'); i >= 0; i = strings.IndexByte(v, '\n') {
				if i == 0 || v[i-1] != '\r' || i+1 >= len(v) || (v[i+1] != ' ' && v[i+1] != '\t') {
					t.Fatalf("bad folding in %q", fl.Value)
				}
				v = v[i+1:]
			}
		}
	})
}

func FuzzParsePatchwork(f *testing.F) {
	addFileSeeds(f, "*.json")
	f.Add([]byte(`{"headers": {"A": ["x", "y"], "a": ["x", "y"]}}`))
	f.Add([]byte(`{"headers": {"A": "x\r\ny"}, "content": "c", "diff": null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParsePatchwork(data, "fuzz")
		if err != nil {
			if !isLoadError(err) || !(errors.Is(err, ErrMalformedJSON) || errors.Is(err, ErrNotPatchwork)) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if len(m.Fields) == 0 || m.Patchwork == nil || m.Order != OrderPerName {
			t.Fatalf("incomplete message %+v", m)
		}
		for _, fl := range m.Fields {
			if !validFieldName([]byte(fl.Name)) || !strings.HasPrefix(fl.Value, " ") {
				t.Fatalf("bad field %q", fl)
			}
		}
		// Differential: the hand-written headers reader agrees with
		// encoding/json.
		var obj struct{ Headers json.RawMessage }
		if err := json.Unmarshal(data, &obj); err != nil {
			t.Fatal(err)
		}
		want, err := referenceHeaders(obj.Headers)
		if err != nil {
			t.Fatalf("encoding/json rejects what ParsePatchwork took: %v", err)
		}
		if !slices.Equal(want, m.Fields) {
			t.Fatalf("headers differ:\n got %q\nwant %q", m.Fields, want)
		}
	})
}

func FuzzMbox(f *testing.F) {
	addFileSeeds(f, "*.mbox", "*.eml", "*.json")
	f.Add([]byte("From a\nSubject: 1\n\n>From x\n>>From y\n\nFrom b\nSubject: 2\n"))
	f.Add([]byte("\xef\xbb\xbf\nFrom a\r\nA: 1\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, limit := range []int64{0, 64} {
			r := NewReader(bytes.NewReader(data), "fuzz")
			r.MaxMessageSize = limit
			for i := 0; ; i++ {
				if i > len(data)+2 {
					t.Fatal("Next does not reach io.EOF")
				}
				m, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					if !isLoadError(err) {
						t.Fatalf("untyped error %v", err)
					}
					continue
				}
				if m.Source.Kind != r.Kind() {
					t.Fatalf("kind %q vs %q", m.Source.Kind, r.Kind())
				}
				if limit > 0 && m.Source.Kind == SourceMbox && int64(len(m.Body)) > limit {
					t.Fatalf("message over the limit: %d", len(m.Body))
				}
			}
		}
	})
}

func FuzzParseSignature(f *testing.F) {
	m, err := ParsePatchwork(mustRead(f, samplePath), "sample")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range []string{FieldDKIMSignature, FieldGoogleDKIMSignature} {
		for _, v := range m.Values(name) {
			f.Add(name, v)
		}
	}
	f.Add(FieldARCSeal, "i=1; a=rsa-sha256; cv=none; d=x.org; s=s; t=1; b=dGVzdA==")
	f.Add(FieldARCMessageSignature, "i=2; a=rsa-sha256; c=relaxed/relaxed; d=x.org; s=s; h=from:to; bh=dGVzdA==; b=dGVzdA==")
	f.Add(FieldDKIMSignature, "v=1; v=2; l=12; x=99; ;")
	f.Fuzz(func(t *testing.T, field, value string) {
		s, err := ParseSignature(field, value)
		if s == nil {
			t.Fatal("nil signature")
		}
		if err != nil {
			var te *TagError
			if !errors.As(err, &te) || !(errors.Is(err, ErrTagSyntax) || errors.Is(err, ErrDuplicateTag)) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		var b strings.Builder
		for _, tg := range s.Tags {
			b.WriteString(tg.Name + "=" + tg.Value + ";")
		}
		s2, err := ParseSignature(field, b.String())
		if err != nil {
			t.Fatalf("re-parse of %q: %v", b.String(), err)
		}
		if len(s2.Tags) != len(s.Tags) {
			t.Fatalf("re-parse: %q vs %q", s2.Tags, s.Tags)
		}
		for i := range s.Tags {
			if s.Tags[i] != s2.Tags[i] {
				t.Fatalf("re-parse: %q vs %q", s2.Tags[i], s.Tags[i])
			}
		}
	})
}

func FuzzParseAddressList(f *testing.F) {
	for _, s := range []string{
		"Zhang Chen <zhangckid@gmail.com>",
		"qemu-devel <qemu-devel@nongnu.org>,\r\n \"Dr . David Alan Gilbert\" <dave@treblig.org>",
		"Dr . David Alan Gilbert <dave@treblig.org>",
		"=?utf-8?q?J=C3=B6rg?= <j@example.com>, Name b@example.com, Foo <c@x",
		"Team: a@example.com, b@example.com;",
		"a@example.com (Comment)",
		"\"=?windows-1252?q?=93x=94?=\" <q@example.com>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		list, err := ParseAddressList(s)
		if err != nil && !errors.Is(err, ErrBadAddress) {
			t.Fatalf("untyped error %v", err)
		}
		for _, mb := range list {
			if mb.Address == "" {
				t.Fatalf("empty address in %q", list)
			}
			_ = mb.Domain()
		}
		_, _ = ParseMailbox(s)
		_, _ = ParseReturnPath(s)
		_, _ = ParseMessageID(s)
		_ = DecodeText(s)
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{
		"Fri, 10 Apr 2026 23:04:46 +0800",
		"Fri, 10 Apr 2026 08:05:19 -0700 (PDT)",
		"3 Mar 25 10:00 EST",
		"Mon Mar  3 10:00:00 2025",
		"Mon, 3 Mar 2025 10:00:00 +05:30",
		"2025-03-04T09:00:00Z",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			if !errors.Is(err, ErrBadDate) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if d.Year() < 0 || d.Year() > 9999 {
			return
		}
		// What parses prints as RFC 5322 and parses back to the same instant.
		again, err := ParseDate(d.Format(time.RFC1123Z))
		if err != nil || !again.Equal(d) {
			t.Fatalf("%q -> %v -> %q -> %v, %v", s, d, d.Format(time.RFC1123Z), again, err)
		}
	})
}

func mustRead(f *testing.F, name string) []byte {
	f.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		f.Fatal(err)
	}
	return data
}
