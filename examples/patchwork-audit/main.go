// Command patchwork-audit audits a Patchwork API patch object (the JSON of
// GET /api/1.1/patches/N/) and prints who signed it and how far the proof
// goes: the verdict, then each DKIM signature with its header and body
// checks and how the body was rebuilt.
//
//	go run ./examples/patchwork-audit [-snapshot FILE] PATCH.json
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/mailprov/mailprov/audit"
	"github.com/mailprov/mailprov/dns"
	"github.com/mailprov/mailprov/headers"
)

func main() {
	snapshot := flag.String("snapshot", "", "answer DNS from this snapshot file instead of the network")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: patchwork-audit [-snapshot FILE] PATCH.json")
		os.Exit(2)
	}
	if err := run(context.Background(), flag.Arg(0), *snapshot, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "patchwork-audit:", err)
		os.Exit(2)
	}
}

func run(ctx context.Context, path, snapshot string, w io.Writer) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	m, err := headers.ParsePatchwork(data, path)
	if err != nil {
		return err
	}
	res, _, err := dns.NewResolver(dns.Options{SnapshotPath: snapshot})
	if err != nil {
		return err
	}
	a := &audit.Auditor{Resolver: res}
	if snapshot != "" {
		a.DNSSource = "snapshot"
	}
	r := a.Audit(ctx, m)
	fmt.Fprintf(w, "%s: %s\n", r.Verdict.Level, r.Verdict.Summary)
	for _, s := range r.DKIM {
		if s.Result == nil || s.NonStandard {
			continue
		}
		fmt.Fprintf(w, "  d=%s s=%s: header %s, body %s", s.Domain, s.Selector, s.HeaderSignature, s.Body)
		if s.BodyCandidate != "" {
			fmt.Fprintf(w, " (rebuilt as %s)", s.BodyCandidate)
		}
		if s.Reason != "" {
			fmt.Fprintf(w, "; %s", s.Reason)
		}
		fmt.Fprintln(w)
	}
	return nil
}
