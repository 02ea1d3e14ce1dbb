package dns

import (
	"errors"
	"time"

	mdns "github.com/miekg/dns"
)

// Lookup records one DNS question a verdict rests on, for reports and
// traces: what was asked, what came back, and when.
type Lookup struct {
	// Name is the name asked, fully qualified; Type its type ("TXT").
	Name string `json:"name"`
	Type string `json:"type"`
	// Result is "ok", or the failure kind ("nxdomain", "nodata",
	// "servfail", "timeout", "unreachable", ...).
	Result string `json:"result"`
	// Records are the answer records in presentation form.
	Records []string `json:"records,omitempty"`
	// TTL is the answer's smallest TTL in seconds (for a negative answer,
	// its negative-caching TTL).
	TTL uint32 `json:"ttl,omitempty"`
	// Authentic is the answer's AD bit: the resolver validated it with
	// DNSSEC.
	Authentic bool `json:"authentic,omitempty"`
	// Time is when the answer was received (recorded, for a snapshot).
	Time time.Time `json:"time,omitzero"`
}

// NewLookup builds the trace entry for a question and what the resolver
// returned for it (ans may be nil).
func NewLookup(name string, qtype uint16, ans *Answer, err error) Lookup {
	l := Lookup{Name: mdns.Fqdn(name), Type: mdns.TypeToString[qtype], Result: "ok"}
	if ans != nil {
		l.TTL, l.Authentic, l.Time = ans.TTL, ans.Authentic, ans.Time
		for _, rr := range ans.Records {
			l.Records = append(l.Records, rr.String())
		}
	}
	if err != nil {
		var de *Error
		if errors.As(err, &de) {
			l.Result = de.Kind.String()
		} else {
			l.Result = "error"
		}
	}
	return l
}
