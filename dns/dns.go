// Package dns is mailprov's DNS layer: the Resolver interface every verifier
// (dkim, spf, dmarc, arc) takes, typed lookup helpers on top of it, and
// errors that keep apart the outcomes RFC 7208 and RFC 6376 treat
// differently: a name that does not exist (NXDOMAIN), a name with no
// records of the type asked (NODATA), a temporary failure (SERVFAIL,
// REFUSED, no answer in time, or no server reachable at all), and a
// malformed answer.
//
// The helpers TXT, A, AAAA, IP, MXs and PTR ask a Resolver one question
// each. TXT unescapes each character-string (\DDD and \X) and joins the
// strings of a record, as RFC 7208 section 3.3 and RFC 6376 section 3.6.2.2
// require.
//
// The Resolvers, each wrapping one method:
//
//   - Client is a stub resolver on github.com/miekg/dns (RFC 1035): UDP
//     with EDNS0 (RFC 6891) and the DO bit, TCP when an answer is truncated
//     (RFC 7766), per-try timeout, retries over several servers, ctx
//     cancellation, and the AD bit (RFC 4035) reported as
//     Answer.Authentic. System gives one for /etc/resolv.conf.
//   - Cache keeps answers for their TTL, negative ones for the SOA minimum
//     (RFC 2308), and makes concurrent identical questions one query.
//   - Recorder records every outcome to a snapshot file (JSON Lines, see
//     Entry); Snapshot, from LoadSnapshot, answers only from such a file,
//     so an audit can be replayed offline with the same results.
//
// NewResolver composes them for the command-line flags --dns, --snapshot
// and --record. Tests serve zone text over the wire with package dnstest.
package dns

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	mdns "github.com/miekg/dns"
)

// Resolver answers one DNS question. Implementations must be safe for
// concurrent use.
//
// Query returns an Answer for NOERROR responses with records (and may return
// one alongside an *Error, to show the rcode and time of a negative answer).
// A negative or failed lookup returns an *Error whose Kind says which.
type Resolver interface {
	Query(ctx context.Context, name string, qtype uint16) (*Answer, error)
}

// Answer is the answer to one question.
type Answer struct {
	// Name is the fully qualified question name (with the final dot).
	Name string `json:"name"`
	// Type is the question type (mdns.TypeTXT etc.).
	Type uint16 `json:"type"`
	// Rcode is the response code (mdns.RcodeSuccess etc.).
	Rcode int `json:"rcode"`
	// Records are the answer records, including any CNAMEs followed.
	Records []mdns.RR `json:"-"`
	// TTL is the smallest TTL of Records (or the negative-caching TTL).
	TTL uint32 `json:"ttl"`
	// Authentic is the AD bit: the resolver validated the answer with DNSSEC.
	Authentic bool `json:"authentic"`
	// Time is when the answer was received, in UTC (when replayed from a
	// Snapshot, when it was recorded).
	Time time.Time `json:"time"`
}

// ErrorKind classifies a failed lookup.
type ErrorKind int

// The kinds of lookup failure.
const (
	// KindNXDomain: the name does not exist (RCODE 3).
	KindNXDomain ErrorKind = iota + 1
	// KindNoData: the name exists but has no records of the type asked.
	KindNoData
	// KindServFail: the server failed (SERVFAIL, or another error rcode).
	KindServFail
	// KindRefused: the server refused the query.
	KindRefused
	// KindTimeout: no answer in time (after retries), or ctx ended.
	KindTimeout
	// KindMalformed: the answer was not a well-formed DNS response, or its
	// records could not be decoded (e.g. a CNAME loop).
	KindMalformed
	// KindNotInSnapshot: a replaying resolver has no recorded answer.
	KindNotInSnapshot
	// KindUnreachable: no server answered because none could be reached:
	// connection refused, host or network unreachable, a server name that
	// does not resolve, or no servers configured. No DNS reply was
	// received, so it is not a SERVFAIL; like one, it is temporary.
	KindUnreachable
)

var kindNames = [...]string{
	KindNXDomain:      "nxdomain",
	KindNoData:        "nodata",
	KindServFail:      "servfail",
	KindRefused:       "refused",
	KindTimeout:       "timeout",
	KindMalformed:     "malformed",
	KindNotInSnapshot: "not in snapshot",
	KindUnreachable:   "unreachable",
}

// kindTexts say what each kind means, for Error.Reason.
var kindTexts = [...]string{
	KindNXDomain:      "no such name (NXDOMAIN)",
	KindNoData:        "no records of that type",
	KindServFail:      "server failure",
	KindRefused:       "query refused (REFUSED)",
	KindTimeout:       "no answer in time",
	KindMalformed:     "malformed answer",
	KindNotInSnapshot: "not in the DNS snapshot",
	KindUnreachable:   "no DNS server answered",
}

// String returns the kind's name, as Lookup.Result and Entry.Result use it.
func (k ErrorKind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("ErrorKind(%d)", int(k))
}

// Sentinel errors: errors.Is(err, dns.ErrNotFound) holds for NXDOMAIN and
// NODATA; errors.Is(err, dns.ErrTemporary) for SERVFAIL, REFUSED, timeouts,
// unreachable servers and replay misses.
var (
	ErrNotFound  = errors.New("dns: not found")
	ErrTemporary = errors.New("dns: temporary failure")
	ErrMalformed = errors.New("dns: malformed answer")
)

// Error describes a failed lookup.
type Error struct {
	// Name is the name asked, fully qualified; Type its type
	// (mdns.TypeTXT etc.).
	Name string
	Type uint16
	// Kind says how the lookup failed.
	Kind ErrorKind
	// Server is the server that answered, if any.
	Server string
	// Err is the underlying cause, if any (a network error, say).
	Err error
}

// Error returns "dns: " and Reason.
func (e *Error) Error() string { return "dns: " + e.Reason() }

// Reason says what failed in a few words, fit for a report, an
// Authentication-Results reason or a Received-SPF comment:
// "NAME TYPE: what happened (cause)", such as
// "gmail.com TXT: no DNS server answered (connection refused)". The cause
// is said without the socket addresses of Go's network errors; Unwrap
// still gives the error itself.
func (e *Error) Reason() string {
	what := e.Kind.String()
	if e.Kind > 0 && int(e.Kind) < len(kindTexts) {
		what = kindTexts[e.Kind]
	}
	if e.Kind == KindNoData && e.Type != 0 {
		what = "no " + typeName(e.Type) + " records"
	}
	s := strings.TrimSuffix(e.Name, ".") + " " + typeName(e.Type) + ": " + what
	if c := causeText(e.Err); c != "" && (e.Kind != KindTimeout || c == "canceled") {
		s += " (" + c + ")"
	}
	return s
}

func typeName(t uint16) string { return mdns.Type(t).String() }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrNotFound) and friends work by Kind.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.Kind == KindNXDomain || e.Kind == KindNoData
	case ErrTemporary:
		return e.IsTemporary()
	case ErrMalformed:
		return e.Kind == KindMalformed
	}
	return false
}

// IsNotFound reports whether the name or the records do not exist.
func (e *Error) IsNotFound() bool { return e.Kind == KindNXDomain || e.Kind == KindNoData }

// IsTemporary reports whether the failure may go away on a later try.
func (e *Error) IsTemporary() bool {
	switch e.Kind {
	case KindServFail, KindRefused, KindTimeout, KindNotInSnapshot, KindUnreachable:
		return true
	}
	return false
}

// IsNotFound reports whether err is an NXDOMAIN or NODATA *Error.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// IsNXDomain reports whether err says the name does not exist.
func IsNXDomain(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == KindNXDomain
}

// IsTemporary reports whether err is a temporary DNS failure.
func IsTemporary(err error) bool { return errors.Is(err, ErrTemporary) }
