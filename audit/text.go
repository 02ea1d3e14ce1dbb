package audit

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mailprov/mailprov/headers"
)

// TextOptions controls the human-readable rendering.
type TextOptions struct {
	// Color adds ANSI colours; callers enable it only for terminals and
	// when NO_COLOR is unset.
	Color bool
}

// Marks used in the human output.
const (
	markPass      = "✓"
	markFail      = "✗"
	markUnchecked = "?"
	markInfo      = "·"
)

const (
	ansiGreen  = "\x1b[32m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiBold   = "\x1b[1m"
	ansiReset  = "\x1b[0m"
)

type textWriter struct {
	w     io.Writer
	color bool
	err   error
}

func (t *textWriter) printf(format string, args ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, format, args...)
	}
}

func (t *textWriter) paint(code, s string) string {
	if !t.color {
		return s
	}
	return code + s + ansiReset
}

// mark returns the mark for an RFC 8601 result word (or pass/fail/unchecked).
func (t *textWriter) mark(result string) string {
	switch result {
	case "pass":
		return t.paint(ansiGreen, markPass)
	case "fail", "permerror", "softfail":
		return t.paint(ansiRed, markFail)
	case "", "none", "unchecked", "neutral", "temperror", "policy":
		return t.paint(ansiYellow, markUnchecked)
	}
	return markInfo
}

// WriteText writes the report for a person: the verdict first, then one
// line per check with a mark, then the hop timeline and what receivers
// recorded.
func WriteText(w io.Writer, r *Report, opts TextOptions) error {
	t := &textWriter{w: w, color: opts.Color}
	name := r.Source.Name
	if r.Source.Kind == "mbox" {
		name = fmt.Sprintf("%s #%d", name, r.Source.Index+1)
	}
	t.printf("%s (%s)\n", t.paint(ansiBold, name), r.Source.Kind)
	if v := r.Verdict; v != nil {
		word, code := "NOT AUTHENTICATED", ansiRed
		switch {
		case v.Authentic:
			word, code = "AUTHENTIC", ansiGreen
		case v.Level == LevelUnverifiable:
			word, code = "UNVERIFIED", ansiYellow
		}
		t.printf("%s [%s] %s\n", t.paint(ansiBold+code, word), v.Level, v.Summary)
		for _, reason := range v.Reasons {
			t.printf("    %s %s\n", markInfo, reason)
		}
	}
	m := r.Message
	t.printf("\n  From:       %s\n", clipText(m.From))
	if m.Subject != "" {
		t.printf("  Subject:    %s\n", clipText(m.Subject))
	}
	if m.Date != "" {
		t.printf("  Date:       %s\n", m.Date)
	}
	if m.MessageID != "" {
		t.printf("  Message-ID: <%s>\n", m.MessageID)
	}
	if m.List != nil && m.List.ID != "" {
		t.printf("  List:       %s\n", m.List.ID)
	}
	t.printf("  Body:       %s\n", m.Body)

	var checks bytes.Buffer
	writeChecks(&textWriter{w: &checks, color: t.color}, r)
	if checks.Len() > 0 {
		t.printf("\nChecks")
		if !r.AsOf.IsZero() {
			t.printf(" (as of %s, DNS %s)", r.AsOf.UTC().Format(time.RFC3339), r.DNS)
		}
		t.printf(":\n%s", checks.Bytes())
	}

	if len(r.Received) > 0 {
		t.printf("\nPath (oldest first):\n")
		writeTimeline(t, r)
	}
	if len(r.Recorded) > 0 {
		t.printf("\nRecorded by receivers:\n")
		for _, rec := range r.Recorded {
			inst := ""
			if rec.ARCInstance > 0 {
				inst = fmt.Sprintf(" [ARC i=%d]", rec.ARCInstance)
			}
			t.printf("  %s %s=%s%s by %s%s\n", t.mark(rec.Result), rec.Method, rec.Result, propsText(rec.Properties), rec.AuthServID, inst)
		}
	}
	if len(r.Disagreements) > 0 {
		t.printf("\nDisagreements (recorded then vs found now):\n")
		for _, d := range r.Disagreements {
			t.printf("  %s %s %s: %s recorded %s, now %s", markInfo, d.Method, d.Subject, d.AuthServID, d.Recorded, d.Now)
			if d.Note != "" {
				t.printf(" (%s)", d.Note)
			}
			t.printf("\n")
		}
	}
	if len(r.Spam) > 0 {
		t.printf("\nSpam verdicts:\n")
		for _, s := range r.Spam {
			t.printf("  %s %s: %s\n", markInfo, s.Header, spamText(s))
		}
	}
	if len(r.Problems) > 0 {
		t.printf("\nProblems:\n")
		for _, p := range r.Problems {
			t.printf("  ! %s\n", p)
		}
	}
	t.printf("\n")
	return t.err
}

func writeChecks(t *textWriter, r *Report) {
	for _, s := range r.DKIM {
		label := "DKIM"
		if s.NonStandard {
			label = "DKIM*"
		}
		if s.Result == nil {
			t.printf("  %s %-6s d=%s s=%s %s (not verified)\n", t.mark(""), label, s.Domain, s.Selector, s.Algorithm)
			continue
		}
		d := s.Result
		mark := t.mark(dkimWord(s))
		if s.NonStandard {
			mark = markInfo // informational: never counted as proof
		}
		t.printf("  %s %-6s d=%s s=%s: %s", mark, label, s.Domain, s.Selector, d.Status)
		if d.Reason != "" {
			t.printf(" (%s)", d.Reason)
		}
		t.printf("; header %s, body %s", d.HeaderSignature, d.Body)
		if d.BodySource != "" {
			t.printf(" [%s]", d.BodySource)
		}
		if d.KeyBits > 0 {
			t.printf("; %d-bit key", d.KeyBits)
		}
		t.printf("\n")
		if d.Detail != "" {
			t.printf("           %s\n", d.Detail)
		}
		for _, w := range d.Warnings {
			if !strings.Contains(d.Detail, w) {
				t.printf("           note: %s\n", w)
			}
		}
	}
	for _, s := range r.DKIM {
		if s.NonStandard {
			t.printf("           (DKIM* is %s: non-standard, for information only)\n", s.Field)
			break
		}
	}
	if s := r.SPF; s != nil && s.Result != nil {
		t.printf("  %s SPF    %s for %s from %s", t.mark(string(s.Status)), s.Status, orDash(s.MailFrom), s.IP)
		if s.Mechanism != "" {
			t.printf(" (matched %s)", s.Mechanism)
		}
		if s.Recorded != nil {
			t.printf("; recorded %s by %s", s.Recorded.Result, orDash(s.Recorded.AuthServID))
		}
		t.printf("\n           %s\n", s.Note)
	}
	if d := r.DMARC; d != nil {
		t.printf("  %s DMARC  %s for %s", t.mark(string(d.Status)), d.Status, orDash(d.FromDomain))
		if d.Policy != "" {
			t.printf(" (p=%s)", d.Policy)
		}
		if d.AlignedDKIM != "" {
			t.printf("; aligned DKIM %s", d.AlignedDKIM)
		}
		if d.AlignedSPF {
			t.printf("; aligned SPF")
		}
		if d.Detail != "" {
			t.printf("; %s", d.Detail)
		}
		t.printf("\n")
	}
	if a := r.ARC; a != nil {
		t.printf("  %s ARC    %s, %d instance(s)", t.mark(string(a.Status)), a.Status, a.Instances)
		if a.OldestPass > 0 {
			t.printf(", oldest passing i=%d", a.OldestPass)
		}
		if a.Detail != "" {
			t.printf("; %s", a.Detail)
		}
		t.printf("\n")
	}
}

// dkimWord is the word a DKIM line is marked by: an expired signature
// that still verifies is shown as a pass with its reason.
func dkimWord(s Signature) string {
	if provesSignature(*s.Result) {
		return "pass"
	}
	if s.HeaderSignature == "pass" {
		return "unchecked"
	}
	return string(s.Status)
}

func writeTimeline(t *textWriter, r *Report) {
	for i, h := range r.Received {
		from := h.From.HELO
		if h.From.RDNS != "" && h.From.RDNS != from {
			from = strings.TrimSpace(from + " " + h.From.RDNS)
		}
		if h.From.IP.IsValid() {
			from += " [" + h.From.IP.String() + "]"
		}
		if from == "" {
			from = "(local)"
		}
		delay := ""
		if h.DelaySeconds != nil {
			delay = fmt.Sprintf("+%ds", *h.DelaySeconds)
			if *h.DelaySeconds < 0 {
				delay = fmt.Sprintf("%ds clock skew", *h.DelaySeconds)
			}
		}
		tls := ""
		if h.TLS != nil {
			tls = " TLS"
			if h.TLS.Version != "" {
				tls = " " + h.TLS.Version
			}
		}
		origin := ""
		if r.Origin != nil && r.Origin.Hop == i {
			origin = t.paint(ansiBold, "  <- origin")
		}
		when := ""
		if !h.Time.IsZero() {
			when = h.Time.Format("2006-01-02 15:04:05 -0700")
		}
		t.printf("  %2d %-25s %-9s %s -> %s (%s%s)%s\n", i+1, when, delay, from, orDash(h.By), orDash(h.With), tls, origin)
		for _, w := range h.Warnings {
			t.printf("       ! %s\n", w)
		}
	}
}

func propsText(p map[string]string) string {
	if len(p) == 0 {
		return ""
	}
	var parts []string
	for _, k := range []string{"header.d", "header.i", "header.s", "header.from", "smtp.mailfrom", "smtp.helo", "policy.iprev"} {
		if v, ok := p[k]; ok {
			parts = append(parts, k+"="+v)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " " + strings.Join(parts, " ")
}

func spamText(s headers.SpamVerdict) string {
	var parts []string
	parts = append(parts, s.Engine)
	if s.Score != nil {
		if s.Threshold != nil {
			parts = append(parts, fmt.Sprintf("score %g / %g", *s.Score, *s.Threshold))
		} else {
			parts = append(parts, fmt.Sprintf("score %g", *s.Score))
		}
	}
	if s.Action != "" {
		parts = append(parts, "action "+s.Action)
	}
	if len(s.Rules) > 0 {
		parts = append(parts, fmt.Sprintf("%d rules", len(s.Rules)))
	}
	return strings.Join(parts, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// maxTextValue bounds a header value printed for people; longer ones are
// cut, with their length said (the JSON form keeps them whole).
const maxTextValue = 300

// clipText cuts s to maxTextValue bytes, at a rune boundary.
func clipText(s string) string {
	if len(s) <= maxTextValue {
		return s
	}
	cut := maxTextValue
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes in all)", s[:cut], len(s))
}
