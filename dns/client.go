package dns

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"syscall"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/mailprov/mailprov/internal/ascii"
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

// System returns a Client for the nameservers of /etc/resolv.conf, read
// once, with its "options timeout:N attempts:N" when set. The zero Client
// also uses /etc/resolv.conf but reads it on every query.
func System() (*Client, error) {
	return clientFromResolvConf("/etc/resolv.conf")
}

func clientFromResolvConf(path string) (*Client, error) {
	conf, err := mdns.ClientConfigFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("dns: %w", err)
	}
	c := &Client{}
	for _, s := range conf.Servers {
		c.Servers = append(c.Servers, net.JoinHostPort(s, conf.Port))
	}
	if len(c.Servers) == 0 {
		return nil, fmt.Errorf("dns: no nameservers in %s", path)
	}
	if conf.Timeout > 0 {
		c.Timeout = time.Duration(conf.Timeout) * time.Second
	}
	if conf.Attempts > 0 {
		c.Attempts = conf.Attempts
	}
	return c, nil
}

// Query implements Resolver. It asks each server in turn, Attempts rounds,
// moving on after a timeout, SERVFAIL, REFUSED or malformed reply, and
// returns the first NOERROR or NXDOMAIN answer. It never blocks past ctx's
// deadline or cancellation: it then returns a KindTimeout *Error wrapping
// ctx.Err().
func (c *Client) Query(ctx context.Context, name string, qtype uint16) (*Answer, error) {
	name = mdns.Fqdn(name)
	if _, ok := mdns.IsDomainName(name); !ok || len(name) > 255 {
		return nil, &Error{Name: name, Type: qtype, Kind: KindMalformed, Err: errors.New("invalid domain name")}
	}
	servers, err := c.servers()
	if err != nil {
		return nil, &Error{Name: name, Type: qtype, Kind: KindUnreachable, Err: err}
	}
	timeout, attempts, size := c.Timeout, c.Attempts, c.UDPSize
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	if size < mdns.MinMsgSize {
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
			resp, err := roundTrip(ctx, req, srv, timeout)
			if err == nil && resp.Rcode == mdns.RcodeFormatError && resp.IsEdns0() == nil {
				// A server that does not know EDNS0 (RFC 6891 section 7).
				resp, err = roundTrip(ctx, withoutEDNS(req), srv, timeout)
			}
			if err != nil {
				last = classifyNetErr(ctx, name, qtype, srv, err)
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
	if err := ctx.Err(); err != nil && (last == nil || last.Kind == KindTimeout) {
		return nil, &Error{Name: name, Type: qtype, Kind: KindTimeout, Err: err}
	}
	return nil, last
}

// roundTrip asks srv over UDP, and again over TCP if the reply is
// truncated.
func roundTrip(ctx context.Context, req *mdns.Msg, srv string, timeout time.Duration) (*mdns.Msg, error) {
	resp, err := exchange(ctx, req, srv, "udp", timeout)
	if err == nil && resp.Truncated {
		resp, err = exchange(ctx, req, srv, "tcp", timeout)
		if err != nil {
			err = &tcpRetryError{err}
		}
	}
	return resp, err
}

// tcpRetryError is a failure of the TCP retry after a truncated UDP reply:
// the server did answer, so a refused connection is its failure, not an
// unreachable server.
type tcpRetryError struct{ err error }

func (e *tcpRetryError) Error() string { return "truncated reply, then TCP: " + e.err.Error() }
func (e *tcpRetryError) Unwrap() error { return e.err }

// withoutEDNS returns a copy of req without its OPT record.
func withoutEDNS(req *mdns.Msg) *mdns.Msg {
	m := req.Copy()
	m.Extra = slices.DeleteFunc(m.Extra, func(rr mdns.RR) bool { return rr.Header().Rrtype == mdns.TypeOPT })
	return m
}

// bogusError marks a reply that was received but is not a valid answer to
// the question asked (garbage, wrong ID, another question).
type bogusError struct{ reason string }

func (e *bogusError) Error() string { return e.reason }

// exchange sends req to srv over network and reads the reply, within
// timeout and ctx. Over UDP it ignores datagrams that are not a valid reply
// to req (garbage, a wrong ID, another question), as a stub resolver must
// to resist spoofing, and keeps reading until the deadline; if only such
// datagrams came, the error is a *bogusError. Over TCP the first reply
// counts.
func exchange(ctx context.Context, req *mdns.Msg, srv, network string, timeout time.Duration) (*mdns.Msg, error) {
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	dctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	cl := &mdns.Client{Net: network, Timeout: timeout}
	co, err := cl.DialContext(dctx, srv)
	if err != nil {
		return nil, err
	}
	defer co.Close()
	if err := co.SetDeadline(deadline); err != nil {
		return nil, err
	}
	// Cancellation (not only the deadline) must interrupt a blocked read.
	stop := context.AfterFunc(ctx, func() { co.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if opt := req.IsEdns0(); opt != nil {
		co.UDPSize = opt.UDPSize()
	}
	if err := co.WriteMsg(req); err != nil {
		return nil, err
	}
	var bogus error
	for {
		resp, err := co.ReadMsg()
		if err == nil {
			err = checkReply(req, resp)
		} else if !isNetErr(err) {
			err = &bogusError{"unparsable reply: " + err.Error()}
		}
		if err == nil {
			return resp, nil
		}
		if _, ok := err.(*bogusError); !ok || network != "udp" {
			if bogus != nil && isNetErr(err) && ctx.Err() == nil {
				return nil, bogus
			}
			return nil, err
		}
		bogus = err
	}
}

// checkReply reports why resp is not a reply to req, or nil.
func checkReply(req, resp *mdns.Msg) error {
	switch {
	case resp.Id != req.Id:
		return &bogusError{"reply ID mismatch"}
	case !resp.Response:
		return &bogusError{"reply without QR bit"}
	case len(resp.Question) != 1 && resp.Rcode == mdns.RcodeSuccess:
		return &bogusError{fmt.Sprintf("reply has %d questions", len(resp.Question))}
	case len(resp.Question) == 1:
		q, a := req.Question[0], resp.Question[0]
		if !strings.EqualFold(q.Name, a.Name) || q.Qtype != a.Qtype || q.Qclass != a.Qclass {
			return &bogusError{"answer is for another question"}
		}
	}
	return nil
}

func isNetErr(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// answer turns a response into an Answer or an *Error.
func (c *Client) answer(name string, qtype uint16, srv string, resp *mdns.Msg) (*Answer, *Error) {
	ans := &Answer{Name: name, Type: qtype, Rcode: resp.Rcode, Authentic: resp.AuthenticatedData, Time: c.now().UTC()}
	fail := func(k ErrorKind, err error) (*Answer, *Error) {
		return ans, &Error{Name: name, Type: qtype, Kind: k, Server: srv, Err: err}
	}
	// An error reply may come without the question (checkReply allows it).
	if len(resp.Question) > 1 || (len(resp.Question) == 0 && resp.Rcode == mdns.RcodeSuccess) ||
		(len(resp.Question) == 1 && (!strings.EqualFold(resp.Question[0].Name, name) || resp.Question[0].Qtype != qtype)) {
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
	var seen map[string]bool
	for hop := 0; ; hop++ {
		var next string
		for _, rr := range resp.Answer {
			h := rr.Header()
			if !strings.EqualFold(h.Name, want) {
				continue
			}
			if h.Rrtype == qtype {
				ans.Records = append(ans.Records, rr)
			} else if cn, ok := rr.(*mdns.CNAME); ok && qtype != mdns.TypeCNAME && next == "" {
				ans.Records = append(ans.Records, rr)
				next = cn.Target
			}
		}
		if next == "" {
			break
		}
		if seen == nil {
			seen = map[string]bool{ascii.Lower(name): true}
		}
		if seen[ascii.Lower(next)] {
			return fail(KindMalformed, errors.New("CNAME loop"))
		}
		if hop >= maxCNAMEHops {
			return fail(KindMalformed, errors.New("CNAME chain too long"))
		}
		seen[ascii.Lower(next)] = true
		want = next
	}
	hasType := false
	for _, rr := range ans.Records {
		if rr.Header().Rrtype == qtype {
			hasType = true
		}
	}
	if !hasType {
		// No records, or only a CNAME chain to a name without the type.
		ans.TTL = negativeTTL(resp)
		return fail(KindNoData, nil)
	}
	ans.TTL = ans.Records[0].Header().Ttl
	for _, rr := range ans.Records {
		ans.TTL = min(ans.TTL, rr.Header().Ttl)
	}
	return ans, nil
}

// maxCNAMEHops bounds the CNAME chain followed within one answer.
const maxCNAMEHops = 8

// negativeTTL is the SOA minimum of a negative answer (RFC 2308), or 0.
func negativeTTL(resp *mdns.Msg) uint32 {
	for _, rr := range resp.Ns {
		if soa, ok := rr.(*mdns.SOA); ok {
			return min(soa.Minttl, soa.Hdr.Ttl)
		}
	}
	return 0
}

func classifyNetErr(ctx context.Context, name string, qtype uint16, srv string, err error) *Error {
	var de *Error
	if errors.As(err, &de) {
		return de
	}
	fail := func(k ErrorKind, err error) *Error {
		return &Error{Name: name, Type: qtype, Kind: k, Server: srv, Err: err}
	}
	if ctx.Err() != nil {
		return fail(KindTimeout, ctx.Err())
	}
	var bogus *bogusError
	if errors.As(err, &bogus) {
		return fail(KindMalformed, err)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		// The server's own name did not resolve (even if that timed out).
		return fail(KindUnreachable, err)
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return fail(KindTimeout, err)
	}
	var tcp *tcpRetryError
	if unreachable(err) && !errors.As(err, &tcp) {
		return fail(KindUnreachable, err)
	}
	if isNetErr(err) {
		// Reset or closed mid-exchange, or TCP refused after a truncated
		// reply: the server is not usable now.
		return fail(KindServFail, err)
	}
	return fail(KindMalformed, err)
}

// unreachable reports whether err says that no connection to the server
// could be made (so no reply was ever received).
func unreachable(err error) bool {
	var op *net.OpError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTDOWN),
		errors.Is(err, syscall.ENETDOWN), errors.Is(err, syscall.EADDRNOTAVAIL):
		return true
	case errors.As(err, &op) && op.Op == "dial":
		return true
	}
	return false
}

// causeText says what went wrong in err in a few words, without the socket
// addresses that Go's network errors carry: "read udp
// 127.0.0.1:54041->127.0.0.1:9: read: connection refused" becomes
// "connection refused". It returns "" for nil.
func causeText(err error) string {
	if err == nil {
		return ""
	}
	var (
		errno  syscall.Errno
		dnsErr *net.DNSError
		op     *net.OpError
		ne     net.Error
		tcp    *tcpRetryError
	)
	switch {
	case errors.As(err, &tcp):
		return "truncated reply, then TCP: " + causeText(tcp.err)
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline exceeded"
	case errors.As(err, &errno):
		return errno.Error()
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	case errors.As(err, &dnsErr):
		return "cannot resolve server name " + dnsErr.Name
	case errors.As(err, &ne) && ne.Timeout():
		return "timed out"
	case errors.As(err, &op) && op.Err != nil:
		return causeText(op.Err)
	}
	return strings.TrimPrefix(err.Error(), "dns: ")
}
