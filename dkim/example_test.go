package dkim_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/mailprov/mailprov/dkim"
	"github.com/mailprov/mailprov/dns"
	"github.com/mailprov/mailprov/headers"
)

// Verify a stored message against a DNS snapshot recorded when it arrived,
// as of the time it was signed.
func ExampleVerifier_Verify() {
	raw, err := os.ReadFile("testdata/example.eml")
	if err != nil {
		panic(err)
	}
	msg, err := headers.ParseRaw(raw, "example.eml")
	if err != nil {
		panic(err)
	}
	snap, err := dns.LoadSnapshotFile("testdata/example-dns.jsonl")
	if err != nil {
		panic(err)
	}
	v := &dkim.Verifier{Resolver: snap, AsOf: time.Date(2026, 4, 17, 12, 5, 0, 0, time.UTC)}
	results, err := v.Verify(context.Background(), msg)
	if err != nil {
		panic(err)
	}
	for _, r := range results {
		fmt.Printf("d=%s s=%s %s: %s (header %s, body %s, %d-bit key)\n",
			r.Domain, r.Selector, r.Algorithm, r.Status, r.HeaderSignature, r.Body, r.KeyBits)
	}
	// Output:
	// d=example.org s=mail ed25519-sha256: pass (header pass, body pass, 256-bit key)
}

// Without the body, as when only the header of a message was kept, the
// header signature is still checked; the result says the body was not.
func ExampleVerifier_Verify_headersOnly() {
	raw, _ := os.ReadFile("testdata/example.eml")
	msg, _ := headers.ParseRaw(raw, "example.eml")
	msg.Body = nil
	snap, _ := dns.LoadSnapshotFile("testdata/example-dns.jsonl")
	v := &dkim.Verifier{Resolver: snap, AsOf: time.Date(2026, 4, 17, 12, 5, 0, 0, time.UTC)}
	results, _ := v.Verify(context.Background(), msg)
	r := results[0]
	fmt.Println(r.Status, r.Reason, r.HeaderSignature, r.Body)
	fmt.Println(r.Detail)
	// Output:
	// neutral body_unchecked pass unchecked
	// Header signature verified; body not available.
}
