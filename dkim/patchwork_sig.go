package dkim

import (
	"mime"
	"strconv"
	"strings"
	"time"

	"github.com/mailprov/mailprov/headers"
)

// pwLineIndex returns the offset of the first line of s that is exactly
// line, or -1.
func pwLineIndex(s, line string) int {
	return pwLineFunc(s, func(l string) bool { return l == line })
}

// pwLineFunc returns the offset of the first line of s for which f is
// true, or -1.
func pwLineFunc(s string, f func(line string) bool) int {
	for off := 0; off < len(s); {
		end := strings.IndexByte(s[off:], '\n')
		if end < 0 {
			end = len(s) - off
		}
		if f(s[off : off+end]) {
			return off
		}
		off += end + 1
	}
	return -1
}

// pwFooterIndex returns the offset of the first line of s made only of
// "_" (a mailing list footer's rule), or -1.
func pwFooterIndex(s string) int {
	return pwLineFunc(s, func(l string) bool { return l != "" && strings.Trim(l, "_") == "" })
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

// When a patch was sent without an X-Mailer naming git-send-email (other
// mailers, relays that drop the field, b4 with a git signature), the
// version in git format-patch's "-- \n<version>\n" signature is unknown.
// It is one of a few hundred strings, so each is tried as an ending of a
// prefix hashed once (see pwPlan).
//
// Versions tried: 2.0.0 to 2.55.9 (patch levels 0 to 9; no git release
// went beyond .9), Git for Windows' "2.x.y.windows.N" (N 1 or 2, patch
// levels 0 to 3, the builds it ships), and 1.8.3.1, 1.7.1 and 1.9.1, the
// old versions long-lived distributions (RHEL 7 and 6, Ubuntu 14.04)
// still send with (1.8.3.1 seen in the corpus). Release candidates
// ("2.41.0.rc2") are left out: only git's own developers run them, mostly
// as builds whose version also carries a commit count and hash, which
// cannot be guessed.
const (
	pwGitNewestMinor = 55
	pwGitMaxPatch    = 9
)

// pwGitMinorAt estimates the newest git 2.x minor release out at t: 2.0.0
// came out on 2014-05-28 and a minor release has followed about every 12
// weeks since (80 days on average: 2.41.0 on 2023-06-01, 2.49.0 on
// 2025-03-14).
func pwGitMinorAt(t time.Time) int {
	start := time.Date(2014, 5, 28, 0, 0, 0, 0, time.UTC)
	const every = 80 * 24 * time.Hour
	if t.Before(start) {
		return 0
	}
	return min(int(t.Sub(start)/every), pwGitNewestMinor)
}

// pwGitVersions returns the git versions to try for a message dated t
// (zero: unknown), most likely first: minor releases from the one before
// the newest out at t (distributions lag behind) outwards, newer first on
// ties, then releases newer than t could have seen (the date may be
// wrong); each with patch levels 0 to 4 and Git for Windows' first builds
// of levels 0 to 2, then all again with the rarer builds; then the old 1.x
// versions.
func pwGitVersions(t time.Time) []string {
	newest := pwGitNewestMinor
	if !t.IsZero() {
		newest = pwGitMinorAt(t) + 1 // one of slack for a late Date
	}
	center := max(newest-2, 0)
	minors := make([]int, 0, pwGitNewestMinor+1)
	for d := 0; len(minors) <= newest; d++ {
		if v := center + d; v <= newest && d >= 0 {
			minors = append(minors, v)
		}
		if v := center - d; d > 0 && v >= 0 {
			minors = append(minors, v)
		}
	}
	for v := newest + 1; v <= pwGitNewestMinor; v++ {
		minors = append(minors, v)
	}
	out := make([]string, 0, len(minors)*(pwGitMaxPatch+1+8)+3)
	v := func(mi, p int) string { return "2." + strconv.Itoa(mi) + "." + strconv.Itoa(p) }
	// First the common builds: patch levels up to 4, and Git for
	// Windows' first build of levels up to 2; then the rest.
	for _, mi := range minors {
		for p := 0; p <= 4; p++ {
			out = append(out, v(mi, p))
		}
		for p := 0; p <= 2; p++ {
			out = append(out, v(mi, p)+".windows.1")
		}
	}
	for _, mi := range minors {
		for p := 5; p <= pwGitMaxPatch; p++ {
			out = append(out, v(mi, p))
		}
		out = append(out, v(mi, 3)+".windows.1")
		for p := 0; p <= 3; p++ {
			out = append(out, v(mi, p)+".windows.2")
		}
	}
	return append(out, "1.8.3.1", "1.7.1", "1.9.1")
}

// pwMessageDate returns the message's Date, or zero.
func pwMessageDate(m *headers.Message) time.Time {
	d := pwField(m, "Date")
	if d == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC1123Z, "Mon, 2 Jan 2006 15:04:05 -0700", "2 Jan 2006 15:04:05 -0700", time.RFC1123} {
		if i := strings.Index(d, " ("); i > 0 {
			d = d[:i]
		}
		if t, err := time.Parse(layout, d); err == nil {
			return t
		}
	}
	return time.Time{}
}

// pwLooksGit reports whether the stored parts look like git format-patch
// output: a diff after a commit message ending in "---" (or no message
// at all), or a cover letter with its diffstat summary line.
func pwLooksGit(content, diff string, hasDiff bool) bool {
	if hasDiff && diff != "" {
		return content == "" || pwLineIndex(content, "---") >= 0
	}
	return pwLineFunc(content, pwDiffstatLine) >= 0
}

// pwDiffstatEnd reports whether the last line of content is a diffstat
// summary (" 2 files changed, 5 insertions(+)"), as a git cover letter's
// is.
func pwDiffstatEnd(content string) bool {
	content = strings.TrimRight(content, "\n")
	return pwDiffstatLine(content[strings.LastIndexByte(content, '\n')+1:])
}

// pwDiffstatLine reports whether line is a diffstat summary.
func pwDiffstatLine(line string) bool {
	return strings.HasPrefix(line, " ") && (strings.Contains(line, " files changed") || strings.Contains(line, " file changed"))
}
