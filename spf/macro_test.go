package spf

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rfcEnv is the setting of the RFC 7208 §7.4 examples.
func rfcEnv(ip string) *macroEnv {
	return &macroEnv{
		sender: "strong-bad@email.example.com", local: "strong-bad", senderDomain: "email.example.com",
		domain: "email.example.com", helo: "mx.example.org", ip: netip.MustParseAddr(ip),
		receiver: "mx.example.net", now: time.Unix(1700000000, 0),
		ptr: func(string) string { return "mx.example.org" },
	}
}

func expandString(t *testing.T, s string, env *macroEnv, explain bool) string {
	t.Helper()
	toks, err := parseMacroString(s, explain, explain)
	require.NoError(t, err, "%q", s)
	out, err := expand(toks, env)
	require.NoError(t, err, "%q", s)
	return out
}

func TestExpandRFCExamples(t *testing.T) {
	v4 := rfcEnv("192.0.2.3")
	v6 := rfcEnv("2001:db8::cb01")
	for i, tc := range []struct {
		env      *macroEnv
		in, want string
		explain  bool
	}{
		0:  {v4, "%{s}", "strong-bad@email.example.com", false},
		1:  {v4, "%{o}", "email.example.com", false},
		2:  {v4, "%{d}", "email.example.com", false},
		3:  {v4, "%{d4}", "email.example.com", false},
		4:  {v4, "%{d3}", "email.example.com", false},
		5:  {v4, "%{d2}", "example.com", false},
		6:  {v4, "%{d1}", "com", false},
		7:  {v4, "%{dr}", "com.example.email", false},
		8:  {v4, "%{d2r}", "example.email", false},
		9:  {v4, "%{l}", "strong-bad", false},
		10: {v4, "%{l-}", "strong.bad", false},
		11: {v4, "%{lr}", "strong-bad", false},
		12: {v4, "%{lr-}", "bad.strong", false},
		13: {v4, "%{l1r-}", "strong", false},
		14: {v4, "%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com", false},
		15: {v4, "%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com", false},
		16: {v4, "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com", false},
		17: {v4, "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com", false},
		18: {v4, "%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net", false},
		19: {v6, "%{ir}.%{v}._spf.%{d2}", "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com", false},
		// Escapes, upper-case URL escaping, explanation-only letters.
		20: {v4, "a%%b%_c%-d", "a%b c%20d", false},
		21: {v4, "%{S}", "strong-bad%40email.example.com", false},
		22: {v4, "%{c} %{r} %{t} %{p}", "192.0.2.3 mx.example.net 1700000000 mx.example.org", true},
		23: {v6, "%{c} %{v}", "2001:db8::cb01 ip6", true},
		24: {v4, "%{h}", "mx.example.org", false},
		25: {v4, "%{d999999999999999999999999}", "email.example.com", false},
		26: {v4, "%{l1r-}", "strong", false},
		27: {v4, "%{sR.}", "com.example.strong-bad@email", false},
	} {
		assert.Equal(t, tc.want, expandString(t, tc.in, tc.env, tc.explain), "%d: %q", i, tc.in)
	}
}

func TestUpperMacroEscapes(t *testing.T) {
	env := rfcEnv("192.0.2.3")
	env.local = "~jack&jill=up-a_b3.c"
	assert.Equal(t, "~jack%26jill%3Dup-a_b3.c", expandString(t, "%{L}", env, false))
	env.helo = "JUMPIN' JUPITER\x80"
	assert.Equal(t, "JUMPIN%27%20JUPITER%80", expandString(t, "%{H}", env, false))
}

func TestExpandBounded(t *testing.T) {
	env := rfcEnv("192.0.2.3")
	env.local = strings.Repeat("x", 1000)
	toks, err := parseMacroString(strings.Repeat("%{l}", 100), false, false)
	require.NoError(t, err)
	_, err = expand(toks, env)
	require.True(t, errors.Is(err, ErrMacroTooLong))
}

func TestTargetName(t *testing.T) {
	long := strings.Repeat("abcdefghi.", 30) + "example.com." // 312 octets
	name, ok := targetName(long)
	require.True(t, ok)
	assert.LessOrEqual(t, len(name), 253)
	assert.True(t, strings.HasSuffix(long, name+"."))
	assert.True(t, strings.HasPrefix(name, "abcdefghi."), "whole labels removed: %q", name)

	for i, bad := range []string{
		0: "",
		1: "a..example.com",
		2: strings.Repeat("x", 64) + ".example.com",
		3: strings.Repeat("x", 300), // one label: cannot be cut
	} {
		_, ok := targetName(bad)
		assert.False(t, ok, "%d", i)
	}
}

func TestPresentation(t *testing.T) {
	assert.Equal(t, "plain.example.com", presentation("plain.example.com"))
	assert.Equal(t, `macro%percent\ \ space%20url.example.com`, presentation("macro%percent  space%20url.example.com"))
	assert.Equal(t, `a\@b\;c\"\\\000\128.example`, presentation("a@b;c\"\\\x00\x80.example"))
}
