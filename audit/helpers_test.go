package audit_test

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	msgauth "github.com/emersion/go-msgauth/dkim"
	"github.com/stretchr/testify/require"

	"github.com/mailprov/mailprov/dkim"
	"github.com/mailprov/mailprov/headers"
)

// loadSigner reads a PKCS#8 private key kept in the dkim package's
// testdata (fixed keys: tests never generate keys).
func loadSigner(t testing.TB, name string) crypto.Signer {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "dkim", "testdata", name))
	require.NoError(t, err)
	blk, _ := pem.Decode(b)
	require.NotNil(t, blk)
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	require.NoError(t, err)
	return k.(crypto.Signer)
}

// keyTXT is the DKIM key record for s, as zone text (split into strings
// of at most 255 octets).
func keyTXT(t testing.TB, s crypto.Signer) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(s.Public())
	require.NoError(t, err)
	rec := "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der)
	var parts []string
	for len(rec) > 200 {
		parts = append(parts, `"`+rec[:200]+`"`)
		rec = rec[200:]
	}
	parts = append(parts, `"`+rec+`"`)
	return strings.Join(parts, " ")
}

// sign signs raw (LF line ends are turned into CRLF) with go-msgauth's
// signer as d=example.org s=sel; go-msgauth stamps t= with the real clock.
func sign(t testing.TB, s crypto.Signer, raw string) string {
	t.Helper()
	raw = strings.ReplaceAll(raw, "\n", "\r\n")
	var buf bytes.Buffer
	err := msgauth.Sign(&buf, strings.NewReader(raw), &msgauth.SignOptions{
		Domain: "example.org", Selector: "sel", Signer: s,
		HeaderCanonicalization: msgauth.CanonicalizationRelaxed,
		BodyCanonicalization:   msgauth.CanonicalizationRelaxed,
		HeaderKeys:             []string{"From", "To", "Subject", "Date", "Message-ID"},
		Expiration:             time.Now().Add(7 * 24 * time.Hour),
	})
	require.NoError(t, err)
	return buf.String()
}

// signTags signs raw (LF line ends are turned into CRLF) as d=example.org
// with this module's own canonicalization and the given selector, adding
// extra tags (e.g. "t=...; ") and, when length >= 0, l=: what go-msgauth's
// signer cannot write.
func signTags(t testing.TB, s crypto.Signer, raw, selector, extra string, length int64) string {
	t.Helper()
	raw = strings.ReplaceAll(raw, "\n", "\r\n")
	m, err := headers.ParseRaw([]byte(raw), "test")
	require.NoError(t, err)
	bh := dkim.NewBodyHasher(dkim.Relaxed, crypto.SHA256, length)
	bh.Write(m.Body)
	v := fmt.Sprintf(" v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=%s;\r\n h=from:to:subject:date:message-id; bh=%s; %s",
		selector, base64.StdEncoding.EncodeToString(bh.Sum()), extra)
	if length >= 0 {
		v += fmt.Sprintf("l=%d; ", length)
	}
	v += "\r\n b="
	f := headers.Field{Name: "DKIM-Signature", Value: v}
	digest := dkim.HeaderHash(crypto.SHA256, dkim.Relaxed,
		dkim.SelectFields(m.Fields, []string{"from", "to", "subject", "date", "message-id"}), f)
	sig, err := s.Sign(nil, digest, crypto.SHA256)
	require.NoError(t, err)
	return f.Raw() + base64.StdEncoding.EncodeToString(sig) + "\r\n" + raw
}
