package headers

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// props builds properties from "type.name=value" strings.
func arProps(kv ...string) []Property {
	var out []Property
	for _, s := range kv {
		k, v, _ := strings.Cut(s, "=")
		t, n, ok := strings.Cut(k, ".")
		if !ok {
			t, n = "", k
		}
		out = append(out, Property{Type: t, Name: n, Value: v})
	}
	return out
}

// The two Authentication-Results values of the Patchwork sample
// (/work/shared/samples/patchwork-2221996.json), exactly.
const (
	sampleARDKIM = "legolas.ozlabs.org;\n\tdkim=pass (2048-bit key;\n unprotected) header.d=gmail.com header.i=@gmail.com header.a=rsa-sha256\n header.s=20251104 header.b=S4RVruJF;\n\tdkim-atps=neutral"
	sampleARSPF  = "legolas.ozlabs.org;\n spf=pass (sender SPF authorized) smtp.mailfrom=nongnu.org\n (client-ip=209.51.188.17; helo=lists.gnu.org;\n envelope-from=qemu-devel-bounces+incoming=patchwork.ozlabs.org@nongnu.org;\n receiver=patchwork.ozlabs.org)"
)

func TestParseAuthResults(t *testing.T) {
	spfComment := "client-ip=209.51.188.17; helo=lists.gnu.org; envelope-from=qemu-devel-bounces+incoming=patchwork.ozlabs.org@nongnu.org; receiver=patchwork.ozlabs.org"
	tests := []struct {
		in      string
		want    AuthResults // Raw is filled in from in
		wantErr bool
	}{
		0: {in: sampleARDKIM, want: AuthResults{AuthServID: "legolas.ozlabs.org", Results: []AuthResult{
			{Method: "dkim", Result: "pass", Comment: "2048-bit key; unprotected",
				Properties: arProps("header.d=gmail.com", "header.i=@gmail.com", "header.a=rsa-sha256", "header.s=20251104", "header.b=S4RVruJF")},
			{Method: "dkim-atps", Result: "neutral"},
		}}},
		1: {in: sampleARSPF, want: AuthResults{AuthServID: "legolas.ozlabs.org", Results: []AuthResult{
			{Method: "spf", Result: "pass", Comment: "sender SPF authorized; " + spfComment,
				Properties: []Property{{Type: "smtp", Name: "mailfrom", Value: "nongnu.org", Comment: spfComment}}},
		}}},
		2: {in: "example.com; spf=pass smtp.mailfrom=example.net", want: AuthResults{AuthServID: "example.com", Results: []AuthResult{
			{Method: "spf", Result: "pass", Properties: arProps("smtp.mailfrom=example.net")}}}},
		// RFC 8601 Appendix B.2: nothing was checked.
		3: {in: "example.org 1; none", want: AuthResults{AuthServID: "example.org", Version: 1}},
		4: {in: " example.com (the \"MTA\") 1 (v) ; none ;", want: AuthResults{AuthServID: "example.com", Version: 1, Comment: `the "MTA"; v`}},
		5: {in: `"quoted.example"; dkim=none`, want: AuthResults{AuthServID: "quoted.example", Results: []AuthResult{{Method: "dkim", Result: "none"}}}},
		6: {in: "example.com; dkim/1=pass header.d=example.net", want: AuthResults{AuthServID: "example.com", Results: []AuthResult{
			{Method: "dkim", MethodVersion: 1, Result: "pass", Properties: arProps("header.d=example.net")}}}},
		// RFC 8601 Appendix B.6 (reason as a quoted string).
		7: {in: "example.com;\r\n dkim=pass reason=\"good signature\"\r\n   header.i=@mail-router.example.net;\r\n dkim=fail reason=\"bad signature\"\r\n   header.i=@newyork.example.com",
			want: AuthResults{AuthServID: "example.com", Results: []AuthResult{
				{Method: "dkim", Result: "pass", Reason: "good signature", Properties: arProps("header.i=@mail-router.example.net")},
				{Method: "dkim", Result: "fail", Reason: "bad signature", Properties: arProps("header.i=@newyork.example.com")},
			}}},
		8: {in: "example.com; dkim=permerror reason=no_key", want: AuthResults{AuthServID: "example.com", Results: []AuthResult{
			{Method: "dkim", Result: "permerror", Reason: "no_key"}}}},
		// RFC 8601 Appendix B.4 plus policy ptypes.
		9: {in: "example.com;\r\n auth=pass (cram-md5) smtp.auth=sender@example.net;\r\n spf=pass smtp.mailfrom=example.net;\r\n iprev=pass policy.iprev=192.0.2.200;\r\n dmarc=fail policy.dmarc=reject header.from=example.org",
			want: AuthResults{AuthServID: "example.com", Results: []AuthResult{
				{Method: "auth", Result: "pass", Comment: "cram-md5", Properties: arProps("smtp.auth=sender@example.net")},
				{Method: "spf", Result: "pass", Properties: arProps("smtp.mailfrom=example.net")},
				{Method: "iprev", Result: "pass", Properties: arProps("policy.iprev=192.0.2.200")},
				{Method: "dmarc", Result: "fail", Properties: arProps("policy.dmarc=reject", "header.from=example.org")},
			}}},
		10: {in: "example.com; spf=pass (a (nested (deep)) comment) smtp.mailfrom=x.example", want: AuthResults{AuthServID: "example.com", Results: []AuthResult{
			{Method: "spf", Result: "pass", Comment: "a (nested (deep)) comment", Properties: arProps("smtp.mailfrom=x.example")}}}},
		// Comments between every pair of tokens.
		11: {in: "example.com; (c0) dkim (c1) / (c2) 1 (c3) = (c4) pass (c5) header (c6) . (c7) d (c8) = (c9) x.org (c10) ; (c11)",
			want: AuthResults{AuthServID: "example.com", Results: []AuthResult{
				{Method: "dkim", MethodVersion: 1, Result: "pass", Comment: "c0; c1; c2; c3; c4; c5; c6; c7; c8; c9; c10",
					Properties: []Property{{Type: "header", Name: "d", Value: "x.org", Comment: "c10"}}}}}},
		12: {in: "example.com; spf=pass smtp.mailfrom=a.example;", want: AuthResults{AuthServID: "example.com", Results: []AuthResult{
			{Method: "spf", Result: "pass", Properties: arProps("smtp.mailfrom=a.example")}}}},
		13: {in: "example.com; x-custom=yes body.x=1; dkim-atps=neutral; dkim-adsp=pass", want: AuthResults{AuthServID: "example.com", Results: []AuthResult{
			{Method: "x-custom", Result: "yes", Properties: arProps("body.x=1")},
			{Method: "dkim-atps", Result: "neutral"},
			{Method: "dkim-adsp", Result: "pass"}}}},
		14: {in: "example.com; dkim=pass header.b=\"AbC+/=\" header.from=\"john doe\"@example.com", want: AuthResults{AuthServID: "example.com", Results: []AuthResult{
			{Method: "dkim", Result: "pass", Properties: arProps("header.b=AbC+/=", `header.from="john doe"@example.com`)}}}},
		15: {in: "EXAMPLE.com; DKIM=PASS Header.D=Example.NET", want: AuthResults{AuthServID: "EXAMPLE.com", Results: []AuthResult{
			{Method: "dkim", Result: "pass", Properties: arProps("header.d=Example.NET")}}}},
		// Microsoft's form, with a version and bare action=.
		16: {in: "mx.microsoft.com 1;spf=pass\r\n smtp.mailfrom=cisco.com;dmarc=pass action=none\r\n header.from=cisco.com;dkim=pass header.d=cisco.com;arc=none",
			want: AuthResults{AuthServID: "mx.microsoft.com", Version: 1, Results: []AuthResult{
				{Method: "spf", Result: "pass", Properties: arProps("smtp.mailfrom=cisco.com")},
				{Method: "dmarc", Result: "pass", Properties: arProps("action=none", "header.from=cisco.com")},
				{Method: "dkim", Result: "pass", Properties: arProps("header.d=cisco.com")},
				{Method: "arc", Result: "none"}}}},
		// Zoho writes angle brackets.
		17: {in: " mx.zohomail.com;\r\n\tdkim=pass  header.i=collabora.com;\r\n\tspf=pass  smtp.mailfrom=dmitry.osipenko@collabora.com;\r\n\tdmarc=pass header.from=<dmitry.osipenko@collabora.com>",
			want: AuthResults{AuthServID: "mx.zohomail.com", Results: []AuthResult{
				{Method: "dkim", Result: "pass", Properties: arProps("header.i=collabora.com")},
				{Method: "spf", Result: "pass", Properties: arProps("smtp.mailfrom=dmitry.osipenko@collabora.com")},
				{Method: "dmarc", Result: "pass", Properties: arProps("header.from=<dmitry.osipenko@collabora.com>")}}}},
		18: {in: `example.com; dkim=pass (a \) b \( c) header.d=x`, want: AuthResults{AuthServID: "example.com", Results: []AuthResult{
			{Method: "dkim", Result: "pass", Comment: "a ) b ( c", Properties: arProps("header.d=x")}}}},
		19: {in: "example.com; dkim=fail header.d=x.example header.b=", want: AuthResults{AuthServID: "example.com", Results: []AuthResult{
			{Method: "dkim", Result: "fail", Properties: arProps("header.d=x.example", "header.b=")}}}},
		// A quoted local-part folded across lines is unfolded, as a quoted
		// value is (found by FuzzAuthResults: formatted again, it read
		// differently).
		39: {in: "example.com; dkim=pass header.from=\"john\r\n doe\"@example.com header.i=\"a\nb\"", want: AuthResults{AuthServID: "example.com", Results: []AuthResult{
			{Method: "dkim", Result: "pass", Properties: arProps(`header.from="john doe"@example.com`, "header.i=ab")}}}},

		// Errors, with what could be read.
		20: {in: "", wantErr: true},
		21: {in: " \r\n ", wantErr: true},
		22: {in: ";;;", wantErr: true},
		23: {in: "example.com", want: AuthResults{AuthServID: "example.com"}, wantErr: true},
		24: {in: "example.com; dkim", want: AuthResults{AuthServID: "example.com"}, wantErr: true},
		25: {in: "example.com; dkim=", want: AuthResults{AuthServID: "example.com"}, wantErr: true},
		26: {in: "example.com; spf=pass; dkim=pass (oops", want: AuthResults{AuthServID: "example.com", Results: []AuthResult{
			{Method: "spf", Result: "pass"}}}, wantErr: true},
		27: {in: `example.com; spf=pass; dkim=pass reason="open`, want: AuthResults{AuthServID: "example.com", Results: []AuthResult{
			{Method: "spf", Result: "pass"}}}, wantErr: true},
		28: {in: "example.com (unterminated", wantErr: true},
		// SpamAssassin's test data puts a property where a result belongs;
		// the broken resinfo is skipped and the next one read.
		29: {in: " sa-test.spamassassin.org; header.From=test@sa-test.spamassassin.org; dkim=pass (\r\n        message from spamassassin.org verified; );",
			want: AuthResults{AuthServID: "sa-test.spamassassin.org", Results: []AuthResult{
				{Method: "dkim", Result: "pass", Comment: "message from spamassassin.org verified;"}}}, wantErr: true},
		// Office 365 omits the authserv-id and puts it between results.
		30: {in: " spf=fail (sender IP is 63.35.35.123)\r\n smtp.mailfrom=arm.com; vger.kernel.org; dkim=pass (signature was verified)\r\n header.d=armh.onmicrosoft.com;vger.kernel.org; dmarc=none action=none\r\n header.from=arm.com;",
			want: AuthResults{Results: []AuthResult{
				{Method: "spf", Result: "fail", Comment: "sender IP is 63.35.35.123", Properties: arProps("smtp.mailfrom=arm.com")},
				{Method: "dkim", Result: "pass", Comment: "signature was verified", Properties: arProps("header.d=armh.onmicrosoft.com")},
				{Method: "dmarc", Result: "none", Properties: arProps("action=none", "header.from=arm.com")}}}, wantErr: true},
		31: {in: "example.com; none; spf=pass", want: AuthResults{AuthServID: "example.com", Results: []AuthResult{
			{Method: "spf", Result: "pass"}}}, wantErr: true},
		32: {in: "example.com; dkim=pass header.d", want: AuthResults{AuthServID: "example.com"}, wantErr: true},
		33: {in: "example.com; dkim=pass header.=x", want: AuthResults{AuthServID: "example.com"}, wantErr: true},
		34: {in: "example.com spf=pass", want: AuthResults{AuthServID: "example.com"}, wantErr: true},
		35: {in: "example.com 12x; spf=pass", want: AuthResults{AuthServID: "example.com", Results: []AuthResult{
			{Method: "spf", Result: "pass"}}}, wantErr: true},
		36: {in: "example.com; dkim/x=pass; spf=pass", want: AuthResults{AuthServID: "example.com", Results: []AuthResult{
			{Method: "spf", Result: "pass"}}}, wantErr: true},
		37: {in: "example.com; spf=pass ; ; dkim=pass", want: AuthResults{AuthServID: "example.com", Results: []AuthResult{
			{Method: "spf", Result: "pass"}, {Method: "dkim", Result: "pass"}}}},
		38: {in: "example.com; dkim=pass \x00 header.d=x", want: AuthResults{AuthServID: "example.com"}, wantErr: true},
	}
	for i, tt := range tests {
		got, err := ParseAuthResults(tt.in)
		require.NotNil(t, got, "%d", i)
		if tt.wantErr {
			require.ErrorIs(t, err, ErrAuthResSyntax, "%d: %q", i, tt.in)
			var se *SyntaxError
			require.ErrorAs(t, err, &se, "%d", i)
			assert.Equal(t, FieldAuthenticationResult, se.Field, "%d", i)
			assert.True(t, se.Offset >= 0 && se.Offset <= len(tt.in), "%d: offset %d", i, se.Offset)
		} else {
			require.NoError(t, err, "%d: %q", i, tt.in)
		}
		tt.want.Raw = tt.in
		if !tt.wantErr || tt.want.AuthServID != "" || tt.want.Results != nil {
			assert.Equal(t, &tt.want, got, "%d: %q", i, tt.in)
		}
	}
}

func TestParseARCAuthResults(t *testing.T) {
	tests := []struct {
		in      string
		want    AuthResults
		wantErr bool
	}{
		// lists.ozlabs.org (corpus: lists/linux-aspeed.lists.ozlabs.org).
		0: {in: " i=2; lists.ozlabs.org; dmarc=pass (p=none dis=none) header.from=collabora.com; dkim=pass (1024-bit key; unprotected) header.d=collabora.com header.i=dmitry.osipenko@collabora.com header.a=rsa-sha256 header.s=zohomail header.b=ImgA1Hj8; dkim-atps=neutral; spf=pass (client-ip=136.143.188.11; helo=sender4-op-o11.zoho.com; envelope-from=dmitry.osipenko@collabora.com; receiver=lists.ozlabs.org) smtp.mailfrom=collabora.com",
			want: AuthResults{AuthServID: "lists.ozlabs.org", Instance: 2, Results: []AuthResult{
				{Method: "dmarc", Result: "pass", Comment: "p=none dis=none", Properties: arProps("header.from=collabora.com")},
				{Method: "dkim", Result: "pass", Comment: "1024-bit key; unprotected", Properties: arProps("header.d=collabora.com", "header.i=dmitry.osipenko@collabora.com", "header.a=rsa-sha256", "header.s=zohomail", "header.b=ImgA1Hj8")},
				{Method: "dkim-atps", Result: "neutral"},
				{Method: "spf", Result: "pass", Comment: "client-ip=136.143.188.11; helo=sender4-op-o11.zoho.com; envelope-from=dmitry.osipenko@collabora.com; receiver=lists.ozlabs.org", Properties: arProps("smtp.mailfrom=collabora.com")},
			}}},
		// Microsoft 365 (corpus: lists/tboot-devel).
		1: {in: " i=1; mx.microsoft.com 1; spf=pass\r\n smtp.mailfrom=intel.com; dmarc=pass action=none header.from=intel.com;\r\n dkim=pass header.d=intel.com; arc=none",
			want: AuthResults{AuthServID: "mx.microsoft.com", Version: 1, Instance: 1, Results: []AuthResult{
				{Method: "spf", Result: "pass", Properties: arProps("smtp.mailfrom=intel.com")},
				{Method: "dmarc", Result: "pass", Properties: arProps("action=none", "header.from=intel.com")},
				{Method: "dkim", Result: "pass", Properties: arProps("header.d=intel.com")},
				{Method: "arc", Result: "none"}}}},
		2: {in: "i = 3 (c) ; example.org; none", want: AuthResults{AuthServID: "example.org", Instance: 3}},
		3: {in: "example.org; spf=pass", want: AuthResults{AuthServID: "example.org", Results: []AuthResult{{Method: "spf", Result: "pass"}}}, wantErr: true},
		4: {in: "i=0; example.org; spf=pass", want: AuthResults{AuthServID: "example.org", Results: []AuthResult{{Method: "spf", Result: "pass"}}}, wantErr: true},
		5: {in: "i=51; example.org; spf=pass", want: AuthResults{AuthServID: "example.org", Results: []AuthResult{{Method: "spf", Result: "pass"}}}, wantErr: true},
		6: {in: "i=1 example.org; spf=pass", want: AuthResults{Instance: 1, Results: []AuthResult{{Method: "spf", Result: "pass"}}}, wantErr: true},
		7: {in: "i=1; (unterminated", want: AuthResults{Instance: 1}, wantErr: true},
		8: {in: "", wantErr: true},
		9: {in: "id=1; example.org; spf=pass", wantErr: true},
	}
	for i, tt := range tests {
		got, err := ParseARCAuthResults(tt.in)
		require.NotNil(t, got, "%d", i)
		if tt.wantErr {
			require.ErrorIs(t, err, ErrAuthResSyntax, "%d: %q", i, tt.in)
			var se *SyntaxError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, FieldARCAuthResults, se.Field)
		} else {
			require.NoError(t, err, "%d: %q", i, tt.in)
		}
		tt.want.Raw = tt.in
		if !tt.wantErr || tt.want.AuthServID != "" || tt.want.Instance != 0 {
			assert.Equal(t, &tt.want, got, "%d: %q", i, tt.in)
		}
	}
}

func TestAuthResultProps(t *testing.T) {
	ar, err := ParseAuthResults(sampleARDKIM)
	require.NoError(t, err)
	r := ar.Results[0]
	v, ok := r.Prop("header.d")
	assert.True(t, ok)
	assert.Equal(t, "gmail.com", v)
	v, ok = r.Prop("HEADER.S")
	assert.True(t, ok)
	assert.Equal(t, "20251104", v)
	_, ok = r.Prop("smtp.mailfrom")
	assert.False(t, ok)
	assert.Equal(t, map[string]string{
		"header.d": "gmail.com", "header.i": "@gmail.com", "header.a": "rsa-sha256",
		"header.s": "20251104", "header.b": "S4RVruJF",
	}, r.PropertyMap())
	assert.Nil(t, ar.Results[1].PropertyMap())

	dup := AuthResult{Properties: arProps("header.d=first", "header.d=second", "action=none")}
	assert.Equal(t, map[string]string{"header.d": "first", "action": "none"}, dup.PropertyMap())
}

// TestAuthResultsLinear checks that huge and deeply nested values take
// linear time and no recursion.
func TestAuthResultsLinear(t *testing.T) {
	var b strings.Builder
	b.WriteString("example.com")
	for b.Len() < 5<<20 {
		b.WriteString("; dkim=pass (2048-bit key) header.d=example.org header.b=AbCdEf")
	}
	big := b.String()
	nested := "example.com; dkim=pass " + strings.Repeat("(", 10000)
	manyQuotes := "example.com; dkim=pass reason=" + strings.Repeat(`"\"`, 100000)
	for name, in := range map[string]string{"5MB": big, "nested": nested, "quotes": manyQuotes} {
		t.Run(name, func(t *testing.T) {
			// The best of three runs, so that other load on the machine
			// does not fail the test.
			var ar, arc *AuthResults
			var err, arcErr error
			best := time.Hour
			for range 3 {
				start := time.Now()
				ar, err = ParseAuthResults(in)
				arc, arcErr = ParseARCAuthResults("i=1; " + in)
				best = min(best, time.Since(start)/2)
				if best < 300*time.Millisecond {
					break
				}
			}
			// About 0.4s on a quiet 2-core machine; a quadratic parser
			// would take hours, so the bound can leave room for load.
			assert.Less(t, best, 3*time.Second)
			require.NotNil(t, ar)
			require.NotNil(t, arc)
			if name == "5MB" {
				require.NoError(t, err)
				require.NoError(t, arcErr)
				assert.Greater(t, len(ar.Results), 70000)
				assert.Equal(t, len(ar.Results), len(arc.Results))
			} else {
				require.ErrorIs(t, err, ErrAuthResSyntax)
				require.ErrorIs(t, arcErr, ErrAuthResSyntax)
			}
		})
	}
}

func TestSyntaxErrorMessage(t *testing.T) {
	_, err := ParseAuthResults("example.com; dkim")
	var se *SyntaxError
	require.True(t, errors.As(err, &se))
	assert.Equal(t, 17, se.Offset)
	assert.True(t, strings.HasPrefix(err.Error(), "headers: Authentication-Results: at offset 17: "), err.Error())
}
