package audit_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/authres"
	mdns "github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailprov/mailprov/audit"
	"github.com/mailprov/mailprov/dkim"
	"github.com/mailprov/mailprov/dns/dnstest"
	"github.com/mailprov/mailprov/headers"
)

const plainMail = `From: Alice <alice@example.org>
To: bob@example.net
Subject: [PATCH] fix the frobnicator
Date: Tue, 24 Nov 2026 10:00:00 +0000
Message-ID: <patch-1@example.org>
Return-Path: <alice@example.org>
Received: from mail.example.org (mail.example.org [192.0.2.10])
	by mx.example.net (Postfix) with ESMTPS id 4AbCdE
	for <bob@example.net>; Tue, 24 Nov 2026 10:00:05 +0000 (UTC)
Received-SPF: pass (mx.example.net: domain of alice@example.org designates 192.0.2.10 as permitted sender) client-ip=192.0.2.10; envelope-from=alice@example.org; helo=mail.example.org; receiver=mx.example.net;

Hello Bob,

here is the fix.
---
 frob.c | 2 +-
`

// auditZone serves example.org's key (and the same key in testing mode,
// t=y, at selector "testing"), SPF and DMARC records.
func auditZone(t *testing.T, keyTXT string, opts ...dnstest.Option) *dnstest.Server {
	t.Helper()
	zone := fmt.Sprintf(`
sel._domainkey.example.org. 300 IN TXT %s
testing._domainkey.example.org. 300 IN TXT %[1]s "; t=y"
example.org.                300 IN TXT "v=spf1 ip4:192.0.2.0/24 -all"
_dmarc.example.org.         300 IN TXT "v=DMARC1; p=reject"
example.net.                300 IN TXT "v=spf1 -all"
_dmarc.example.net.         300 IN TXT "v=DMARC1; p=quarantine"
`, keyTXT)
	return dnstest.NewServer(t, zone, opts...)
}

func load(t *testing.T, raw string) *headers.Message {
	t.Helper()
	m, err := headers.ParseRaw([]byte(raw), "test.eml")
	require.NoError(t, err)
	return m
}

// TestAuditLevels builds one valid signed message, then each case breaks or
// removes one piece of evidence and expects the verdict level it deserves.
func TestAuditLevels(t *testing.T) {
	signer := loadSigner(t, "rsa2048.pem")
	srv := auditZone(t, keyTXT(t, signer))
	signed := sign(t, signer, plainMail)

	cases := []struct {
		name      string
		msg       func() *headers.Message
		level     audit.Level
		authentic bool
		check     func(t *testing.T, r *audit.Report)
	}{
		{"full message verifies", func() *headers.Message { return load(t, signed) },
			audit.LevelVerified, true, func(t *testing.T, r *audit.Report) {
				require.Len(t, r.DKIM, 1)
				assert.Equal(t, dkim.StatusPass, r.DKIM[0].Status)
				assert.Equal(t, dkim.CheckPass, r.DKIM[0].Body)
				assert.Equal(t, "pass", string(r.DMARC.Status))
				assert.Equal(t, "pass", string(r.SPF.Status))
				require.NotNil(t, r.SPF.Agrees)
				assert.True(t, *r.SPF.Agrees)
				assert.Empty(t, r.Disagreements)
			}},
		{"stored headers only", func() *headers.Message {
			m := load(t, signed)
			m.Body = nil
			return m
		}, audit.LevelVerifiedHeaderOnly, true, func(t *testing.T, r *audit.Report) {
			assert.Equal(t, dkim.CheckPass, r.DKIM[0].HeaderSignature)
			assert.Equal(t, dkim.CheckUnchecked, r.DKIM[0].Body)
			assert.NotEqual(t, dkim.StatusPass, r.DKIM[0].Status, "a header-only check is never a pass")
		}},
		{"body altered by a list footer", func() *headers.Message {
			return load(t, signed+"_______________\r\nlist footer\r\n")
		}, audit.LevelVerifiedHeaderOnly, true, func(t *testing.T, r *audit.Report) {
			assert.Equal(t, dkim.CheckFail, r.DKIM[0].Body)
			assert.Equal(t, dkim.ReasonBodyHashMismatch, r.DKIM[0].Reason)
			assert.Contains(t, r.Verdict.Summary, "body was changed")
		}},
		{"signed subject altered", func() *headers.Message {
			m := load(t, signed)
			for i, f := range m.Fields {
				if f.Name == "Subject" {
					m.Fields[i].Value = " [PATCH] add a backdoor"
				}
			}
			m.Fields = dropField(m.Fields, "Received-SPF")
			m.Fields = dropField(m.Fields, "Received")
			return m
		}, audit.LevelForged, false, func(t *testing.T, r *audit.Report) {
			assert.Equal(t, dkim.CheckFail, r.DKIM[0].HeaderSignature)
			assert.Equal(t, dkim.ReasonBadSignature, r.DKIM[0].Reason)
		}},
		{"unsigned but SPF aligned", func() *headers.Message { return load(t, plainMail) },
			audit.LevelSPFAligned, true, nil},
		// RFC 6376 §8.15: a From added above the signed one is what a
		// reader may see. The signature verifies for the other From.
		{"an unsigned From added", func() *headers.Message {
			return load(t, "From: Mallory <ceo@example.org>\r\n"+signed)
		}, audit.LevelForged, false, func(t *testing.T, r *audit.Report) {
			assert.Equal(t, dkim.ReasonExtraFrom, r.DKIM[0].Reason)
			assert.Contains(t, r.Verdict.Summary, "did not sign")
			assert.NotContains(t, strings.Join(r.Verdict.Reasons, "\n"), "author's own domain")
			assert.NotContains(t, strings.Join(r.Verdict.Reasons, "\n"), "DMARC for :")
			// Two From fields: DMARC has no domain to name.
			ar := audit.AuthenticationResults("mx.example.net", r)
			assert.Equal(t, strings.TrimSpace(ar), ar)
			assert.Contains(t, ar, "dmarc=permerror")
			_, results, err := authres.Parse(ar)
			require.NoError(t, err, ar)
			assert.Len(t, results, 3)
		}},
		{"l= leaves appended text unsigned", func() *headers.Message {
			body := plainMail[strings.Index(plainMail, "\n\n")+2:]
			m := signTags(t, signer, plainMail, "sel", "", int64(len(strings.ReplaceAll(body, "\n", "\r\n"))))
			return load(t, m+"UNSIGNED: please wire the money today\r\n")
		}, audit.LevelVerifiedHeaderOnly, true, func(t *testing.T, r *audit.Report) {
			assert.Equal(t, dkim.StatusPolicy, r.DKIM[0].Status)
			assert.Equal(t, dkim.ReasonBodyLengthLimit, r.DKIM[0].Reason)
			assert.Contains(t, r.Verdict.Summary, "text after it is not signed")
			assert.NotContains(t, r.Verdict.Summary, "could not be checked")
		}},
		{"l= leaves appended text unsigned, and x= has passed", func() *headers.Message {
			body := plainMail[strings.Index(plainMail, "\n\n")+2:]
			x := fmt.Sprintf("t=%d; x=%d; ", time.Now().Add(-72*time.Hour).Unix(), time.Now().Add(-48*time.Hour).Unix())
			m := signTags(t, signer, plainMail, "sel", x, int64(len(strings.ReplaceAll(body, "\n", "\r\n"))))
			return load(t, m+"UNSIGNED: please wire the money today\r\n")
		}, audit.LevelVerifiedHeaderOnly, true, func(t *testing.T, r *audit.Report) {
			assert.Equal(t, dkim.ReasonBodyLengthLimit, r.DKIM[0].Reason)
			assert.Contains(t, r.Verdict.Summary, "text after it is not signed")
		}},
		{"t= in the future proves nothing", func() *headers.Message {
			m := signTags(t, signer, plainMail, "sel", fmt.Sprintf("t=%d; ", time.Now().Add(365*24*time.Hour).Unix()), -1)
			return load(t, strings.ReplaceAll(m, "192.0.2.10", "198.51.100.7"))
		}, audit.LevelUnverifiable, false, func(t *testing.T, r *audit.Report) {
			assert.Equal(t, dkim.ReasonFutureTimestamp, r.DKIM[0].Reason)
			assert.Contains(t, r.Verdict.Summary, "proves nothing")
			assert.Contains(t, strings.Join(r.Verdict.Reasons, "\n"), "in the future")
		}},
		{"a key in testing mode counts as unsigned", func() *headers.Message {
			return load(t, signTags(t, signer, plainMail, "testing", "", -1))
		}, audit.LevelSPFAligned, true, func(t *testing.T, r *audit.Report) {
			assert.Equal(t, dkim.StatusPass, r.DKIM[0].Status)
			assert.True(t, r.DKIM[0].Testing)
			assert.Contains(t, strings.Join(r.Verdict.Reasons, "\n"), "testing mode (t=y)")
			assert.Empty(t, r.DMARC.AlignedDKIM, "DMARC must not count a t=y signature")
		}},
		{"unsigned from a foreign IP", func() *headers.Message {
			return load(t, strings.ReplaceAll(plainMail, "192.0.2.10", "198.51.100.7"))
		}, audit.LevelForged, false, func(t *testing.T, r *audit.Report) {
			assert.Equal(t, "fail", string(r.SPF.Status))
			assert.Equal(t, "fail", string(r.DMARC.Status))
			// The receiver recorded pass for 198.51.100.7; DNS says fail now.
			require.NotEmpty(t, r.Disagreements)
			assert.Equal(t, "spf", r.Disagreements[0].Method)
		}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := &audit.Auditor{Resolver: srv.Resolver()}
			r := a.Audit(context.Background(), tc.msg())
			require.NotNil(t, r.Verdict, "case %d", i)
			assert.Equal(t, tc.level, r.Verdict.Level, "case %d: %s", i, r.Verdict.Summary)
			assert.Equal(t, tc.authentic, r.Verdict.Authentic, "case %d", i)
			assert.NotEmpty(t, r.Verdict.Summary)
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}

// TestAuditOffline: with DNS unreachable the audit ends in bounded time with
// temperror results and an unverifiable verdict, and the parse part is whole.
func TestAuditOffline(t *testing.T) {
	signer := loadSigner(t, "rsa2048.pem")
	srv := dnstest.NewServer(t, "", dnstest.WithHandler(func(w mdns.ResponseWriter, r *mdns.Msg) bool { return true })) // never answers
	res := srv.Resolver()
	res.Timeout = 50 * time.Millisecond
	a := &audit.Auditor{Resolver: res, Timeout: 5 * time.Second}
	start := time.Now()
	r := a.Audit(context.Background(), load(t, sign(t, signer, plainMail)))
	assert.Less(t, time.Since(start), 5*time.Second)
	require.Len(t, r.DKIM, 1)
	assert.Equal(t, dkim.StatusTemperror, r.DKIM[0].Status)
	assert.Equal(t, dkim.ReasonDNSError, r.DKIM[0].Reason)
	assert.Equal(t, "temperror", string(r.SPF.Status))
	assert.Equal(t, audit.LevelUnverifiable, r.Verdict.Level)
	assert.False(t, r.Verdict.Authentic)
	assert.Contains(t, r.Message.From, "alice@example.org")
	assert.Len(t, r.Received, 1)
}

func dropField(fs []headers.Field, name string) []headers.Field {
	var out []headers.Field
	for _, f := range fs {
		if f.Name != name {
			out = append(out, f)
		}
	}
	return out
}
