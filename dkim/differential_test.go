package dkim

import (
	"bytes"
	"context"
	"crypto"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	msgauth "github.com/emersion/go-msgauth/dkim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailprov/mailprov/dns"
	"github.com/mailprov/mailprov/headers"
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

// expiryTag matches the x= tag of a DKIM-Signature with its value.
var expiryTag = regexp.MustCompile(`([;\s]x=[ \t]*)[0-9]+`)

// TestDifferentialCorpusBodies checks the body canonicalizers on real mail:
// for every DKIM-Signature in the shared corpus that go-msgauth takes as
// far as its body check (rsa-sha256 or ed25519-sha256, no l=), the two
// must agree on whether the message's own body matches bh=. go-msgauth is
// handed a key of the right type that did not sign (so it reaches the body
// check and no further) and the mail with each x= moved to 2286 (it
// refuses an expired signature before the body).
func TestDifferentialCorpusBodies(t *testing.T) {
	root := filepath.Join("..", "..", "shared", "corpus")
	if _, err := os.Stat(root); err != nil {
		t.Skip("../shared not present: ", err)
	}
	records := map[string]string{
		"rsa":     keyRecord(t, loadKey(t, "rsa2048.pem"), ""),
		"ed25519": keyRecord(t, loadKey(t, "ed25519.pem"), ""),
	}
	compared, matched, skipped := 0, 0, map[string]int{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".eml") {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		m, err := headers.ParseRaw(raw, path)
		if err != nil {
			skipped["not mail"]++
			return nil
		}
		var sigs []*headers.Signature
		keyType := map[string]string{} // query name -> k=
		for _, f := range m.Fields {
			if !asciiEqualFold(f.Name, headers.FieldDKIMSignature) {
				continue
			}
			sig, err := headers.ParseSignature(f.Name, f.Value)
			if err != nil {
				sig = nil // go-msgauth's parser differs from ours on broken tags
			}
			sigs = append(sigs, sig)
			if sig != nil {
				k, _, _ := strings.Cut(sig.Algorithm, "-")
				keyType[sig.Selector+"._domainkey."+sig.Domain] = k
			}
		}
		if len(sigs) == 0 {
			return nil
		}
		lookupTXT := func(name string) ([]string, error) {
			if r, ok := records[keyType[name]]; ok {
				return []string{r}, nil
			}
			return nil, fmt.Errorf("no key for %s", name)
		}
		end := bytes.Index(raw, []byte("\n\n"))
		if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 && (end < 0 || i < end) {
			end = i
		}
		require.GreaterOrEqual(t, end, 0, path)
		in := append(expiryTag.ReplaceAll(raw[:end], []byte("${1}9999999999")), raw[end:]...)
		theirs, err := msgauth.VerifyWithOptions(bytes.NewReader(in), &msgauth.VerifyOptions{LookupTXT: lookupTXT})
		require.NoError(t, err, path)
		require.Len(t, theirs, len(sigs), path)
		for i, sig := range sigs {
			theirErr := theirs[i].Err
			switch {
			case sig == nil:
				skipped["malformed"]++
				continue
			case sig.Length != nil || (sig.Algorithm != "rsa-sha256" && sig.Algorithm != "ed25519-sha256") ||
				!validCanon(sig.BodyCanon):
				skipped["l=, a= or c= that go-msgauth refuses"]++
				continue
			}
			// With a key that did not sign, go-msgauth's last step fails
			// ("signature did not verify") if the body matched.
			var theirMatch bool
			switch {
			case theirErr == nil:
				t.Fatalf("%s: signature %d: go-msgauth accepts a key that did not sign", path, i)
			case strings.Contains(theirErr.Error(), "body hash did not verify"):
			case strings.Contains(theirErr.Error(), "signature did not verify"):
				theirMatch = true
			default:
				skipped[theirErr.Error()]++ // refused before the body
				continue
			}
			h, _, err := HashAlgorithm(sig.Algorithm)
			require.NoError(t, err)
			bh := NewBodyHasher(sig.BodyCanon, h, -1)
			bh.Write(m.Body)
			ourMatch := bytes.Equal(bh.Sum(), sig.BodyHash)
			compared++
			if ourMatch {
				matched++
			}
			if ourMatch != theirMatch {
				t.Errorf("%s: signature %d (d=%s c=%s): mailprov body match %v, go-msgauth %v (%v)",
					path, i, sig.Domain, sig.Canonicalization(), ourMatch, theirMatch, theirErr)
			}
		}
		return nil
	})
	require.NoError(t, err)
	t.Logf("compared %d signatures' bodies (%d match bh=); skipped %v", compared, matched, skipped)
	// The corpus has over 200 such signatures, matching and not: a
	// comparison that skipped them all, or one side that never matched,
	// would prove nothing.
	require.GreaterOrEqual(t, compared, 200)
	require.GreaterOrEqual(t, matched, 50)
	require.GreaterOrEqual(t, compared-matched, 50)
}
