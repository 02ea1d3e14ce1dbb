package arc

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mailprov/mailprov/dkim"
	"github.com/mailprov/mailprov/dns/dnstest"
	"github.com/mailprov/mailprov/headers"
)

// testKey reads the fixed RSA test key from testdata (never generated in
// tests).
func testKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "rsa1024.pem"))
	require.NoError(t, err)
	blk, _ := pem.Decode(b)
	require.NotNil(t, blk)
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	require.NoError(t, err)
	return k.(*rsa.PrivateKey)
}

// testZone returns zone text publishing the test key at sel._domainkey of
// each domain.
func testZone(t testing.TB, key *rsa.PrivateKey, names ...string) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	require.NoError(t, err)
	p := base64.StdEncoding.EncodeToString(der)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "%s._domainkey.%s. 300 IN TXT \"v=DKIM1; k=rsa; \" \"p=%s\"\n", "sel", n, p)
	}
	return b.String()
}

const testMessage = "From: Alice <alice@origin.example>\r\n" +
	"To: list@lists.example\r\n" +
	"Subject: hello\r\n" +
	"Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n" +
	"Message-ID: <1@origin.example>\r\n" +
	"\r\n" +
	"Hello,  world.\r\n" +
	"\r\n"

func parseMessage(t testing.TB, raw string) *headers.Message {
	t.Helper()
	m, err := headers.ParseRaw([]byte(raw), "test")
	require.NoError(t, err)
	return m
}

// sealer adds ARC sets to messages in tests, the way an intermediary
// would (RFC 8617 §5.1), using the dkim package's hashing.
type sealer struct {
	key     *rsa.PrivateKey
	domain  string
	results string // the AAR payload after the authserv-id
	t       time.Time
}

// seal adds the next ARC set to m with the given cv and returns m.
func (s sealer) seal(t testing.TB, m *headers.Message, cv string) *headers.Message {
	t.Helper()
	n := 0
	for _, f := range m.Fields {
		if strings.EqualFold(f.Name, headers.FieldARCSeal) {
			n++
		}
	}
	i := n + 1
	results := s.results
	if results == "" {
		results = "spf=pass smtp.mailfrom=alice@origin.example;\r\n\tdkim=pass header.d=origin.example"
	}
	aar := headers.Field{Name: headers.FieldARCAuthResults, Value: fmt.Sprintf(" i=%d; %s;\r\n\t%s", i, s.domain, results)}

	// AMS over the body and the usual fields plus the AAR.
	bh := dkim.NewBodyHasher(dkim.Relaxed, crypto.SHA256, -1)
	bh.Write(m.Body)
	h := []string{"from", "to", "subject", "date", "message-id", "arc-authentication-results"}
	ts := s.t.Unix()
	if s.t.IsZero() {
		ts = 1700000000
	}
	amsValue := fmt.Sprintf(" i=%d; a=rsa-sha256; c=relaxed/relaxed; d=%s; s=sel; t=%d;\r\n\th=%s;\r\n\tbh=%s;\r\n\tb=",
		i, s.domain, ts, strings.Join(h, ":"), base64.StdEncoding.EncodeToString(bh.Sum()))
	withAAR := append([]headers.Field{aar}, m.Fields...)
	signed := dkim.SelectFields(withAAR, h)
	amsValue += s.sign(t, dkim.HeaderHash(crypto.SHA256, dkim.Relaxed, signed, headers.Field{Name: headers.FieldARCMessageSignature, Value: amsValue}))
	ams := headers.Field{Name: headers.FieldARCMessageSignature, Value: amsValue}

	// AS over every set so far plus this one.
	c := parseChain(m.Fields)
	var sealSigned []headers.Field
	for _, x := range c.sets {
		sealSigned = append(sealSigned, x.aar, x.ams, x.seal)
	}
	sealSigned = append(sealSigned, aar, ams)
	asValue := fmt.Sprintf(" i=%d; a=rsa-sha256; t=%d; cv=%s; d=%s; s=sel;\r\n\tb=", i, ts, cv, s.domain)
	asValue += s.sign(t, dkim.HeaderHash(crypto.SHA256, dkim.Relaxed, sealSigned, headers.Field{Name: headers.FieldARCSeal, Value: asValue}))
	as := headers.Field{Name: headers.FieldARCSeal, Value: asValue}

	out := *m
	out.Fields = append([]headers.Field{as, ams, aar}, m.Fields...)
	return &out
}

func (s sealer) sign(t testing.TB, digest []byte) string {
	t.Helper()
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA256, digest)
	require.NoError(t, err)
	return base64.StdEncoding.EncodeToString(sig)
}

// chainOf seals testMessage n times, by hop1.example, hop2.example, ...
func chainOf(t testing.TB, key *rsa.PrivateKey, n int) *headers.Message {
	t.Helper()
	m := parseMessage(t, testMessage)
	for i := 1; i <= n; i++ {
		cv := "pass"
		if i == 1 {
			cv = "none"
		}
		m = sealer{key: key, domain: fmt.Sprintf("hop%d.example", i), t: time.Unix(1700000000+int64(i), 0)}.seal(t, m, cv)
	}
	return m
}

func hopNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("hop%d.example", i+1)
	}
	return out
}

func newVerifier(t testing.TB, key *rsa.PrivateKey, n int, opts ...dnstest.Option) *Verifier {
	t.Helper()
	srv := dnstest.NewServer(t, testZone(t, key, hopNames(n)...), opts...)
	return &Verifier{Resolver: srv.Resolver(), AsOf: time.Unix(1700001000, 0)}
}
