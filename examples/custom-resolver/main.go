// Command custom-resolver shows how to embed mailprov with a resolver of
// your own: anything with the one method
//
//	Query(ctx context.Context, name string, qtype uint16) (*dns.Answer, error)
//
// can answer every verifier's questions. This one answers from a fixed
// table read from zone text and logs each question, which is how a
// tracker might serve keys it archived itself.
//
//	go run ./examples/custom-resolver ZONEFILE MESSAGE
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	mdns "github.com/miekg/dns"

	"github.com/mailprov/mailprov/audit"
	"github.com/mailprov/mailprov/dns"
	"github.com/mailprov/mailprov/headers"
)

// tableResolver answers from a fixed set of records.
type tableResolver struct {
	records map[string][]mdns.RR // "name/type" -> records
	mu      sync.Mutex
	log     []string
}

func newTableResolver(zone io.Reader) (*tableResolver, error) {
	t := &tableResolver{records: map[string][]mdns.RR{}}
	zp := mdns.NewZoneParser(zone, ".", "")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		k := key(rr.Header().Name, rr.Header().Rrtype)
		t.records[k] = append(t.records[k], rr)
	}
	return t, zp.Err()
}

func key(name string, qtype uint16) string {
	return strings.ToLower(mdns.Fqdn(name)) + "/" + mdns.TypeToString[qtype]
}

// Query implements dns.Resolver.
func (t *tableResolver) Query(ctx context.Context, name string, qtype uint16) (*dns.Answer, error) {
	t.mu.Lock()
	t.log = append(t.log, key(name, qtype))
	t.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, &dns.Error{Name: name, Type: qtype, Kind: dns.KindTimeout, Err: err}
	}
	rrs := t.records[key(name, qtype)]
	if len(rrs) == 0 {
		return nil, &dns.Error{Name: name, Type: qtype, Kind: dns.KindNXDomain}
	}
	return &dns.Answer{Name: mdns.Fqdn(name), Type: qtype, Records: rrs, TTL: rrs[0].Header().Ttl}, nil
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: custom-resolver ZONEFILE MESSAGE")
		os.Exit(2)
	}
	if err := run(context.Background(), os.Args[1], os.Args[2], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "custom-resolver:", err)
		os.Exit(2)
	}
}

func run(ctx context.Context, zonePath, msgPath string, w io.Writer) error {
	zf, err := os.Open(zonePath)
	if err != nil {
		return err
	}
	defer zf.Close()
	res, err := newTableResolver(zf)
	if err != nil {
		return err
	}
	mf, err := os.Open(msgPath)
	if err != nil {
		return err
	}
	defer mf.Close()
	msgs, err := headers.ReadAll(mf, msgPath)
	if err != nil {
		return err
	}
	a := &audit.Auditor{Resolver: res}
	for _, m := range msgs {
		r := a.Audit(ctx, m)
		fmt.Fprintf(w, "%s: %s\n", r.Verdict.Level, r.Verdict.Summary)
	}
	fmt.Fprintln(w, "questions asked:")
	for _, q := range res.log {
		fmt.Fprintln(w, "  "+q)
	}
	return nil
}
