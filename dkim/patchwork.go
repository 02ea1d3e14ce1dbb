package dkim

import (
	"bytes"
	"encoding/base64"
	"mime"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mailprov/mailprov/headers"
)

// Patchwork (patchwork/parser.py) stores a patch mail's body in two parts,
// and the way it splits them is what the candidates below invert:
//
//   - The text/plain payload is decoded (quoted-printable or base64, then
//     its charset) and run through parse_patch, a line state machine. Lines
//     from the first "diff "/"Index: "/"--- " header that is followed by a
//     hunk up to the end of the last hunk become diff, byte for byte (with
//     their CR, if the mail had CRLF line ends). Everything else becomes the
//     comment, in order: the text before the diff and the text after the
//     last hunk (a "base-commit:" block, the "-- " signature) glued
//     together.
//   - The comment is stripped, cut at the first line that is exactly "-- "
//     or a run of "_" (clean_content; a CRLF "-- \r" line escapes the cut),
//     and stripped again: that is content. Patchwork's API returns content
//     with CRLF turned into LF.
//
// So a git format-patch body
//
//	message\n---\n diffstat\n\n diff \n base-commit: X\n-- \n2.49.0\n\n
//
// is stored as content "message\n---\n diffstat\n\n\nbase-commit: X" and
// diff "diff…". The three newlines in a row in content mark where the text
// from after the diff was glued on (the blank line before the diff plus
// the blank line after the last hunk).

// Candidate is one plausible original body of a stored message.
type Candidate struct {
	// Label says what was assumed to build Body, for people and reports,
	// e.g. `content+"\n\n"+diff+sig("2.49.0")`.
	Label string
	// Body is the rebuilt body as it went over the wire (transfer-encoded
	// again where the mail was quoted-printable or base64). Line ends are
	// LF or CRLF; DKIM body canonicalization treats both as CRLF.
	Body []byte
}

// Limits on the candidates of one message.
const (
	// maxCandidates bounds the candidates BodyCandidates returns.
	maxCandidates = 64
	// maxCandidateBytes bounds the memory the candidates of one message
	// take (their shared prefixes and endings, or BodyCandidates' whole
	// bodies); fewer are built for huge patches.
	maxCandidateBytes = 64 << 20
)

// BodyCandidates returns plausible original bodies of a Patchwork patch or
// cover letter (m.Patchwork != nil), most likely first, at most 64. It is
// empty when none can be built: for messages that are not from Patchwork,
// multipart mail (Patchwork keeps no MIME structure), or a body in a
// charset other than UTF-8, US-ASCII and ISO-8859-1.
//
// Each candidate only says what the body may have been; a candidate is
// right only if its canonical hash equals the signature's bh=.
//
// The candidates vary, in this order of precedence:
//
//   - the separator between content and diff: "\n\n" (git format-patch:
//     a blank line after the diffstat), then "\n";
//   - where the text after the last hunk went: the tail of content after
//     its last (then first) "\n\n\n" moved back after the diff, or none;
//   - for quoted-printable replies, after all the layouts above: white
//     space at the end of the last line that Patchwork stripped, one or
//     two spaces (see pwLayouts);
//   - for quoted-printable mail, the encoder: Perl's MIME::QuotedPrint
//     (git-send-email), Python's email.quoprimime, a strict 76-column
//     encoder that never rejoins a lone last character (a relay that
//     converted 8bit mail, such as Microsoft Exchange), Microsoft
//     Outlook's, which breaks long lines after a space, or Apache mime4j's
//     (K-9 Mail), with or without "." escaped; for base64 mail
//     (76-column lines, as both Perl's MIME::Base64 and Python's email
//     package write them), LF or CRLF line ends and one or two final line
//     breaks;
//   - the "-- " signature that Patchwork cut: the git version that
//     X-Mailer names ("git-send-email 2.49.0" gives "-- \n2.49.0\n"), b4's
//     "Name <address>" from From, or no signature. When content still
//     holds a "-- " line (CRLF mail), that signature is used as is;
//   - the footer a mailing list appended (Mailman 2 and 3, Google
//     Groups; see pwFooters), rebuilt from the list's header fields, after
//     one blank line or none; or no footer.
//
// The verifier tries more than these: when the body looks like git
// format-patch output and no field names the git version, every git
// version as the signature, within a bound on the bytes hashed.
func BodyCandidates(m *headers.Message) []Candidate {
	plan := newPWPlan(m)
	var (
		out   []Candidate
		total int
	)
	for gi := range plan.groups {
		g := &plan.groups[gi]
		for _, e := range g.endings {
			n := len(g.prefix) + len(e.body)
			if len(out) >= maxCandidates || total+n > maxCandidateBytes {
				return out
			}
			total += n
			body := make([]byte, 0, n)
			body = append(append(body, g.prefix...), e.body...)
			out = append(out, Candidate{Label: g.candidateLabel(e.label), Body: body})
		}
	}
	return out
}

// A pwPlan is every candidate body of one message, grouped by the wire
// bytes they share: a group's candidates are its prefix followed by each
// of its endings, so the prefix (content and diff, nearly all of the
// body) is hashed once per group and each ending (the signature, the
// footer) separately, with a cloned hasher.
type pwPlan struct {
	groups []pwGroup
	// versions are the git versions to try as "-- \n<version>\n" in the
	// groups marked sweep, after every group's endings failed, made by
	// gitVersions when first needed; sweepEnd holds what may follow that
	// signature (no footer, or a footer).
	sweep    bool
	date     time.Time
	versions []string
	sweepEnd []pwText
	// Facts for explaining a failure.
	noBuild  string     // why nothing could be built ("" if something was)
	footers  []pwFooter // the footers tried
	sigKnown string     // how the "-- " signature was known: "kept", "x-mailer", "b4", ""
	looksGit bool
	cover    bool // a git cover letter: content ends with a diffstat
	dropped  bool // some candidates were left out by maxCandidateBytes
}

// gitVersions returns the git versions the sweep tries, none when it
// does not apply.
func (p *pwPlan) gitVersions() []string {
	if p.sweep && p.versions == nil {
		p.versions = pwGitVersions(p.date)
	}
	return p.versions
}

// coverLetter reports whether the body looks like a git format-patch
// cover letter, whose signature follows a blank line after the diffstat.
func (p *pwPlan) coverLetter() bool { return p.looksGit && p.cover }

// sweepSig is the text of git format-patch's signature for version v.
func (p *pwPlan) sweepSig(v string) string {
	if p.coverLetter() {
		return "\n-- \n" + v + "\n"
	}
	return "-- \n" + v + "\n"
}

// pwText is a piece of decoded text with its label.
type pwText struct{ label, text string }

// pwGroup is the candidates sharing one layout and one wire encoding.
type pwGroup struct {
	label string // the layout, e.g. `content+"\n\n"+diff`
	enc   pwVariant
	// prefix is the shared wire bytes; each candidate is prefix+ending.
	prefix []byte
	// carry is decoded text already transformed but not yet encoded
	// (base64 works in 57-byte chunks); rest is the layout's text after
	// the prefix. Every ending encodes carry + rest + its own text.
	carry   []byte
	rest    string
	endings []pwEnding
	// sweep is true when the git versions are tried here.
	sweep bool
}

// pwEnding is the wire bytes after a group's prefix, and their label
// (starting "+", e.g. `+sig("2.49.0")+"\n"+footer(mailman2)`).
type pwEnding struct {
	label string
	body  []byte
}

// candidateLabel is the label of the candidate prefix+ending.
func (g *pwGroup) candidateLabel(ending string) string {
	l := g.label + ending
	if g.enc.label != "" {
		l += "; " + g.enc.label
	}
	return l
}

// ending encodes text and then a list's footer (with what separates it)
// as an ending of g; ok is false when the charset cannot hold them.
func (g *pwGroup) ending(text, footer string) ([]byte, bool) {
	return g.enc.encodeEnd(g.carry, g.rest, text, footer)
}

// footerSeps are what may stand between the body and a list's footer:
// one blank line, none (the list adds the footer right after the last line
// when the body ends in a line break), or two (seen after git's signature,
// whose trailing blank line a list kept and added to, and three).
var footerSeps = [...]pwText{{`+"\n"+`, "\n"}, {"+", ""}, {`+"\n\n"+`, "\n\n"}, {`+"\n\n\n"+`, "\n\n\n"}}

// maxKeptSig bounds a "-- " signature kept in content: a longer tail is
// taken as content, not copied into every ending.
const maxKeptSig = 4 << 10

// newPWPlan builds the candidates of m. It never returns nil.
//
// Building is bounded as hashing is (maxPWHashWork): the groups' prefixes
// and endings, each ending counted with pwEndingCost, are built in order of
// precedence until the next one would not fit, so the plan holds what one
// search (one canonicalization, hash and l=) can hash of it, and its
// memory and work are bounded by the budget, not by the input times the
// number of endings.
func newPWPlan(m *headers.Message) *pwPlan {
	plan := &pwPlan{}
	if m == nil || m.Patchwork == nil {
		plan.noBuild = "not_patchwork"
		return plan
	}
	pw := m.Patchwork
	enc, why := pwEncoding(m)
	if why != "" {
		plan.noBuild = why
		return plan
	}
	content, diff := pw.Content, pw.Diff
	if !pw.HasDiff {
		diff = ""
	}
	if len(content)+len(diff) > maxPWHashWork {
		// Not one candidate could be hashed.
		plan.noBuild = pwWhyHashLimit
		return plan
	}
	plan.looksGit = pwLooksGit(content, diff, pw.HasDiff)
	plan.cover = diff == "" && pwDiffstatEnd(content)

	// A "-- " line left in content (CRLF mail) is the signature itself,
	// unless what follows it is too long to be one.
	var sigs []pwText
	if sig, head, ok := pwKeptSig(content, diff); ok {
		content = head
		sigs = append(sigs, pwText{"sig(kept)", sig + "\n"})
		if j := pwFooterIndex(sig); j > 0 {
			sigs = append(sigs, pwText{"sig(kept, footer cut)", strings.TrimRight(sig[:j], "\n") + "\n"})
		}
		plan.sigKnown = "kept"
	} else {
		if v := pwGitVersion(m); v != "" {
			if plan.coverLetter() {
				sigs = append(sigs, pwText{`"\n"+sig(` + strconv.Quote(v) + ")", "\n-- \n" + v + "\n"})
			}
			sigs = append(sigs, pwText{"sig(" + strconv.Quote(v) + ")", "-- \n" + v + "\n"})
			plan.sigKnown = "x-mailer"
		}
		if s := pwB4Signature(m); s != "" {
			sigs = append(sigs, pwText{"sig(b4 " + strconv.Quote(s) + ")", "-- \n" + s + "\n"})
			if plan.sigKnown == "" {
				plan.sigKnown = "b4"
			}
		}
		sigs = append(sigs, pwText{"nosig", ""})
	}

	// What may follow the signature: nothing, or a list's footer.
	plan.footers = pwFooters(m)
	tails := []pwText{{}}
	for _, f := range plan.footers {
		for _, sep := range footerSeps {
			tails = append(tails, pwText{sep.label + "footer(" + f.label + ")", sep.text + f.text})
		}
	}
	type end struct{ label, text, footer string }
	var ends []end
	for _, s := range sigs {
		for _, t := range tails {
			ends = append(ends, end{"+" + s.label + t.label, s.text, t.text})
		}
	}
	// X-Mailer names the version git-send-email ran as, which may not be
	// the git that ran format-patch (seen on real mail): the sweep runs
	// for it too, after everything else failed.
	sweep := plan.sigKnown != "kept" && plan.looksGit
	if sweep {
		plan.sweep, plan.date = true, pwMessageDate(m)
		// git's signature ends in a blank line: a footer follows it
		// after one or more.
		for _, t := range tails {
			if !strings.HasPrefix(t.label, "+footer(") {
				plan.sweepEnd = append(plan.sweepEnd, t)
			}
		}
	}

	// left is what the budget still allows; each piece is checked against
	// it before it is built, by the least it can take on the wire.
	left := maxPWHashWork
	for _, lay := range pwLayouts(content, diff, plan.looksGit, enc.cte == "quoted-printable") {
		if enc.minWire(lay.size())+pwEndingCost > left {
			plan.dropped = true
			return plan
		}
		text := lay.text()
		// The prefix ends before the text's last line, so that the
		// encoders' end-of-text rules only ever see the endings.
		cut := strings.LastIndexByte(strings.TrimRight(text, "\r\n"), '\n') + 1
		for _, v := range enc.variants() {
			if enc.minWire(cut)+pwEndingCost > left {
				plan.dropped = true
				return plan
			}
			prefix, carry, ok := v.encodeShared(text[:cut])
			if !ok {
				continue
			}
			g := pwGroup{label: lay.label, enc: v, prefix: prefix, carry: carry, rest: text[cut:], sweep: sweep && v.git && lay.git}
			used, full := len(prefix), false
			for _, e := range ends {
				if used+enc.minWire(len(g.rest)+len(e.text)+len(e.footer))+pwEndingCost > left {
					full = true
					break
				}
				body, ok := g.ending(e.text, e.footer)
				if !ok {
					continue
				}
				if used+len(body)+pwEndingCost > left {
					full = true
					break
				}
				g.endings = append(g.endings, pwEnding{e.label, body})
				used += len(body) + pwEndingCost
			}
			if len(g.endings) > 0 {
				left -= used
				plan.groups = append(plan.groups, g)
			}
			if full {
				plan.dropped = true
				return plan
			}
		}
	}
	return plan
}

// pwKeptSig finds a "-- " line left in content: sig is the signature from
// it to the end (with the blank lines before it, in a mail without a
// diff) and head the content before it. ok is false when there is none,
// or when sig is longer than maxKeptSig.
func pwKeptSig(content, diff string) (sig, head string, ok bool) {
	i := pwLineIndex(content, "-- ")
	if i < 0 || len(content)-i > maxKeptSig {
		return "", "", false
	}
	sig = content[i:]
	head = strings.TrimRight(content[:i], "\n")
	if diff == "" && len(head) < i {
		// The blank lines before the signature are kept too.
		sig = content[len(head)+1:i] + sig
	}
	if len(sig) > maxKeptSig {
		return "", "", false
	}
	return sig, head, true
}

// pwLayout is a text content and diff may have come from, before the
// signature: its parts, joined. git is true for the layouts git
// format-patch writes.
type pwLayout struct {
	label string
	parts [6]string
	git   bool
}

// size is the length of l's text.
func (l *pwLayout) size() int {
	n := 0
	for _, p := range l.parts {
		n += len(p)
	}
	return n
}

// text joins l's parts.
func (l *pwLayout) text() string { return strings.Join(l.parts[:], "") }

// pwLayouts returns the texts content and diff may have come from, before
// the signature, most likely first; a text is built only when its
// layout's text method is called.
//
// For a patch: the separator between content and diff ("\n\n", the blank
// line git writes after the diffstat, then "\n"), and where the text from
// after the last hunk went (the tail of content after its last, then
// first, "\n\n\n" moved back after the diff, or none).
//
// For other mail (replies, cover letters), content is the body; when it is
// not git output, the blank lines at its start and the white space at the
// end of its last line, which Patchwork's strip() removed, are guessed
// too: one or two leading blank lines (mail user agents that start a
// reply with them), and a last line of only quote marks ending in a space
// ("> ", a quoted blank line).
//
// In quoted-printable mail (qp), white space at the end of any last line
// shows on the wire (escaped, "=20"), where relaxed canonicalization
// keeps it: one and two spaces are tried after the layouts above, with
// and without the leading blank lines. Two stand for any number under
// relaxed canonicalization with the encoders that escape only a line's
// last white space character ("   =20" and " =20" are the same there).
func pwLayouts(content, diff string, looksGit, qp bool) []pwLayout {
	var out []pwLayout
	if diff == "" {
		out = append(out, pwLayout{`content+"\n"`, [6]string{content, "\n"}, true})
		if looksGit || content == "" {
			return out
		}
		trails := []string{"\n"}
		last := content[strings.LastIndexByte(content, '\n')+1:]
		quoteOnly := strings.Trim(last, ">") == ""
		if quoteOnly {
			trails = append(trails, " \n")
			out = append(out, pwLayout{`content+" \n"`, [6]string{content, " \n"}, false})
		}
		for _, lead := range []string{"\n", "\n\n"} {
			for _, trail := range trails {
				out = append(out, pwLayout{strconv.Quote(lead) + "+content+" + strconv.Quote(trail), [6]string{lead, content, trail}, false})
			}
		}
		if !qp {
			return out
		}
		trails = trails[:0]
		if !quoteOnly {
			trails = append(trails, " \n")
		}
		trails = append(trails, "  \n")
		for _, lead := range []string{"", "\n", "\n\n"} {
			for _, trail := range trails {
				label := "content+" + strconv.Quote(trail)
				if lead != "" {
					label = strconv.Quote(lead) + "+" + label
				}
				out = append(out, pwLayout{label, [6]string{lead, content, trail}, false})
			}
		}
		return out
	}
	type layout struct {
		head, tail string
		label      string
	}
	layouts := []layout{}
	last := strings.LastIndex(content, "\n\n\n")
	first := strings.Index(content, "\n\n\n")
	if last >= 0 {
		layouts = append(layouts, layout{content[:last], content[last+3:], "tail@last"})
	}
	if first >= 0 && first != last {
		layouts = append(layouts, layout{content[:first], content[first+3:], "tail@first"})
	}
	layouts = append(layouts, layout{head: content})
	seps := []string{"\n\n", "\n"}
	if content == "" {
		seps = []string{""}
	}
	for _, sep := range seps {
		for _, lay := range layouts {
			parts := [6]string{lay.head, sep, diff}
			if lay.label != "" {
				parts[3], parts[4], parts[5] = "\n", lay.tail, "\n"
			}
			// git writes a blank line between the diffstat and the diff.
			out = append(out, pwLayout{pwLabel(content, sep, lay.label), parts, sep != "\n"})
		}
	}
	return out
}

// pwLabel describes a patch's layout.
func pwLabel(content, sep, layout string) string {
	switch {
	case layout != "":
		return "content[:" + layout + "]+" + strconv.Quote(sep) + `+diff+"\n"+tail+"\n"`
	case content == "":
		return "diff"
	default:
		return "content+" + strconv.Quote(sep) + "+diff"
	}
}

// pwLineIndex returns the offset of the first line of s that is exactly
// line, or -1.
func pwLineIndex(s, line string) int {
	for off := 0; off < len(s); {
		end := strings.IndexByte(s[off:], '\n')
		if end < 0 {
			end = len(s) - off
		}
		if s[off:off+end] == line {
			return off
		}
		off += end + 1
	}
	return -1
}

// pwFooterIndex returns the offset of the first line of s made only of
// "_" (a mailing list footer's rule), or -1.
func pwFooterIndex(s string) int {
	for off := 0; off < len(s); {
		end := strings.IndexByte(s[off:], '\n')
		if end < 0 {
			end = len(s) - off
		}
		line := s[off : off+end]
		if line != "" && strings.Trim(line, "_") == "" {
			return off
		}
		off += end + 1
	}
	return -1
}

// pwGitVersion returns the git version that git-send-email's X-Mailer
// names ("git-send-email 2.49.0"), which git format-patch also wrote as
// the body's signature, or "". A version is at most 64 characters of
// letters, digits and ".+_-" (a developer build's is about 30); anything
// else is not taken for one.
func pwGitVersion(m *headers.Message) string {
	v, ok := m.Get("X-Mailer")
	if !ok {
		return ""
	}
	rest, ok := strings.CutPrefix(strings.TrimSpace(v), "git-send-email ")
	if !ok {
		return ""
	}
	rest = strings.TrimSpace(rest)
	if rest == "" || len(rest) > 64 {
		return ""
	}
	for i := 0; i < len(rest); i++ {
		switch c := rest[i]; {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '.', c == '+', c == '_', c == '-':
		default:
			return ""
		}
	}
	return rest
}

// pwB4Signature returns "Name <address>", the signature b4 writes, from
// the From field when the message looks sent by b4 (X-Mailer "b4 ..." or a
// patatt X-Developer-Signature), or "".
func pwB4Signature(m *headers.Message) string {
	b4 := false
	if v, ok := m.Get("X-Mailer"); ok && strings.HasPrefix(strings.TrimSpace(v), "b4 ") {
		b4 = true
	}
	if _, ok := m.Get("X-Developer-Signature"); ok {
		b4 = true
	}
	if !b4 {
		return ""
	}
	from, ok := m.Get("From")
	if !ok {
		return ""
	}
	dec := new(mime.WordDecoder)
	if d, err := dec.DecodeHeader(from); err == nil {
		from = d
	}
	from = strings.Join(strings.Fields(from), " ")
	if from == "" || len(from) > 998 {
		return ""
	}
	return from
}

// pwEnc is how a rebuilt decoded body goes back to what went over the
// wire.
type pwEnc struct {
	cte     string // "", "quoted-printable" or "base64"
	charset string // "" (UTF-8 or US-ASCII) or "iso-8859-1"
}

// pwEncoding reads Content-Type and Content-Transfer-Encoding. why is
// non-empty ("multipart", "not_text", "charset") when no candidate can be
// built.
func pwEncoding(m *headers.Message) (e pwEnc, why string) {
	if ct, ok := m.Get("Content-Type"); ok {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			// Python's email package falls back to text/plain too.
			mt, params = "text/plain", nil
		}
		switch {
		case strings.HasPrefix(mt, "multipart/"):
			return e, "multipart"
		case !strings.HasPrefix(mt, "text/"):
			return e, "not_text"
		}
		switch cs := strings.ToLower(params["charset"]); cs {
		case "", "utf-8", "utf8", "us-ascii", "ascii":
		case "iso-8859-1", "iso8859-1", "latin1", "latin-1":
			e.charset = "iso-8859-1"
		default:
			return e, "charset"
		}
	}
	if cte, ok := m.Get("Content-Transfer-Encoding"); ok {
		switch cte = strings.ToLower(strings.TrimSpace(cte)); cte {
		case "quoted-printable", "base64":
			e.cte = cte
		}
	}
	return e, ""
}

// minWire is the fewest bytes n bytes of decoded text take on the wire,
// which building checks before it encodes them: n in UTF-8 8bit mail, n/2
// otherwise (ISO-8859-1 halves two-byte characters; quoted-printable and
// base64 writers may drop the CR of CRLF). Only text ending in a run of
// line breaks, which base64 endings drop, takes less; for such (hostile)
// text building stops early, never late.
func (e pwEnc) minWire(n int) int {
	if e.cte == "" && e.charset == "" {
		return n
	}
	return n / 2
}

// pwVariant is one way of writing decoded text on the wire.
type pwVariant struct {
	label  string
	kind   pwKind
	latin1 bool
	// git is true for the wire forms git-send-email writes (8bit and
	// Perl's quoted-printable), where a git version is worth sweeping.
	git bool
}

type pwKind uint8

const (
	pwPlain pwKind = iota
	pwQPPerl
	pwQPPython
	pwQP76
	pwQPWrap       // word-wrapping quoted-printable (Microsoft Outlook)
	pwQPMime4j     // Apache mime4j's QuotedPrintableOutputStream
	pwQPMime4jDots // mime4j escaping "." too (K-9 Mail)
	pwB64LF2       // base64, LF line ends, the text ending "\n\n"
	pwB64LF1       // base64, LF, ending "\n"
	pwB64CRLF1     // base64, CRLF, ending "\r\n"
	pwB64CRLF2     // base64, CRLF, ending "\r\n\r\n"
)

// variants returns the wire forms of e, most likely first.
func (e pwEnc) variants() []pwVariant {
	l1 := e.charset == "iso-8859-1"
	switch e.cte {
	case "quoted-printable":
		return []pwVariant{
			{"qp(perl)", pwQPPerl, l1, true},
			{"qp(python)", pwQPPython, l1, false},
			{"qp(76, no rejoin)", pwQP76, l1, false},
			{"qp(word wrap)", pwQPWrap, l1, false},
			{"qp(mime4j)", pwQPMime4j, l1, false},
			{`qp(mime4j, "." escaped)`, pwQPMime4jDots, l1, false},
		}
	case "base64":
		// Every byte counts inside base64: the number of final newlines,
		// and CRLF (mail user agents) or LF (git) line ends.
		return []pwVariant{
			{`base64(end "\n\n")`, pwB64LF2, l1, false},
			{`base64(end "\n")`, pwB64LF1, l1, false},
			{`base64(CRLF, end "\r\n")`, pwB64CRLF1, l1, false},
			{`base64(CRLF, end "\r\n\r\n")`, pwB64CRLF2, l1, false},
		}
	}
	return []pwVariant{{"", pwPlain, l1, true}}
}

// raw returns text in the body's charset.
func (v pwVariant) raw(text string) ([]byte, bool) {
	return v.appendRaw(nil, text)
}

// appendRaw appends texts to dst in the body's charset.
func (v pwVariant) appendRaw(dst []byte, texts ...string) ([]byte, bool) {
	for _, t := range texts {
		if !v.latin1 {
			dst = append(dst, t...)
			continue
		}
		var ok bool
		if dst, ok = pwAppendLatin1(dst, t); !ok {
			return nil, false
		}
	}
	return dst, true
}

func (v pwVariant) base64() bool { return v.kind >= pwB64LF2 }

// lines encodes raw with a line by line encoding (not base64); start is
// true when raw is the start of the body (mime4j allows its first line one
// more character).
func (v pwVariant) lines(raw []byte, start bool) []byte {
	switch v.kind {
	case pwQPPerl:
		return perlQP(raw, true)
	case pwQPPython:
		return pythonQP(raw)
	case pwQP76:
		return perlQP(raw, false)
	case pwQPWrap:
		return wrapQP(raw)
	case pwQPMime4j:
		return mime4jQP(raw, false, start)
	case pwQPMime4jDots:
		return mime4jQP(raw, true, start)
	}
	return raw
}

// encodeShared encodes s, the start of a body up to a line break: wire is
// its encoding and carry the transformed text left for the endings (base64
// encodes 57-byte chunks; for line by line encodings, carry is s's last
// line break, telling the endings that they do not start the body). For
// every text t not made only of line breaks, wire + encodeEnd(carry, t) is
// the encoding of s+t.
func (v pwVariant) encodeShared(s string) (wire, carry []byte, ok bool) {
	raw, ok := v.raw(s)
	if !ok {
		return nil, nil, false
	}
	if !v.base64() {
		if len(raw) > 0 {
			carry = raw[len(raw)-1:]
		}
		return v.lines(raw, true), carry, true
	}
	if v.kind == pwB64CRLF1 || v.kind == pwB64CRLF2 {
		raw = []byte(pwToCRLF(string(raw)))
	}
	k := len(raw) / 57 * 57
	return base64Lines(raw[:k]), raw[k:], true
}

// encodeEnd encodes the end of a body, rest+t, after the carry
// encodeShared left, followed by footer, text a list appended. A list
// decodes a base64 body, appends its footer with LF line ends whatever the
// body's, and encodes the result again; every other encoding is line by
// line, so the footer is encoded as the body is.
func (v pwVariant) encodeEnd(carry []byte, rest, t, footer string) ([]byte, bool) {
	if !v.base64() {
		raw, ok := v.appendRaw(make([]byte, 0, len(rest)+len(t)+len(footer)), rest, t, footer)
		if !ok {
			return nil, false
		}
		return v.lines(raw, len(carry) == 0), true
	}
	raw, ok := v.appendRaw(make([]byte, 0, len(rest)+len(t)+2), rest, t)
	if !ok {
		return nil, false
	}
	foot, ok := v.raw(footer)
	if !ok {
		return nil, false
	}
	raw = append(bytes.TrimRight(raw, "\r\n"), '\n')
	switch v.kind {
	case pwB64LF2:
		raw = append(raw, '\n')
	case pwB64CRLF1:
		raw = []byte(pwToCRLF(string(raw)))
	case pwB64CRLF2:
		raw = append([]byte(pwToCRLF(string(raw))), '\r', '\n')
	}
	b := make([]byte, 0, len(carry)+len(raw)+len(foot))
	return base64Lines(append(append(append(b, carry...), raw...), foot...)), true
}

// pwToCRLF turns every LF not preceded by CR into CRLF.
func pwToCRLF(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/32)
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' && (i == 0 || s[i-1] != '\r') {
			b.WriteByte('\r')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// pwAppendLatin1 appends UTF-8 text s to out as ISO-8859-1; ok is false
// if s has a character outside it.
func pwAppendLatin1(out []byte, s string) ([]byte, bool) {
	for _, r := range s {
		if r > 0xff || r == utf8.RuneError {
			return nil, false
		}
		out = append(out, byte(r))
	}
	return out, true
}

// base64Lines encodes b as base64 in lines of 76 characters, each ended by
// LF (Perl's MIME::Base64::encode and Python's email package alike).
func base64Lines(b []byte) []byte {
	const per = 57 // bytes per 76-character line
	out := make([]byte, 0, base64.StdEncoding.EncodedLen(len(b))+len(b)/per+1)
	for i := 0; i < len(b); i += per {
		j := min(i+per, len(b))
		out = base64.StdEncoding.AppendEncode(out, b[i:j])
		out = append(out, '\n')
	}
	return out
}

const qpMaxLine = 76

// qpPlain reports whether Perl's encode_qp writes c as itself.
func qpPlain(c byte) bool { return c == '\t' || (c >= ' ' && c <= '~' && c != '=') }

const hexUpper = "0123456789ABCDEF"

// perlQP encodes b as Perl's MIME::QuotedPrint::encode($b, "\n", 0) does
// (MIME-Base64's XS encode_qp, which git-send-email calls): lines of at
// most 76 characters, soft breaks "=\n", white space before a line end
// escaped, and a final soft break when b does not end in a newline.
//
// With rejoin false, a single character left after a soft break before a
// line end stays on its own line ("...=\n)\n"), as older encoders and
// relays that convert 8bit mail (Microsoft Exchange, seen on real mail)
// write it.
func perlQP(b []byte, rejoin bool) []byte {
	out := make([]byte, 0, len(b)+len(b)/16+8)
	linelen := 0
	p := 0
	for {
		beg := p
		for p < len(b) && qpPlain(b[p]) {
			p++
		}
		if p == len(b) || b[p] == '\n' {
			// White space at the end of a line is escaped.
			for p > beg && (b[p-1] == ' ' || b[p-1] == '\t') {
				p--
			}
		}
		plain := b[beg:p]
		// (The XS compares unsigned lengths: past 75 columns, which only
		// an escape right before a line end reaches, nothing is split.)
		for linelen <= qpMaxLine-1 && len(plain) > qpMaxLine-1-linelen {
			n := qpMaxLine - 1 - linelen
			out = append(out, plain[:n]...)
			out = append(out, '=', '\n')
			plain = plain[n:]
			linelen = 0
		}
		if len(plain) > 0 {
			out = append(out, plain...)
			linelen += len(plain)
		}
		if p == len(b) {
			break
		}
		if b[p] == '\n' {
			if rejoin && linelen == 1 && len(out) > 3 && out[len(out)-3] == '=' && out[len(out)-2] == '\n' {
				// A lone character after a soft break: join it back.
				out[len(out)-3] = out[len(out)-1]
				out[len(out)-2] = '\n'
				out = out[:len(out)-1]
			} else {
				out = append(out, '\n')
			}
			p++
			linelen = 0
			continue
		}
		if linelen > qpMaxLine-4 && !(linelen == qpMaxLine-3 && p+1 < len(b) && b[p+1] == '\n') {
			out = append(out, '=', '\n')
			linelen = 0
		}
		out = append(out, '=', hexUpper[b[p]>>4], hexUpper[b[p]&15])
		p++
		linelen += 3
	}
	if len(out) > 0 && linelen > 0 {
		out = append(out, '=', '\n')
	}
	return out
}

// pythonQP encodes b as Python's email.quoprimime.body_encode(s, 76, "\n")
// does for the latin-1 string s of b's bytes, the way the email package's
// set_content writes a quoted-printable text part.
func pythonQP(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	// Escape everything but printable ASCII (without "="), space, tab,
	// CR and LF.
	quoted := make([]byte, 0, len(b)+len(b)/8)
	for _, c := range b {
		if (c >= ' ' && c <= '~' && c != '=') || c == '\t' || c == '\r' || c == '\n' {
			quoted = append(quoted, c)
		} else {
			quoted = append(quoted, '=', hexUpper[c>>4], hexUpper[c&15])
		}
	}
	out := make([]byte, 0, len(quoted)+len(quoted)/32+8)
	first := true
	emit := func(s []byte) {
		if !first {
			out = append(out, '\n')
		}
		first = false
		out = append(out, s...)
	}
	const maxlinelen1 = qpMaxLine - 1
	// str.splitlines on the quoted text: only CR, LF and CRLF remain.
	for rest := quoted; len(rest) > 0; {
		var line []byte
		i := 0
		for i < len(rest) && rest[i] != '\r' && rest[i] != '\n' {
			i++
		}
		line = rest[:i]
		switch {
		case i == len(rest):
			rest = nil
		case rest[i] == '\r' && i+1 < len(rest) && rest[i+1] == '\n':
			rest = rest[i+2:]
		default:
			rest = rest[i+1:]
		}
		start := 0
		laststart := len(line) - 1 - qpMaxLine
		for start <= laststart {
			stop := start + maxlinelen1
			switch {
			case line[stop-2] == '=':
				emit(line[start : stop-1])
				start = stop - 2
			case line[stop-1] == '=':
				emit(line[start:stop])
				start = stop - 1
			default:
				emit(append(append([]byte(nil), line[start:stop]...), '='))
				start = stop
			}
		}
		if n := len(line); n > 0 && (line[n-1] == ' ' || line[n-1] == '\t') {
			ws := line[n-1]
			q := []byte{'=', hexUpper[ws>>4], hexUpper[ws&15]}
			var tail []byte
			switch room := start - laststart; {
			case room >= 3:
				tail = q
			case room == 2:
				tail = []byte{ws, '=', '\n'}
			default:
				tail = append([]byte{'=', '\n'}, q...)
			}
			seg := line[start : n-1]
			if start > n-1 {
				seg = nil
			}
			emit(append(append([]byte(nil), seg...), tail...))
		} else {
			emit(line[start:])
		}
	}
	if c := b[len(b)-1]; c == '\r' || c == '\n' {
		emit(nil)
	}
	return out
}

// qpEscape appends c as "=XX".
func qpEscape(out []byte, c byte) []byte {
	return append(out, '=', hexUpper[c>>4], hexUpper[c&15])
}

// wrapQPMax is the most characters before the "=" of a soft line break
// that wrapQP writes: with "=" and CRLF, 76 octets.
const wrapQPMax = qpMaxLine - 3

// wrapQP encodes b the way Microsoft Outlook was seen to (Outlook 15.0 on
// real mail): a line longer than 74 characters is broken after its last
// space that leaves at most 73 characters before the "=" of the soft
// break (each line, its "=" and CRLF, 76 octets at most), or, with no
// such space, after 73 characters; the last white space character before
// a line end is escaped; no final soft break.
func wrapQP(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/16+8)
	var enc []byte
	for len(b) > 0 {
		line, nl := b, false
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b, nl = b[:i], b[i+1:], true
		} else {
			b = nil
		}
		enc = enc[:0]
		for i, c := range line {
			switch {
			case (c == ' ' || c == '\t') && i == len(line)-1 && nl:
				enc = qpEscape(enc, c)
			case qpPlain(c):
				enc = append(enc, c)
			default:
				enc = qpEscape(enc, c)
			}
		}
		// A break at k must not split an escape: enc holds "=" only as
		// the start of one.
		atom := func(k int) bool { return enc[k-1] != '=' && (k < 2 || enc[k-2] != '=') }
		s := 0
		for len(enc)-s > wrapQPMax+1 {
			k := 0
			for j := s + wrapQPMax; j > s; j-- {
				if atom(j) && enc[j-1] == ' ' {
					k = j
					break
				}
			}
			if k == 0 {
				k = s + wrapQPMax
				for !atom(k) {
					k--
				}
			}
			out = append(append(out, enc[s:k]...), '=', '\n')
			s = k
		}
		out = append(out, enc[s:]...)
		if nl {
			out = append(out, '\n')
		}
	}
	return out
}

// mime4jQP encodes b as Apache mime4j's QuotedPrintableOutputStream does
// in text mode (K-9 Mail for Android writes quoted-printable with it; one
// version escapes "." too, dots). Its soft break is decided before each
// character it writes, on a count of what is left of the line: a line
// holds 74 characters and the "=" of a soft break, a line after a soft
// break (whose first character is not counted) and the body's first line
// (start) 75. Only the last white space character before a line end is
// escaped; CRLF and LF both end a line; no final soft break.
func mime4jQP(b []byte, dots, start bool) []byte {
	out := make([]byte, 0, len(b)+len(b)/16+8)
	left := qpMaxLine
	if start {
		left++
	}
	soft := func(need int) {
		left--
		if left <= need {
			out = append(out, '=', '\n')
			left = qpMaxLine
		}
	}
	plain := func(c byte) {
		soft(1)
		out = append(out, c)
	}
	escape := func(c byte) {
		soft(3)
		out = qpEscape(out, c)
		left -= 2
	}
	var pending byte // a space or tab not yet written
	for i, c := range b {
		switch {
		case c == '\n' || c == '\r' && i+1 < len(b) && b[i+1] == '\n':
			if c == '\r' {
				continue
			}
			if pending != 0 {
				escape(pending)
				pending = 0
			}
			out = append(out, '\n')
			left = qpMaxLine
			continue
		}
		if pending != 0 {
			plain(pending)
			pending = 0
		}
		switch {
		case c == ' ' || c == '\t':
			pending = c
		case c >= ' ' && c <= '~' && c != '=' && !(dots && c == '.'):
			plain(c)
		default:
			escape(c)
		}
	}
	if pending != 0 {
		plain(pending)
	}
	return out
}

// FieldVariants returns other plausible original spellings of a header
// field that Patchwork may have re-encoded, most likely first, or nil when
// there are none. Patchwork stores each field through Python's
// make_header(decode_header(v)).encode(), which
//
//   - writes RFC 2047 encoded words in lower case ("=?utf-8?q?...?="),
//     where senders mostly wrote "=?UTF-8?Q?...?=", and spaces in Q words
//     as "_" where git writes "=20";
//   - refolds long fields, so a field's original folding is lost. Relaxed
//     header canonicalization does not see folding; for simple, the
//     field unfolded and the field folded with tabs are offered.
//
// At most 16 variants are returned.
func FieldVariants(f headers.Field) []headers.Field {
	words := pwEncodedWords(f.Value)
	type spell struct {
		upperCharset, upperEnc, spaceHex bool
	}
	var spells []spell
	if len(words) > 0 {
		hasUnderscore := false
		for _, w := range words {
			if strings.EqualFold(w.enc, "q") && strings.Contains(w.text, "_") {
				hasUnderscore = true
			}
		}
		for _, sp := range []bool{false, true} {
			if sp && !hasUnderscore {
				continue
			}
			for _, s := range []spell{{true, true, sp}, {true, false, sp}, {false, true, sp}, {false, false, sp}} {
				spells = append(spells, s)
			}
		}
	}
	values := []string{f.Value}
	seen := map[string]bool{f.Value: true}
	addValue := func(v string) {
		if !seen[v] {
			seen[v] = true
			values = append(values, v)
		}
	}
	for _, s := range spells {
		addValue(pwRespell(f.Value, words, s.upperCharset, s.upperEnc, s.spaceHex))
	}
	// Folding variants of each spelling.
	n := len(values)
	for i := 0; i < n; i++ {
		if strings.Contains(values[i], "\n") {
			addValue(pwUnfoldKeep(values[i]))
			addValue(pwTabFold(values[i]))
		}
	}
	var out []headers.Field
	for _, v := range values[1:] {
		if len(out) == 16 {
			break
		}
		out = append(out, headers.Field{Name: f.Name, Value: v})
	}
	return out
}

// pwWord is an RFC 2047 encoded word found in a field value.
type pwWord struct {
	start, end         int // the word is value[start:end]
	charset, enc, text string
	charsetOff, encOff int
	textOff            int
}

// pwEncodedWords finds "=?charset?enc?text?=" words in v, in time linear
// in len(v): the next "?=" and the next white space after a word's start
// are searched for once and kept until a later word starts past them, so
// that words which never close do not each scan the rest of v.
func pwEncodedWords(v string) []pwWord {
	var out []pwWord
	// closeAt and spaceAt are the first "?=" and white space at or after
	// some offset up to the current word's text; len(v) when there is none.
	closeAt, spaceAt := -1, -1
	for i := 0; i+1 < len(v); {
		j := strings.Index(v[i:], "=?")
		if j < 0 {
			break
		}
		s := i + j
		rest := v[s+2:]
		q1 := strings.IndexByte(rest, '?')
		if q1 <= 0 || q1+2 >= len(rest) || rest[q1+2] != '?' {
			i = s + 2
			continue
		}
		enc := rest[q1+1 : q1+2]
		if !strings.EqualFold(enc, "q") && !strings.EqualFold(enc, "b") {
			i = s + 2
			continue
		}
		textOff := s + 2 + q1 + 3
		if closeAt < textOff {
			closeAt = pwIndexFrom(v, textOff, strings.Index(v[textOff:], "?="))
		}
		if closeAt == len(v) {
			break // no word after this one closes either
		}
		if spaceAt < textOff {
			spaceAt = pwIndexFrom(v, textOff, strings.IndexAny(v[textOff:], " \t\r\n"))
		}
		if spaceAt < closeAt || strings.ContainsAny(rest[:q1], " \t\r\n") {
			i = s + 2
			continue
		}
		w := pwWord{
			start:      s,
			end:        closeAt + 2,
			charset:    rest[:q1],
			enc:        enc,
			text:       v[textOff:closeAt],
			charsetOff: s + 2,
			encOff:     s + 2 + q1 + 1,
			textOff:    textOff,
		}
		out = append(out, w)
		i = w.end
	}
	return out
}

// pwIndexFrom turns the index k in v[off:] into one in v, len(v) for -1.
func pwIndexFrom(v string, off, k int) int {
	if k < 0 {
		return len(v)
	}
	return off + k
}

// pwRespell rewrites the encoded words of v.
func pwRespell(v string, words []pwWord, upperCharset, upperEnc, spaceHex bool) string {
	var b strings.Builder
	last := 0
	for _, w := range words {
		b.WriteString(v[last:w.start])
		cs, enc, text := strings.ToLower(w.charset), strings.ToLower(w.enc), w.text
		if upperCharset {
			cs = strings.ToUpper(cs)
		}
		if spaceHex && enc == "q" {
			text = strings.ReplaceAll(text, "_", "=20")
		}
		if upperEnc {
			enc = strings.ToUpper(enc)
		}
		b.WriteString("=?" + cs + "?" + enc + "?" + text + "?=")
		last = w.end
	}
	b.WriteString(v[last:])
	return b.String()
}

// pwUnfoldKeep removes line breaks but keeps the white space after them.
func pwUnfoldKeep(v string) string {
	v = strings.ReplaceAll(v, "\r\n", "")
	return strings.ReplaceAll(v, "\n", "")
}

// pwTabFold makes every folding line break continue with a tab.
func pwTabFold(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		b.WriteByte(v[i])
		if v[i] == '\n' && i+1 < len(v) && v[i+1] == ' ' {
			b.WriteByte('\t')
			i++
		}
	}
	return b.String()
}
