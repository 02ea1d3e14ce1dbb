package headers

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// addSeedValues adds the values of a testdata seed file: "#" comment lines
// at the top, values separated by lines holding only "----".
func addSeedValues(f *testing.F, name string) {
	f.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		f.Fatal(err)
	}
	var body []string
	for _, l := range strings.Split(string(data), "\n") {
		if len(body) == 0 && strings.HasPrefix(l, "#") {
			continue
		}
		body = append(body, l)
	}
	for _, v := range strings.Split(strings.Join(body, "\n"), "\n----\n") {
		f.Add(v)
	}
}

func checkSyntaxError(t *testing.T, err error, sentinel error, in string) {
	t.Helper()
	if err == nil {
		return
	}
	var se *SyntaxError
	if !errors.As(err, &se) || !errors.Is(err, sentinel) {
		t.Fatalf("error %v is not a *SyntaxError wrapping %v", err, sentinel)
	}
	if se.Offset < 0 || se.Offset > len(in) {
		t.Fatalf("offset %d outside the value (len %d)", se.Offset, len(in))
	}
}

func isLowerKeyword(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isKeywordChar(s[i]) || s[i] >= 'A' && s[i] <= 'Z' {
			return false
		}
	}
	return true
}

// quoteValue writes v as an RFC 2045 quoted-string.
func arQuote(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}

// formatAuthResults writes ar back without comments, every value quoted.
func formatAuthResults(ar *AuthResults) string {
	var b strings.Builder
	b.WriteString(arQuote(ar.AuthServID))
	if ar.Version > 0 {
		b.WriteString(" " + strconv.Itoa(ar.Version))
	}
	if len(ar.Results) == 0 {
		b.WriteString("; none")
	}
	for _, r := range ar.Results {
		b.WriteString("; " + r.Method)
		if r.MethodVersion > 0 {
			b.WriteString("/" + strconv.Itoa(r.MethodVersion))
		}
		b.WriteString("=" + r.Result)
		if r.Reason != "" {
			b.WriteString(" reason=" + arQuote(r.Reason))
		}
		for _, p := range r.Properties {
			b.WriteString(" " + p.Key() + "=" + arQuote(p.Value))
		}
	}
	return b.String()
}

func arWithoutComments(ar *AuthResults) []AuthResult {
	out := make([]AuthResult, len(ar.Results))
	for i, r := range ar.Results {
		r.Comment = ""
		r.Properties = append([]Property(nil), r.Properties...)
		for j := range r.Properties {
			r.Properties[j].Comment = ""
		}
		if len(r.Properties) == 0 {
			r.Properties = nil
		}
		out[i] = r
	}
	return out
}

func FuzzAuthResults(f *testing.F) {
	addSeedValues(f, "authres_seeds.txt")
	f.Add(sampleARDKIM)
	f.Add(sampleARSPF)
	f.Add("i=1; " + sampleARDKIM)
	f.Add("a; b=c (" + strings.Repeat("(", 100))
	f.Fuzz(func(t *testing.T, in string) {
		ar, err := ParseAuthResults(in)
		if ar == nil {
			t.Fatal("nil result")
		}
		checkSyntaxError(t, err, ErrAuthResSyntax, in)
		for _, r := range ar.Results {
			if !isLowerKeyword(r.Method) || !isLowerKeyword(r.Result) {
				t.Fatalf("method %q result %q not lower-case keywords", r.Method, r.Result)
			}
			for _, p := range r.Properties {
				if !isLowerKeyword(p.Name) || p.Type != "" && !isLowerKeyword(p.Type) {
					t.Fatalf("property %q.%q not lower-case keywords", p.Type, p.Name)
				}
			}
		}
		if _, jerr := json.Marshal(ar); jerr != nil {
			t.Fatal(jerr)
		}
		arc, arcErr := ParseARCAuthResults("i=7;" + in)
		checkSyntaxError(t, arcErr, ErrAuthResSyntax, "i=7;"+in)
		if err != nil {
			return
		}
		if ar.AuthServID == "" {
			t.Fatal("no authserv-id without an error")
		}
		if len(ar.Results) == 0 && !strings.Contains(strings.ToLower(in), "none") {
			t.Fatal("no results and no \"none\" without an error")
		}
		// The ARC form of a good value parses to the same results.
		if arcErr != nil || arc.Instance != 7 || arc.AuthServID != ar.AuthServID || len(arc.Results) != len(ar.Results) {
			t.Fatalf("ARC form differs: %v %+v", arcErr, arc)
		}
		// Round trip: formatted again without comments, it reads the same.
		out := formatAuthResults(ar)
		again, err := ParseAuthResults(out)
		if err != nil {
			t.Fatalf("formatted %q: %v", out, err)
		}
		if again.AuthServID != ar.AuthServID || again.Version != ar.Version {
			t.Fatalf("round trip id/version: %q %d -> %q %d", ar.AuthServID, ar.Version, again.AuthServID, again.Version)
		}
		a, b := arWithoutComments(ar), arWithoutComments(again)
		if len(a) != len(b) {
			t.Fatalf("round trip: %d results -> %d (%q)", len(a), len(b), out)
		}
		for i := range a {
			ja, _ := json.Marshal(a[i])
			jb, _ := json.Marshal(b[i])
			pa, _ := json.Marshal(a[i].Properties)
			pb, _ := json.Marshal(b[i].Properties)
			if string(ja) != string(jb) || string(pa) != string(pb) {
				t.Fatalf("round trip result %d: %s %s -> %s %s", i, ja, pa, jb, pb)
			}
		}
	})
}

func FuzzReceivedSPF(f *testing.F) {
	addSeedValues(f, "rspf_seeds.txt")
	f.Add("pass client-ip=2607:f8b0:4864:20::1030;\n envelope-from=zhangckid@gmail.com; helo=mail-pj1-x1030.google.com")
	f.Fuzz(func(t *testing.T, in string) {
		r, err := ParseReceivedSPF(in)
		if r == nil {
			t.Fatal("nil result")
		}
		checkSyntaxError(t, err, ErrReceivedSPFSyntax, in)
		if _, jerr := json.Marshal(r); jerr != nil {
			t.Fatal(jerr)
		}
		for _, p := range r.Params {
			if p.Key == "" {
				t.Fatal("empty key")
			}
		}
		if ip, _ := r.Params.Get("client-ip"); ip != r.ClientIP {
			t.Fatalf("ClientIP %q, params %q", r.ClientIP, ip)
		}
		if err == nil && !spfResults[r.Result] {
			t.Fatalf("result %q without an error", r.Result)
		}
		if r.Result != "" && !spfResults[r.Result] {
			t.Fatalf("unknown result %q kept", r.Result)
		}
	})
}

// spamFuzzMessage builds a message from "Name: value" lines; lines that
// start with white space continue the field before. The first byte picks
// the field order.
func spamFuzzMessage(in string) *Message {
	m := &Message{Order: OrderExact}
	if strings.HasPrefix(in, "P") {
		m.Order = OrderPerName
	}
	for _, l := range strings.Split(in, "\n") {
		l = strings.TrimSuffix(l, "\r")
		if (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")) && len(m.Fields) > 0 {
			m.Fields[len(m.Fields)-1].Value += "\r\n" + l
			continue
		}
		name, value, ok := strings.Cut(l, ":")
		if ok {
			m.Fields = append(m.Fields, Field{Name: name, Value: value})
		}
	}
	return m
}

func FuzzSpam(f *testing.F) {
	addSeedValues(f, "spam_seeds.txt")
	f.Add("P\nX-Spam_score: -2.1\nX-Spam_report: (-2.1 / 5.0 requ) BAYES_00=-1.9\nX-Spam_score: 1")
	f.Fuzz(func(t *testing.T, in string) {
		m := spamFuzzMessage(in)
		names := map[string]bool{}
		for _, fl := range m.Fields {
			names[fl.Name] = true
		}
		vs := ParseSpam(m)
		if _, err := json.Marshal(vs); err != nil {
			t.Fatal(err)
		}
		if len(vs) > len(m.Fields) {
			t.Fatalf("%d verdicts from %d fields", len(vs), len(m.Fields))
		}
		finite := func(p *float64) bool { return p == nil || !math.IsNaN(*p) && !math.IsInf(*p, 0) }
		for _, v := range vs {
			switch v.Engine {
			case EngineSpamAssassin, EngineSpamAssassinExim, EngineRspamd, EngineMicrosoft:
			default:
				t.Fatalf("engine %q", v.Engine)
			}
			if !names[v.Header] {
				t.Fatalf("header %q is not a field of the message", v.Header)
			}
			if !finite(v.Score) || !finite(v.Threshold) {
				t.Fatal("non-finite score")
			}
			for _, r := range v.Rules {
				if r.Name == "" || !finite(r.Score) {
					t.Fatalf("bad rule %+v", r)
				}
			}
		}
	})
}
