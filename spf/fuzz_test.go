package spf

import (
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

var fuzzRecords = []string{
	"v=spf1 -all",
	"v=spf1 a mx ptr -all",
	"V=SPF1  +a -MX:mail.%{d}/24//64 ~ptr:Example.COM ?ip4:192.0.2.0/24 ip6:2001:db8::/32 exists:%{ir}.%{v}._spf.%{d2} include:_spf.example.com redirect=_spf.%{d} exp=why.%{d} moo.cow=x -all ",
	"v=spf1 include:_netblocks.google.com include:_netblocks2.google.com include:_netblocks3.google.com ~all",
	"v=spf1 ip6:::1.1.1.1/0 ip6:::FFFF:1.2.3.4 a//0 mx/0",
	"v=spf1 a:macro%%percent%_%_space%-url-space.example.com -all",
	"v=spf1 exists:%{l2r+-}.user.%{d2} default=+ foo=",
	"v=spf1 a:foo:bar/baz.example.com a:foo.example.xn--zckzah",
	"v=spf1 a/24/64",
	"v=spf1 ip4:1.2.3.4/032",
	"v=spf1 redirect=a.example redirect=b.example",
	"v=spf1 a:%{d999999999999999999999}.example.com",
}

// FuzzParseRecord checks that ParseRecord never panics, and that whatever
// parses formats to a record that parses to the same value and formats the
// same again (round trip and idempotence).
func FuzzParseRecord(f *testing.F) {
	for _, s := range fuzzRecords {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRecord(s)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("error %v does not match ErrSyntax", err)
			}
			return
		}
		out := r.String()
		r2, err := ParseRecord(out)
		if err != nil {
			t.Fatalf("ParseRecord(%q) = %v; String of ParseRecord(%q)", out, err, s)
		}
		if !reflect.DeepEqual(r, r2) {
			t.Fatalf("round trip changed the record:\n%q\n%#v\n%#v", s, r, r2)
		}
		if out2 := r2.String(); out2 != out {
			t.Fatalf("String not idempotent: %q then %q", out, out2)
		}
	})
}

// FuzzExpandMacro checks that macro-string parsing and expansion (pure, with
// a fake %{p}) never panic, that expansion stays within maxExpansion, and
// that target names stay within 253 octets of valid labels.
func FuzzExpandMacro(f *testing.F) {
	for _, s := range []string{
		"%{s}", "%{ir}.%{v}._spf.%{d2}", "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "%{L}", "%{H}.bar",
		"%{d999999999999999999999}", "a%%b%_c%-d", "%{c} %{r} %{t} %{p}", "%{l2r+-=_,/.}", "%{",
		"%{p}.should.example.com", "foobar.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.example.com",
	} {
		f.Add(s, "strong-bad@email.example.com", "mx.example.org", "192.0.2.3", true)
		f.Add(s, "~jack&jill=up-a_b3.c@e8.example.com", "JUMPIN' JUPITER", "2001:db8::cb01", false)
	}
	f.Fuzz(func(t *testing.T, s, sender, helo, ipText string, explain bool) {
		ip, _ := netip.ParseAddr(ipText)
		local, domain := splitSender(sender)
		env := &macroEnv{sender: sender, local: local, senderDomain: domain, domain: domain, helo: helo,
			ip: ip.Unmap(), receiver: "mx.example.net", now: time.Unix(1, 0),
			ptr: func(d string) string { return "ptr." + d }}
		toks, err := parseMacroString(s, explain, explain)
		if err != nil {
			return
		}
		out, err := expand(toks, env)
		if err != nil {
			if !errors.Is(err, ErrMacroTooLong) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if len(out) > maxExpansion {
			t.Fatalf("expansion of %d octets", len(out))
		}
		if name, ok := targetName(out); ok {
			if len(name) > 253 || !validLabels(name) {
				t.Fatalf("bad target name %q", name)
			}
			if !strings.HasSuffix(strings.TrimSuffix(out, "."), name) {
				t.Fatalf("target %q is not a suffix of %q", name, out)
			}
		}
	})
}
