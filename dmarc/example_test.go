package dmarc_test

import (
	"context"
	"fmt"

	mdns "github.com/miekg/dns"

	"github.com/mailprov/mailprov/dmarc"
	"github.com/mailprov/mailprov/dns"
)

func ExampleParseRecord() {
	r, err := dmarc.ParseRecord("V=DMARC1; P=Reject; sp=quarantine; pct=50; rua=mailto:agg@example.com; np=none")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Policy, r.SubdomainPolicy, r.Percent, r.ADKIM, r.RUA)

	_, err = dmarc.ParseRecord("v=DMARC1")
	fmt.Println(err)
	// Output:
	// reject quarantine 50 r [mailto:agg@example.com]
	// dmarc: record has no valid policy: no p= tag
}

func ExampleOrganizationalDomain() {
	for _, d := range []string{"mail.example.co.uk", "foo.github.io", "news.Example.COM."} {
		fmt.Println(dmarc.OrganizationalDomain(d))
	}
	// Output:
	// example.co.uk
	// github.io
	// example.com
}

func ExampleFromDomain() {
	d, err := dmarc.FromDomain([]string{`"Doe, Jane" <jane@Mail.Example.ORG>`})
	fmt.Println(d, err)
	_, err = dmarc.FromDomain([]string{"a@example.org, b@example.net"})
	fmt.Println(err)
	// Output:
	// mail.example.org <nil>
	// dmarc: more than one From address: 2 addresses in From
}

// zoneResolver answers TXT questions from a map; enough for an Example that
// runs offline. Tests use the loopback server in dns/dnstest instead.
type zoneResolver map[string]string

func (z zoneResolver) Query(_ context.Context, name string, qtype uint16) (*dns.Answer, error) {
	txt, ok := z[name]
	if !ok || qtype != mdns.TypeTXT {
		return nil, &dns.Error{Name: name, Type: qtype, Kind: dns.KindNXDomain}
	}
	rr := &mdns.TXT{Hdr: mdns.RR_Header{Name: name, Rrtype: mdns.TypeTXT, Class: mdns.ClassINET, Ttl: 300}, Txt: []string{txt}}
	return &dns.Answer{Name: name, Type: qtype, Records: []mdns.RR{rr}, TTL: 300}, nil
}

func ExampleChecker_Check() {
	c := &dmarc.Checker{Resolver: zoneResolver{
		"_dmarc.example.com.": "v=DMARC1; p=reject; sp=quarantine; rua=mailto:agg@example.com",
	}}
	ctx := context.Background()
	dkim := []dmarc.DKIMInput{{Domain: "lists.example.net", Selector: "s1", Pass: true}}

	res := c.Check(ctx, "news.example.com", dkim, dmarc.SPFInput{Domain: "bounce.example.com", Pass: true})
	fmt.Println(res.Status, res.Policy, res.OrgDomain, res.AlignedSPF)

	res = c.Check(ctx, "news.example.com", dkim, dmarc.SPFInput{Domain: "lists.example.net", Pass: true})
	fmt.Println(res.Status, res.Reason, res.Disposition)
	// Output:
	// pass quarantine example.com true
	// fail not_aligned quarantine
}
