package spf

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/mailprov/mailprov/dns"
)

// evaluator carries the state of one top-level check_host() evaluation:
// the limit counters, the trace, and the cached PTR data that the ptr
// mechanism and %{p} share.
type evaluator struct {
	ctx        context.Context
	resolver   dns.Resolver
	memo       *memo
	ip         netip.Addr // unmapped
	env        macroEnv   // domain is set per record
	maxLookups int
	maxVoid    int

	lookups int
	voids   int
	trace   []dns.Lookup

	ptrDone   bool
	ptrErr    error
	ptrNames  []ptrName
	validated map[string]bool // presentation name -> validated
}

type ptrName struct {
	pres string // presentation form, as received
	raw  string // unescaped, without the final dot
}

// outcome is what checkHost returns.
type outcome struct {
	status Status
	err    error      // nil for results from a mechanism or the default
	mech   *Directive // the directive that matched, if any
	domain string     // the domain whose record decided
	exp    string     // that record's exp= domain-spec
}

func fail(s Status, err error) outcome { return outcome{status: s, err: err} }

// checkHost evaluates the policy of domain (a valid name without final dot).
func (e *evaluator) checkHost(domain string, depth int) outcome {
	if depth > maxDepth {
		return fail(StatusPermerror, wrap(ErrRecursion, "more than %d nested include/redirect", maxDepth))
	}
	rec, o, ok := e.record(domain, depth)
	if !ok {
		return o
	}
	env := e.env
	env.domain = domain
	for i := range rec.Directives {
		d := &rec.Directives[i]
		matched, bad := e.match(d, domain, &env, depth)
		if bad != nil {
			return *bad
		}
		if matched {
			return outcome{status: d.Qualifier.Status(), mech: d, domain: domain, exp: rec.Exp}
		}
	}
	if rec.Redirect == "" {
		return outcome{status: StatusNeutral, domain: domain, exp: rec.Exp}
	}
	if bad := e.count("redirect=", rec.Redirect); bad != nil {
		return *bad
	}
	target, ok, bad := e.target(rec.Redirect, &env)
	if bad != nil {
		return *bad
	}
	if !ok {
		return fail(StatusPermerror, wrap(ErrRedirectNone, "redirect=%s: target is not a valid domain name", rec.Redirect))
	}
	sub := e.checkHost(target, depth+1)
	if sub.status == StatusNone {
		return fail(StatusPermerror, wrap(ErrRedirectNone, "redirect=%s: %s", target, detailOf(sub.err)))
	}
	return sub
}

// record fetches and parses the SPF record of domain (RFC 7208 §4.4, §4.5).
// When ok is false, o is the result: none, temperror or permerror.
func (e *evaluator) record(domain string, depth int) (rec *Record, o outcome, ok bool) {
	txts, err := e.txt(presentation(domain))
	if err != nil {
		if dns.IsNotFound(err) {
			if depth > 0 {
				if bad := e.void(domain); bad != nil {
					return nil, *bad, false
				}
			}
			return nil, fail(StatusNone, wrap(ErrNoRecord, "%s has no SPF record (%v)", domain, kindOf(err))), false
		}
		return nil, e.dnsFail(err), false
	}
	var spf string
	n := 0
	for _, t := range txts {
		if IsRecord(t) {
			spf = t
			n++
		}
	}
	switch {
	case n == 0:
		return nil, fail(StatusNone, wrap(ErrNoRecord, "%s has no SPF record", domain)), false
	case n > 1:
		return nil, fail(StatusPermerror, wrap(ErrMultipleRecords, "%s has %d SPF records", domain, n)), false
	}
	rec, err = e.memo.parse(spf)
	if err != nil {
		return nil, fail(StatusPermerror, err), false
	}
	return rec, outcome{}, true
}

// match evaluates one mechanism. bad is non-nil when evaluation must stop
// with that outcome (an error, or a limit exceeded).
func (e *evaluator) match(d *Directive, domain string, env *macroEnv, depth int) (matched bool, bad *outcome) {
	switch d.Mechanism {
	case MechAll:
		return true, nil
	case MechIP4, MechIP6:
		return d.Net.Contains(e.ip), nil
	}
	if err := e.ctx.Err(); err != nil {
		o := fail(StatusTemperror, &detailError{sentinel: ErrTimeout, cause: err,
			detail: fmt.Sprintf("the deadline passed before %s was evaluated", d)})
		return false, &o
	}
	if bad := e.count(d.Mechanism+":", d.Domain); bad != nil {
		return false, bad
	}
	target, ok := domain, true
	if d.Domain != "" {
		target, ok, bad = e.target(d.Domain, env)
		if bad != nil {
			return false, bad
		}
	}
	if d.Mechanism == MechInclude {
		if !ok {
			o := fail(StatusPermerror, wrap(ErrIncludeNone, "include:%s: target is not a valid domain name", d.Domain))
			return false, &o
		}
		sub := e.checkHost(target, depth+1)
		switch sub.status {
		case StatusPass:
			return true, nil
		case StatusFail, StatusSoftfail, StatusNeutral:
			return false, nil
		case StatusNone:
			o := fail(StatusPermerror, wrap(ErrIncludeNone, "include:%s: %s", target, detailOf(sub.err)))
			return false, &o
		default:
			return false, &sub
		}
	}
	if !ok {
		// A target that cannot be a DNS name does not exist (RFC 7208
		// §4.3 by analogy; the OpenSPF suite accepts fail or permerror).
		return false, nil
	}
	name := presentation(target)
	switch d.Mechanism {
	case MechA:
		addrs, err := e.addrs(name)
		if err != nil {
			return false, e.lookupFailed(err, name)
		}
		return e.contains(addrs, d.V4Len, d.V6Len), nil
	case MechMX:
		return e.matchMX(name, d)
	case MechPTR:
		return e.matchPTR(target)
	case MechExists:
		// exists always asks for A records, whatever the client's family
		// (RFC 7208 §5.7).
		addrs, err := e.a(name)
		if err != nil {
			return false, e.lookupFailed(err, name)
		}
		return len(addrs) > 0, nil
	}
	o := fail(StatusPermerror, &SyntaxError{Term: d.String(), Msg: "unknown mechanism"})
	return false, &o
}

// count charges one DNS-querying term against the lookup limit (RFC 7208
// §4.6.4).
func (e *evaluator) count(kind, arg string) *outcome {
	e.lookups++
	if e.lookups > e.maxLookups {
		o := fail(StatusPermerror, wrap(ErrTooManyLookups, "%s%s is DNS-querying term number %d; the limit is %d", kind, arg, e.lookups, e.maxLookups))
		return &o
	}
	return nil
}

// void charges a lookup that found nothing against the void lookup limit.
func (e *evaluator) void(name string) *outcome {
	e.voids++
	if e.voids > e.maxVoid {
		o := fail(StatusPermerror, wrap(ErrTooManyVoidLookups, "%s is void lookup number %d; the limit is %d", name, e.voids, e.maxVoid))
		return &o
	}
	return nil
}

// lookupFailed handles a failed mechanism lookup: a name without records
// is a void lookup and no match; any other failure is temperror.
func (e *evaluator) lookupFailed(err error, name string) *outcome {
	if dns.IsNotFound(err) {
		return e.void(name)
	}
	o := e.dnsFail(err)
	return &o
}

// dnsFail is the temperror outcome for a DNS failure (RFC 7208 §2.6.6,
// §4.4, §5).
func (e *evaluator) dnsFail(err error) outcome {
	if e.expired() {
		return fail(StatusTemperror, wrapCause(ErrTimeout, err))
	}
	return fail(StatusTemperror, wrapCause(ErrDNS, err))
}

// expired reports whether the evaluation's deadline has passed (a socket
// deadline can fire just before ctx.Err() turns non-nil).
func (e *evaluator) expired() bool {
	if e.ctx.Err() != nil {
		return true
	}
	dl, ok := e.ctx.Deadline()
	return ok && !time.Now().Before(dl)
}

// kindOf names the kind of a DNS error for details.
func kindOf(err error) string {
	var de *dns.Error
	if errors.As(err, &de) {
		return de.Kind.String()
	}
	return "error"
}

// target expands a domain-spec into the raw name to query. ok is false when
// the expansion is not a valid domain name.
func (e *evaluator) target(spec string, env *macroEnv) (name string, ok bool, bad *outcome) {
	var err error
	s := spec
	if strings.IndexByte(spec, '%') >= 0 {
		s, err = e.expandSpec(spec, env)
	}
	if err != nil {
		o := fail(StatusPermerror, wrap(ErrMacroTooLong, "%s expands to more than %d octets", spec, maxExpansion))
		return "", false, &o
	}
	name, ok = targetName(s)
	return name, ok, nil
}

// expandSpec expands a domain-spec (checked by ParseRecord).
func (e *evaluator) expandSpec(spec string, env *macroEnv) (string, error) {
	toks, err := parseMacroString(spec, false, false)
	if err != nil {
		return "", err
	}
	return expand(toks, env)
}

// contains reports whether the client address is in any of the networks
// addr/v4len (IPv4) or addr/v6len (IPv6).
func (e *evaluator) contains(addrs []netip.Addr, v4len, v6len int) bool {
	for _, a := range addrs {
		a = a.Unmap()
		if a.Is4() != e.ip.Is4() {
			continue
		}
		bits := v6len
		if a.Is4() {
			bits = v4len
		}
		if p, err := a.Prefix(bits); err == nil && p.Contains(e.ip) {
			return true
		}
	}
	return false
}

// matchMX is the mx mechanism (RFC 7208 §5.4).
func (e *evaluator) matchMX(name string, d *Directive) (bool, *outcome) {
	mxs, err := e.mx(name)
	if err != nil {
		return false, e.lookupFailed(err, name)
	}
	if len(mxs) > maxNames {
		o := fail(StatusPermerror, wrap(ErrTooManyMX, "%s has %d MX records; the limit is %d", name, len(mxs), maxNames))
		return false, &o
	}
	for _, mx := range mxs {
		host := mx.Host
		if host == "." || host == "" {
			continue // null MX (RFC 7505)
		}
		addrs, err := e.addrs(host)
		if err != nil {
			if dns.IsNotFound(err) {
				continue
			}
			o := e.dnsFail(err)
			return false, &o
		}
		if e.contains(addrs, d.V4Len, d.V6Len) {
			return true, nil
		}
	}
	return false, nil
}

// matchPTR is the ptr mechanism (RFC 7208 §5.5): some validated name of
// the client address is target or a subdomain of it.
func (e *evaluator) matchPTR(target string) (bool, *outcome) {
	names, err := e.ptrs()
	if err != nil {
		if dns.IsNotFound(err) {
			return false, e.void("PTR of " + e.ip.String())
		}
		return false, nil // a DNS error makes ptr not match (§5.5)
	}
	for _, n := range names {
		if sameOrSub(n.raw, target) && e.validate(n) {
			return true, nil
		}
	}
	return false, nil
}

// ptrs returns the first 10 PTR names of the client address, asking once
// per evaluation (RFC 7208 §4.6.4: other names are ignored).
func (e *evaluator) ptrs() ([]ptrName, error) {
	if e.ptrDone {
		return e.ptrNames, e.ptrErr
	}
	e.ptrDone = true
	names, ans, err := dns.PTR(e.ctx, e.resolver, e.ip)
	rev, _ := mdns.ReverseAddr(e.ip.String())
	e.trace = append(e.trace, e.memo.lookup(rev, mdns.TypePTR, ans, err))
	if err != nil {
		e.ptrErr = err
		return nil, err
	}
	for _, n := range names[:min(len(names), maxNames)] {
		e.ptrNames = append(e.ptrNames, ptrName{pres: n, raw: strings.TrimSuffix(dns.UnescapeTXT(n), ".")})
	}
	return e.ptrNames, nil
}

// validate reports whether a PTR name resolves back to the client address
// (the forward check of RFC 7208 §5.5); DNS errors mean not validated.
func (e *evaluator) validate(n ptrName) bool {
	if v, ok := e.validated[n.pres]; ok {
		return v
	}
	addrs, err := e.addrs(n.pres)
	v := false
	if err == nil {
		for _, a := range addrs {
			if a.Unmap() == e.ip {
				v = true
				break
			}
		}
	}
	if e.validated == nil {
		e.validated = map[string]bool{}
	}
	e.validated[n.pres] = v
	return v
}

// validatedName is %{p} (RFC 7208 §7.3): a validated name of the client
// address, preferring domain itself, then a subdomain of it, then any;
// "unknown" if none.
func (e *evaluator) validatedName(domain string) string {
	names, err := e.ptrs()
	if err != nil {
		return "unknown"
	}
	for _, pass := range [3]func(string) bool{
		func(n string) bool { return strings.EqualFold(n, domain) },
		func(n string) bool { return sameOrSub(n, domain) },
		func(string) bool { return true },
	} {
		for _, n := range names {
			if pass(n.raw) && e.validate(n) {
				return n.raw
			}
		}
	}
	return "unknown"
}

// explanation computes the explanation for a fail outcome (RFC 7208 §6.2):
// the exp= text of the deciding record when it can be had, else
// DefaultExplanation. The exp lookup does not count against the limits.
func (e *evaluator) explanation(o outcome) string {
	env := e.env
	env.domain = o.domain
	if o.exp != "" {
		if s, ok := e.expText(o.exp, &env); ok {
			return s
		}
	}
	toks, _ := parseMacroString(DefaultExplanation, true, true)
	s, _ := expand(toks, &env)
	return s
}

func (e *evaluator) expText(spec string, env *macroEnv) (string, bool) {
	target, ok, bad := e.target(spec, env)
	if bad != nil || !ok || e.ctx.Err() != nil {
		return "", false
	}
	txts, err := e.txt(presentation(target))
	if err != nil || len(txts) != 1 {
		return "", false
	}
	toks, err := parseMacroString(txts[0], true, true)
	if err != nil {
		return "", false
	}
	s, err := expand(toks, env)
	return s, err == nil
}

// The lookups, each recorded in the trace.

func (e *evaluator) txt(name string) ([]string, error) {
	name = mdns.Fqdn(name)
	v, ans, err := dns.TXT(e.ctx, e.resolver, name)
	e.trace = append(e.trace, e.memo.lookup(name, mdns.TypeTXT, ans, err))
	return v, err
}

// addrs asks for the addresses of name in the client's family.
func (e *evaluator) addrs(name string) ([]netip.Addr, error) {
	if e.ip.Is4() {
		return e.a(name)
	}
	name = mdns.Fqdn(name)
	v, ans, err := dns.AAAA(e.ctx, e.resolver, name)
	e.trace = append(e.trace, e.memo.lookup(name, mdns.TypeAAAA, ans, err))
	return v, err
}

func (e *evaluator) a(name string) ([]netip.Addr, error) {
	name = mdns.Fqdn(name)
	v, ans, err := dns.A(e.ctx, e.resolver, name)
	e.trace = append(e.trace, e.memo.lookup(name, mdns.TypeA, ans, err))
	return v, err
}

func (e *evaluator) mx(name string) ([]dns.MX, error) {
	name = mdns.Fqdn(name)
	v, ans, err := dns.MXs(e.ctx, e.resolver, name)
	e.trace = append(e.trace, e.memo.lookup(name, mdns.TypeMX, ans, err))
	return v, err
}
