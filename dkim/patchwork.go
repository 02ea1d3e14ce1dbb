package dkim

import (
	"strconv"
	"strings"
	"time"

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
	// maxCandidateBytes bounds the bytes of the whole bodies
	// BodyCandidates returns, fewer for huge patches. It is not a bound on
	// memory: the plan they are copied from is bounded by maxPWHashWork
	// (newPWPlan), and building it allocates a few times that at most.
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
//     one blank line, none, two or three (footerSeps); or no footer.
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
// footer) separately, by a hasher restored to the prefix's saved state.
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
	dropped  bool // building stopped at maxPWHashWork: some candidates were left out
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
