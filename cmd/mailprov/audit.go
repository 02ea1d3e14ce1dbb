package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
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
	fs.Var(&d.servers, "dns", "DNS server `HOST:PORT` to ask (repeatable; default: /etc/resolv.conf)")
	fs.DurationVar(&d.timeout, "dns-timeout", 2*time.Second, "timeout of one DNS try")
	if snapshots {
		fs.StringVar(&d.record, "record", "", "write every DNS answer seen to `FILE` (a snapshot)")
		fs.StringVar(&d.snapshot, "snapshot", "", "answer DNS only from the snapshot `FILE`, with no network")
	}
}

func (d *dnsFlags) resolver() (dns.Resolver, *dns.Recorder, error) {
	if d.record != "" && d.snapshot != "" {
		return nil, nil, errors.New("--record and --snapshot exclude each other")
	}
	return dns.NewResolver(dns.Options{
		Servers:      d.servers,
		Timeout:      d.timeout,
		SnapshotPath: d.snapshot,
		Record:       d.record != "",
	})
}

func cmdAudit(ctx context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON (JSON Lines for several messages)")
	at := fs.String("at", "", "verify as of `TIME`: RFC 3339, Unix seconds, or \"message\" for each message's Date")
	authresID := fs.String("authres", "", "print only an Authentication-Results field for `AUTHSERV-ID` per message")
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
		fs.Usage()
		return exitBadInput
	}
	asOf, messageDate, err := audit.ParseAsOf(*at)
	if err != nil {
		reportErr(e, err)
		return exitBadInput
	}
	resolver, rec, err := df.resolver()
	if err != nil {
		reportErr(e, err)
		return exitBadInput
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
		if *authresID != "" {
			_, err := fmt.Fprintf(e.stdout, "Authentication-Results: %s\n", audit.AuthenticationResults(*authresID, r))
			return err
		}
		return emit(e, r, *asJSON, many || r.Source.Kind == headers.SourceMbox)
	})
	if err != nil {
		reportErr(e, err)
		return exitBadInput
	}
	if rec != nil {
		if err := rec.Save(df.record); err != nil {
			reportErr(e, err)
			return exitBadInput
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
	receiver := fs.String("receiver", "", "receiving host, for %{r} and the Received-SPF field")
	var df dnsFlags
	df.register(fs, false)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return exitBadInput
	}
	if len(rest) > 0 || *ip == "" {
		fs.Usage()
		return exitBadInput
	}
	q, err := audit.SPFQuery(*ip, *mailFrom, *helo)
	if err != nil {
		reportErr(e, err)
		return exitBadInput
	}
	resolver, _, err := df.resolver()
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
