package received

import (
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"
)

// Observation is what a receiver recorded about the SMTP client when it
// checked SPF: the client-ip, helo and envelope-from of a Received-SPF
// field (RFC 7208 §9.1) or of an spf result in Authentication-Results
// (RFC 8601). The caller extracts these; this package only matches them
// against hops.
type Observation struct {
	// Receiver is the host that wrote the header (Received-SPF's
	// receiver=, or the authserv-id); empty when not shown.
	Receiver string
	// ClientIP is the client-ip the receiver judged.
	ClientIP netip.Addr
	// Helo and MailFrom are the helo= and envelope-from= (or
	// smtp.mailfrom) values; empty when not shown.
	Helo, MailFrom string
	// Source names the header it came from, e.g. "Received-SPF".
	Source string
}

// Options tunes [NewChain]. The zero value is ready to use.
type Options struct {
	// TrustedReceivers names the hosts of the receiving side. When set,
	// the origin is the hop at which mail entered a run of hops received
	// by these hosts. A name matches a by-host equal to it or below it
	// ("gnu.org" matches "eggs.gnu.org"), without regard to case.
	TrustedReceivers []string
	// Observations are the receivers' SPF records of the client.
	Observations []Observation
}

// Origin is the hop at which the message entered the receiving side: the
// client whose IP, HELO and envelope sender SPF and iprev are judged on.
type Origin struct {
	IP       netip.Addr `json:"ip,omitzero"`
	HELO     string     `json:"helo,omitempty"`
	MailFrom string     `json:"mail_from,omitempty"`
	// Hop indexes Chain.Hops (oldest first).
	Hop int `json:"hop"`
	// Basis says which rule chose it: "trusted_receiver",
	// "observation" (with the observation's Source appended after a
	// colon), or "first_public_ip".
	Basis string `json:"basis"`
}

// Chain is a message's Received fields read as a path, oldest hop first.
type Chain struct {
	// Hops are oldest first: the reverse of header order.
	Hops []Hop `json:"received"`
	// Origin is nil when no hop qualifies (see Warnings).
	Origin *Origin `json:"origin,omitempty"`
	// Warnings are chain-level findings: clock skew, no origin.
	Warnings []string `json:"warnings,omitempty"`
}

// NewChain reads values, the Received field values in header order
// (newest first, as they appear in the message), into a Chain ordered
// oldest first, with the delay between consecutive hops and the origin.
//
// The origin is chosen by the first rule that applies:
//
//  1. With opts.TrustedReceivers: take the newest hop received by a
//     trusted host, walk to older hops while they too were received by
//     trusted hosts; the oldest of that run is the origin.
//  2. With opts.Observations: for each observation, the newest hop whose
//     client IP equals its client-ip (preferring a hop received by the
//     observation's Receiver). Of these, the oldest is the origin: each
//     observation marks a point where a receiver judged a client, and
//     the oldest such point is where the mail entered from its sender's
//     side (a mailing list that re-sends the mail adds a later one).
//  3. Else the oldest hop whose client IP is public and that is not an
//     authenticated submission (where the author's own client handed the
//     mail to its provider, and SPF is not judged); else the oldest hop
//     with a public client IP.
//
// A value that cannot be parsed still gives a hop (with its raw text and a
// warning), so one bad field never loses the rest of the chain.
func NewChain(values []string, opts Options) *Chain {
	n := len(values)
	c := &Chain{Hops: make([]Hop, n)}
	for i, v := range values {
		h, _ := Parse(v) // a failed hop keeps its raw text and warning
		c.Hops[n-1-i] = h
	}
	delays := make([]int64, n)
	for i := 1; i < n; i++ {
		prev, cur := &c.Hops[i-1], &c.Hops[i]
		if prev.Time.IsZero() || cur.Time.IsZero() {
			continue
		}
		d := int64(cur.Time.Sub(prev.Time) / time.Second)
		delays[i] = d
		cur.DelaySeconds = &delays[i]
		if d < 0 {
			cur.warn(fmt.Sprintf("clock skew: received %ds before the previous hop", -d))
			c.Warnings = append(c.Warnings, fmt.Sprintf("hop %d: clock skew of %ds", i, d))
		}
	}
	c.Origin = c.findOrigin(opts)
	if c.Origin == nil && n > 0 {
		c.Warnings = append(c.Warnings, "no origin: no hop has a public client IP")
	}
	return c
}

// hostMatch reports whether host is name or below it.
func hostMatch(host, name string) bool {
	host = strings.TrimSuffix(host, ".")
	name = strings.TrimSuffix(strings.TrimPrefix(name, "."), ".")
	if host == "" || name == "" {
		return false
	}
	if strings.EqualFold(host, name) {
		return true
	}
	return len(host) > len(name) && host[len(host)-len(name)-1] == '.' &&
		strings.EqualFold(host[len(host)-len(name):], name)
}

func (c *Chain) trusted(h *Hop, names []string) bool {
	for _, n := range names {
		if hostMatch(h.By, n) {
			return true
		}
	}
	return false
}

// IsPublic reports whether ip is a globally routable unicast address: not
// private (RFC 1918, RFC 4193), loopback, link-local, shared (RFC 6598),
// unspecified or multicast.
func IsPublic(ip netip.Addr) bool {
	if !ip.IsValid() || ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsLinkLocalMulticast() {
		return false
	}
	if ip.Is4() {
		b := ip.As4()
		if b[0] == 100 && b[1]&0xc0 == 64 { // 100.64.0.0/10
			return false
		}
		if b[0] == 0 {
			return false
		}
	}
	return true
}

func (c *Chain) findOrigin(opts Options) *Origin {
	hops := c.Hops
	mk := func(i int, basis string) *Origin {
		h := &hops[i]
		o := &Origin{IP: h.From.IP, HELO: h.From.HELO, MailFrom: h.EnvelopeFrom, Hop: i, Basis: basis}
		for _, ob := range opts.Observations {
			if ob.ClientIP.IsValid() && ob.ClientIP.Unmap() == h.From.IP {
				if o.MailFrom == "" {
					o.MailFrom = ob.MailFrom
				}
				if o.HELO == "" {
					o.HELO = ob.Helo
				}
			}
		}
		return o
	}
	if len(opts.TrustedReceivers) > 0 {
		k := -1
		for i := len(hops) - 1; i >= 0; i-- {
			if c.trusted(&hops[i], opts.TrustedReceivers) {
				k = i
				break
			}
		}
		if k >= 0 {
			for k > 0 && c.trusted(&hops[k-1], opts.TrustedReceivers) {
				k--
			}
			return mk(k, "trusted_receiver")
		}
		c.Warnings = append(c.Warnings, "no hop was received by a trusted receiver")
	}
	best, bestSrc := -1, ""
	for _, ob := range opts.Observations {
		if !ob.ClientIP.IsValid() {
			continue
		}
		ip := ob.ClientIP.Unmap()
		pick := -1
		for i := len(hops) - 1; i >= 0; i-- {
			if hops[i].From.IP != ip {
				continue
			}
			if pick < 0 {
				pick = i
			}
			if ob.Receiver != "" && (hostMatch(hops[i].By, ob.Receiver) || hostMatch(ob.Receiver, hops[i].By)) {
				pick = i
				break
			}
		}
		if pick >= 0 && (best < 0 || pick < best) {
			best, bestSrc = pick, ob.Source
		}
	}
	if best >= 0 {
		basis := "observation"
		if bestSrc != "" {
			basis += ":" + bestSrc
		}
		return mk(best, basis)
	}
	firstPublic := -1
	for i := range hops {
		if !IsPublic(hops[i].From.IP) {
			continue
		}
		if firstPublic < 0 {
			firstPublic = i
		}
		if !hops[i].Authenticated {
			return mk(i, "first_public_ip")
		}
	}
	if firstPublic >= 0 {
		return mk(firstPublic, "first_public_ip")
	}
	return nil
}

// TLSHops returns how many hops show TLS, of how many.
func (c *Chain) TLSHops() (withTLS, total int) {
	for i := range c.Hops {
		if c.Hops[i].TLS != nil {
			withTLS++
		}
	}
	return withTLS, len(c.Hops)
}

// Timeline writes the path for people: one line per hop, oldest first,
// with each hop's time in its own zone, the delay since the previous hop,
// the TLS version (or "plain"), and "<= origin" on the origin hop.
func (c *Chain) Timeline(w io.Writer) error {
	_, err := io.WriteString(w, c.String())
	return err
}

// String returns the [Chain.Timeline] text.
func (c *Chain) String() string {
	var b strings.Builder
	tls, total := c.TLSHops()
	fmt.Fprintf(&b, "%d hops, oldest first (%d of %d with TLS)\n", total, tls, total)
	for i := range c.Hops {
		h := &c.Hops[i]
		ts := "(no date)"
		if !h.Time.IsZero() {
			ts = h.Time.Format("2006-01-02 15:04:05 -0700")
		}
		delay := ""
		if h.DelaySeconds != nil {
			d := *h.DelaySeconds
			switch {
			case d < 0:
				delay = fmt.Sprintf("%ds skew", d)
			case d < 60:
				delay = fmt.Sprintf("+%ds", d)
			default:
				delay = "+" + (time.Duration(d) * time.Second).String()
			}
		}
		enc := "plain"
		if h.TLS != nil {
			enc = "TLS"
			if h.TLS.Version != "" {
				enc = h.TLS.Version
			}
		}
		from := h.From.HELO
		if from == "" {
			from = h.From.RDNS
		}
		if h.From.IP.IsValid() {
			if from != "" {
				from += " "
			}
			from += "[" + h.From.IP.String() + "]"
		}
		if from == "" {
			from = "-"
		}
		by := h.By
		if by == "" {
			by = "-"
		}
		fmt.Fprintf(&b, "%2d  %s  %9s  %-7s  %s -> %s", i, ts, delay, enc, from, by)
		if h.With != "" {
			fmt.Fprintf(&b, " (%s)", h.With)
		}
		if c.Origin != nil && c.Origin.Hop == i {
			b.WriteString("  <= origin")
		}
		if len(h.Warnings) > 0 {
			fmt.Fprintf(&b, "  ! %s", strings.Join(h.Warnings, "; "))
		}
		b.WriteByte('\n')
	}
	return b.String()
}
