package dkim

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailprov/mailprov/dns"
	"github.com/mailprov/mailprov/headers"
)

func FuzzParseKey(f *testing.F) {
	for _, s := range []string{
		"v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB",
		"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
		"k=rsa; t=y; p=",
		"v=DKIM1: g=*; k=rsa; p=AAAA",
		"v=DKIM1; h=sha256:sha1; s=email:*; t=y:s; n=note; p=MIGJAoGBALVI635dLK4cJJAH3Lx6upo3X/Lm1tQz3mezcWTA3BUBnyIsdnRf57aD5BtNmhPrYYDlWlzw3UgnKisIxktkk5+iMQMlFtAS10JB8L3YadXNJY+JBcbeSi5TgJe4WFzNgW95FWDAuSTRXSWZfA/8xjflbTLDx0euFZOM7C4T0GwLAgMBAAE=",
		"", ";", "p", "p==", "k=; p=AA==",
	} {
		f.Add(s)
	}
	if b, err := os.ReadFile(filepath.Join(sharedDir, "conformance", "dkim", "opendkim", "pubkeys")); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if _, v, ok := strings.Cut(line, "\t"); ok {
				f.Add(strings.TrimLeft(v, "\t"))
			}
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKey(s)
		if err != nil {
			if ReasonOf(err) == "" {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			if k != nil && !k.Revoked {
				t.Fatalf("key returned with error %v", err)
			}
			return
		}
		if k.Type != "rsa" && k.Type != "ed25519" || k.Public == nil || k.Bits <= 0 {
			t.Fatalf("bad key %+v", k)
		}
		// Parsing the raw text again gives the same key.
		k2, err := ParseKey(k.Raw)
		if err != nil || k2.Bits != k.Bits || k2.Type != k.Type {
			t.Fatalf("reparse: %v", err)
		}
	})
}

// refCanonBody is a plain, whole-string implementation of RFC 6376 §3.4.3
// and §3.4.4, for comparison with the streaming BodyHasher.
func refCanonBody(canon string, body []byte) []byte {
	// Bare LF is CRLF.
	var fixed []byte
	for i, c := range body {
		if c == '\n' && (i == 0 || body[i-1] != '\r') {
			fixed = append(fixed, '\r')
		}
		fixed = append(fixed, c)
	}
	lines := strings.Split(string(fixed), "\r\n")
	if canon == Relaxed {
		for i, l := range lines {
			var b strings.Builder
			wsp := false
			for j := 0; j < len(l); j++ {
				if l[j] == ' ' || l[j] == '\t' {
					wsp = true
					continue
				}
				if wsp {
					b.WriteByte(' ')
					wsp = false
				}
				b.WriteByte(l[j])
			}
			lines[i] = b.String()
		}
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	out := strings.Join(lines, "\r\n")
	if len(lines) > 0 || canon != Relaxed {
		out += "\r\n"
	}
	return []byte(out)
}

func FuzzCanonicalizeBody(f *testing.F) {
	for _, s := range []string{
		"", "\r\n", "a", "a\r\n\r\n", " C \r\nD \t E\r\n\r\n\r\n", "a\nb\n\n", "a\rb\r", "\r\r\n\n",
		"x  \t \r\n  \r\n\ty", strings.Repeat("line \t\r\n", 600), "\n\n\nx\n\n",
		// Word-sized runs with bare LF, bare CR and CRLF at each offset.
		"0123456\n0123456\r\n012345\r012345678\n\r\nabcdefgh\rijklmnop\nq",
		strings.Repeat("+\tif (x) {\n", 40) + "--\x20\n2.49.0\n\n",
	} {
		f.Add([]byte(s), uint64(7), false)
		f.Add([]byte(s), uint64(1), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, seed uint64, relaxed bool) {
		canon := Simple
		if relaxed {
			canon = Relaxed
		}
		want := refCanonBody(canon, body)
		wantSum := sha256.Sum256(want)

		one := NewBodyHasher(canon, crypto.SHA256, -1)
		one.Write(body)
		if !bytes.Equal(one.Sum(), wantSum[:]) || one.Len() != int64(len(want)) {
			t.Fatalf("one-shot differs from reference %q for %q", want, body)
		}
		// The same in chunks of pseudo-random sizes.
		chunked := NewBodyHasher(canon, crypto.SHA256, -1)
		for rest := body; len(rest) > 0; {
			seed = seed*6364136223846793005 + 1442695040888963407
			n := int(seed>>59) + 1 // 1..32
			n = min(n, len(rest))
			chunked.Write(rest[:n])
			rest = rest[n:]
		}
		if !bytes.Equal(chunked.Sum(), wantSum[:]) {
			t.Fatalf("chunked differs for %q", body)
		}
		// A limit hashes a prefix of the canonical body.
		limit := int64(seed % uint64(len(want)+1))
		lim := NewBodyHasher(canon, crypto.SHA256, limit)
		lim.Write(body)
		limSum := sha256.Sum256(want[:limit])
		if !bytes.Equal(lim.Sum(), limSum[:]) || lim.Len() != int64(len(want)) {
			t.Fatalf("limit %d differs for %q", limit, body)
		}
		// A clone taken part way gives the same sum as the original, and
		// both stay independent: the clone finishes on a different ending.
		split := int(seed % uint64(len(body)+1))
		orig := NewBodyHasher(canon, crypto.SHA256, -1)
		orig.Write(body[:split])
		cl, err := orig.Clone()
		if err != nil {
			t.Fatal(err)
		}
		cl.Write([]byte("tail \t\r\n"))
		orig.Write(body[split:])
		if !bytes.Equal(orig.Sum(), wantSum[:]) {
			t.Fatalf("original after Clone at %d differs for %q", split, body)
		}
		wantTail := sha256.Sum256(refCanonBody(canon, append(append([]byte(nil), body[:split]...), "tail \t\r\n"...)))
		if !bytes.Equal(cl.Sum(), wantTail[:]) {
			t.Fatalf("clone at %d differs for %q", split, body)
		}
		// A hasher restored to a snapshot taken at the split, used twice:
		// once for the tail, once for the rest of the body.
		base := NewBodyHasher(canon, crypto.SHA256, -1)
		base.Write(body[:split])
		state, err := base.snapshot(nil)
		if err != nil {
			t.Fatal(err)
		}
		work := NewBodyHasher(canon, crypto.SHA256, -1)
		work.Write([]byte("junk \r\n\r\n"))
		for _, c := range []struct {
			rest []byte
			want []byte
		}{{[]byte("tail \t\r\n"), wantTail[:]}, {body[split:], wantSum[:]}} {
			if err := work.restore(base, state); err != nil {
				t.Fatal(err)
			}
			work.Write(c.rest)
			if !bytes.Equal(work.Sum(), c.want) {
				t.Fatalf("restored at %d, then %q: differs for %q", split, c.rest, body)
			}
		}
	})
}

// FuzzVerifySignatureField verifies the example message with its
// signature field replaced: whatever the field holds, Verify must return
// a non-empty Status, and a Reason and sentinel for anything but pass.
func FuzzVerifySignatureField(f *testing.F) {
	raw, err := os.ReadFile(filepath.Join("testdata", "example.eml"))
	if err != nil {
		f.Fatal(err)
	}
	snap, err := dns.LoadSnapshotFile(filepath.Join("testdata", "example-dns.jsonl"))
	if err != nil {
		f.Fatal(err)
	}
	m, err := headers.ParseRaw(raw, "example.eml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(m.Fields[0].Value)
	for _, s := range []string{"", ";", "v=1; a=rsa-sha256; d=example.org; s=mail; h=from; bh=; b=",
		"v=1; a=ed25519-sha256; c=relaxed; d=example.org; s=mail; h=:::from:from; bh=AA==; b=AA==; l=5; x=1; t=2",
		"v=1; a=ed25519-sha256; c=simple/relaxed; d=.; s=mail; i=@; h=From; bh=AA==; b=AA==; q=dns/txt"} {
		f.Add(s)
	}
	v := &Verifier{Resolver: snap, AsOf: time.Date(2026, 4, 17, 12, 5, 0, 0, time.UTC)}
	f.Fuzz(func(t *testing.T, value string) {
		msg := *m
		msg.Fields = append([]headers.Field{{Name: "DKIM-Signature", Value: value}}, m.Fields[1:]...)
		for _, body := range [][]byte{m.Body, nil} {
			msg.Body = body
			res, err := v.Verify(context.Background(), &msg)
			if err != nil || len(res) != 1 {
				t.Fatalf("Verify: %v, %d results", err, len(res))
			}
			r := res[0]
			if r.Status == "" || r.HeaderSignature == "" || r.Body == "" {
				t.Fatalf("empty status in %+v", r)
			}
			if (r.Status == StatusPass) != (r.Reason == "") || (r.Status == StatusPass) != (r.Err == nil) {
				t.Fatalf("status %s with reason %q, err %v", r.Status, r.Reason, r.Err)
			}
			if r.Err != nil && ReasonOf(r.Err) != r.Reason {
				t.Fatalf("reason %s but err %v", r.Reason, r.Err)
			}
		}
	})
}
