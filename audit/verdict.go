package audit

import (
	"fmt"
	"strings"
	"time"

	"github.com/mailprov/mailprov/arc"
	"github.com/mailprov/mailprov/dkim"
	"github.com/mailprov/mailprov/dmarc"
	"github.com/mailprov/mailprov/spf"
)

// maxSigningDelay is how far a signature's t= may lie from the Date field
// before the verdict remarks on it: git-send-email stamps Date when the
// series is prepared, so minutes are normal and days are not.
const maxSigningDelay = 24 * time.Hour

// grade turns the checks into a Verdict. The levels, strongest first:
//
//   - verified: a DKIM signature aligned with the From domain verifies over
//     header and body (as of r.AsOf; an expired x= is reported, not failed);
//   - verified_header_only: such a signature verifies over the header
//     fields, and the body was not available (or, if it was, the body hash
//     no longer matches: altered in transit, typically by a list footer);
//   - spf_aligned: no aligned DKIM proof, but SPF passes now for a MAIL
//     FROM domain aligned with From;
//   - vouched_by_arc: the original proof is gone, and a valid ARC chain
//     records an aligned DKIM or DMARC pass before the break;
//   - forged: aligned evidence contradicts the From domain (an aligned
//     signature whose header signature fails, a From field the
//     signature does not cover, or DMARC fail with a failing SPF and
//     nothing else);
//   - unverifiable: nothing could be proved either way.
//
// A signature proves nothing when its key is in testing mode (t=y: RFC
// 6376 §3.6.1 says to treat such mail as unsigned), its t= lies in the
// future, or its l= claims more body than there is. One whose l= leaves
// part of the body unsigned proves the header fields and the signed part
// only, and the verdict says so.
func grade(r *Report) *Verdict {
	v := &Verdict{}
	fromDomain := r.Message.FromDomain
	if r.DMARC != nil && r.DMARC.FromDomain != "" {
		fromDomain = r.DMARC.FromDomain
	}
	var full, partial, headerOnly, broken, extraFrom *Signature
	var unused []*Signature // aligned, header signature verified, but proving nothing
	tempfail := false
	for i := range r.DKIM {
		s := &r.DKIM[i]
		if s.Result == nil || s.NonStandard || !aligned(s.Domain, fromDomain) {
			continue
		}
		switch d := s.Result; {
		case d.Testing: // RFC 6376 §3.6.1: as if unsigned, pass or fail
			if d.HeaderSignature == dkim.CheckPass {
				unused = append(unused, s)
			}
		case provesSignature(*d) && full == nil:
			full = s
		case d.Reason == dkim.ReasonExtraFrom:
			if extraFrom == nil {
				extraFrom = s
			}
		case d.Status == dkim.StatusPolicy && d.Reason == dkim.ReasonBodyLengthLimit && d.Body == dkim.CheckPass:
			if partial == nil {
				partial = s
			}
		case provesHeader(*d) && headerOnly == nil:
			headerOnly = s
		case d.HeaderSignature == dkim.CheckFail && broken == nil:
			broken = s
		case d.Status == dkim.StatusTemperror:
			tempfail = true
		case d.HeaderSignature == dkim.CheckPass:
			unused = append(unused, s)
		}
	}
	spfAligned := r.SPF != nil && r.SPF.Result != nil && r.SPF.Status == spf.StatusPass && aligned(r.SPF.Domain, fromDomain)

	switch {
	case full != nil:
		v.Authentic, v.Level = true, LevelVerified
		v.Summary = fmt.Sprintf("%s signed this message (header and %s body verified)", full.Domain, bodyWord(full.Result))
		v.Reasons = append(v.Reasons, signatureFacts(full)...)
		v.Reasons = append(v.Reasons, authorFacts(r, full)...)
	case extraFrom != nil:
		// RFC 6376 §8.15: a From the signature does not cover may be the
		// one a reader is shown.
		v.Level = LevelForged
		v.Summary = fmt.Sprintf("the message has a From field that %s did not sign: a reader may be shown an author nobody vouches for", extraFrom.Domain)
		v.Reasons = append(v.Reasons, signatureFacts(extraFrom)...)
	case partial != nil:
		v.Authentic, v.Level = true, LevelVerifiedHeaderOnly
		v.Summary = fmt.Sprintf("%s signed these header fields and only the start of the body (l=); text after it is not signed", partial.Domain)
		v.Reasons = append(v.Reasons, signatureFacts(partial)...)
		v.Reasons = append(v.Reasons, authorFacts(r, partial)...)
	case headerOnly != nil:
		v.Authentic, v.Level = true, LevelVerifiedHeaderOnly
		switch headerOnly.Body {
		case dkim.CheckFail:
			v.Summary = fmt.Sprintf("%s signed these header fields, but the body was changed after signing", headerOnly.Domain)
		default:
			v.Summary = fmt.Sprintf("%s signed these header fields; the body could not be checked", headerOnly.Domain)
		}
		v.Reasons = append(v.Reasons, signatureFacts(headerOnly)...)
		v.Reasons = append(v.Reasons, authorFacts(r, headerOnly)...)
	case spfAligned:
		v.Authentic, v.Level = true, LevelSPFAligned
		v.Summary = fmt.Sprintf("no aligned DKIM proof; SPF for %s passes for the origin %s (as of %s)", r.SPF.Domain, r.SPF.IP, dnsWhen(r))
	case arcVouches(r, fromDomain):
		v.Authentic, v.Level = true, LevelVouchedByARC
		v.Summary = fmt.Sprintf("original proof broken in transit; a valid ARC chain sealed by %s vouches for %s", arcSealers(r.ARC), fromDomain)
	case broken != nil && !tempfail && relayedBy(r) != "":
		// Lists rewrite Subject and add footers: a broken signature on
		// relayed mail says "altered in transit", not "forged".
		v.Level = LevelUnverifiable
		v.Summary = fmt.Sprintf("the %s signature was broken in transit, probably by %s; nothing else vouches for %s", broken.Domain, relayedBy(r), fromDomain)
		v.Reasons = append(v.Reasons, signatureFacts(broken)...)
	case broken != nil && !tempfail:
		v.Level = LevelForged
		v.Summary = fmt.Sprintf("the %s signature does not verify: these header fields are not what %s signed", broken.Domain, broken.Domain)
		v.Reasons = append(v.Reasons, signatureFacts(broken)...)
	case r.DMARC != nil && r.DMARC.Status == dmarc.StatusFail && r.SPF != nil && r.SPF.Result != nil && r.SPF.Status == spf.StatusFail && len(r.DKIM) == 0:
		v.Level = LevelForged
		v.Summary = fmt.Sprintf("nothing vouches for %s: no signature, and SPF fails for the origin %s", fromDomain, r.SPF.IP)
	default:
		v.Level = LevelUnverifiable
		v.Summary = unverifiableSummary(r, fromDomain, tempfail)
	}
	if v.Level != LevelVerified {
		for _, s := range unused {
			v.Reasons = append(v.Reasons, unusedFact(s))
		}
	}
	if r.DMARC != nil && r.DMARC.Status != "" {
		domain := r.DMARC.FromDomain
		if domain == "" {
			domain = "the From field"
		}
		v.Reasons = append(v.Reasons, fmt.Sprintf("DMARC for %s: %s%s", domain, r.DMARC.Status, policyNote(r.DMARC)))
	}
	if r.Message.List != nil && r.Message.List.ID != "" {
		v.Reasons = append(v.Reasons, "relayed through the list "+r.Message.List.ID)
	}
	return v
}

// relayedBy names the list or forwarder a message passed through, if the
// header shows one: its List-Id, or the newest ARC sealer.
func relayedBy(r *Report) string {
	if r.Message.List != nil && r.Message.List.ID != "" {
		return "the list " + r.Message.List.ID
	}
	if r.ARC != nil && len(r.ARC.Sets) > 0 {
		return "the forwarder " + r.ARC.Sets[len(r.ARC.Sets)-1].Sealer
	}
	return ""
}

// unusedFact says why a signature whose header signature verified proves
// nothing.
func unusedFact(s *Signature) string {
	d := s.Result
	if d.Testing {
		return fmt.Sprintf("DKIM d=%s s=%s verifies, but its key is in testing mode (t=y): counted as unsigned (RFC 6376 §3.6.1)", s.Domain, s.Selector)
	}
	return fmt.Sprintf("DKIM d=%s s=%s verifies but proves nothing: %s", s.Domain, s.Selector, firstNonEmpty(d.Detail, string(d.Reason)))
}

func bodyWord(d *dkim.Result) string {
	if d.BodySource == "rebuilt" {
		return "rebuilt"
	}
	return "full"
}

// signatureFacts lists what a signature's verdict rests on: when it was
// made, whether it has expired, how far from the Date field, and how the
// body was obtained.
func signatureFacts(s *Signature) []string {
	var out []string
	d := s.Result
	out = append(out, fmt.Sprintf("DKIM d=%s s=%s: header signature %s, body %s", s.Domain, s.Selector, d.HeaderSignature, d.Body))
	if d.BodySource == "rebuilt" && d.BodyCandidate != "" {
		out = append(out, "body rebuilt from the archive as "+d.BodyCandidate)
	}
	if d.Reason == dkim.ReasonExpired && !s.Expiration.IsZero() {
		out = append(out, fmt.Sprintf("valid as of its date; expired since %s", s.Expiration.UTC().Format(time.RFC3339)))
	}
	if len(d.Respelled) > 0 {
		out = append(out, "header fields re-encoded by the archive, original spelling recovered: "+strings.Join(d.Respelled, ", "))
	}
	if !s.Timestamp.IsZero() && d.Reason != "" && d.Reason != dkim.ReasonExpired {
		out = append(out, fmt.Sprintf("%s: %s", d.Reason, d.Detail))
	}
	return out
}

// authorFacts says what a patch reviewer asks of a proving signature:
// does the signer's domain match the author's address, and how long after
// the Date field was the signature made (git-send-email stamps Date when
// the series is prepared; a signature days later, or well before, is odd).
func authorFacts(r *Report, s *Signature) []string {
	var out []string
	from := r.Message.FromDomain
	switch {
	case strings.EqualFold(s.Domain, from):
		out = append(out, fmt.Sprintf("the signer %s is the author's own domain (%s)", s.Domain, r.Message.From))
	case from != "":
		out = append(out, fmt.Sprintf("the signer %s shares an organizational domain with the author's %s", s.Domain, from))
	}
	date, err := time.Parse(time.RFC3339, r.Message.Date)
	if err != nil || s.Timestamp.IsZero() {
		return out
	}
	delay := s.Timestamp.Sub(date)
	switch {
	case delay < -5*time.Minute:
		out = append(out, fmt.Sprintf("signed %s before its Date field: the Date may be forged or the clock wrong", humanDuration(-delay)))
	case delay > maxSigningDelay:
		out = append(out, fmt.Sprintf("signed %s after its Date field: an old message sent late, or a re-sent one", humanDuration(delay)))
	default:
		out = append(out, fmt.Sprintf("signed %s after its Date field", humanDuration(delay)))
	}
	return out
}

// humanDuration writes d as a person reads it: "34s", "5m12s", "3h20m",
// "12 days", "3.4 years".
func humanDuration(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d < time.Hour:
		return d.Round(time.Second).String()
	case d < 2*day:
		return strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
	case d < 730*day:
		return fmt.Sprintf("%d days", int(d.Round(day)/day))
	}
	return fmt.Sprintf("%.1f years", d.Hours()/24/365.25)
}

func dnsWhen(r *Report) string {
	if r.DNS == "snapshot" {
		return "the DNS snapshot"
	}
	return "now"
}

func policyNote(d *dmarc.Result) string {
	if d.Policy == "" {
		return ""
	}
	return fmt.Sprintf(" (policy %s)", d.Policy)
}

func unverifiableSummary(r *Report, fromDomain string, tempfail bool) string {
	switch {
	case fromDomain == "":
		return "no usable From domain: nothing to align with"
	case tempfail:
		return fmt.Sprintf("could not check %s's signature now (DNS unavailable); try again or use a snapshot", fromDomain)
	case len(r.DKIM) == 0:
		return fmt.Sprintf("no DKIM signature, and SPF does not vouch for %s", fromDomain)
	}
	for _, s := range r.DKIM {
		if s.Result == nil || s.NonStandard || !aligned(s.Domain, fromDomain) {
			continue
		}
		if s.HeaderSignature == dkim.CheckPass {
			return fmt.Sprintf("%s's signature verifies but proves nothing (see below), and nothing else vouches for %s", s.Domain, fromDomain)
		}
		return fmt.Sprintf("%s's signature could not be checked: %s", s.Domain, firstNonEmpty(s.Detail, string(s.Reason)))
	}
	return fmt.Sprintf("no signature aligned with %s", fromDomain)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// aligned reports relaxed alignment (RFC 7489 §3.1): the two domains have
// the same organizational domain.
func aligned(domain, fromDomain string) bool {
	if domain == "" || fromDomain == "" {
		return false
	}
	return dmarc.Aligned(domain, fromDomain, dmarc.AlignRelaxed)
}

// arcVouches reports whether a passing ARC chain records, in an instance
// that still validates, an aligned DKIM pass or a DMARC pass for fromDomain.
func arcVouches(r *Report, fromDomain string) bool {
	if r.ARC == nil || r.ARC.Status != arc.StatusPass {
		return false
	}
	for _, rec := range r.Recorded {
		if rec.ARCInstance == 0 || rec.Result != "pass" {
			continue
		}
		switch rec.Method {
		case "dkim":
			d := rec.Properties["header.d"]
			if d == "" {
				// Some sealers record only header.i=@domain.
				_, d, _ = strings.Cut(rec.Properties["header.i"], "@")
			}
			if aligned(d, fromDomain) {
				return true
			}
		case "dmarc":
			if strings.EqualFold(rec.Properties["header.from"], fromDomain) {
				return true
			}
		}
	}
	return false
}

func arcSealers(res *arc.Result) string {
	var names []string
	for _, s := range res.Sets {
		names = append(names, s.Sealer)
	}
	return strings.Join(names, ", ")
}

// disagreements compares what each receiver recorded with what mailprov
// finds now; the list is empty, not nil, when there are none. A check that
// failed temporarily now finds nothing to compare: a DNS outage is not a
// disagreement.
func disagreements(r *Report) []Disagreement {
	out := []Disagreement{}
	for _, d := range allDisagreements(r) {
		if d.Now != "temperror" {
			out = append(out, d)
		}
	}
	return out
}

func allDisagreements(r *Report) []Disagreement {
	var out []Disagreement
	if s := r.SPF; s != nil && s.Result != nil && s.Recorded != nil && s.Agrees != nil && !*s.Agrees {
		out = append(out, Disagreement{Method: "spf", AuthServID: s.Recorded.AuthServID, Recorded: s.Recorded.Result,
			Now: string(s.Status), Subject: "smtp.mailfrom=" + s.MailFrom, Note: s.Note})
	}
	for _, rec := range r.Recorded {
		if rec.ARCInstance != 0 {
			continue
		}
		switch rec.Method {
		case "dkim":
			d := rec.Properties["header.d"]
			b := rec.Properties["header.b"]
			for _, s := range r.DKIM {
				if s.Result == nil || s.NonStandard || !strings.EqualFold(s.Domain, d) {
					continue
				}
				if b != "" && s.Result.Signature != nil && !strings.HasPrefix(strings.ReplaceAll(s.Result.Signature.SignatureRaw, " ", ""), b) {
					continue
				}
				now := string(s.Status)
				if provesSignature(*s.Result) {
					now = "pass"
				}
				if now != rec.Result {
					out = append(out, Disagreement{Method: "dkim", AuthServID: rec.AuthServID, Recorded: rec.Result, Now: now,
						Subject: "header.d=" + d, Note: firstNonEmpty(s.Detail, string(s.Reason))})
				}
				break
			}
		case "dmarc":
			if r.DMARC != nil && r.DMARC.Status != "" && strings.EqualFold(rec.Properties["header.from"], r.DMARC.FromDomain) &&
				rec.Result != string(r.DMARC.Status) {
				out = append(out, Disagreement{Method: "dmarc", AuthServID: rec.AuthServID, Recorded: rec.Result, Now: string(r.DMARC.Status),
					Subject: "header.from=" + r.DMARC.FromDomain})
			}
		case "arc":
			if r.ARC != nil && rec.Result != string(r.ARC.Status) {
				out = append(out, Disagreement{Method: "arc", AuthServID: rec.AuthServID, Recorded: rec.Result, Now: string(r.ARC.Status)})
			}
		}
	}
	return out
}
