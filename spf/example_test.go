package spf_test

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	mdns "github.com/miekg/dns"

	"github.com/mailprov/mailprov/dns"
	"github.com/mailprov/mailprov/spf"
)

// txtZone is a tiny in-memory resolver that knows only TXT records.
type txtZone map[string][]string

func (z txtZone) Query(_ context.Context, name string, qtype uint16) (*dns.Answer, error) {
	name = mdns.Fqdn(strings.ToLower(name))
	txts, ok := z[name]
	if !ok {
		return nil, &dns.Error{Name: name, Type: qtype, Kind: dns.KindNXDomain}
	}
	if qtype != mdns.TypeTXT {
		return nil, &dns.Error{Name: name, Type: qtype, Kind: dns.KindNoData}
	}
	ans := &dns.Answer{Name: name, Type: qtype, TTL: 300}
	for _, t := range txts {
		hdr := mdns.RR_Header{Name: name, Rrtype: mdns.TypeTXT, Class: mdns.ClassINET, Ttl: 300}
		ans.Records = append(ans.Records, &mdns.TXT{Hdr: hdr, Txt: []string{t}})
	}
	return ans, nil
}

func ExampleChecker_Check() {
	zone := txtZone{
		"example.com.":      {"v=spf1 include:_spf.example.com -all"},
		"_spf.example.com.": {"v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 ~all"},
	}
	c := &spf.Checker{Resolver: zone}
	q := spf.Query{IP: netip.MustParseAddr("192.0.2.10"), MailFrom: "alice@example.com", HELO: "mail.example.com"}
	r := c.Check(context.Background(), q)
	fmt.Println(r.Status, r.Mechanism, r.Lookups, len(r.Trace))
	fmt.Println(r.AuthResult())
	fmt.Println("Received-SPF:", r.ReceivedSPF("mx.example.net", q))

	q.IP = netip.MustParseAddr("198.51.100.7")
	r = c.Check(context.Background(), q)
	fmt.Println(r.Status, r.Reason, r.Mechanism)
	fmt.Println(r.Explanation)
	// Output:
	// pass include:_spf.example.com 1 2
	// spf=pass smtp.mailfrom=example.com
	// Received-SPF: pass (mx.example.net: domain of alice@example.com designates 192.0.2.10 as permitted sender) receiver=mx.example.net; client-ip=192.0.2.10; envelope-from="alice@example.com"; helo=mail.example.com; identity=mailfrom; mechanism="include:_spf.example.com";
	// fail mechanism -all
	// domain of example.com does not designate 198.51.100.7 as permitted sender
}

func ExampleParseRecord() {
	r, err := spf.ParseRecord("v=spf1 a mx/24 ip4:192.0.2.0/24 include:_spf.example.net ~all")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range r.Directives {
		fmt.Printf("%c %s %q\n", d.Qualifier, d.Mechanism, d.String())
	}
	_, err = spf.ParseRecord("v=spf1 ip4:192.0.2.0/33 -all")
	fmt.Println(err)
	// Output:
	// + a "a"
	// + mx "mx/24"
	// + ip4 "ip4:192.0.2.0/24"
	// + include "include:_spf.example.net"
	// ~ all "~all"
	// spf: syntax error in "ip4:192.0.2.0/33": CIDR length 33 exceeds 32
}
