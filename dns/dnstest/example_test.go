package dnstest_test

import (
	"context"
	"fmt"

	"github.com/mailprov/mailprov/dns"
	"github.com/mailprov/mailprov/dns/dnstest"
)

// In a test, use dnstest.NewServer(t, zone): it stops the server when the
// test ends. Outside one, Start and Close.
func ExampleStart() {
	srv, err := dnstest.Start(`
$ORIGIN example.org.
@              300 IN TXT "v=spf1 " "-all"
sel._domainkey 300 IN TXT "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
`, dnstest.WithServFail("broken.example.org"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	ctx := context.Background()
	r := srv.Resolver()

	txt, _, err := dns.TXT(ctx, r, "example.org")
	fmt.Println(txt, err)
	_, _, err = dns.TXT(ctx, r, "other.example.org")
	fmt.Println(dns.IsNXDomain(err))
	_, _, err = dns.TXT(ctx, r, "broken.example.org")
	fmt.Println(dns.IsTemporary(err))
	fmt.Println(srv.Queries(), srv.Log()[0].Name)
	// Output:
	// [v=spf1 -all] <nil>
	// true
	// true
	// 3 example.org.
}
