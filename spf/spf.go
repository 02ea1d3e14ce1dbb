// Package spf implements the Sender Policy Framework check_host() function
// of RFC 7208: every mechanism (all, include, a, mx, ptr, ip4, ip6, exists)
// with dual CIDR lengths, the redirect= and exp= modifiers, the macro
// language of §7 (including %{i} for IPv6 as dotted nibbles, URL-escaped
// upper-case macros and the validated domain %{p}), syntax checking of the
// whole record before evaluation, and the processing limits of §4.6.4 (10
// DNS-querying terms, 2 void lookups, 10 MX and 10 PTR names).
//
// A Checker evaluates against a dns.Resolver; each Result records the
// matched mechanism, the lookup counts and a trace of every DNS question the
// verdict rests on. Results format as Received-SPF (RFC 7208 §9.1) and
// Authentication-Results (RFC 8601) fields.
//
// Choices where RFC 7208 leaves room, all within what the OpenSPF test
// suite accepts:
//   - A target name that cannot be a DNS name after macro expansion (an
//     empty label, a label over 63 octets) does not exist: a, mx, ptr and
//     exists do not match it, include and redirect give permerror.
//   - Void lookups are counted per term: the main query of a, mx, ptr,
//     exists, include and redirect; the address lookups of MX and PTR names
//     are not counted, nor is the exp= lookup.
//   - %{p} asks for PTR records once per evaluation and does not count
//     against the lookup limit; its forward lookups are bounded by the 10
//     PTR names.
//   - %{i} for IPv6 uses lower-case nibbles, as in RFC 7208 §7.4.
//   - domain-spec follows the §7.1 grammar strictly: it must end in "."
//     and a top label (optionally a final "."), or in a macro, so
//     "a:%{d}." is a syntax error.
//   - Macro expansions are bounded (8 KiB) so hostile records cannot make
//     evaluation use unbounded memory; a longer one is permerror.
package spf

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/mailprov/mailprov/dns"
)

// Status is a check_host() result (RFC 7208 §2.6).
type Status string

// The results of check_host().
const (
	// StatusNone: no syntactically valid domain, or no SPF record.
	StatusNone Status = "none"
	// StatusNeutral: the domain makes no assertion about the client.
	StatusNeutral Status = "neutral"
	// StatusPass: the client is authorized to send for the domain.
	StatusPass Status = "pass"
	// StatusFail: the client is not authorized.
	StatusFail Status = "fail"
	// StatusSoftfail: the client is probably not authorized.
	StatusSoftfail Status = "softfail"
	// StatusTemperror: a transient (generally DNS) error.
	StatusTemperror Status = "temperror"
	// StatusPermerror: the domain's records could not be interpreted.
	StatusPermerror Status = "permerror"
)

// Reason is a stable, machine-readable code saying why a Result has its
// Status. It is "" only for pass.
type Reason string

// The reasons.
const (
	// ReasonMechanism: a mechanism matched (see Result.Mechanism) and its
	// qualifier gave fail, softfail or neutral.
	ReasonMechanism Reason = "mechanism"
	// ReasonNoMatch: no mechanism matched and there was no redirect=, so
	// the result is the default neutral (RFC 7208 §4.7).
	ReasonNoMatch Reason = "no_match"
	// ReasonNoRecord: the domain publishes no SPF record (none).
	ReasonNoRecord Reason = "no_record"
	// ReasonInvalidDomain: the domain to check is not a valid multi-label
	// domain name (none, RFC 7208 §4.3).
	ReasonInvalidDomain Reason = "invalid_domain"
	// ReasonInvalidIP: the client IP address is missing or invalid.
	ReasonInvalidIP Reason = "invalid_ip"
	// ReasonSyntax: a record is malformed (permerror).
	ReasonSyntax Reason = "syntax"
	// ReasonMultipleRecords: a domain has more than one SPF record.
	ReasonMultipleRecords Reason = "multiple_records"
	// ReasonTooManyLookups: more than 10 DNS-querying terms (permerror).
	ReasonTooManyLookups Reason = "too_many_lookups"
	// ReasonTooManyVoidLookups: more than 2 lookups found nothing.
	ReasonTooManyVoidLookups Reason = "too_many_void_lookups"
	// ReasonTooManyMX: an mx mechanism found more than 10 MX names.
	ReasonTooManyMX Reason = "too_many_mx"
	// ReasonIncludeNone: an include target has no SPF record (permerror).
	ReasonIncludeNone Reason = "include_none"
	// ReasonRedirectNone: a redirect target has no SPF record (permerror).
	ReasonRedirectNone Reason = "redirect_none"
	// ReasonRecursion: include/redirect nesting exceeded the depth guard.
	ReasonRecursion Reason = "recursion_depth"
	// ReasonMacroTooLong: a macro expanded beyond the size bound.
	ReasonMacroTooLong Reason = "macro_too_long"
	// ReasonDNSError: a DNS lookup failed (temperror).
	ReasonDNSError Reason = "dns_error"
	// ReasonTimeout: the evaluation's deadline passed (temperror).
	ReasonTimeout Reason = "timeout"
)

// Sentinel errors; Result.Err wraps one of them (errors.Is), or a
// *SyntaxError (which matches ErrSyntax).
var (
	// ErrNoRecord: the domain publishes no SPF record (none).
	ErrNoRecord = errors.New("spf: no SPF record")
	// ErrInvalidDomain: the domain is not a valid multi-label name (none).
	ErrInvalidDomain = errors.New("spf: invalid domain")
	// ErrInvalidIP: the client IP address is not valid (permerror).
	ErrInvalidIP = errors.New("spf: invalid client IP address")
	// ErrMultipleRecords: more than one SPF record at a name (permerror).
	ErrMultipleRecords = errors.New("spf: multiple SPF records")
	// ErrTooManyLookups: more DNS-querying terms than allowed (permerror).
	ErrTooManyLookups = errors.New("spf: too many DNS lookups")
	// ErrTooManyVoidLookups: more void lookups than allowed (permerror).
	ErrTooManyVoidLookups = errors.New("spf: too many void DNS lookups")
	// ErrTooManyMX: an mx mechanism found more than 10 names (permerror).
	ErrTooManyMX = errors.New("spf: too many MX records")
	// ErrIncludeNone: an include target has no SPF record (permerror).
	ErrIncludeNone = errors.New("spf: include target has no SPF record")
	// ErrRedirectNone: a redirect target has no SPF record (permerror).
	ErrRedirectNone = errors.New("spf: redirect target has no SPF record")
	// ErrRecursion: include/redirect nested beyond the depth guard.
	ErrRecursion = errors.New("spf: include/redirect nested too deeply")
	// ErrMacroTooLong: a macro expansion exceeded the size bound.
	ErrMacroTooLong = errors.New("spf: macro expansion too long")
	// ErrDNS: a DNS lookup failed (temperror); it wraps the *dns.Error.
	ErrDNS = errors.New("spf: DNS lookup failed")
	// ErrTimeout: the evaluation's deadline passed (temperror).
	ErrTimeout = errors.New("spf: evaluation timed out")
	// ErrMechanism: a mechanism with a -, ~ or ? qualifier matched.
	ErrMechanism = errors.New("spf: mechanism matched")
	// ErrNoMatch: no mechanism matched (the default neutral).
	ErrNoMatch = errors.New("spf: no mechanism matched")
)

// reasons maps each sentinel to its Reason; reasonFor consults it in order.
var reasons = []struct {
	err    error
	reason Reason
}{
	{ErrSyntax, ReasonSyntax},
	{ErrNoRecord, ReasonNoRecord},
	{ErrInvalidDomain, ReasonInvalidDomain},
	{ErrInvalidIP, ReasonInvalidIP},
	{ErrMultipleRecords, ReasonMultipleRecords},
	{ErrTooManyLookups, ReasonTooManyLookups},
	{ErrTooManyVoidLookups, ReasonTooManyVoidLookups},
	{ErrTooManyMX, ReasonTooManyMX},
	{ErrIncludeNone, ReasonIncludeNone},
	{ErrRedirectNone, ReasonRedirectNone},
	{ErrRecursion, ReasonRecursion},
	{ErrMacroTooLong, ReasonMacroTooLong},
	{ErrTimeout, ReasonTimeout},
	{ErrDNS, ReasonDNSError},
	{ErrNoMatch, ReasonNoMatch},
	{ErrMechanism, ReasonMechanism},
}

// ReasonFor returns the Reason for an error from this package ("" for nil
// or an unknown error).
func ReasonFor(err error) Reason {
	if err == nil {
		return ""
	}
	for _, r := range reasons {
		if errors.Is(err, r.err) {
			return r.reason
		}
	}
	return ""
}

// DefaultExplanation is the explanation given for fail when the record has
// no usable exp= modifier. It is a macro-string (RFC 7208 §6.2).
const DefaultExplanation = "domain of %{o} does not designate %{c} as permitted sender"

// Defaults of a Checker.
const (
	DefaultMaxLookups     = 10
	DefaultMaxVoidLookups = 2
	DefaultTimeout        = 20 * time.Second
	// maxDepth guards include/redirect recursion independently of the
	// lookup limit (which a caller may raise).
	maxDepth = 32
	// maxNames is the RFC 7208 §4.6.4 limit on MX and PTR names.
	maxNames = 10
)

// Checker evaluates SPF policies. Its zero value is usable: it asks the
// servers of /etc/resolv.conf and applies the RFC 7208 limits. A Checker is
// safe for concurrent use, and must not be copied after first use.
type Checker struct {
	// Resolver answers DNS questions; nil means a dns.Client using
	// /etc/resolv.conf.
	Resolver dns.Resolver
	// MaxLookups is the limit on DNS-querying terms (include, a, mx, ptr,
	// exists, redirect); 0 means DefaultMaxLookups.
	MaxLookups int
	// MaxVoidLookups is the limit on lookups that return no records
	// (NXDOMAIN or NODATA); 0 means DefaultMaxVoidLookups.
	MaxVoidLookups int
	// Receiver is the receiving host's domain, for %{r} in explanations;
	// "" means "unknown".
	Receiver string
	// Timeout bounds an evaluation whose ctx has no deadline; 0 means
	// DefaultTimeout (RFC 7208 §4.6.4 asks for at least 20 seconds).
	Timeout time.Duration
	// Now returns the current time, for Result.AsOf and %{t}; nil means
	// time.Now.
	Now func() time.Time
	// Logger receives one debug line per evaluation; nil means none.
	Logger *slog.Logger

	// memo keeps parsed records and trace entries between evaluations,
	// so evaluations over a warm DNS cache do not repeat that work.
	memo memo
}

// Query is the SMTP evidence an SPF check rests on.
type Query struct {
	// IP is the SMTP client's address.
	IP netip.Addr `json:"ip"`
	// MailFrom is the envelope sender (RFC 5321 MAIL FROM), without angle
	// brackets; "" for the null reverse-path.
	MailFrom string `json:"mail_from"`
	// HELO is the domain the client gave in HELO or EHLO.
	HELO string `json:"helo"`
}

// Identity names which SMTP identity a Result checked (RFC 7208 §2.3, §2.4).
const (
	IdentityMailFrom = "mailfrom"
	IdentityHELO     = "helo"
)

// Result is the outcome of one check_host() evaluation.
type Result struct {
	// Status is the check_host() result; never empty.
	Status Status `json:"result"`
	// Reason is a stable code for Status ("" only for pass).
	Reason Reason `json:"reason,omitempty"`
	// Detail is a sentence for people saying what happened, which Reason
	// does not already say: "~all matched in the record of example.org",
	// "example.org TXT: no DNS server answered (connection refused)".
	Detail string `json:"detail,omitempty"`
	// Explanation is the expanded exp= text (or DefaultExplanation) for fail.
	Explanation string `json:"explanation,omitempty"`
	// Mechanism is the directive that decided the result, as written in
	// the record of Domain (or of the redirect target that was evaluated).
	Mechanism string `json:"mechanism,omitempty"`
	// Domain is the domain whose policy was checked.
	Domain string `json:"domain"`
	// Identity is IdentityMailFrom or IdentityHELO ("" from CheckHost).
	Identity string `json:"identity"`
	// Lookups is the number of terms that counted against the lookup limit.
	Lookups int `json:"lookups"`
	// VoidLookups is the number of those lookups that found nothing.
	VoidLookups int `json:"void_lookups"`
	// Trace lists every DNS question asked, in order.
	Trace []dns.Lookup `json:"trace,omitempty"`
	// AsOf is when the evaluation ran.
	AsOf time.Time `json:"as_of"`
	// Err wraps a sentinel error of this package saying why Status is not
	// pass (nil for pass).
	Err error `json:"-"`
}

func (c *Checker) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Check evaluates the SPF policy for the MAIL FROM identity of q, or for the
// HELO identity when MAIL FROM is null (RFC 7208 §2.3, §2.4: the sender is
// then "postmaster@" HELO). If ctx has no deadline, Checker.Timeout applies.
func (c *Checker) Check(ctx context.Context, q Query) Result {
	mailFrom := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(q.MailFrom), "<"), ">")
	if mailFrom == "" {
		r := c.CheckHost(ctx, q.IP, q.HELO, "postmaster@"+q.HELO, q.HELO)
		r.Identity = IdentityHELO
		return r
	}
	_, domain := splitSender(mailFrom)
	r := c.CheckHost(ctx, q.IP, domain, mailFrom, q.HELO)
	r.Identity = IdentityMailFrom
	return r
}

// CheckHost is check_host(<ip>, <domain>, <sender>) of RFC 7208 §4, with
// helo the HELO/EHLO domain for %{h}. If ctx has no deadline,
// Checker.Timeout applies; when the deadline passes the result is
// temperror.
func (c *Checker) CheckHost(ctx context.Context, ip netip.Addr, domain, sender, helo string) (res Result) {
	start := c.now()
	res = Result{Domain: domain, AsOf: start}
	defer func() {
		if c.Logger == nil {
			return
		}
		c.Logger.LogAttrs(ctx, slog.LevelDebug, "spf check_host",
			slog.String("ip", ip.String()), slog.String("domain", domain), slog.String("sender", sender),
			slog.String("result", string(res.Status)), slog.String("reason", string(res.Reason)),
			slog.Int("lookups", res.Lookups), slog.Int("void_lookups", res.VoidLookups),
			slog.Duration("duration", c.now().Sub(start)))
	}()
	if _, ok := ctx.Deadline(); !ok {
		timeout := c.Timeout
		if timeout <= 0 {
			timeout = DefaultTimeout
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	if !ip.IsValid() {
		res.setError(StatusPermerror, ErrInvalidIP)
		return res
	}
	ip = ip.Unmap()
	local, sdom := splitSender(sender)
	if !strings.HasPrefix(sender, local+"@") {
		sender = local + "@" + sdom // "postmaster" for a missing local-part
	}
	domain = strings.TrimSuffix(domain, ".")
	if !validInitialDomain(domain) {
		res.setError(StatusNone, wrap(ErrInvalidDomain, "%q is not a valid multi-label domain name", domain))
		return res
	}
	resolver := c.Resolver
	if resolver == nil {
		resolver = &dns.Client{}
	}
	e := &evaluator{
		ctx:        ctx,
		resolver:   resolver,
		memo:       &c.memo,
		ip:         ip,
		maxLookups: orDefault(c.MaxLookups, DefaultMaxLookups),
		maxVoid:    orDefault(c.MaxVoidLookups, DefaultMaxVoidLookups),
		trace:      make([]dns.Lookup, 0, 8),
		env: macroEnv{sender: sender, local: local, senderDomain: strings.TrimSuffix(sdom, "."), helo: helo,
			ip: ip, receiver: c.Receiver, now: start},
	}
	e.env.ptr = e.validatedName
	o := e.checkHost(domain, 0)
	if o.mech != nil {
		res.Mechanism = o.mech.String()
	}
	if o.err == nil && o.status != StatusPass {
		if o.mech != nil {
			o.err = wrap(ErrMechanism, "%s matched in the record of %s", res.Mechanism, o.domain)
		} else {
			o.err = wrap(ErrNoMatch, "no mechanism in the record of %s matched", o.domain)
		}
	}
	res.Status = o.status
	res.Err = o.err
	res.Reason = ReasonFor(o.err)
	if o.err != nil {
		res.Detail = detailOf(o.err)
	}
	if o.status == StatusFail {
		res.Explanation = e.explanation(o)
	}
	res.Lookups, res.VoidLookups, res.Trace = e.lookups, e.voids, e.trace
	return res
}

func (r *Result) setError(s Status, err error) {
	r.Status, r.Err, r.Reason = s, err, ReasonFor(err)
	r.Detail = detailOf(err)
}

func orDefault(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}
