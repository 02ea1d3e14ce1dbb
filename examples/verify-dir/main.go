// Command verify-dir verifies every raw mail (or mbox) in a directory,
// auditing several at once through one shared, caching resolver, and
// prints one line per message in file-name order.
//
//	go run ./examples/verify-dir [-dns HOST:PORT] DIR
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/mailprov/mailprov/audit"
	"github.com/mailprov/mailprov/dns"
	"github.com/mailprov/mailprov/headers"
)

func main() {
	server := flag.String("dns", "", "DNS server HOST:PORT (default: /etc/resolv.conf)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: verify-dir [-dns HOST:PORT] DIR")
		os.Exit(2)
	}
	opts := dns.Options{}
	if *server != "" {
		opts.Servers = []string{*server}
	}
	res, _, err := dns.NewResolver(opts)
	if err == nil {
		err = run(context.Background(), res, flag.Arg(0), os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "verify-dir:", err)
		os.Exit(2)
	}
}

func run(ctx context.Context, res dns.Resolver, dir string, w io.Writer) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() {
			names = append(names, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(names)
	items := make(chan audit.Item)
	go func() {
		defer close(items)
		for _, name := range names {
			f, err := os.Open(name)
			if err != nil {
				items <- audit.Item{Err: err}
				continue
			}
			msgs, err := headers.ReadAll(f, name)
			f.Close()
			for _, m := range msgs {
				items <- audit.Item{Message: m}
			}
			if err != nil {
				items <- audit.Item{Err: err}
			}
		}
	}()
	a := &audit.Auditor{Resolver: res}
	return a.Run(ctx, 4, items, func(o audit.Outcome) error {
		if o.Err != nil {
			_, err := fmt.Fprintf(w, "error: %v\n", o.Err)
			return err
		}
		_, err := fmt.Fprintf(w, "%s: %s (%s)\n", filepath.Base(o.Report.Source.Name), o.Report.Verdict.Level, o.Report.Verdict.Summary)
		return err
	})
}
