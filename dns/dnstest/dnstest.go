// Package dnstest runs an authoritative DNS server on the loopback interface
// for tests, in the manner of net/http/httptest: zone text in, a real UDP
// and TCP server on 127.0.0.1 out, so tests exercise the wire protocol
// (EDNS0, truncation and TCP fallback, rcodes) rather than a mock.
package dnstest

import (
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

// Server is a running authoritative server.
type Server struct {
	addr    string
	udp     *mdns.Server
	tcp     *mdns.Server
	cfg     config
	queries atomic.Int64

	mu      sync.RWMutex
	records map[string][]mdns.RR // lower-case owner name -> records
	names   map[string]bool      // every owner name and its ancestors (for NODATA vs NXDOMAIN)
}

type config struct {
	timeout  map[string]bool
	servfail map[string]bool
	handler  func(w mdns.ResponseWriter, r *mdns.Msg) bool
	noTCP    bool
}

// Option configures a Server.
type Option func(*config)

// WithTimeout makes the server never answer questions for the given names
// (any type), as the OpenSPF suite's TIMEOUT entries require.
func WithTimeout(names ...string) Option {
	return func(c *config) {
		for _, n := range names {
			c.timeout[strings.ToLower(mdns.Fqdn(n))] = true
		}
	}
}

// WithServFail makes the server answer SERVFAIL for the given names.
func WithServFail(names ...string) Option {
	return func(c *config) {
		for _, n := range names {
			c.servfail[strings.ToLower(mdns.Fqdn(n))] = true
		}
	}
}

// WithHandler installs a hook that sees every query first; if it returns
// true it has answered (or deliberately not answered) and the zone is not
// consulted. Use it for hostile behaviour: garbage, wrong IDs, drops.
func WithHandler(h func(w mdns.ResponseWriter, r *mdns.Msg) bool) Option {
	return func(c *config) { c.handler = h }
}

// NewServer starts a server for the zone text (RFC 1035 master file format;
// relative names are relative to the root unless the text sets $ORIGIN) and
// stops it when the test ends. It fails the test on a zone syntax error.
func NewServer(t testing.TB, zone string, opts ...Option) *Server {
	t.Helper()
	var rrs []mdns.RR
	zp := mdns.NewZoneParser(strings.NewReader(zone), ".", "")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatalf("dnstest: zone: %v", err)
	}
	return NewServerRR(t, rrs, opts...)
}

// NewServerFile is NewServer on the contents of a zone file.
func NewServerFile(t testing.TB, path string, opts ...Option) *Server {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("dnstest: %v", err)
	}
	return NewServer(t, string(b), opts...)
}

// NewServerRR starts a server for the given records.
func NewServerRR(t testing.TB, rrs []mdns.RR, opts ...Option) *Server {
	t.Helper()
	s := &Server{
		cfg:     config{timeout: map[string]bool{}, servfail: map[string]bool{}},
		records: map[string][]mdns.RR{},
		names:   map[string]bool{},
	}
	for _, o := range opts {
		o(&s.cfg)
	}
	for _, rr := range rrs {
		s.add(rr)
	}
	// UDP and TCP on the same port; retry a few times if the TCP port is taken.
	var pc net.PacketConn
	var ln net.Listener
	var err error
	for i := 0; i < 10; i++ {
		pc, err = net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("dnstest: listen udp: %v", err)
		}
		ln, err = net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			break
		}
		pc.Close()
	}
	if err != nil {
		t.Fatalf("dnstest: listen tcp: %v", err)
	}
	s.addr = pc.LocalAddr().String()
	started := make(chan struct{}, 2)
	notify := func() { started <- struct{}{} }
	s.udp = &mdns.Server{PacketConn: pc, Handler: mdns.HandlerFunc(s.serve), NotifyStartedFunc: notify}
	s.tcp = &mdns.Server{Listener: ln, Handler: mdns.HandlerFunc(s.serve), NotifyStartedFunc: notify}
	go s.udp.ActivateAndServe()
	go s.tcp.ActivateAndServe()
	for range 2 {
		select {
		case <-started:
		case <-time.After(5 * time.Second):
			t.Fatal("dnstest: server did not start")
		}
	}
	t.Cleanup(s.Close)
	return s
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

// Addr returns the server's "127.0.0.1:port" address (UDP and TCP).
func (s *Server) Addr() string { return s.addr }

// Queries returns how many queries the server has received.
func (s *Server) Queries() int64 { return s.queries.Load() }

// Resolver returns a dns.Client that asks only this server, with short
// timeouts suited to tests.
func (s *Server) Resolver() *dns.Client {
	return &dns.Client{Servers: []string{s.addr}, Timeout: 500 * time.Millisecond, Attempts: 1}
}

// Close stops the server.
func (s *Server) Close() {
	s.udp.Shutdown()
	s.tcp.Shutdown()
}

func (s *Server) serve(w mdns.ResponseWriter, r *mdns.Msg) {
	s.queries.Add(1)
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
	if s.cfg.timeout[qname] {
		return // never answer
	}
	if s.cfg.servfail[qname] {
		m.Rcode = mdns.RcodeServerFailure
		w.WriteMsg(m)
		return
	}
	s.mu.RLock()
	name := qname
	for hop := 0; hop < 16; hop++ {
		var cname *mdns.CNAME
		for _, rr := range s.records[name] {
			if rr.Header().Rrtype == q.Qtype || q.Qtype == mdns.TypeANY {
				m.Answer = append(m.Answer, mdns.Copy(rr))
			} else if c, ok := rr.(*mdns.CNAME); ok {
				cname = c
			}
		}
		if len(m.Answer) > 0 || cname == nil || q.Qtype == mdns.TypeCNAME {
			break
		}
		m.Answer = append(m.Answer, mdns.Copy(cname))
		name = strings.ToLower(cname.Target)
	}
	if len(m.Answer) == 0 && !s.names[qname] {
		m.Rcode = mdns.RcodeNameError
	}
	s.mu.RUnlock()
	if len(m.Answer) == 0 {
		m.Ns = []mdns.RR{&mdns.SOA{
			Hdr: mdns.RR_Header{Name: ".", Rrtype: mdns.TypeSOA, Class: mdns.ClassINET, Ttl: 300},
			Ns:  "ns.test.", Mbox: "hostmaster.test.", Serial: 1, Refresh: 3600, Retry: 600, Expire: 86400, Minttl: 300,
		}}
	}
	size := 512
	if opt := r.IsEdns0(); opt != nil {
		size = int(opt.UDPSize())
		m.SetEdns0(opt.UDPSize(), opt.Do())
	}
	if _, isUDP := w.RemoteAddr().(*net.UDPAddr); isUDP {
		m.Truncate(size)
	}
	w.WriteMsg(m)
}
