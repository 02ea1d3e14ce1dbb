package headers

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func spfParams(kv ...string) ParamList {
	var out ParamList
	for _, s := range kv {
		k, v, _ := strings.Cut(s, "=")
		out = append(out, Param{Key: k, Value: v})
	}
	return out
}

func TestParseReceivedSPF(t *testing.T) {
	tests := []struct {
		in      string
		want    ReceivedSPF // Raw is filled in from in
		wantErr bool
	}{
		// The Patchwork sample's field, exactly.
		0: {in: "pass client-ip=2607:f8b0:4864:20::1030;\n envelope-from=zhangckid@gmail.com; helo=mail-pj1-x1030.google.com",
			want: ReceivedSPF{Result: "pass", ClientIP: "2607:f8b0:4864:20::1030", EnvelopeFrom: "zhangckid@gmail.com", Helo: "mail-pj1-x1030.google.com",
				Params: spfParams("client-ip=2607:f8b0:4864:20::1030", "envelope-from=zhangckid@gmail.com", "helo=mail-pj1-x1030.google.com")}},
		1: {in: " pass (mailfrom) identity=mailfrom; client-ip=192.0.2.1; helo=mx.example.org; envelope-from=a@example.org; receiver=mx.example.net;",
			want: ReceivedSPF{Result: "pass", Comment: "mailfrom", Identity: "mailfrom", ClientIP: "192.0.2.1", Helo: "mx.example.org", EnvelopeFrom: "a@example.org", Receiver: "mx.example.net",
				Params: spfParams("identity=mailfrom", "client-ip=192.0.2.1", "helo=mx.example.org", "envelope-from=a@example.org", "receiver=mx.example.net")}},
		2: {in: " pass (google.com: domain of x@example.com designates 1.2.3.4 as permitted sender) client-ip=1.2.3.4;",
			want: ReceivedSPF{Result: "pass", Comment: "google.com: domain of x@example.com designates 1.2.3.4 as permitted sender", ClientIP: "1.2.3.4", Params: spfParams("client-ip=1.2.3.4")}},
		// SpamAssassin test data: folded comment with nested parentheses and a quoted value.
		3: {in: " fail (dostech.ca: 69.61.78.188 is authorized to use\r\n 'spamassassin@dostech.ca' in 'mfrom' identity (mechanism 'mx' matched))\r\n receiver=FC5-VPC; identity=mfrom; envelope-from=\"spamassassin@dostech.ca\";\r\n helo=smtp.dostech.net; client-ip=69.61.78.188",
			want: ReceivedSPF{Result: "fail", Comment: "dostech.ca: 69.61.78.188 is authorized to use 'spamassassin@dostech.ca' in 'mfrom' identity (mechanism 'mx' matched)",
				Receiver: "FC5-VPC", Identity: "mfrom", EnvelopeFrom: "spamassassin@dostech.ca", Helo: "smtp.dostech.net", ClientIP: "69.61.78.188",
				Params: spfParams("receiver=FC5-VPC", "identity=mfrom", "envelope-from=spamassassin@dostech.ca", "helo=smtp.dostech.net", "client-ip=69.61.78.188")}},
		4: {in: " neutral (herse.apache.org: domain of spamassassin@dostech.ca\r\n designates 69.61.78.188 as permitted sender)",
			want: ReceivedSPF{Result: "neutral", Comment: "herse.apache.org: domain of spamassassin@dostech.ca designates 69.61.78.188 as permitted sender"}},
		// Microsoft 365.
		5: {in: " Pass (protection.outlook.com: domain of intel.com designates 192.198.163.11 as permitted sender) receiver=protection.outlook.com; client-ip=192.198.163.11; helo=mgamail.intel.com; pr=C",
			want: ReceivedSPF{Result: "pass", Comment: "protection.outlook.com: domain of intel.com designates 192.198.163.11 as permitted sender",
				Receiver: "protection.outlook.com", ClientIP: "192.198.163.11", Helo: "mgamail.intel.com",
				Params: spfParams("receiver=protection.outlook.com", "client-ip=192.198.163.11", "helo=mgamail.intel.com", "pr=C")}},
		6: {in: "softfail (example.net: transitioning domain of a@example.org does not designate 2001:db8::1 as permitted sender) client-ip=2001:db8::1; envelope-from=\"a b\"@example.org; mechanism=\"~all\"; problem=\"x; y\"; x-custom=1",
			want: ReceivedSPF{Result: "softfail", Comment: "example.net: transitioning domain of a@example.org does not designate 2001:db8::1 as permitted sender",
				ClientIP: "2001:db8::1", EnvelopeFrom: `"a b"@example.org`, Mechanism: "~all", Problem: "x; y",
				Params: spfParams("client-ip=2001:db8::1", `envelope-from="a b"@example.org`, "mechanism=~all", "problem=x; y", "x-custom=1")}},
		7: {in: "TempError (c1) (c2) receiver = mx.example ; identity = helo", want: ReceivedSPF{Result: "temperror", Comment: "c1; c2", Receiver: "mx.example", Identity: "helo",
			Params: spfParams("receiver=mx.example", "identity=helo")}},
		8: {in: "permerror client-ip=192.0.2.9 helo=h.example", want: ReceivedSPF{Result: "permerror", ClientIP: "192.0.2.9", Helo: "h.example",
			Params: spfParams("client-ip=192.0.2.9", "helo=h.example")}},
		9:  {in: "none", want: ReceivedSPF{Result: "none"}},
		10: {in: "custom_header1", wantErr: true},
		11: {in: "", wantErr: true},
		12: {in: "pass (unterminated", want: ReceivedSPF{Result: "pass"}, wantErr: true},
		13: {in: "pass client-ip", want: ReceivedSPF{Result: "pass"}, wantErr: true},
		14: {in: "pass garbage; helo=h.example", want: ReceivedSPF{Result: "pass", Helo: "h.example", Params: spfParams("helo=h.example")}, wantErr: true},
		15: {in: "client-ip=192.0.2.1; helo=h.example", want: ReceivedSPF{ClientIP: "192.0.2.1", Helo: "h.example", Params: spfParams("client-ip=192.0.2.1", "helo=h.example")}, wantErr: true},
		16: {in: `pass envelope-from="open`, want: ReceivedSPF{Result: "pass"}, wantErr: true},
	}
	for i, tt := range tests {
		got, err := ParseReceivedSPF(tt.in)
		require.NotNil(t, got, "%d", i)
		if tt.wantErr {
			require.ErrorIs(t, err, ErrReceivedSPFSyntax, "%d: %q", i, tt.in)
			var se *SyntaxError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, FieldReceivedSPF, se.Field)
		} else {
			require.NoError(t, err, "%d: %q", i, tt.in)
		}
		tt.want.Raw = tt.in
		if !tt.wantErr || tt.want.Result != "" || tt.want.Params != nil {
			assert.Equal(t, &tt.want, got, "%d: %q", i, tt.in)
		}
	}
}

func TestReceivedSPFJSON(t *testing.T) {
	r, err := ParseReceivedSPF("pass (mailfrom) identity=mailfrom; client-ip=192.0.2.1; x=\"q\\\"\"; identity=dup")
	require.NoError(t, err)
	b, err := json.Marshal(r)
	require.NoError(t, err)
	assert.JSONEq(t, `{"result":"pass","comment":"mailfrom","params":{"identity":"mailfrom","client-ip":"192.0.2.1","x":"q\""},"client_ip":"192.0.2.1","identity":"mailfrom"}`, string(b))
	// Key order is kept.
	assert.Contains(t, string(b), `"params":{"identity":"mailfrom","client-ip":"192.0.2.1","x":"q\""}`)
}

func TestReceivedSPFLinear(t *testing.T) {
	big := "pass " + strings.Repeat("client-ip=192.0.2.1; ", 250000)
	nested := "pass " + strings.Repeat("(", 10000)
	start := time.Now()
	r, err := ParseReceivedSPF(big)
	require.NoError(t, err)
	assert.Len(t, r.Params, 250000)
	_, err = ParseReceivedSPF(nested)
	require.ErrorIs(t, err, ErrReceivedSPFSyntax)
	assert.Less(t, time.Since(start), time.Second)
}
