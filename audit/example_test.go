package audit_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/mailprov/mailprov/audit"
	"github.com/mailprov/mailprov/dns"
	"github.com/mailprov/mailprov/headers"
)

// Audit a Patchwork patch as of now, answering DNS from a recorded
// snapshot: the gmail.com signature proves header and body, and the
// verdict says when it expired.
func ExampleAuditor_Audit() {
	data, err := os.ReadFile("../testdata/patchwork/2221996.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := headers.ParsePatchwork(data, "2221996.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	snap, err := dns.LoadSnapshotFile("../testdata/dns/2221996.snapshot")
	if err != nil {
		fmt.Println(err)
		return
	}
	a := &audit.Auditor{
		Resolver:  snap,
		DNSSource: "snapshot",
		Now:       func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) },
	}
	r := a.Audit(context.Background(), m)
	fmt.Println(r.Verdict.Level, r.Verdict.Authentic)
	fmt.Println(r.Verdict.Summary)
	d := r.DKIM[0]
	fmt.Println(d.Domain, d.HeaderSignature, d.Body, d.BodySource, d.Reason)
	fmt.Println(r.SPF.Status, r.DMARC.Status)
	fmt.Println("Authentication-Results:", audit.AuthenticationResults("archive.example", r))
	// Output:
	// verified true
	// gmail.com signed this message (header and rebuilt body verified)
	// gmail.com pass pass rebuilt expired
	// pass pass
	// Authentication-Results: archive.example; dkim=permerror reason=expired header.d=gmail.com; spf=pass smtp.mailfrom=zhangckid@gmail.com; dmarc=pass header.from=gmail.com
}

// ParseAsOf reads the command line's --at forms.
func ExampleParseAsOf() {
	at, _, _ := audit.ParseAsOf("1667843664")
	fmt.Println(at)
	_, fromMessage, _ := audit.ParseAsOf("message")
	fmt.Println(fromMessage)
	// Output:
	// 2022-11-07 17:54:24 +0000 UTC
	// true
}
