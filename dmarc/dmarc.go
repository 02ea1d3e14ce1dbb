// Package dmarc evaluates DMARC (RFC 7489): it finds the policy record at
// _dmarc.<From domain>, falling back to the organizational domain found with
// the ICANN section of the public suffix list, checks whether a passing DKIM
// signature or SPF result is aligned (relaxed or strict) with the
// RFC5322.From domain, and works out the requested policy and the resulting
// disposition (p=, sp=, pct=).
//
// Parsing is tolerant of real records, as RFC 7489 §6.3 and §6.6.3 allow:
// tag names and keywords in any case ("V=DMARC1;P=Reject"), white space
// anywhere between tags, unknown tags and bad optional values ignored, a
// missing or invalid p= read as p=none when rua= holds a valid URI. Two
// DMARC records at one name mean no policy (result none).
//
// mailprov does not use go-msgauth's dmarc.Lookup or dmarc.Parse, for
// reasons measured in msgauth_test.go: Parse is case-sensitive (it rejects
// "p=Reject" and does not see "V=DMARC1" as a record at all), rejects a
// record without p= even when rua= is valid (RFC 7489 §6.6.3 step 6.1 says
// to act as p=none), fails the whole record on a bad optional value such as
// "pct=abc" (§6.3 says to use the default), and Lookup takes the first of
// two DMARC records instead of finding none; it also has no context, no
// rcode (NXDOMAIN vs NODATA vs SERVFAIL) and no organizational-domain
// fallback, and classifies errors with the deprecated net.Error.Temporary.
package dmarc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/mailprov/mailprov/dns"
)

// Status is a DMARC result word (RFC 7489 §11.2, RFC 8601 §2.7.1).
type Status string

// The DMARC results.
const (
	StatusPass      Status = "pass"      // an aligned identifier passed
	StatusFail      Status = "fail"      // a policy exists and nothing aligned passed
	StatusNone      Status = "none"      // no DMARC policy applies
	StatusTemperror Status = "temperror" // a DNS failure that may go away
	StatusPermerror Status = "permerror" // a broken record or From field
)

// Reason is a stable, machine-readable code for why a result is not pass.
type Reason string

// The reasons Check gives.
const (
	ReasonNoRecord        Reason = "no_record"           // no DMARC record at the From or organizational domain
	ReasonMultipleRecords Reason = "multiple_records"    // more than one DMARC record at one name
	ReasonNoPolicy        Reason = "no_policy"           // a record without a usable p= (and no rua=)
	ReasonDNSError        Reason = "dns_error"           // the record lookup failed temporarily
	ReasonNotAligned      Reason = "not_aligned"         // no passing DKIM or SPF identifier is aligned
	ReasonNoFromDomain    Reason = "no_from_domain"      // the From field has no usable domain
	ReasonMultipleFrom    Reason = "multiple_from"       // several From fields or addresses
	ReasonInvalidDomain   Reason = "invalid_from_domain" // the From domain is not a domain name
)

// ErrMultipleRecords means policy discovery found more than one DMARC
// record at one name (RFC 7489 §6.6.3 step 5).
var ErrMultipleRecords = errors.New("dmarc: multiple DMARC records")

// ErrNotAligned means DMARC failed: no DKIM signature or SPF result that
// passed was aligned with the From domain.
var ErrNotAligned = errors.New("dmarc: no aligned identifier passed")

// DKIMInput is one DKIM signature's verification result.
type DKIMInput struct {
	Domain   string `json:"domain"`   // d=
	Selector string `json:"selector"` // s=
	Pass     bool   `json:"pass"`
}

// SPFInput is the SPF result for the MAIL FROM domain (or the HELO domain
// when MAIL FROM was empty).
type SPFInput struct {
	Domain string `json:"domain"`
	Pass   bool   `json:"pass"`
}

// Checker evaluates DMARC. The zero value is ready to use: it asks the
// servers in /etc/resolv.conf, ignores pct= and does not log.
type Checker struct {
	// Resolver answers DNS questions; nil means a dns.Client with default
	// settings.
	Resolver dns.Resolver
	// ApplyPercent, if set, returns a number in [0, 100) for each failing
	// message; the policy is enacted when it is below the record's pct=,
	// else the next milder policy applies (RFC 7489 §6.6.4). When nil, the
	// disposition is computed as if pct=100, so results are deterministic;
	// the published pct is still reported in Result.PolicyRecord.
	ApplyPercent func() int
	// Logger receives one debug line per Check; nil means no logging.
	Logger *slog.Logger
}

// Result is the outcome of a DMARC evaluation.
type Result struct {
	// Status is the result word; never empty.
	Status Status `json:"result"`
	// Reason says why Status is not pass ("" on pass).
	Reason Reason `json:"reason,omitempty"`
	// Detail is a sentence for people.
	Detail string `json:"detail,omitempty"`
	// Policy is the policy that applies to the From domain: p=, or sp= when
	// the record came from the organizational domain of a subdomain.
	Policy Policy `json:"policy,omitempty"`
	// Disposition is what the policy asks for this message: "none" on pass,
	// else Policy, made milder when pct= sampling left the message out.
	Disposition string `json:"disposition,omitempty"`
	// FromDomain is the RFC5322.From domain evaluated.
	FromDomain string `json:"from_domain"`
	// OrgDomain is the From domain's organizational domain.
	OrgDomain string `json:"org_domain,omitempty"`
	// RecordDomain is where the policy record was found (the From domain
	// or the organizational domain).
	RecordDomain string `json:"record_domain,omitempty"`
	// AlignedDKIM names the first passing, aligned DKIM signature, as
	// "d=example.com s=sel".
	AlignedDKIM string `json:"aligned_dkim,omitempty"`
	// AlignedSPF is true when SPF passed for an aligned domain.
	AlignedSPF bool `json:"aligned_spf"`
	// Record is the policy record text.
	Record string `json:"record,omitempty"`
	// PolicyRecord is the parsed policy record, with pct, adkim, aspf.
	PolicyRecord *Record `json:"policy_record,omitempty"`
	// Trace lists the DNS questions the result rests on.
	Trace []dns.Lookup `json:"trace,omitempty"`
	// Err wraps a sentinel (ErrNotAligned, ErrNoPolicy, dns errors...).
	Err error `json:"-"`
}

// Authentic reports whether every DNS answer the result rests on had the
// AD bit set (and there was at least one).
func (r Result) Authentic() bool {
	for _, l := range r.Trace {
		if !l.Authentic {
			return false
		}
	}
	return len(r.Trace) > 0
}

// CheckFrom is Check on a message's From field values: it finds the From
// domain with FromDomain and returns a permerror result (reason
// multiple_from or no_from_domain) when there is no single one.
func (c *Checker) CheckFrom(ctx context.Context, fromFieldValues []string, dkim []DKIMInput, spf SPFInput) Result {
	d, err := FromDomain(fromFieldValues)
	if err != nil {
		reason := ReasonNoFromDomain
		if errors.Is(err, ErrMultipleFrom) {
			reason = ReasonMultipleFrom
		}
		return Result{Status: StatusPermerror, Reason: reason, Detail: err.Error(), Err: err}
	}
	return c.Check(ctx, d, dkim, spf)
}

// Check evaluates DMARC for a message whose From domain is fromDomain,
// given the result of each DKIM signature and of SPF.
func (c *Checker) Check(ctx context.Context, fromDomain string, dkim []DKIMInput, spf SPFInput) (res Result) {
	if c.Logger != nil {
		start := time.Now()
		defer func() {
			c.Logger.DebugContext(ctx, "dmarc check", "from_domain", fromDomain, "result", res.Status,
				"reason", res.Reason, "policy", res.Policy, "duration", time.Since(start))
		}()
	}
	from := normalize(fromDomain)
	res.FromDomain = from
	if from == "" {
		res.FromDomain = fromDomain
		return failWith(res, StatusPermerror, ReasonInvalidDomain,
			fmt.Errorf("%w: invalid From domain %.60q", ErrNoFromDomain, fromDomain))
	}
	res.OrgDomain = OrganizationalDomain(from)

	// Policy discovery, RFC 7489 §6.6.3.
	rec, txt, err := c.lookup(ctx, from, &res.Trace)
	res.RecordDomain = from
	if rec == nil && txt == "" && err == nil && res.OrgDomain != from {
		rec, txt, err = c.lookup(ctx, res.OrgDomain, &res.Trace)
		res.RecordDomain = res.OrgDomain
	}
	res.Record = txt
	switch {
	case errors.Is(err, ErrMultipleRecords):
		return failWith(res, StatusNone, ReasonMultipleRecords, err)
	case errors.Is(err, ErrNoPolicy):
		res.PolicyRecord = rec
		return failWith(res, StatusPermerror, ReasonNoPolicy, err)
	case err != nil:
		res.RecordDomain = ""
		return failWith(res, StatusTemperror, ReasonDNSError, &lookupError{err})
	case rec == nil:
		res.RecordDomain = ""
		return failWith(res, StatusNone, ReasonNoRecord,
			fmt.Errorf("dmarc: no DMARC record for %s or %s", from, res.OrgDomain))
	}
	res.PolicyRecord = rec
	res.Policy = rec.Policy
	if res.RecordDomain != from {
		res.Policy = rec.SubdomainPolicy
	}

	// Identifier alignment, RFC 7489 §3.1 and §4.2.
	for _, d := range dkim {
		if d.Pass && Aligned(d.Domain, from, rec.ADKIM) {
			res.AlignedDKIM = "d=" + normalize(d.Domain) + " s=" + d.Selector
			break
		}
	}
	res.AlignedSPF = spf.Pass && Aligned(spf.Domain, from, rec.ASPF)
	if res.AlignedDKIM != "" || res.AlignedSPF {
		res.Status = StatusPass
		res.Disposition = string(PolicyNone)
		return res
	}
	res.Disposition = string(c.disposition(res.Policy, rec.Percent))
	return failWith(res, StatusFail, ReasonNotAligned,
		fmt.Errorf("%w: no passing DKIM d= or SPF domain aligns (adkim=%s aspf=%s) with %s",
			ErrNotAligned, rec.ADKIM, rec.ASPF, from))
}

// disposition applies pct= sampling to policy p (RFC 7489 §6.6.4): a
// message left out of the sample gets the next milder policy.
func (c *Checker) disposition(p Policy, pct int) Policy {
	if c.ApplyPercent == nil || c.ApplyPercent() < pct {
		return p
	}
	switch p {
	case PolicyReject:
		return PolicyQuarantine
	default:
		return PolicyNone
	}
}

// lookup asks for the DMARC record of domain. It returns (nil, "", nil)
// when there is none: NXDOMAIN, NODATA, or only non-DMARC TXT records.
func (c *Checker) lookup(ctx context.Context, domain string, trace *[]dns.Lookup) (*Record, string, error) {
	r := c.Resolver
	if r == nil {
		r = &dns.Client{}
	}
	name := "_dmarc." + domain
	txts, ans, err := dns.TXT(ctx, r, name)
	*trace = append(*trace, dns.NewLookup(name, mdns.TypeTXT, ans, err))
	if dns.IsNotFound(err) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	var found []string
	for _, t := range txts {
		if IsRecord(t) {
			found = append(found, t)
		}
	}
	switch len(found) {
	case 0:
		return nil, "", nil
	case 1:
	default:
		return nil, strings.Join(found, " | "), fmt.Errorf("%w at %s", ErrMultipleRecords, name)
	}
	rec, err := ParseRecord(found[0])
	return rec, found[0], err
}

func failWith(res Result, s Status, reason Reason, err error) Result {
	res.Status, res.Reason, res.Err, res.Detail = s, reason, err, err.Error()
	return res
}

// lookupError is a failed policy lookup. Its text says what failed once,
// without a resolver's socket addresses: it goes into reports and
// Authentication-Results fields.
type lookupError struct{ err error }

func (e *lookupError) Error() string {
	var de *dns.Error
	if errors.As(e.err, &de) {
		return "dmarc: policy lookup: " + de.Reason()
	}
	return "dmarc: policy lookup: " + e.err.Error()
}

func (e *lookupError) Unwrap() error { return e.err }
