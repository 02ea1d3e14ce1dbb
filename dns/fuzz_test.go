package dns

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	mdns "github.com/miekg/dns"
)

// FuzzLoadSnapshot checks that any input either loads or gives a
// *SnapshotError, and that what loads writes out in a form that loads to
// the same bytes again (canonical round trip).
func FuzzLoadSnapshot(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "snapshot.jsonl"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	for _, line := range strings.Split(string(b), "\n") {
		f.Add([]byte(line))
	}
	f.Add([]byte(`{"name":"a.b","type":"TYPE65280","result":"nodata","rcode":"NOERROR","ttl":5,"time":"2024-05-01T12:00:00Z"}`))
	f.Add([]byte(`{"name":"A.b","type":"CAA","result":"ok","rcode":"RCODE23","records":["a.b 5 CAA 0 issue \"x\""]}`))
	f.Add([]byte(`{"name":"a.b","type":"TXT","result":"ok","rcode":"NOERROR","records":["a.b. 300 IN TXT \"\\000\\\"\\\\\" x"]}`))
	f.Add([]byte(`{"name":"a.b","type":"TXT","result":"not in snapshot","error":"x","server":"y"}`))
	f.Add([]byte("# c\n\n{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := LoadSnapshot(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrBadSnapshot) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		var out1 bytes.Buffer
		if _, err := s.WriteTo(&out1); err != nil {
			t.Fatal(err)
		}
		s2, err := LoadSnapshot(bytes.NewReader(out1.Bytes()))
		if err != nil {
			t.Fatalf("written snapshot does not load: %v\n%s", err, out1.Bytes())
		}
		var out2 bytes.Buffer
		s2.WriteTo(&out2)
		if !bytes.Equal(out1.Bytes(), out2.Bytes()) {
			t.Fatalf("round trip differs:\n%s\n%s", out1.Bytes(), out2.Bytes())
		}
		for _, e := range s.Entries() {
			qtype, _ := parseType(e.Type)
			ans, err := s.Query(context.Background(), e.Name, qtype)
			if err == nil && (ans == nil || len(ans.Records) == 0) {
				t.Fatalf("%s %s: ok without records", e.Name, e.Type)
			}
			NewLookup(e.Name, qtype, ans, err)
			TXT(context.Background(), s, e.Name)
		}
	})
}

// FuzzAnswer feeds arbitrary DNS messages to the Client's answer checks.
func FuzzAnswer(f *testing.F) {
	seed := func(m *mdns.Msg) {
		b, err := m.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	m := new(mdns.Msg)
	m.SetQuestion("example.org.", mdns.TypeTXT)
	m.Response = true
	rr, _ := mdns.NewRR(`example.org. 300 IN TXT "v=spf1 -all"`)
	m.Answer = []mdns.RR{rr}
	seed(m)
	loop := m.Copy()
	a, _ := mdns.NewRR("example.org. 300 IN CNAME b.example.org.")
	b, _ := mdns.NewRR("b.example.org. 300 IN CNAME example.org.")
	loop.Answer = []mdns.RR{a, b}
	seed(loop)
	nx := m.Copy()
	nx.Rcode = mdns.RcodeNameError
	nx.Answer = nil
	soa, _ := mdns.NewRR("example.org. 300 IN SOA ns. host. 1 2 3 4 60")
	nx.Ns = []mdns.RR{soa}
	seed(nx)
	f.Fuzz(func(t *testing.T, data []byte) {
		resp := new(mdns.Msg)
		if err := resp.Unpack(data); err != nil {
			return
		}
		var c Client
		ans, qerr := c.answer("example.org.", mdns.TypeTXT, "test", resp)
		if ans == nil {
			t.Fatal("nil answer")
		}
		if qerr == nil {
			if len(ans.Records) == 0 {
				t.Fatal("success without records")
			}
			if _, _, err := TXT(context.Background(), fixed{ans}, "example.org"); err != nil {
				t.Fatalf("TXT on a good answer: %v", err)
			}
		}
	})
}

// fixed is a Resolver that always gives one Answer.
type fixed struct{ ans *Answer }

func (r fixed) Query(ctx context.Context, name string, qtype uint16) (*Answer, error) {
	return r.ans, nil
}

// FuzzUnescapeTXT checks that unescaping never grows a string.
func FuzzUnescapeTXT(f *testing.F) {
	for _, s := range []string{`a\"b\059c`, `\\`, `\`, `\256`, `\25`, `x\000y`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if u := UnescapeTXT(s); len(u) > len(s) {
			t.Fatalf("%q -> %q grew", s, u)
		}
	})
}
