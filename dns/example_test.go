package dns_test

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/mailprov/mailprov/dns"
)

// Replaying a snapshot answers as the network did when it was recorded,
// including the time of each answer and the failures.
func ExampleLoadSnapshotFile() {
	snap, err := dns.LoadSnapshotFile(filepath.Join("testdata", "snapshot.jsonl"))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()

	txt, ans, err := dns.TXT(ctx, snap, "example.org")
	fmt.Println(txt, ans.TTL, ans.Time, err)

	mxs, ans, _ := dns.MXs(ctx, snap, "example.org")
	fmt.Println(mxs, ans.Authentic)

	_, _, err = dns.TXT(ctx, snap, "nope.example.org")
	fmt.Println(dns.IsNotFound(err), dns.IsTemporary(err))

	_, _, err = dns.TXT(ctx, snap, "sel._domainkey.example.org")
	fmt.Println(dns.IsTemporary(err), err)

	_, _, err = dns.TXT(ctx, snap, "unknown.example.org")
	fmt.Println(dns.IsTemporary(err), err)
	// Output:
	// [v=spf1 ip4:192.0.2.0/24 -all] 300 2024-05-01 12:00:00 +0000 UTC <nil>
	// [{10 mail.example.org.}] true
	// true false
	// true dns: sel._domainkey.example.org TXT: no answer in time
	// true dns: unknown.example.org TXT: not in the DNS snapshot
}

// NewResolver builds what the command-line tool uses; with a snapshot it
// needs no network.
func ExampleNewResolver() {
	r, rec, err := dns.NewResolver(dns.Options{
		SnapshotPath: filepath.Join("testdata", "snapshot.jsonl"),
		Record:       true,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	addrs, _, err := dns.A(context.Background(), r, "mail.example.org")
	fmt.Println(addrs, err)
	for _, e := range rec.Entries() {
		fmt.Println(e.Name, e.Type, e.Result, e.Records)
	}
	// Output:
	// [192.0.2.25] <nil>
	// mail.example.org. A ok [mail.example.org.	300	IN	A	192.0.2.25]
}
