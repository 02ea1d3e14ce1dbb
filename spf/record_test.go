package spf_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailprov/mailprov/spf"
)

func TestParseRecord(t *testing.T) {
	r, err := spf.ParseRecord("V=SPF1  +a -MX:mail.%{d}/24//64 ~ptr:Example.COM ?ip4:192.0.2.0/24 ip6:2001:db8::/32 exists:%{ir}.%{v}._spf.%{d2} include:_spf.example.com redirect=_spf.%{d} exp=why.%{d} moo.cow=x -all ")
	require.NoError(t, err)
	want := &spf.Record{
		Directives: []spf.Directive{
			{Qualifier: '+', Mechanism: "a", V4Len: 32, V6Len: 128},
			{Qualifier: '-', Mechanism: "mx", Domain: "mail.%{d}", V4Len: 24, V6Len: 64},
			{Qualifier: '~', Mechanism: "ptr", Domain: "Example.COM"},
			{Qualifier: '?', Mechanism: "ip4", Net: netip.MustParsePrefix("192.0.2.0/24")},
			{Qualifier: '+', Mechanism: "ip6", Net: netip.MustParsePrefix("2001:db8::/32")},
			{Qualifier: '+', Mechanism: "exists", Domain: "%{ir}.%{v}._spf.%{d2}"},
			{Qualifier: '+', Mechanism: "include", Domain: "_spf.example.com"},
			{Qualifier: '-', Mechanism: "all"},
		},
		Redirect:  "_spf.%{d}",
		Exp:       "why.%{d}",
		Modifiers: []spf.Modifier{{Name: "moo.cow", Value: "x"}},
	}
	assert.Equal(t, want, r)
	assert.Equal(t, "v=spf1 a -mx:mail.%{d}/24//64 ~ptr:Example.COM ?ip4:192.0.2.0/24 ip6:2001:db8::/32 exists:%{ir}.%{v}._spf.%{d2} include:_spf.example.com -all redirect=_spf.%{d} exp=why.%{d} moo.cow=x", r.String())
}

func TestParseRecordErrors(t *testing.T) {
	for i, rec := range []string{
		0:  "v=spf10",
		1:  "spf1 -all",
		2:  "v=spf1 -all moo",                  // unknown mechanism
		3:  "v=spf1 -all.",                     // all takes nothing
		4:  "v=spf1 all:foo",                   // all takes nothing
		5:  "v=spf1 a//129",                    // ip6 cidr too long
		6:  "v=spf1 a/33",                      // ip4 cidr too long
		7:  "v=spf1 a/24/64",                   // not dual-cidr
		8:  "v=spf1 ip4:1.2.3.4/032",           // leading zero
		9:  "v=spf1 ip4:1.2.3",                 // short address
		10: "v=spf1 ip4:1.2.3.4//32",           // dual cidr on ip4
		11: "v=spf1 ip6:1.2.3.4",               // v4 in ip6
		12: "v=spf1 ip4:::1",                   // v6 in ip4
		13: "v=spf1 ip6:fe80::1%eth0",          // zone
		14: "v=spf1 include",                   // needs a domain
		15: "v=spf1 include:",                  // empty domain-spec
		16: "v=spf1 exists:foo.example.com/24", // no cidr on exists
		17: "v=spf1 ptr/0",                     // no cidr on ptr
		18: "v=spf1 a:museum",                  // no dot
		19: "v=spf1 a:abc.123",                 // numeric top label
		20: "v=spf1 a:example.-com",            // dash-led top label
		21: "v=spf1 a:%{x}.example.com",        // unknown macro letter
		22: "v=spf1 a:%{c}.example.com",        // c only in exp text
		23: "v=spf1 a:%{d0}.example.com",       // zero digits
		24: "v=spf1 a:foo%.example.com",        // bad escape
		25: "v=spf1 a:%{d",                     // unterminated
		26: "v=spf1 redirect=a.example redirect=b.example",
		27: "v=spf1 exp=a.example exp=b.example",
		28: "v=spf1 exp=",                           // empty exp
		29: "v=spf1 redirect=-all",                  // not a domain-spec
		30: "v=spf1 -redirect=a.example.com",        // qualified modifier
		31: "v=spf1 1up=foo",                        // name must start alpha
		32: "v=spf1 =all",                           // empty name
		33: "v=spf1 foo=%abc",                       // bad macro in unknown modifier
		34: "v=spf1 a:foo.example.com\x00",          // NUL
		35: "v=spf1 a\t-all",                        // tab is not a separator
		36: "v=spf1 \x80a:example.net",              // non-ASCII
		37: "v=spf1 redirect:example.com",           // redirect is a modifier
		38: "v=spf1 mx:example.com:8080",            // ':' in top label
		39: "v=spf1 a:%{d}.",                        // "." after a macro is not domain-end
		40: "v=spf1 a:%{l1r-+x}.example.com",        // bad delimiter
		41: "v=spf1 ip4:1.2.3.4/",                   // empty cidr
		42: "v=spf1 a:/24",                          // empty domain-spec
		43: "v=spf1 " + strings.Repeat("a:x", 5000), // long garbage
	} {
		_, err := spf.ParseRecord(rec)
		require.ErrorIs(t, err, spf.ErrSyntax, "%d: %q", i, rec)
	}
}

func TestParseRecordValid(t *testing.T) {
	for i, rec := range []string{
		0:  "v=spf1",
		1:  "v=spf1 ",
		2:  "v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all",
		3:  "v=spf1 a:foo:bar/baz.example.com",
		4:  "v=spf1 a:foo.example.xn--zckzah -all",
		5:  "v=spf1 a:macro%%percent%_%_space%-url-space.example.com -all",
		6:  "v=spf1 exists:%{i}.%{l2r-}.user.%{d2}",
		7:  "v=spf1 exists:%{l2r+-}.user.%{d2}",
		8:  "v=spf1 -include:_spfh.%{d2} ip4:1.2.3.0/24 -all",
		9:  "v=spf1 ip6:::1.1.1.1/0",
		10: "v=spf1 a//0 mx/0 a/24//64",
		11: "v=spf1 default=+",
		12: "v=spf1 foo=",
		13: "v=spf1 include:o.spf.example.com. ~all",
		14: "v=spf1 a:%{H}",
		15: "v=spf1 -all exp=msg8.%{D2}",
		16: "v=spf1 x=%{c}%{r}%{t}", // unknown modifiers are never expanded
		17: "v=spf1 a:123-456.foo.123-4",
		18: "v=spf1 a:%{d999999999999999999999}.example.com",
	} {
		r, err := spf.ParseRecord(rec)
		require.NoError(t, err, "%d: %q", i, rec)
		r2, err := spf.ParseRecord(r.String())
		require.NoError(t, err, "%d: %q", i, r.String())
		assert.Equal(t, r, r2, "%d", i)
	}
}

func TestIsRecord(t *testing.T) {
	for rec, want := range map[string]bool{
		"v=spf1":        true,
		"v=spf1 -all":   true,
		"V=SpF1 ~all":   true,
		"v=spf10":       false,
		"v=spf1mx":      false,
		"v=spf1\t-all":  false,
		" v=spf1 -all":  false,
		"v=DMARC1; p=r": false,
		"":              false,
	} {
		assert.Equal(t, want, spf.IsRecord(rec), "%q", rec)
	}
}
