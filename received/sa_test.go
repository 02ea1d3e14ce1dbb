package received

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// saRelay is SpamAssassin's reading of one Received field, from the
// "[ ip=... rdns=... ]" strings in t/rcvd_parser.t.
type saRelay map[string]string

var saKeys = []string{"ip", "rdns", "helo", "by", "ident", "envfrom", "intl", "id", "auth", "msa"}

func parseSARelay(s string) saRelay {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "[ ")
	s = strings.TrimSuffix(s, " ]")
	r := saRelay{}
	// Values may hold spaces ("auth=GMX (SMTP / mail.gmx.net)"), so cut at
	// the next known " key=".
	type pos struct {
		key string
		at  int
	}
	var ps []pos
	for _, k := range saKeys {
		if strings.HasPrefix(s, k+"=") {
			ps = append(ps, pos{k, 0})
		}
		if i := strings.Index(s, " "+k+"="); i >= 0 {
			ps = append(ps, pos{k, i + 1})
		}
	}
	for i := range ps {
		for j := i + 1; j < len(ps); j++ {
			if ps[j].at < ps[i].at {
				ps[i], ps[j] = ps[j], ps[i]
			}
		}
	}
	for i, p := range ps {
		end := len(s)
		if i+1 < len(ps) {
			end = ps[i+1].at - 1
		}
		r[p.key] = s[p.at+len(p.key)+1 : end]
	}
	return r
}

type saCase struct {
	line     int
	value    string
	expected string
}

func loadSACases(t *testing.T) []saCase {
	t.Helper()
	path := filepath.Join(sharedDir(t), "corpus", "spamassassin", "rcvd_parser_cases.tsv")
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("../shared not present: %v", err)
	}
	defer f.Close()
	var out []saCase
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		if n == 1 {
			continue
		}
		v, exp, _ := strings.Cut(sc.Text(), "\t")
		out = append(out, saCase{line: n, value: v, expected: exp})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// ourSA renders a hop in SpamAssassin's terms: an address-literal HELO is
// written "!addr!", and auth is compared as "authenticated or not" because
// SpamAssassin names the submission software there ("Sendmail", "Postfix",
// "CriticalPath") while mailprov keeps the identity.
func ourSA(h Hop) map[string]string {
	helo := h.From.HELO
	if strings.HasPrefix(helo, "[") && strings.HasSuffix(helo, "]") {
		helo = "!" + strings.TrimPrefix(helo[1:len(helo)-1], "IPv6:") + "!"
	}
	ip := ""
	if h.From.IP.IsValid() {
		ip = h.From.IP.String()
	}
	auth := ""
	if h.Authenticated {
		auth = "yes"
	}
	return map[string]string{
		"ip": ip, "rdns": h.From.RDNS, "helo": helo, "by": h.By,
		"ident": h.From.Ident, "envfrom": h.EnvelopeFrom, "id": h.ID, "auth": auth,
	}
}

var saCompared = []string{"ip", "rdns", "helo", "by", "ident", "envfrom", "id", "auth"}

// saKnownDiffs lists each field where mailprov reads a row differently
// from SpamAssassin, keyed "line:field", with the reason mailprov's
// reading is kept.
var saKnownDiffs = map[string]string{
	"47:helo": "ecelerity wrote the client's HELO literal [127.0.0.1] as the from-domain; " +
		"RFC 5321 §4.4 makes that the HELO, SpamAssassin's ecelerity rule drops it",
	"92:rdns": "qmail writes the address as the name when reverse DNS failed; " +
		"an address is not a reverse-DNS name, so rdns stays empty",
	"125:auth": "GMX's \"with SMTP\" hop shows no authentication in the field; " +
		"SpamAssassin flags it from site knowledge of GMX's mp* submission hosts",
}

func TestSpamAssassinAgreement(t *testing.T) {
	cases := loadSACases(t)
	total, agree := 0, 0
	for _, c := range cases {
		if c.expected == "" {
			// SpamAssassin skips the line (local delivery, fetchmail,
			// scanners); nothing to compare.
			continue
		}
		want := parseSARelay(c.expected)
		h, err := Parse(c.value)
		if err != nil {
			t.Errorf("line %d: %v", c.line, err)
			continue
		}
		got := ourSA(h)
		for _, f := range saCompared {
			w := want[f]
			if f == "auth" && w != "" {
				w = "yes"
			}
			total++
			key := strings.Join([]string{itoa(c.line), f}, ":")
			if got[f] == w {
				agree++
				if _, listed := saKnownDiffs[key]; listed {
					t.Errorf("line %d %s: listed as a difference but agrees now (%q)", c.line, f, w)
				}
				continue
			}
			if _, listed := saKnownDiffs[key]; !listed {
				t.Errorf("line %d %s: got %q, SpamAssassin %q\n\t%s", c.line, f, got[f], w, c.value)
			}
		}
	}
	pct := 100 * float64(agree) / float64(total)
	t.Logf("SpamAssassin agreement: %d/%d fields (%.1f%%), %d listed differences", agree, total, pct, len(saKnownDiffs))
	if pct < 95 {
		t.Errorf("agreement %.1f%% is below 95%%", pct)
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
