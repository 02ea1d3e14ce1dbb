package received

import (
	"encoding/json"
	"net/netip"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sampleHeaders loads the Patchwork sample's headers.
func sampleHeaders(t testing.TB) map[string]any {
	t.Helper()
	b, err := os.ReadFile("testdata/patchwork/2221996.json")
	require.NoError(t, err)
	var p struct {
		Headers map[string]any `json:"headers"`
	}
	require.NoError(t, json.Unmarshal(b, &p))
	return p.Headers
}

func list(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

var (
	reClientIP = regexp.MustCompile(`client-ip=([^;\s)]+)`)
	reHelo     = regexp.MustCompile(`helo=([^;\s)]+)`)
	reEnvFrom  = regexp.MustCompile(`envelope-from=([^;\s)]+)`)
	reReceiver = regexp.MustCompile(`receiver=([^;\s)]+)`)
)

// sampleObservations does the lead's job in miniature: read client-ip,
// helo and envelope-from from Received-SPF and the SPF A-R.
func sampleObservations(h map[string]any) []Observation {
	var obs []Observation
	add := func(src, v string) {
		m := reClientIP.FindStringSubmatch(v)
		if m == nil {
			return
		}
		ip, err := netip.ParseAddr(m[1])
		if err != nil {
			return
		}
		o := Observation{ClientIP: ip, Source: src}
		if m := reHelo.FindStringSubmatch(v); m != nil {
			o.Helo = m[1]
		}
		if m := reEnvFrom.FindStringSubmatch(v); m != nil {
			o.MailFrom = m[1]
		}
		if m := reReceiver.FindStringSubmatch(v); m != nil {
			o.Receiver = m[1]
		}
		obs = append(obs, o)
	}
	for _, v := range list(h["Received-SPF"]) {
		add("Received-SPF", v)
	}
	for _, v := range list(h["Authentication-Results"]) {
		if strings.Contains(v, "spf=") {
			add("Authentication-Results", v)
		}
	}
	return obs
}

func TestSampleChain(t *testing.T) {
	h := sampleHeaders(t)
	values := list(h["Received"])
	require.Len(t, values, 6)

	want := struct {
		by     []string
		ip     []string
		delays []any // nil or int64
		tls    []string
	}{
		by:     []string{"smtp.gmail.com", "mail-pj1-x1030.google.com", "eggs.gnu.org", "lists1p.gnu.org", "lists.gnu.org", "legolas.ozlabs.org"},
		ip:     []string{"104.168.88.121", "", "2607:f8b0:4864:20::1030", "2001:470:142:3::10", "::1", "209.51.188.17"},
		delays: []any{nil, int64(2), int64(2), int64(1), int64(3), int64(52)},
		tls:    []string{"TLSv1.3", "", "TLSv1.2", "TLSv1.2", "", "TLSv1.2"},
	}
	for _, opts := range []struct {
		name string
		o    Options
		bas  string
	}{
		{"observations", Options{Observations: sampleObservations(h)}, "observation:Received-SPF"},
		{"default", Options{}, "first_public_ip"},
		{"trusted", Options{TrustedReceivers: []string{"gnu.org"}}, "trusted_receiver"},
	} {
		t.Run(opts.name, func(t *testing.T) {
			c := NewChain(values, opts.o)
			require.Len(t, c.Hops, 6)
			for i, hop := range c.Hops {
				assert.Equal(t, want.by[i], hop.By, "hop %d by", i)
				ip := ""
				if hop.From.IP.IsValid() {
					ip = hop.From.IP.String()
				}
				assert.Equal(t, want.ip[i], ip, "hop %d ip", i)
				if want.delays[i] == nil {
					assert.Nil(t, hop.DelaySeconds, "hop %d delay", i)
				} else if assert.NotNil(t, hop.DelaySeconds, "hop %d delay", i) {
					assert.Equal(t, want.delays[i], *hop.DelaySeconds, "hop %d delay", i)
				}
				v := ""
				if hop.TLS != nil {
					v = hop.TLS.Version
				}
				assert.Equal(t, want.tls[i], v, "hop %d tls", i)
				assert.Empty(t, hop.Warnings, "hop %d", i)
			}
			require.NotNil(t, c.Origin)
			assert.Equal(t, "2607:f8b0:4864:20::1030", c.Origin.IP.String())
			assert.Equal(t, "mail-pj1-x1030.google.com", c.Origin.HELO)
			assert.Equal(t, "zhangckid@gmail.com", c.Origin.MailFrom)
			assert.Equal(t, 2, c.Origin.Hop)
			assert.Equal(t, opts.bas, c.Origin.Basis)
			assert.Empty(t, c.Warnings)
		})
	}
}

func TestChainJSON(t *testing.T) {
	h := sampleHeaders(t)
	c := NewChain(list(h["Received"]), Options{Observations: sampleObservations(h)})
	b, err := json.Marshal(c)
	require.NoError(t, err)
	var got struct {
		Received []map[string]any `json:"received"`
		Origin   map[string]any   `json:"origin"`
	}
	require.NoError(t, json.Unmarshal(b, &got))
	require.Len(t, got.Received, 6)
	first := got.Received[0]
	assert.Equal(t, "2026-04-10T08:05:19-07:00", first["time"])
	assert.Equal(t, map[string]any{"helo": "ZBMac-LWN10QXKQ0.taila0cd24.ts.net", "ip": "104.168.88.121"}, first["from"])
	assert.Equal(t, map[string]any{"version": "TLSv1.3", "cipher": "TLS_CHACHA20_POLY1305_SHA256", "bits": float64(256)}, first["tls"])
	assert.NotContains(t, first, "delay_seconds")
	last := got.Received[5]
	assert.Equal(t, "2026-04-11T01:06:19+10:00", last["time"])
	assert.Equal(t, float64(52), last["delay_seconds"])
	assert.Equal(t, map[string]any{
		"ip": "2607:f8b0:4864:20::1030", "helo": "mail-pj1-x1030.google.com",
		"mail_from": "zhangckid@gmail.com", "hop": float64(2), "basis": "observation:Received-SPF",
	}, got.Origin)
}

func TestChainClockSkew(t *testing.T) {
	c := NewChain([]string{
		"from b.example (b.example [192.0.2.2]) by c.example (Postfix) with ESMTP id C1; Mon, 6 Jan 2025 10:00:00 +0000 (UTC)",
		"from a.example (a.example [198.51.100.1]) by b.example (Postfix) with ESMTP id B1; Mon, 6 Jan 2025 10:05:00 +0000 (UTC)",
	}, Options{})
	require.Len(t, c.Hops, 2)
	require.NotNil(t, c.Hops[1].DelaySeconds)
	assert.Equal(t, int64(-300), *c.Hops[1].DelaySeconds)
	assert.Contains(t, c.Hops[1].Warnings, "clock skew: received 300s before the previous hop")
	assert.Equal(t, []string{"hop 1: clock skew of -300s"}, c.Warnings)
	assert.Contains(t, c.String(), "-300s skew")
}

func TestChainBadHopsKept(t *testing.T) {
	c := NewChain([]string{
		"by mx.example.net (Postfix) id X; Mon, 6 Jan 2025 10:00:00 +0000",
		"((((garbage",
		"",
		"from mail.example.org (mail.example.org [203.0.113.9]) by mx.example.net (Postfix) with ESMTPS id Y; Mon, 6 Jan 2025 09:59:58 +0000",
	}, Options{})
	require.Len(t, c.Hops, 4)
	assert.Equal(t, "203.0.113.9", c.Origin.IP.String())
	assert.Equal(t, 0, c.Origin.Hop)
	assert.NotEmpty(t, c.Hops[1].Warnings)
	assert.NotEmpty(t, c.Hops[2].Warnings)
	assert.Equal(t, "((((garbage", c.Hops[2].Raw)
	assert.Nil(t, c.Hops[3].DelaySeconds, "no delay across a hop without time")
}

func TestChainNoOrigin(t *testing.T) {
	c := NewChain([]string{
		"from localhost (localhost [127.0.0.1]) by mx.example.net (Postfix) with ESMTP id Z; Mon, 6 Jan 2025 10:00:00 +0000",
	}, Options{})
	assert.Nil(t, c.Origin)
	assert.Contains(t, c.Warnings, "no origin: no hop has a public client IP")

	c = NewChain(nil, Options{})
	assert.Empty(t, c.Hops)
	assert.Nil(t, c.Origin)
}

func TestChainTrustedNotFound(t *testing.T) {
	c := NewChain([]string{
		"from a.example (a.example [198.51.100.1]) by b.example (Postfix) with ESMTP id B1; Mon, 6 Jan 2025 10:05:00 +0000",
	}, Options{TrustedReceivers: []string{"nowhere.example"}})
	require.NotNil(t, c.Origin)
	assert.Equal(t, "first_public_ip", c.Origin.Basis)
	assert.Contains(t, c.Warnings, "no hop was received by a trusted receiver")
}

func TestHostMatch(t *testing.T) {
	for i, tc := range []struct {
		host, name string
		want       bool
	}{
		0: {"eggs.gnu.org", "gnu.org", true},
		1: {"eggs.gnu.org", "EGGS.GNU.ORG", true},
		2: {"eggsgnu.org", "gnu.org", false},
		3: {"gnu.org", "eggs.gnu.org", false},
		4: {"", "gnu.org", false},
		5: {"mx.example.", ".example", true},
	} {
		assert.Equal(t, tc.want, hostMatch(tc.host, tc.name), "%d", i)
	}
}

func TestIsPublic(t *testing.T) {
	for _, s := range []string{"10.1.2.3", "192.168.1.1", "172.16.0.1", "127.0.0.1", "::1", "fe80::1", "100.64.1.1", "fd00::1", "0.1.2.3", "224.0.0.1"} {
		assert.False(t, IsPublic(netip.MustParseAddr(s)), s)
	}
	for _, s := range []string{"209.51.188.17", "2607:f8b0:4864:20::1030", "8.8.8.8"} {
		assert.True(t, IsPublic(netip.MustParseAddr(s)), s)
	}
	assert.False(t, IsPublic(netip.Addr{}))
}
