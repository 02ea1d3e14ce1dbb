package dns

import (
	"context"
	"net/netip"
	"strings"

	mdns "github.com/miekg/dns"
)

// MX is one mail exchanger record.
type MX struct {
	Preference uint16 `json:"preference"`
	Host       string `json:"host"`
}

// query asks r and checks that the answer holds records of qtype, turning
// an answer without them into a KindNoData *Error.
func query(ctx context.Context, r Resolver, name string, qtype uint16) (*Answer, []mdns.RR, error) {
	name = mdns.Fqdn(name)
	ans, err := r.Query(ctx, name, qtype)
	if err != nil {
		return ans, nil, err
	}
	var rrs []mdns.RR
	for _, rr := range ans.Records {
		if rr.Header().Rrtype == qtype {
			rrs = append(rrs, rr)
		}
	}
	if len(rrs) == 0 {
		return ans, nil, &Error{Name: name, Type: qtype, Kind: KindNoData}
	}
	return ans, rrs, nil
}

// TXT looks up the TXT records of name. Each record's character-strings are
// unescaped (\DDD and \X) and joined into one string, as RFC 7208 §3.3 and
// RFC 6376 §3.6.2.2 require.
func TXT(ctx context.Context, r Resolver, name string) ([]string, *Answer, error) {
	name = mdns.Fqdn(name)
	ans, err := r.Query(ctx, name, mdns.TypeTXT)
	if err != nil {
		return nil, ans, err
	}
	txts, err := TXTStrings(name, ans)
	return txts, ans, err
}

// TXTStrings extracts from ans, the answer to a TXT query for name, what
// TXT returns: each TXT record's strings unescaped and joined, or a
// KindNoData *Error when there is none. Callers that look at
// ans.Records first (to consult a cache, say) use it instead of TXT.
func TXTStrings(name string, ans *Answer) ([]string, error) {
	var out []string
	for _, rr := range ans.Records {
		txt, ok := rr.(*mdns.TXT)
		if !ok {
			continue
		}
		var b strings.Builder
		for _, s := range txt.Txt {
			b.WriteString(UnescapeTXT(s))
		}
		out = append(out, b.String())
	}
	if len(out) == 0 {
		return nil, &Error{Name: mdns.Fqdn(name), Type: mdns.TypeTXT, Kind: KindNoData}
	}
	return out, nil
}

// A looks up the IPv4 addresses of name.
func A(ctx context.Context, r Resolver, name string) ([]netip.Addr, *Answer, error) {
	ans, rrs, err := query(ctx, r, name, mdns.TypeA)
	if err != nil {
		return nil, ans, err
	}
	out := make([]netip.Addr, 0, len(rrs))
	for _, rr := range rrs {
		if a, ok := netip.AddrFromSlice(rr.(*mdns.A).A.To4()); ok {
			out = append(out, a)
		}
	}
	return out, ans, nil
}

// AAAA looks up the IPv6 addresses of name.
func AAAA(ctx context.Context, r Resolver, name string) ([]netip.Addr, *Answer, error) {
	ans, rrs, err := query(ctx, r, name, mdns.TypeAAAA)
	if err != nil {
		return nil, ans, err
	}
	out := make([]netip.Addr, 0, len(rrs))
	for _, rr := range rrs {
		if a, ok := netip.AddrFromSlice(rr.(*mdns.AAAA).AAAA.To16()); ok {
			out = append(out, a)
		}
	}
	return out, ans, nil
}

// IP looks up the addresses of name of the family of ip: A for IPv4
// (including IPv4-mapped IPv6), AAAA for IPv6.
func IP(ctx context.Context, r Resolver, name string, ip netip.Addr) ([]netip.Addr, *Answer, error) {
	if ip.Unmap().Is4() {
		return A(ctx, r, name)
	}
	return AAAA(ctx, r, name)
}

// MXs looks up the mail exchangers of name, in the order received.
func MXs(ctx context.Context, r Resolver, name string) ([]MX, *Answer, error) {
	ans, rrs, err := query(ctx, r, name, mdns.TypeMX)
	if err != nil {
		return nil, ans, err
	}
	out := make([]MX, 0, len(rrs))
	for _, rr := range rrs {
		mx := rr.(*mdns.MX)
		out = append(out, MX{Preference: mx.Preference, Host: mx.Mx})
	}
	return out, ans, nil
}

// PTR looks up the names that ip's reverse name points to.
func PTR(ctx context.Context, r Resolver, ip netip.Addr) ([]string, *Answer, error) {
	rev, err := mdns.ReverseAddr(ip.Unmap().String())
	if err != nil {
		return nil, nil, &Error{Name: ip.String(), Type: mdns.TypePTR, Kind: KindMalformed, Err: err}
	}
	ans, rrs, err := query(ctx, r, rev, mdns.TypePTR)
	if err != nil {
		return nil, ans, err
	}
	out := make([]string, 0, len(rrs))
	for _, rr := range rrs {
		out = append(out, rr.(*mdns.PTR).Ptr)
	}
	return out, ans, nil
}

// UnescapeTXT turns a character-string in the presentation form miekg/dns
// keeps (\DDD decimal escapes and \X for any other X) into its bytes.
func UnescapeTXT(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b = append(b, c)
			continue
		}
		if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
			n := int(s[i+1]-'0')*100 + int(s[i+2]-'0')*10 + int(s[i+3]-'0')
			if n <= 255 {
				b = append(b, byte(n))
				i += 3
				continue
			}
		}
		b = append(b, s[i+1])
		i++
	}
	return string(b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
