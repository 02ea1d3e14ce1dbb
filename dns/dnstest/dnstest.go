// Package dnstest runs an authoritative DNS server on the loopback interface
// for tests, in the manner of net/http/httptest: zone text (RFC 1035 master
// file format) in, a real UDP and TCP server on 127.0.0.1 (or [::1]) out, so
// tests exercise the wire protocol (EDNS0, truncation and TCP fallback,
// rcodes, the AD bit) rather than a mock.
//
// Options make the server misbehave on purpose: never answer (WithTimeout),
// answer SERVFAIL or REFUSED, send garbage, always truncate over UDP, refuse
// TCP, or run an arbitrary hostile handler (WithHandler).
package dnstest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/mailprov/mailprov/dns"
)

// Server is a running authoritative server. Its methods are safe for
// concurrent use.
type Server struct {
	addr    string
	udp     *mdns.Server
	tcp     *mdns.Server
	ln      net.Listener
	cfg     config
	queries atomic.Int64
	closed  sync.Once

	mu      sync.RWMutex
	records map[string][]mdns.RR // lower-case owner name -> records
	names   map[string]bool      // every owner name and its ancestors (for NODATA vs NXDOMAIN)
	log     []Query
}

// Query is one query the server received, for Server.Log.
type Query struct {
	Name string // question name as sent
	Type uint16 // question type
	Net  string // "udp" or "tcp"
}

type config struct {
	timeout  map[string]bool
	servfail map[string]bool
	refused  map[string]bool
	garbage  map[string]bool
	ad       map[string]bool
	adAll    bool
	handler  func(w mdns.ResponseWriter, r *mdns.Msg) bool
	noTCP    bool
	truncate bool
	ipv6     bool
}

// Option configures a Server.
type Option func(*config)

func addNames(m map[string]bool, names []string) {
	for _, n := range names {
		m[strings.ToLower(mdns.Fqdn(n))] = true
	}
}

// WithTimeout makes the server never answer questions for the given names
// (any type, UDP and TCP), as the OpenSPF suite's TIMEOUT entries require.
func WithTimeout(names ...string) Option {
	return func(c *config) { addNames(c.timeout, names) }
}

// WithDrop is WithTimeout: queries for the names are silently dropped.
func WithDrop(names ...string) Option { return WithTimeout(names...) }

// WithServFail makes the server answer SERVFAIL for the given names.
func WithServFail(names ...string) Option {
	return func(c *config) { addNames(c.servfail, names) }
}

// WithRefused makes the server answer REFUSED for the given names.
func WithRefused(names ...string) Option {
	return func(c *config) { addNames(c.refused, names) }
}

// WithGarbage makes the server answer questions for the given names with
// bytes that do not parse as a DNS message.
func WithGarbage(names ...string) Option {
	return func(c *config) { addNames(c.garbage, names) }
}

// WithAD sets the AD (authentic data) bit on answers for the given names, or
// on every answer when no names are given, as a validating resolver would.
func WithAD(names ...string) Option {
	return func(c *config) {
		if len(names) == 0 {
			c.adAll = true
		}
		addNames(c.ad, names)
	}
}

// WithTruncateAlways makes every UDP answer an empty one with the TC bit
// set, so that clients must retry over TCP. Other knobs (garbage, SERVFAIL,
// REFUSED) then apply to the TCP answer only.
func WithTruncateAlways() Option {
	return func(c *config) { c.truncate = true }
}

// WithNoTCP makes the server refuse TCP connections (its TCP port is
// closed), while UDP works as usual.
func WithNoTCP() Option {
	return func(c *config) { c.noTCP = true }
}

// WithIPv6 makes the server listen on [::1] instead of 127.0.0.1.
// NewServer skips the test when IPv6 loopback is unavailable.
func WithIPv6() Option {
	return func(c *config) { c.ipv6 = true }
}

// WithHandler installs a hook that sees every query first; if it returns
// true it has answered (or deliberately not answered) and the zone is not
// consulted. Use it for hostile behaviour: garbage, wrong IDs, drops.
func WithHandler(h func(w mdns.ResponseWriter, r *mdns.Msg) bool) Option {
	return func(c *config) { c.handler = h }
}

// ParseZone parses zone text in RFC 1035 master file format; relative
// names are relative to the root unless the text sets $ORIGIN.
func ParseZone(zone string) ([]mdns.RR, error) {
	var rrs []mdns.RR
	zp := mdns.NewZoneParser(strings.NewReader(zone), ".", "")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		return nil, fmt.Errorf("dnstest: zone: %w", err)
	}
	return rrs, nil
}

// NewServer starts a server for the zone text (see ParseZone) and stops it
// when the test ends. It fails the test on a zone syntax error.
func NewServer(t testing.TB, zone string, opts ...Option) *Server {
	t.Helper()
	rrs, err := ParseZone(zone)
	if err != nil {
		t.Fatal(err)
	}
	return NewServerRR(t, rrs, opts...)
}

// NewServerFile is NewServer on the contents of a zone file, such as
// "testdata/x.zone".
func NewServerFile(t testing.TB, path string, opts ...Option) *Server {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("dnstest: %v", err)
	}
	return NewServer(t, string(b), opts...)
}

// NewServerRR starts a server for the given records and stops it when the
// test ends.
func NewServerRR(t testing.TB, rrs []mdns.RR, opts ...Option) *Server {
	t.Helper()
	s, err := StartRR(rrs, opts...)
	if err != nil {
		var c config
		for _, o := range opts {
			o(&c)
		}
		if c.ipv6 && errors.Is(err, errNoIPv6) {
			t.Skipf("dnstest: %v", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start starts a server for the zone text outside a test (in an Example,
// say); the caller must Close it.
func Start(zone string, opts ...Option) (*Server, error) {
	rrs, err := ParseZone(zone)
	if err != nil {
		return nil, err
	}
	return StartRR(rrs, opts...)
}

var errNoIPv6 = errors.New("IPv6 loopback unavailable")

// StartRR starts a server for the given records outside a test; the caller
// must Close it.
func StartRR(rrs []mdns.RR, opts ...Option) (*Server, error) {
	s := &Server{
		cfg: config{
			timeout: map[string]bool{}, servfail: map[string]bool{}, refused: map[string]bool{},
			garbage: map[string]bool{}, ad: map[string]bool{},
		},
		records: map[string][]mdns.RR{},
		names:   map[string]bool{},
	}
	for _, o := range opts {
		o(&s.cfg)
	}
	for _, rr := range rrs {
		s.add(rr)
	}
	host := "127.0.0.1"
	if s.cfg.ipv6 {
		host = "[::1]"
	}
	// UDP and TCP on the same port; retry a few times if the TCP port is taken.
	var pc net.PacketConn
	var ln net.Listener
	var err error
	for i := 0; i < 10; i++ {
		pc, err = net.ListenPacket("udp", host+":0")
		if err != nil {
			if s.cfg.ipv6 {
				return nil, fmt.Errorf("dnstest: %w: %v", errNoIPv6, err)
			}
			return nil, fmt.Errorf("dnstest: listen udp: %w", err)
		}
		ln, err = net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			break
		}
		pc.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("dnstest: listen tcp: %w", err)
	}
	s.addr = pc.LocalAddr().String()
	n := 2
	if s.cfg.noTCP {
		// Keep the port reserved from other servers but refuse connections:
		// closing the listener makes connects fail with ECONNREFUSED.
		ln.Close()
		ln = nil
		n = 1
	}
	started := make(chan struct{}, 2)
	notify := func() { started <- struct{}{} }
	s.udp = &mdns.Server{PacketConn: pc, Handler: mdns.HandlerFunc(s.serve), NotifyStartedFunc: notify}
	go s.udp.ActivateAndServe()
	if ln != nil {
		s.ln = ln
		s.tcp = &mdns.Server{Listener: ln, Handler: mdns.HandlerFunc(s.serve), NotifyStartedFunc: notify}
		go s.tcp.ActivateAndServe()
	}
	for range n {
		select {
		case <-started:
		case <-time.After(5 * time.Second):
			s.Close()
			return nil, errors.New("dnstest: server did not start")
		}
	}
	return s, nil
}

// ClosedAddr returns a "127.0.0.1:port" address where nothing listens, on
// UDP or TCP: a query sent there is refused (ICMP port unreachable on UDP,
// RST on TCP), as with a --dns server that is down. The port was free a
// moment ago; another program could take it, which tests can ignore.
func ClosedAddr(t testing.TB) string {
	t.Helper()
	for range 10 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("dnstest: listen udp: %v", err)
		}
		addr := pc.LocalAddr().String()
		ln, err := net.Listen("tcp", addr)
		pc.Close()
		if err == nil {
			ln.Close()
			return addr
		}
	}
	t.Fatal("dnstest: no free port on 127.0.0.1")
	return ""
}

// Add adds a record to the running server's zone.
func (s *Server) Add(rr mdns.RR) { s.add(rr) }

func (s *Server) add(rr mdns.RR) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := strings.ToLower(rr.Header().Name)
	s.records[name] = append(s.records[name], rr)
	for n := name; ; {
		s.names[n] = true
		i := strings.IndexByte(n, '.')
		if i < 0 || i == len(n)-1 {
			break
		}
		n = n[i+1:]
	}
}

// Addr returns the server's "127.0.0.1:port" (or "[::1]:port") address,
// the same for UDP and TCP.
func (s *Server) Addr() string { return s.addr }

// Queries returns how many queries the server has received (UDP and TCP).
func (s *Server) Queries() int64 { return s.queries.Load() }

// Log returns the queries the server has received, in order of arrival.
func (s *Server) Log() []Query {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]Query(nil), s.log...)
}

// Resolver returns a dns.Client that asks only this server, with short
// timeouts suited to tests (500ms, one attempt).
func (s *Server) Resolver() *dns.Client {
	return &dns.Client{Servers: []string{s.addr}, Timeout: 500 * time.Millisecond, Attempts: 1}
}

// Close stops the server. It may be called more than once.
func (s *Server) Close() {
	s.closed.Do(func() {
		s.udp.Shutdown()
		if s.tcp != nil {
			s.tcp.Shutdown()
		}
	})
}

func (s *Server) serve(w mdns.ResponseWriter, r *mdns.Msg) {
	s.queries.Add(1)
	_, isUDP := w.RemoteAddr().(*net.UDPAddr)
	if len(r.Question) > 0 {
		q := Query{Name: r.Question[0].Name, Type: r.Question[0].Qtype, Net: "tcp"}
		if isUDP {
			q.Net = "udp"
		}
		s.mu.Lock()
		s.log = append(s.log, q)
		s.mu.Unlock()
	}
	if s.cfg.handler != nil && s.cfg.handler(w, r) {
		return
	}
	m := new(mdns.Msg)
	m.SetReply(r)
	m.Authoritative = true
	if len(r.Question) != 1 {
		m.Rcode = mdns.RcodeFormatError
		w.WriteMsg(m)
		return
	}
	q := r.Question[0]
	qname := strings.ToLower(q.Name)
	switch {
	case s.cfg.timeout[qname]:
		return // never answer
	case s.cfg.truncate && isUDP:
		m.Truncated = true
		w.WriteMsg(m)
		return
	case s.cfg.garbage[qname]:
		w.Write([]byte("\x00\x01garbage, not a DNS message"))
		return
	case s.cfg.servfail[qname]:
		m.Rcode = mdns.RcodeServerFailure
		w.WriteMsg(m)
		return
	case s.cfg.refused[qname]:
		m.Rcode = mdns.RcodeRefused
		w.WriteMsg(m)
		return
	}
	m.AuthenticatedData = s.cfg.adAll || s.cfg.ad[qname]
	s.mu.RLock()
	name := qname
	for hop := 0; hop < 16; hop++ {
		var cname *mdns.CNAME
		found := false
		for _, rr := range s.records[name] {
			if rr.Header().Rrtype == q.Qtype || q.Qtype == mdns.TypeANY {
				m.Answer = append(m.Answer, mdns.Copy(rr))
				found = true
			} else if c, ok := rr.(*mdns.CNAME); ok {
				cname = c
			}
		}
		if found || cname == nil || q.Qtype == mdns.TypeCNAME {
			break
		}
		m.Answer = append(m.Answer, mdns.Copy(cname))
		name = strings.ToLower(cname.Target)
	}
	if len(m.Answer) == 0 && !s.names[qname] {
		m.Rcode = mdns.RcodeNameError
	}
	if len(m.Answer) == 0 {
		m.Ns = []mdns.RR{s.soa(qname)}
	}
	s.mu.RUnlock()
	size := 512
	if opt := r.IsEdns0(); opt != nil {
		size = int(opt.UDPSize())
		m.SetEdns0(opt.UDPSize(), opt.Do())
	}
	if isUDP {
		m.Truncate(size)
	}
	w.WriteMsg(m)
}

// soa returns the SOA record for a negative answer about qname: the zone's
// own SOA of the closest enclosing name if the zone text has one, else a
// synthetic root SOA with TTL and minimum 300. Called with s.mu held.
func (s *Server) soa(qname string) mdns.RR {
	for n := qname; ; {
		for _, rr := range s.records[n] {
			if rr.Header().Rrtype == mdns.TypeSOA {
				return mdns.Copy(rr)
			}
		}
		i := strings.IndexByte(n, '.')
		if i < 0 || i == len(n)-1 {
			break
		}
		n = n[i+1:]
	}
	return &mdns.SOA{
		Hdr: mdns.RR_Header{Name: ".", Rrtype: mdns.TypeSOA, Class: mdns.ClassINET, Ttl: 300},
		Ns:  "ns.test.", Mbox: "hostmaster.test.", Serial: 1, Refresh: 3600, Retry: 600, Expire: 86400, Minttl: 300,
	}
}
