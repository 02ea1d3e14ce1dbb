package dns

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Options configures NewResolver. Its fields map to the command-line flags
// --dns, --snapshot and --record. The zero value gives a caching resolver
// for the nameservers of /etc/resolv.conf.
type Options struct {
	// Servers are the nameservers to ask ("host:port", or "host" for
	// port 53; IPv6 as "[::1]:53" or "::1"), checked with ServerAddr.
	// Empty means the nameservers of /etc/resolv.conf. Pass them through
	// ResolveServers first to find a server name that does not resolve
	// before any lookup.
	Servers []string
	// Timeout bounds each try; zero means the resolv.conf timeout, or
	// DefaultTimeout with explicit Servers.
	Timeout time.Duration
	// Attempts is how many times each server is tried; zero means the
	// resolv.conf attempts, or DefaultAttempts with explicit Servers.
	Attempts int
	// SnapshotPath, if set, names a snapshot file (see Entry) to answer
	// from instead of the network; Servers, Timeout and Attempts are then
	// unused.
	SnapshotPath string
	// Record makes NewResolver return a Recorder on top of the resolver,
	// for the caller to Save when done.
	Record bool
	// CacheEntries and MaxTTL configure the Cache (see Cache.MaxEntries
	// and Cache.MaxTTL).
	CacheEntries int
	MaxTTL       time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// NewResolver builds the resolver the command-line tool uses: a Client
// (or, with SnapshotPath, a Snapshot) behind a Cache, and with Record a
// Recorder on top that sees every question asked. The Recorder returned is
// nil unless opts.Record is set; it is the same value as the Resolver.
//
// A CLI wires its flags like this:
//
//	r, rec, err := dns.NewResolver(dns.Options{
//		Servers:      dnsFlags,     // --dns HOST:PORT (repeatable)
//		SnapshotPath: snapshotFlag, // --snapshot FILE
//		Record:       recordFlag != "",
//	})
//	...
//	if rec != nil {
//		err = rec.Save(recordFlag) // --record FILE, after the audit
//	}
func NewResolver(opts Options) (Resolver, *Recorder, error) {
	var base Resolver
	if opts.SnapshotPath != "" {
		s, err := LoadSnapshotFile(opts.SnapshotPath)
		if err != nil {
			return nil, nil, err
		}
		base = s
	} else {
		c := &Client{}
		if len(opts.Servers) == 0 {
			sys, err := System()
			if err != nil {
				return nil, nil, err
			}
			c = sys
		}
		for _, s := range opts.Servers {
			addr, err := ServerAddr(s)
			if err != nil {
				return nil, nil, err
			}
			c.Servers = append(c.Servers, addr)
		}
		if opts.Timeout > 0 {
			c.Timeout = opts.Timeout
		}
		if opts.Attempts > 0 {
			c.Attempts = opts.Attempts
		}
		c.Now = opts.Now
		base = &Cache{Resolver: c, MaxEntries: opts.CacheEntries, MaxTTL: opts.MaxTTL, Now: opts.Now}
	}
	if !opts.Record {
		return base, nil, nil
	}
	rec := &Recorder{Resolver: base, Now: opts.Now}
	return rec, rec, nil
}

// ServerAddr turns a --dns argument ("host:port", "host", "[v6]:port" or
// a bare IPv6 address) into a "host:port" address, port 53 by default. The
// host must be an IP address or a host name (letters, digits and hyphens
// in dot-separated labels, not all digits at the end); the port must be 1
// to 65535. It asks no one: see ResolveServers.
func ServerAddr(s string) (string, error) {
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("dns: bad server address %q: %s (want HOST or HOST:PORT; an IPv6 address in brackets when a port follows, as [::1]:53)", s, why)
	}
	host, port := s, "53"
	switch h, p, err := net.SplitHostPort(s); {
	case s == "":
		return bad("empty")
	case err == nil:
		host, port = h, p
		if host == "" {
			return bad("no host")
		}
	case strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]"):
		host = s[1 : len(s)-1]
		if a, err := netip.ParseAddr(host); err != nil || !a.Is6() {
			return bad("not an IPv6 address in brackets")
		}
	case strings.Count(s, ":") >= 2:
		if _, err := netip.ParseAddr(s); err != nil {
			return bad("not an IPv6 address")
		}
	case strings.ContainsAny(s, ":[]"):
		return bad("malformed")
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
		return bad("port " + strconv.Quote(port) + " is not a number from 1 to 65535")
	}
	if _, err := netip.ParseAddr(host); err != nil && !isHostName(host) {
		return bad("host " + strconv.Quote(host) + " is neither an IP address nor a host name")
	}
	return net.JoinHostPort(host, port), nil
}

// isHostName reports whether s is a host name: dot-separated labels of 1
// to 63 letters, digits and hyphens, not starting or ending with a hyphen,
// at most 253 octets with an optional final dot, and a last label that is
// not all digits (so "1.2.3.999" is not taken for a name).
func isHostName(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	var last string
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
		last = label
	}
	return strings.Trim(last, "0123456789") != ""
}

// ResolveServers checks --dns arguments with ServerAddr and asks the
// system resolver, once, for the addresses of those given by host name,
// so that a server name that does not resolve is an error at the start,
// not a failure of every lookup. It returns "ip:port" addresses, a name's
// addresses in the order the system gives them.
func ResolveServers(ctx context.Context, servers []string) ([]string, error) {
	var out []string
	for _, s := range servers {
		addr, err := ServerAddr(s)
		if err != nil {
			return nil, err
		}
		host, port, _ := net.SplitHostPort(addr)
		if _, err := netip.ParseAddr(host); err == nil {
			out = append(out, addr)
			continue
		}
		ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		if err != nil || len(ips) == 0 {
			return nil, fmt.Errorf("dns: cannot resolve server name %q", host)
		}
		for _, ip := range ips {
			out = append(out, net.JoinHostPort(ip.Unmap().String(), port))
		}
	}
	return out, nil
}
