package dns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	mdns "github.com/miekg/dns"
)

// Default settings of a Client.
const (
	DefaultTimeout  = 2 * time.Second
	DefaultAttempts = 2
	DefaultUDPSize  = 1232
)

// Client is a stub resolver that sends queries to recursive (or, in tests,
// authoritative) servers with miekg/dns: UDP with EDNS0 and the DO bit,
// falling back to TCP when an answer is truncated, with a per-try timeout,
// retries over the servers, and context cancellation. Its zero value reads
// the servers from /etc/resolv.conf. It does no caching; wrap it in a Cache.
type Client struct {
	// Servers are "host:port" addresses, tried in order. Empty means the
	// nameservers of /etc/resolv.conf.
	Servers []string
	// Timeout bounds each try; zero means DefaultTimeout.
	Timeout time.Duration
	// Attempts is how many times each server is tried; zero means
	// DefaultAttempts.
	Attempts int
	// UDPSize is the EDNS0 UDP payload size advertised; zero means
	// DefaultUDPSize.
	UDPSize uint16
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) servers() ([]string, error) {
	if len(c.Servers) > 0 {
		return c.Servers, nil
	}
	conf, err := mdns.ClientConfigFromFile("/etc/resolv.conf")
	if err != nil {
		return nil, fmt.Errorf("dns: no servers given and /etc/resolv.conf unreadable: %w", err)
	}
	var out []string
	for _, s := range conf.Servers {
		out = append(out, net.JoinHostPort(s, conf.Port))
	}
	if len(out) == 0 {
		return nil, errors.New("dns: no servers in /etc/resolv.conf")
	}
	return out, nil
}

// Query implements Resolver.
func (c *Client) Query(ctx context.Context, name string, qtype uint16) (*Answer, error) {
	name = mdns.Fqdn(name)
	if _, ok := mdns.IsDomainName(name); !ok || len(name) > 255 {
		return nil, &Error{Name: name, Type: qtype, Kind: KindMalformed, Err: errors.New("invalid domain name")}
	}
	servers, err := c.servers()
	if err != nil {
		return nil, &Error{Name: name, Type: qtype, Kind: KindServFail, Err: err}
	}
	timeout, attempts, size := c.Timeout, c.Attempts, c.UDPSize
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	if size == 0 {
		size = DefaultUDPSize
	}
	req := new(mdns.Msg)
	req.SetQuestion(name, qtype)
	req.RecursionDesired = true
	req.AuthenticatedData = true
	req.SetEdns0(size, true)

	var last *Error
	for try := 0; try < attempts; try++ {
		for _, srv := range servers {
			if err := ctx.Err(); err != nil {
				return nil, &Error{Name: name, Type: qtype, Kind: KindTimeout, Err: err}
			}
			resp, err := c.exchange(ctx, req, srv, "udp", timeout, size)
			if err == nil && resp.Truncated {
				resp, err = c.exchange(ctx, req, srv, "tcp", timeout, size)
			}
			if err != nil {
				last = classifyNetErr(name, qtype, srv, err)
				continue
			}
			ans, qerr := c.answer(name, qtype, srv, resp)
			if qerr != nil && (qerr.Kind == KindServFail || qerr.Kind == KindRefused || qerr.Kind == KindMalformed) {
				last = qerr
				continue // another server may do better
			}
			if qerr != nil {
				return ans, qerr
			}
			return ans, nil
		}
	}
	return nil, last
}

func (c *Client) exchange(ctx context.Context, req *mdns.Msg, srv, network string, timeout time.Duration, size uint16) (*mdns.Msg, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cl := &mdns.Client{Net: network, UDPSize: size, Timeout: timeout}
	resp, _, err := cl.ExchangeContext(ctx, req, srv)
	if err != nil {
		return nil, err
	}
	if resp.Id != req.Id {
		return nil, &Error{Name: req.Question[0].Name, Type: req.Question[0].Qtype, Kind: KindMalformed, Server: srv, Err: errors.New("reply ID mismatch")}
	}
	return resp, nil
}

// answer turns a response into an Answer or an *Error.
func (c *Client) answer(name string, qtype uint16, srv string, resp *mdns.Msg) (*Answer, *Error) {
	ans := &Answer{Name: name, Type: qtype, Rcode: resp.Rcode, Authentic: resp.AuthenticatedData, Time: c.now()}
	fail := func(k ErrorKind, err error) (*Answer, *Error) {
		return ans, &Error{Name: name, Type: qtype, Kind: k, Server: srv, Err: err}
	}
	if len(resp.Question) != 1 || !strings.EqualFold(resp.Question[0].Name, name) || resp.Question[0].Qtype != qtype {
		return fail(KindMalformed, errors.New("answer is for another question"))
	}
	switch resp.Rcode {
	case mdns.RcodeSuccess:
	case mdns.RcodeNameError:
		ans.TTL = negativeTTL(resp)
		return fail(KindNXDomain, nil)
	case mdns.RcodeRefused:
		return fail(KindRefused, nil)
	case mdns.RcodeFormatError:
		return fail(KindMalformed, errors.New("server says FORMERR"))
	default:
		return fail(KindServFail, fmt.Errorf("rcode %s", mdns.RcodeToString[resp.Rcode]))
	}
	// Keep the records for the name and the CNAME chain from it.
	want := name
	seen := map[string]bool{}
	for hop := 0; hop < 10; hop++ {
		var next string
		for _, rr := range resp.Answer {
			h := rr.Header()
			if !strings.EqualFold(h.Name, want) {
				continue
			}
			if h.Rrtype == qtype {
				ans.Records = append(ans.Records, rr)
			} else if cn, ok := rr.(*mdns.CNAME); ok && qtype != mdns.TypeCNAME {
				ans.Records = append(ans.Records, rr)
				next = cn.Target
			}
		}
		if next == "" {
			break
		}
		if seen[strings.ToLower(next)] {
			return fail(KindMalformed, errors.New("CNAME loop"))
		}
		seen[strings.ToLower(next)] = true
		want = next
	}
	if len(ans.Records) == 0 {
		ans.TTL = negativeTTL(resp)
		return fail(KindNoData, nil)
	}
	ans.TTL = ans.Records[0].Header().Ttl
	for _, rr := range ans.Records {
		ans.TTL = min(ans.TTL, rr.Header().Ttl)
	}
	hasType := false
	for _, rr := range ans.Records {
		if rr.Header().Rrtype == qtype {
			hasType = true
		}
	}
	if !hasType {
		return fail(KindNoData, nil)
	}
	return ans, nil
}

// negativeTTL is the SOA minimum of a negative answer (RFC 2308), or 0.
func negativeTTL(resp *mdns.Msg) uint32 {
	for _, rr := range resp.Ns {
		if soa, ok := rr.(*mdns.SOA); ok {
			return min(soa.Minttl, soa.Hdr.Ttl)
		}
	}
	return 0
}

func classifyNetErr(name string, qtype uint16, srv string, err error) *Error {
	var de *Error
	if errors.As(err, &de) {
		return de
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || (errors.As(err, &ne) && ne.Timeout()) {
		return &Error{Name: name, Type: qtype, Kind: KindTimeout, Server: srv, Err: err}
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return &Error{Name: name, Type: qtype, Kind: KindServFail, Server: srv, Err: err}
	}
	// Unpackable replies and the like.
	return &Error{Name: name, Type: qtype, Kind: KindMalformed, Server: srv, Err: err}
}
