package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/mailprov/mailprov/audit"
	"github.com/mailprov/mailprov/dns"
	"github.com/mailprov/mailprov/headers"
)

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// dnsFlags are the DNS flags shared by audit and spf.
type dnsFlags struct {
	servers  stringList
	timeout  time.Duration
	record   string
	snapshot string
}

func (d *dnsFlags) register(fs *flag.FlagSet, snapshots bool) {
	fs.Var(&d.servers, "dns", "DNS server `HOST[:PORT]` to ask, port 53 by default, IPv6 as [::1]:53 (repeatable; default: /etc/resolv.conf)")
	fs.DurationVar(&d.timeout, "dns-timeout", 2*time.Second, "timeout of one DNS try")
	if snapshots {
		fs.StringVar(&d.record, "record", "", "write every DNS answer seen to `FILE` (a snapshot)")
		fs.StringVar(&d.snapshot, "snapshot", "", "answer DNS only from the snapshot `FILE`, with no network")
	}
}

// resolver checks the DNS flags and builds the resolver. A bad flag is a
// usage error; a snapshot that cannot be read is returned as err.
func (d *dnsFlags) resolver(ctx context.Context) (r dns.Resolver, rec *dns.Recorder, usage string, err error) {
	if d.record != "" && d.snapshot != "" {
		return nil, nil, "--record and --snapshot exclude each other", nil
	}
	if len(d.servers) > 0 && d.snapshot != "" {
		return nil, nil, "--dns and --snapshot exclude each other (a snapshot asks no server)", nil
	}
	if d.timeout <= 0 {
		return nil, nil, fmt.Sprintf("--dns-timeout %v: want a positive duration", d.timeout), nil
	}
	var servers []string
	if len(d.servers) > 0 { // and so no snapshot
		// A server name is looked up once, now, within a few tries' time.
		rctx, cancel := context.WithTimeout(ctx, 2*d.timeout)
		servers, err = dns.ResolveServers(rctx, d.servers)
		cancel()
		if err != nil {
			return nil, nil, "--dns: " + strings.TrimPrefix(err.Error(), "dns: "), nil
		}
	}
	r, rec, err = dns.NewResolver(dns.Options{
		Servers:      servers,
		Timeout:      d.timeout,
		SnapshotPath: d.snapshot,
		Record:       d.record != "",
	})
	return r, rec, "", err
}

// recordFile is the --record file, opened before the audit so that a path
// that cannot be written fails at once. It is truncated and written only
// at the end; if it did not exist and the audit stops early, it is removed.
type recordFile struct {
	f       *os.File
	created bool
}

func openRecordFile(path string) (*recordFile, error) {
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	return &recordFile{f: f, created: errors.Is(statErr, os.ErrNotExist)}, nil
}

// save replaces the file's content with what rec has recorded.
func (r *recordFile) save(rec *dns.Recorder) error {
	err := r.f.Truncate(0)
	if err == nil {
		w := bufio.NewWriter(r.f)
		if _, err = rec.WriteTo(w); err == nil {
			err = w.Flush()
		}
	}
	if cerr := r.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// fileErr reports that the file of a flag cannot be used.
func fileErr(e *env, fs *flag.FlagSet, flagName string, err error) int {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	fmt.Fprintf(e.stderr, "mailprov %s: %s %v\n", fs.Name(), flagName, err)
	return exitBadInput
}

// abandon closes the file, and removes it if the audit created it.
func (r *recordFile) abandon() {
	r.f.Close()
	if r.created {
		os.Remove(r.f.Name())
	}
}

func cmdAudit(ctx context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON (JSON Lines for several messages); excludes --authres")
	at := fs.String("at", "", "verify as of `TIME`: RFC 3339, Unix seconds, or \"message\" for each message's Date")
	authresID := fs.String("authres", "", "print only an Authentication-Results field for `AUTHSERV-ID` per message; excludes --json")
	workers := fs.Int("workers", 8, "messages audited concurrently")
	timeout := fs.Duration("timeout", audit.DefaultTimeout, "time limit for one message's checks")
	var trusted stringList
	fs.Var(&trusted, "trusted", "trusted receiver `HOST` whose judgement of the origin counts (repeatable)")
	var df dnsFlags
	df.register(fs, true)
	files, err := parseFlags(fs, args)
	if err != nil {
		return exitBadInput
	}
	if len(files) == 0 {
		return usageErr(e, fs, "no FILE given (\"-\" reads standard input)")
	}
	authres := isSet(fs, "authres")
	switch {
	case authres && *asJSON:
		return usageErr(e, fs, "--json and --authres exclude each other")
	case authres && !audit.ValidAuthServID(*authresID):
		return usageErr(e, fs, "--authres %q: want an RFC 8601 authserv-id, such as mx.example.net (a token, or a quoted-string without \";\" or white space)", *authresID)
	case *workers < 1:
		return usageErr(e, fs, "--workers %d: want 1 or more", *workers)
	case *timeout <= 0:
		return usageErr(e, fs, "--timeout %v: want a positive duration", *timeout)
	}
	asOf, messageDate, err := audit.ParseAsOf(*at)
	if err != nil {
		return usageErr(e, fs, "--at: %s", strings.TrimPrefix(err.Error(), "audit: "))
	}
	resolver, rec, usage, err := df.resolver(ctx)
	if usage != "" {
		return usageErr(e, fs, "%s", usage)
	}
	if err != nil {
		reportErr(e, err)
		return exitBadInput
	}
	var recFile *recordFile
	if rec != nil {
		if recFile, err = openRecordFile(df.record); err != nil {
			return fileErr(e, fs, "--record", err)
		}
	}
	a := &audit.Auditor{
		Resolver:         resolver,
		AsOf:             asOf,
		AsOfMessageDate:  messageDate,
		TrustedReceivers: trusted,
		Timeout:          *timeout,
	}
	if df.snapshot != "" {
		a.DNSSource = "snapshot"
	}
	ch := make(chan audit.Item)
	go messages(ctx, e, files, ch)
	code := exitOK
	many := len(files) > 1
	err = a.Run(ctx, *workers, ch, func(o audit.Outcome) error {
		if o.Err != nil {
			reportErr(e, o.Err)
			code = exitBadInput
			return nil
		}
		r := o.Report
		if !r.Verdict.Authentic && code == exitOK {
			code = exitNotAuth
		}
		if authres {
			_, err := fmt.Fprintf(e.stdout, "Authentication-Results: %s\n", audit.AuthenticationResults(*authresID, r))
			return err
		}
		return emit(e, r, *asJSON, many || r.Source.Kind == headers.SourceMbox)
	})
	if err != nil {
		if recFile != nil {
			recFile.abandon()
		}
		reportErr(e, err)
		return exitBadInput
	}
	if recFile != nil {
		if err := recFile.save(rec); err != nil {
			return fileErr(e, fs, "--record", err)
		}
	}
	return code
}

func cmdSPF(ctx context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("spf", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	ip := fs.String("ip", "", "SMTP client `IP` address (required)")
	mailFrom := fs.String("mail-from", "", "envelope sender `ADDR`; empty uses postmaster@HELO")
	helo := fs.String("helo", "", "HELO/EHLO `NAME`")
	receiver := fs.String("receiver", "", "receiving `HOST`, for %{r} and the Received-SPF and Authentication-Results fields")
	var df dnsFlags
	df.register(fs, false)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return exitBadInput
	}
	switch {
	case len(rest) > 0:
		return usageErr(e, fs, "unexpected argument %q (spf takes flags only)", rest[0])
	case *ip == "":
		return usageErr(e, fs, "--ip is required")
	case *receiver != "" && !audit.ValidAuthServID(*receiver):
		return usageErr(e, fs, "--receiver %q: want a host name, such as mx.example.net", *receiver)
	}
	q, err := audit.SPFQuery(*ip, *mailFrom, *helo)
	if err != nil {
		return usageErr(e, fs, "--ip %q is not an IP address", *ip)
	}
	resolver, _, usage, err := df.resolver(ctx)
	if usage != "" {
		return usageErr(e, fs, "%s", usage)
	}
	if err != nil {
		reportErr(e, err)
		return exitBadInput
	}
	res := audit.CheckSPF(ctx, resolver, *receiver, q)
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return exitBadInput
		}
	} else if err := audit.WriteSPFText(e.stdout, res, *receiver, q); err != nil {
		return exitBadInput
	}
	if res.Status != "pass" {
		return exitNotAuth
	}
	return exitOK
}

// isSet reports whether the flag was given on the command line, even as "".
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
