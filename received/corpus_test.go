package received

import (
	"bytes"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// corpusReceived returns every Received field value in the shared corpus,
// keyed by file. Messages and mboxes are split here with a plain header
// unfolding; that is enough to find Received fields.
func corpusReceived(t *testing.T) map[string][]string {
	t.Helper()
	root := filepath.Join(sharedDir(t), "corpus")
	out := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".tsv") || strings.HasSuffix(path, ".md") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
		rel, _ := filepath.Rel(root, path)
		for _, msg := range splitMbox(string(b)) {
			out[rel] = append(out[rel], receivedFields(msg)...)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func splitMbox(s string) []string {
	if !strings.HasPrefix(s, "From ") {
		return []string{s}
	}
	var msgs []string
	for _, part := range strings.Split("\n"+s, "\nFrom ") {
		if part == "" {
			continue
		}
		if _, rest, ok := strings.Cut(part, "\n"); ok {
			msgs = append(msgs, rest)
		}
	}
	return msgs
}

func receivedFields(msg string) []string {
	var fields []string
	var cur *strings.Builder
	flush := func() {
		if cur != nil {
			f := cur.String()
			if len(f) > 9 && strings.EqualFold(f[:9], "received:") {
				fields = append(fields, strings.TrimSpace(f[9:]))
			}
		}
		cur = nil
	}
	for _, line := range strings.Split(msg, "\n") {
		if line == "" {
			break
		}
		if (line[0] == ' ' || line[0] == '\t') && cur != nil {
			cur.WriteString("\n" + line)
			continue
		}
		flush()
		cur = &strings.Builder{}
		cur.WriteString(line)
	}
	flush()
	return fields
}

var (
	reIPv4 = regexp.MustCompile(`(?:^|[^\w.:])(\d{1,3}(?:\.\d{1,3}){3})(?:$|[^\w.])`)
	reIPv6 = regexp.MustCompile(`\[(?:IPv6:)?([0-9A-Fa-f:.]*:[0-9A-Fa-f:.]+)\]`)
	reDate = regexp.MustCompile(`\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{2,4} \d{1,2}:\d{2}`)
)

// clientIPText returns a valid address written in the from part of v
// (before " by "), if any.
func clientIPText(v string) (netip.Addr, bool) {
	from := strings.Join(strings.Fields(v), " ")
	if k := strings.Index(strings.ToLower(from), " by "); k >= 0 {
		from = from[:k]
	}
	for _, m := range reIPv6.FindAllStringSubmatch(from, -1) {
		if a, err := netip.ParseAddr(m[1]); err == nil {
			return a, true
		}
	}
	for _, m := range reIPv4.FindAllStringSubmatch(from, -1) {
		if a, err := netip.ParseAddr(m[1]); err == nil {
			return a, true
		}
	}
	return netip.Addr{}, false
}

func TestCorpus(t *testing.T) {
	files := corpusReceived(t)
	total, withIP, withTime, warned := 0, 0, 0, 0
	for file, values := range files {
		for _, v := range values {
			total++
			h, err := Parse(v)
			if err != nil {
				t.Errorf("%s: %v\n\t%s", file, err, v)
				continue
			}
			if len(h.Warnings) > 0 {
				warned++
			}
			if _, ok := clientIPText(v); ok {
				withIP++
				if !h.From.IP.IsValid() {
					t.Errorf("%s: no IP read from\n\t%s", file, v)
				}
			}
			if reDate.MatchString(strings.Join(strings.Fields(v), " ")) {
				withTime++
				if h.Time.IsZero() {
					t.Errorf("%s: no time read from\n\t%s\n\twarnings: %v", file, v, h.Warnings)
				}
			}
		}
		c := NewChain(values, Options{})
		if len(c.Hops) != len(values) {
			t.Errorf("%s: %d hops from %d fields", file, len(c.Hops), len(values))
		}
	}
	t.Logf("%d files, %d Received fields: %d with an address in the text, %d with a date; %d hops carry warnings",
		len(files), total, withIP, withTime, warned)
	if total < 1000 {
		t.Errorf("only %d Received fields found; corpus incomplete?", total)
	}
}
