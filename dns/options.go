package dns

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Options configures NewResolver. Its fields map to the command-line flags
// --dns, --snapshot and --record. The zero value gives a caching resolver
// for the nameservers of /etc/resolv.conf.
type Options struct {
	// Servers are the nameservers to ask ("host:port", or "host" for
	// port 53; IPv6 as "[::1]:53" or "::1"). Empty means the nameservers
	// of /etc/resolv.conf.
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
// a bare IPv6 address) into a "host:port" address, port 53 by default.
func ServerAddr(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("dns: empty server address")
	}
	if host, port, err := net.SplitHostPort(s); err == nil {
		if _, perr := strconv.ParseUint(port, 10, 16); host == "" || perr != nil {
			return "", fmt.Errorf("dns: bad server address %q", s)
		}
		return s, nil
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		s = s[1 : len(s)-1]
	}
	if strings.ContainsAny(s, "[]") || strings.Count(s, ":") == 1 {
		return "", fmt.Errorf("dns: bad server address %q", s)
	}
	return net.JoinHostPort(s, "53"), nil
}
