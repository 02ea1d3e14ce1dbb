package arc

import (
	"errors"
	"strings"
	"testing"

	"github.com/mailprov/mailprov/headers"
)

// FuzzParseSets feeds arbitrary header text to the set parser: it must
// never panic, report sets only for instances 1..50 in order, and return
// only typed errors.
func FuzzParseSets(f *testing.F) {
	f.Add("ARC-Seal: i=1; a=rsa-sha256; cv=none; d=example.org; s=dummy; b=AAAA\r\n" +
		"ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=dummy; h=from; bh=AAAA; b=AAAA\r\n" +
		"ARC-Authentication-Results: i=1; lists.example.org; spf=pass smtp.mfrom=a@b.example\r\n" +
		"From: a@b.example\r\n\r\nbody\r\n")
	f.Add("ARC-Seal: i=2; cv=pass\r\nARC-Seal: i=51\r\nARC-Authentication-Results: lists.example.org; i=1\r\n\r\n")
	f.Add("ARC-Seal: i=1; i=1; ;;\r\nARC-Message-Signature: i=0\r\nARC-Authentication-Results: i=1 x;\r\n\r\n")
	f.Add("arc-seal: i=999999999\r\nARC-Message-Signature: i=1; h=arc-seal; c=x/y; d=***; s=\r\n\r\n")
	f.Fuzz(func(t *testing.T, raw string) {
		m, err := headers.ParseRaw([]byte(raw), "fuzz")
		if err != nil {
			return
		}
		sets, err := ParseSets(m.Fields)
		if len(sets) > MaxInstance {
			t.Fatalf("%d sets", len(sets))
		}
		for k, s := range sets {
			if s.Instance != k+1 {
				t.Fatalf("set %d has instance %d", k, s.Instance)
			}
		}
		if err != nil {
			if ReasonOf(err) == "" {
				t.Fatalf("untyped error %v", err)
			}
			if !strings.Contains(err.Error(), "arc: ") {
				t.Fatalf("error without package prefix: %v", err)
			}
		}
		// Verify must agree on the structure and never panic; with no
		// resolver reachable it is only run when no DNS is needed.
		if err != nil || len(sets) == 0 {
			res := (&Verifier{}).Verify(t.Context(), m)
			if len(sets) == 0 && err == nil && res.Status != StatusNone {
				t.Fatalf("no sets but %s", res.Status)
			}
			if err != nil && (res.Status != StatusFail || !errors.Is(res.Err, err) && ReasonOf(res.Err) != ReasonOf(err)) {
				t.Fatalf("structure error %v but %s %v", err, res.Status, res.Err)
			}
		}
	})
}
