package audit

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/mailprov/mailprov/dns"
	"github.com/mailprov/mailprov/spf"
)

// SPFQuery builds an spf.Query from command-line text, checking the IP.
func SPFQuery(ip, mailFrom, helo string) (spf.Query, error) {
	addr, err := netip.ParseAddr(strings.Trim(ip, "[]"))
	if err != nil {
		return spf.Query{}, fmt.Errorf("bad IP address %q", ip)
	}
	return spf.Query{IP: addr.Unmap(), MailFrom: strings.Trim(mailFrom, "<>"), HELO: helo}, nil
}

// CheckSPF runs one SPF evaluation for q (RFC 7208 §2.4: an empty MAIL
// FROM is checked as postmaster@HELO).
func CheckSPF(ctx context.Context, r dns.Resolver, receiver string, q spf.Query) spf.Result {
	c := &spf.Checker{Resolver: r, Receiver: receiver}
	return c.Check(ctx, q)
}

// WriteSPFText prints an SPF result for a person, followed by the
// Received-SPF and Authentication-Results forms an ingest filter would add.
func WriteSPFText(w io.Writer, res spf.Result, receiver string, q spf.Query) error {
	if receiver == "" {
		receiver = "mailprov"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "spf=%s for %s (%s) from %s\n", res.Status, orDash(res.Domain), res.Identity, q.IP)
	if res.Mechanism != "" {
		fmt.Fprintf(&b, "  matched:     %s\n", res.Mechanism)
	}
	if res.Reason != "" {
		fmt.Fprintf(&b, "  reason:      %s: %s\n", res.Reason, res.Detail)
	}
	if res.Explanation != "" {
		fmt.Fprintf(&b, "  explanation: %s\n", res.Explanation)
	}
	fmt.Fprintf(&b, "  lookups:     %d (void %d)\n", res.Lookups, res.VoidLookups)
	fmt.Fprintf(&b, "Received-SPF: %s\n", res.ReceivedSPF(receiver, q))
	fmt.Fprintf(&b, "Authentication-Results: %s\n", res.AuthenticationResults(receiver))
	_, err := io.WriteString(w, b.String())
	return err
}
