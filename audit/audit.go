package audit

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/mailprov/mailprov/arc"
	"github.com/mailprov/mailprov/dkim"
	"github.com/mailprov/mailprov/dmarc"
	"github.com/mailprov/mailprov/dns"
	"github.com/mailprov/mailprov/headers"
	"github.com/mailprov/mailprov/spf"
)

// DefaultTimeout bounds one message's audit when the caller's context has
// no deadline, so an unreachable resolver gives temperror, not a hang.
const DefaultTimeout = 30 * time.Second

// Auditor verifies messages. Its zero value is not usable: Resolver is
// required. An Auditor is safe for concurrent use when its Resolver is,
// and must not be copied after first use.
type Auditor struct {
	// Resolver answers every DNS question of every check.
	Resolver dns.Resolver
	// AsOf is the instant verification holds for; zero means now.
	AsOf time.Time
	// AsOfMessageDate verifies each message as of its own Date field
	// (falling back to AsOf when the Date is missing or unreadable).
	AsOfMessageDate bool
	// DNSSource says where answers come from, for the report: "live" (the
	// default) or "snapshot". Re-checks from a snapshot speak for the time
	// the snapshot was recorded.
	DNSSource string
	// TrustedReceivers, when set, names the receivers whose judgement of
	// the origin is trusted (see received.Options).
	TrustedReceivers []string
	// Timeout bounds one message's checks when ctx has no deadline; zero
	// means DefaultTimeout.
	Timeout time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Logger receives one debug line per message; nil discards.
	Logger *slog.Logger
	// Keys caches the parsed DKIM and ARC keys of all messages audited;
	// nil means a cache the Auditor makes on first use. The cache only
	// saves parsing: every key is still asked of Resolver (see
	// dkim.KeyCache).
	Keys *dkim.KeyCache

	keysOnce sync.Once
	keys     *dkim.KeyCache
}

// keyCache returns the cache of parsed keys shared by all messages.
func (a *Auditor) keyCache() *dkim.KeyCache {
	if a.Keys != nil {
		return a.Keys
	}
	a.keysOnce.Do(func() { a.keys = new(dkim.KeyCache) })
	return a.keys
}

func (a *Auditor) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// Audit parses m and re-verifies DKIM, SPF, DMARC and ARC, then grades
// the evidence into a Verdict. Verification failures are results in the
// report, never errors: Audit always returns a report.
func (a *Auditor) Audit(ctx context.Context, m *headers.Message) *Report {
	if _, ok := ctx.Deadline(); !ok {
		timeout := a.Timeout
		if timeout <= 0 {
			timeout = DefaultTimeout
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	start := a.now()
	r := Parse(m, ParseOptions{TrustedReceivers: a.TrustedReceivers})
	r.DNS = a.DNSSource
	if r.DNS == "" {
		r.DNS = "live"
	}
	var fromDate bool
	r.AsOf, fromDate = a.asOf(m)
	if a.AsOfMessageDate && !fromDate {
		r.problem("Date", errNoDate)
	}

	dkimResults := a.verifyDKIM(ctx, m, r)
	r.SPF = a.checkSPF(ctx, m, r)
	r.ARC = a.verifyARC(ctx, m, r)
	r.DMARC = a.checkDMARC(ctx, m, r, dkimResults)
	r.Disagreements = disagreements(r)
	r.Verdict = grade(r)
	if a.Logger != nil {
		a.Logger.Debug("audit", slog.String("source", r.Source.Name), slog.String("level", string(r.Verdict.Level)),
			slog.Duration("duration", a.now().Sub(start)))
	}
	return r
}

// errNoDate is the problem an audit as of the message's date reports when
// there is no date to go by.
var errNoDate = errors.New("no usable Date field to verify as of: verified as of the fallback time instead")

// asOf is the instant the checks hold for, and whether it is m's Date.
func (a *Auditor) asOf(m *headers.Message) (time.Time, bool) {
	if a.AsOfMessageDate {
		if v, ok := m.Get("Date"); ok {
			if t, err := headers.ParseDate(v); err == nil {
				return t, true
			}
		}
	}
	if !a.AsOf.IsZero() {
		return a.AsOf, false
	}
	return a.now(), false
}

func (a *Auditor) verifyDKIM(ctx context.Context, m *headers.Message, r *Report) []dkim.Result {
	v := &dkim.Verifier{Resolver: a.Resolver, AsOf: r.AsOf, Logger: a.Logger, Keys: a.keyCache()}
	// Every signature field r.DKIM lists, top-down, in one call, so that a
	// Patchwork body is searched for once.
	fields := make([]headers.Field, len(r.DKIM))
	for i := range r.DKIM {
		fields[i] = r.DKIM[i].field
	}
	all, err := v.VerifyFields(ctx, m, fields)
	if err != nil {
		r.problem("DKIM-Signature", err)
		return nil
	}
	var results []dkim.Result
	for i := range r.DKIM {
		r.DKIM[i].Result = &all[i]
		// X-Google-DKIM-Signature and the like are checked for
		// information, never counted as proof.
		if !r.DKIM[i].NonStandard {
			results = append(results, all[i])
		}
	}
	return results
}

func (a *Auditor) checkSPF(ctx context.Context, m *headers.Message, r *Report) *SPF {
	out := &SPF{}
	ip, helo, mailFrom := originIdentity(m, r)
	if !ip.IsValid() {
		return nil
	}
	out.IP, out.HELO, out.MailFrom = ip.String(), helo, mailFrom
	c := &spf.Checker{Resolver: a.Resolver, Logger: a.Logger, Now: a.Now}
	res := c.Check(ctx, spf.Query{IP: ip, MailFrom: mailFrom, HELO: helo})
	out.Result = &res
	out.Recorded = recordedSPF(r, ip)
	if out.Recorded != nil {
		agree := strings.EqualFold(out.Recorded.Result, string(res.Status))
		out.Agrees = &agree
	}
	if r.DNS == "snapshot" {
		// The answers speak for when they were recorded, not for now.
		var recorded time.Time
		for _, l := range res.Trace {
			if l.Time.After(recorded) {
				recorded = l.Time
			}
		}
		if !recorded.IsZero() {
			res.AsOf = recorded
		}
		out.Note = "re-checked against the DNS snapshot, as of when it was recorded"
	} else {
		out.Note = "re-checked against DNS as of now; SPF records may have changed since the mail was received"
	}
	return out
}

// originIdentity picks the IP, HELO and MAIL FROM that SPF is judged on:
// the chain's origin, else what Received-SPF recorded, with Return-Path as
// the last resort for MAIL FROM.
func originIdentity(m *headers.Message, r *Report) (ip netip.Addr, helo, mailFrom string) {
	if o := r.Origin; o != nil {
		ip, helo, mailFrom = o.IP, o.HELO, o.MailFrom
	}
	for _, rs := range r.ReceivedSPF {
		rip, err := netip.ParseAddr(rs.ClientIP)
		if err != nil {
			continue
		}
		if !ip.IsValid() {
			ip = rip
		}
		if rip == ip {
			if helo == "" {
				helo = rs.Helo
			}
			if mailFrom == "" {
				mailFrom = rs.EnvelopeFrom
			}
		}
	}
	if mailFrom == "" && r.Origin != nil && r.Origin.Hop == 0 {
		// Only the first hop's Return-Path is the original envelope sender;
		// lists rewrite it, so use it only when nothing else is known.
		if rp, ok := m.Get("Return-Path"); ok {
			mailFrom = strings.Trim(rp, "<> ")
		}
	}
	return ip, helo, mailFrom
}

// recordedSPF finds what the receiver at the origin recorded for ip.
func recordedSPF(r *Report, ip netip.Addr) *RecordedSPF {
	for _, rs := range r.ReceivedSPF {
		if rip, err := netip.ParseAddr(rs.ClientIP); err == nil && rip == ip {
			receiver := rs.Receiver
			if receiver == "" && r.Origin != nil && r.Origin.Hop < len(r.Received) {
				// Received-SPF without receiver=: written by the host that
				// received the origin hop.
				receiver = r.Received[r.Origin.Hop].By
			}
			return &RecordedSPF{Result: strings.ToLower(rs.Result), AuthServID: receiver, Field: "Received-SPF"}
		}
	}
	for _, rec := range r.Recorded {
		if rec.Method != "spf" || rec.ARCInstance != 0 {
			continue
		}
		if rip, err := netip.ParseAddr(commentParams(rec.Comment)["client-ip"]); err == nil && rip == ip {
			return &RecordedSPF{Result: rec.Result, AuthServID: rec.AuthServID, Field: rec.Field}
		}
	}
	return nil
}

func (a *Auditor) verifyARC(ctx context.Context, m *headers.Message, r *Report) *arc.Result {
	if len(m.FieldsNamed(headers.FieldARCSeal)) == 0 && len(m.FieldsNamed(headers.FieldARCMessageSignature)) == 0 {
		return nil
	}
	v := &arc.Verifier{Resolver: a.Resolver, AsOf: r.AsOf, Logger: a.Logger, Keys: a.keyCache()}
	res := v.Verify(ctx, m)
	return &res
}

func (a *Auditor) checkDMARC(ctx context.Context, m *headers.Message, r *Report, dkimResults []dkim.Result) *dmarc.Result {
	from, err := dmarc.FromDomain(m.Values("From"))
	if err != nil {
		return &dmarc.Result{Status: dmarc.StatusPermerror, Detail: err.Error(), Err: err}
	}
	var in []dmarc.DKIMInput
	for _, d := range dkimResults {
		// DMARC takes DKIM's result as of AsOf: an expired signature, or
		// one whose key is in testing mode, is not a pass (RFC 7489 §4.2,
		// RFC 6376 §3.6.1), even where the verdict counts the former.
		in = append(in, dmarc.DKIMInput{Domain: d.Domain, Selector: d.Selector, Pass: d.Status == dkim.StatusPass && !d.Testing})
	}
	var spfIn dmarc.SPFInput
	if r.SPF != nil && r.SPF.Result != nil {
		spfIn = dmarc.SPFInput{Domain: r.SPF.Result.Domain, Pass: r.SPF.Result.Status == spf.StatusPass}
	}
	c := &dmarc.Checker{Resolver: a.Resolver, Logger: a.Logger}
	res := c.Check(ctx, from, in, spfIn)
	return &res
}

// provesSignature reports whether a DKIM result proves the signer signed
// this message as a whole: header signature and body both verified. An
// expired signature still proves who signed; the verdict says it expired.
// A key in testing mode (t=y) proves nothing.
func provesSignature(d dkim.Result) bool {
	if d.HeaderSignature != dkim.CheckPass || d.Body != dkim.CheckPass || d.Testing {
		return false
	}
	return d.Status == dkim.StatusPass || d.Reason == dkim.ReasonExpired
}

// provesHeader reports whether a DKIM result proves the signer signed the
// header fields, the body being unavailable (stored headers) or changed
// since (a list footer): the header signature verified, and nothing else
// is wrong with the signature.
func provesHeader(d dkim.Result) bool {
	if d.HeaderSignature != dkim.CheckPass || d.Testing {
		return false
	}
	switch d.Reason {
	case "", dkim.ReasonBodyUnchecked, dkim.ReasonBodyHashMismatch, dkim.ReasonExpired:
		return true
	}
	return false
}
