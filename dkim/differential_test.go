package dkim

import (
	"bytes"
	"context"
	"crypto"
	"fmt"
	"strings"
	"testing"

	msgauth "github.com/emersion/go-msgauth/dkim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailprov/mailprov/dns"
)

// diffMessages are the unsigned messages of the differential corpus.
func diffMessages() map[string]string {
	long := strings.Repeat("The quick brown fox jumps over the lazy dog.  \tAgain and again.\r\n", 1500)
	hdr := "From: Joe SixPack <joe@football.example.com>\r\n" +
		"To: Suzie Q <suzie@shopping.example.net>\r\n" +
		"Subject: Is dinner ready?\r\n" +
		"Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n" +
		"Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
	return map[string]string{
		"plain":      hdr + "\r\nHi.\r\n\r\nWe lost the game. Are you hungry yet?\r\n\r\nJoe.\r\n",
		"empty-body": hdr + "\r\n",
		"blank-body": hdr + "\r\n\r\n\r\n\r\n",
		"folded": "From: Joe SixPack\r\n <joe@football.example.com>\r\n" +
			"To: Suzie Q <suzie@shopping.example.net>,\r\n\tBob <bob@example.net>,\r\n  Carol <carol@example.net>\r\n" +
			"Subject: A subject that is long enough to need folding,\r\n folded once\r\n\tand twice\r\n" +
			"Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n" +
			"\r\nBody.\r\n",
		"trailing-ws": "From: Joe <joe@football.example.com>   \r\n" +
			"To:   Suzie <suzie@shopping.example.net>\t\r\n" +
			"Subject:\tspaced   out  \r\n" +
			"\r\nline with trailing spaces   \r\n\tindented\t\tline\t\r\n  \r\nend \r\n",
		"trailing-blank-lines": hdr + "\r\nText.\r\n\r\n\r\n\r\n\r\n",
		"ws-blank-lines":       hdr + "\r\nText.\r\n  \r\n\t\r\n \r\n",
		"no-final-newline":     hdr + "\r\nNo newline at the end",
		"bare-lf":              strings.ReplaceAll(hdr+"\r\nLine one\r\n\r\nLine three  \r\n\r\n", "\r\n", "\n"),
		"long-body":            hdr + "\r\n" + long,
		"empty-header":         hdr + "X-Empty:\r\nX-Space: \r\n\r\nBody\r\n",
		"repeated": "Received: from a by b; Fri, 11 Jul 2003 21:00:37 -0700\r\n" +
			"Received: from c by d; Fri, 11 Jul 2003 21:00:38 -0700\r\n" +
			hdr + "X-Tag: one\r\nX-Tag: two\r\n\r\nBody\r\n",
		"utf8-header": "From: =?UTF-8?Q?J=C3=B6rg?= <jorg@football.example.com>\r\n" +
			"Subject: Grüße aus Köln\r\nTo: a@example.net\r\n\r\nGrüße\r\n",
		"dot-lines": hdr + "\r\n.\r\n..\r\n.leading dot\r\n",
	}
}

type mutation struct {
	name string
	fn   func(signed string) string
}

// insertBeforeBody adds a header line just above the blank line.
func insertBeforeBody(s, line string) string {
	sep := "\r\n\r\n"
	i := strings.Index(s, sep)
	if i < 0 {
		sep = "\n\n"
		i = strings.Index(s, sep)
	}
	return s[:i+len(sep)/2] + line + s[i+len(sep)/2:]
}

func diffMutations() []mutation {
	return []mutation{
		{"original", func(s string) string { return s }},
		{"body-byte", func(s string) string {
			i := strings.Index(s, "\r\n\r\n")
			if i < 0 {
				i = strings.Index(s, "\n\n") - 2
			}
			body := s[i+4:]
			if strings.TrimSpace(body) == "" {
				return s + "x\r\n"
			}
			j := i + 4 + strings.IndexFunc(body, func(r rune) bool { return r > ' ' })
			return s[:j] + "Z" + s[j+1:]
		}},
		{"subject-byte", func(s string) string { return strings.Replace(s, "Subject:", "Subject: x", 1) }},
		{"from-at-bottom", func(s string) string { return insertBeforeBody(s, "From: Mallory <m@evil.test>\r\n") }},
		{"more-blank-lines", func(s string) string { return s + "\r\n\r\n\r\n" }},
		{"body-trailing-ws", func(s string) string { return strings.Replace(s, ".\r\n", ". \r\n", 1) }},
		{"refold-subject", func(s string) string { return strings.Replace(s, "Subject: ", "Subject:\r\n ", 1) }},
		{"lower-from-name", func(s string) string { return strings.Replace(s, "\nFrom:", "\nfrom:", 1) }},
		{"to-lf", func(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }},
		{"to-crlf", func(s string) string { return crlf(s) }},
	}
}

// TestDifferential signs a generated corpus with go-msgauth and checks that
// this package and go-msgauth's verifier agree on pass/fail for every
// message and mutation, both asking the same loopback DNS server.
func TestDifferential(t *testing.T) {
	rsaKey := loadKey(t, "rsa2048.pem")
	edKey := loadKey(t, "ed25519.pem")
	zone := txtZone(
		"rsa._domainkey.football.example.com", keyRecord(t, rsaKey, ""),
		"ed._domainkey.football.example.com", keyRecord(t, edKey, ""),
	)
	v := newVerifier(t, zone)
	v.Resolver = &dns.Cache{Resolver: v.Resolver}
	ctx := context.Background()
	lookupTXT := func(name string) ([]string, error) {
		txts, _, err := dns.TXT(ctx, v.Resolver, name)
		return txts, err
	}
	canons := []msgauth.Canonicalization{msgauth.CanonicalizationSimple, msgauth.CanonicalizationRelaxed}
	keys := []struct {
		sel    string
		signer crypto.Signer
	}{{"rsa", rsaKey}, {"ed", edKey}}
	headerSets := map[string][]string{
		"all":        nil,
		"oversigned": {"From", "Subject", "To", "Date", "From", "Subject", "X-Tag", "Received"},
	}
	var total, agree, bothPass int
	for mname, raw := range diffMessages() {
		t.Run(mname, func(t *testing.T) {
			for _, k := range keys {
				for _, hc := range canons {
					for _, bc := range canons {
						for hsName, hs := range headerSets {
							var buf bytes.Buffer
							opts := &msgauth.SignOptions{
								Domain: "football.example.com", Selector: k.sel, Signer: k.signer,
								HeaderCanonicalization: hc, BodyCanonicalization: bc, HeaderKeys: hs,
							}
							require.NoError(t, msgauth.Sign(&buf, strings.NewReader(raw), opts))
							signed := buf.String()
							for _, mu := range diffMutations() {
								name := fmt.Sprintf("%s/%s/%s/%s/%s", k.sel, hc, bc, hsName, mu.name)
								msg := mu.fn(signed)
								theirs, err := msgauth.VerifyWithOptions(strings.NewReader(msg), &msgauth.VerifyOptions{LookupTXT: lookupTXT})
								require.NoError(t, err, name)
								require.Len(t, theirs, 1, name)
								res, err := v.Verify(ctx, parse(t, msg))
								require.NoError(t, err, name)
								require.Len(t, res, 1, name)
								ours := res[0]
								total++
								if (ours.Status == StatusPass) == (theirs[0].Err == nil) {
									agree++
									if ours.Status == StatusPass {
										bothPass++
									}
								} else {
									t.Errorf("%s: disagree: mailprov %s (%s: %s), go-msgauth %v", name, ours.Status, ours.Reason, ours.Detail, theirs[0].Err)
								}
								if mu.name == "original" || mu.name == "more-blank-lines" || mu.name == "to-lf" || mu.name == "to-crlf" {
									assert.Equal(t, StatusPass, ours.Status, "%s: %s", name, ours.Detail)
								}
							}
						}
					}
				}
			}
		})
	}
	t.Logf("differential corpus: %d verifications, %d agree (%d both pass)", total, agree, bothPass)
	assert.Equal(t, total, agree)
}

// TestDifferentialExtraFrom is the one intended divergence: a From field
// added above the signed one is invisible to go-msgauth (it takes the
// bottom instance and passes), while mailprov fails it as extra_from.
func TestDifferentialExtraFrom(t *testing.T) {
	rsaKey := loadKey(t, "rsa2048.pem")
	v := newVerifier(t, txtZone("rsa._domainkey.football.example.com", keyRecord(t, rsaKey, "")))
	ctx := context.Background()
	var buf bytes.Buffer
	raw := diffMessages()["plain"]
	require.NoError(t, msgauth.Sign(&buf, strings.NewReader(raw), &msgauth.SignOptions{
		Domain: "football.example.com", Selector: "rsa", Signer: rsaKey,
		HeaderKeys: []string{"From", "To", "Subject", "Date"},
	}))
	msg := "From: Mallory <m@evil.test>\r\n" + buf.String()
	theirs, err := msgauth.VerifyWithOptions(strings.NewReader(msg), &msgauth.VerifyOptions{LookupTXT: func(name string) ([]string, error) {
		txts, _, err := dns.TXT(ctx, v.Resolver, name)
		return txts, err
	}})
	require.NoError(t, err)
	assert.NoError(t, theirs[0].Err, "go-msgauth passes the double-From message")
	res, err := v.Verify(ctx, parse(t, msg))
	require.NoError(t, err)
	assert.Equal(t, StatusFail, res[0].Status)
	assert.ErrorIs(t, res[0].Err, ErrExtraFrom)
}
