package audit

import (
	"strings"

	"github.com/emersion/go-msgauth/authres"

	"github.com/mailprov/mailprov/dkim"
)

// AuthenticationResults formats the report's findings as the value of an
// RFC 8601 Authentication-Results field for authservID, as an ingest
// filter would add it: one dkim= result per standard signature, then
// spf=, dmarc= and arc= when they were checked. Formatting is go-msgauth's
// authres.Format.
func AuthenticationResults(authservID string, r *Report) string {
	var results []authres.Result
	for _, s := range r.DKIM {
		if s.Result == nil || s.NonStandard {
			continue
		}
		res := &authres.DKIMResult{Value: dkimValue(s.Result), Domain: s.Domain, Identifier: s.Identity}
		if res.Value != authres.ResultPass {
			res.Reason = string(s.Reason)
		}
		results = append(results, res)
	}
	if s := r.SPF; s != nil && s.Result != nil {
		res := &authres.SPFResult{Value: authres.ResultValue(s.Status), From: s.MailFrom}
		if s.MailFrom == "" {
			res.Helo = s.HELO
		}
		results = append(results, res)
	}
	if d := r.DMARC; d != nil && d.Status != "" {
		if d.FromDomain == "" { // no usable From: no header.from to name
			results = append(results, &authres.GenericResult{Method: "dmarc", Value: authres.ResultValue(d.Status)})
		} else {
			results = append(results, &authres.DMARCResult{Value: authres.ResultValue(d.Status), From: d.FromDomain})
		}
	}
	if a := r.ARC; a != nil && a.Status != "" {
		results = append(results, &authres.GenericResult{Method: "arc", Value: authres.ResultValue(a.Status)})
	}
	if len(results) == 0 {
		results = append(results, &authres.GenericResult{Method: "dkim", Value: authres.ResultNone})
	}
	// authres.Format writes a space after each result for its properties,
	// also when there are none; formatted one by one, that space can go.
	out := authservID
	for _, res := range results {
		out += strings.TrimRight(authres.Format("", []authres.Result{res}), " ")
	}
	return out
}

// dkimValue maps a result to the RFC 8601 word an ingest filter writes: a
// signature whose header verifies but whose body was not available is
// "neutral", never "pass".
func dkimValue(d *dkim.Result) authres.ResultValue {
	if d.HeaderSignature == dkim.CheckPass && d.Body == dkim.CheckPass && d.Status == dkim.StatusPass {
		return authres.ResultPass
	}
	return authres.ResultValue(d.Status)
}

// ValidAuthServID reports whether s may stand as the authserv-id of an
// Authentication-Results field (RFC 8601 section 2.2: a value, that is an
// RFC 2045 token or a quoted-string), and also contains no ";", white
// space, control or non-ASCII character, which naive readers of the field
// would split on or choke on. AuthenticationResults does not check its
// authservID; callers taking one from users should.
func ValidAuthServID(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == ';' {
			return false
		}
	}
	if s[0] != '"' {
		return !strings.ContainsAny(s, `()<>@,;:\"/[]?=`) // RFC 2045 tspecials
	}
	if len(s) < 3 || s[len(s)-1] != '"' {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		switch s[i] {
		case '\\':
			i++ // a quoted-pair; it may not escape the closing quote
			if i == len(s)-1 {
				return false
			}
		case '"':
			return false
		}
	}
	return true
}
