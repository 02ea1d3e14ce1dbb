package dkim

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailprov/mailprov/dns/dnstest"
	"github.com/mailprov/mailprov/headers"
)

// sharedDir is ../shared from the module root.
var sharedDir = filepath.Join("..", "..", "shared")

func conformanceDir(t testing.TB) string {
	t.Helper()
	d := filepath.Join(sharedDir, "conformance", "dkim")
	if _, err := os.Stat(d); err != nil {
		t.Skip("../shared not present: ", err)
	}
	return d
}

// loadKey reads a PKCS#8 private key from testdata.
func loadKey(t testing.TB, name string) crypto.Signer {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("%s: no PEM", name)
	}
	var k any
	switch blk.Type {
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
	default:
		k, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
	}
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return k.(crypto.Signer)
}

// keyRecord returns the DNS key record for a signer's public key.
func keyRecord(t testing.TB, s crypto.Signer, extra string) string {
	t.Helper()
	switch pub := s.Public().(type) {
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		return "v=DKIM1; k=rsa; " + extra + "p=" + base64.StdEncoding.EncodeToString(der)
	case ed25519.PublicKey:
		return "v=DKIM1; k=ed25519; " + extra + "p=" + base64.StdEncoding.EncodeToString(pub)
	}
	t.Fatalf("unknown key %T", s)
	return ""
}

// hugeKeyRecord returns a key record whose p= is an RSA public key of
// the given size with a random odd modulus: no private key exists for it.
func hugeKeyRecord(t testing.TB, bits int) string {
	t.Helper()
	n := make([]byte, bits/8)
	if _, err := rand.Read(n); err != nil {
		t.Fatal(err)
	}
	n[0] |= 0x80
	n[len(n)-1] |= 1
	der, err := x509.MarshalPKIXPublicKey(&rsa.PublicKey{N: new(big.Int).SetBytes(n), E: 65537})
	if err != nil {
		t.Fatal(err)
	}
	return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der)
}

// txtZone returns zone text with one TXT record per (name, value) pair,
// each value split into character-strings of at most 255 bytes.
func txtZone(pairs ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(pairs); i += 2 {
		name := strings.TrimSuffix(pairs[i], ".") + "."
		fmt.Fprintf(&b, "%s 300 IN TXT", name)
		v := pairs[i+1]
		if v == "" {
			b.WriteString(` ""`)
		}
		for len(v) > 0 {
			n := min(len(v), 200)
			chunk := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v[:n])
			fmt.Fprintf(&b, ` "%s"`, chunk)
			v = v[n:]
		}
		b.WriteString("\n")
	}
	return b.String()
}

// newVerifier starts a loopback DNS server for zone and returns a Verifier
// using it.
func newVerifier(t testing.TB, zone string, opts ...dnstest.Option) *Verifier {
	t.Helper()
	srv := dnstest.NewServer(t, zone, opts...)
	c := srv.Resolver()
	// Generous: the machine may be loaded (-race, parallel packages).
	c.Timeout, c.Attempts = 3*time.Second, 2
	return &Verifier{Resolver: c}
}

// signSpec describes a signature testSign makes. It signs with this
// package's own canonicalization, so it can make what go-msgauth cannot
// (l=, rsa-sha1, x=, odd tags); the differential test checks that
// canonicalization against go-msgauth.
type signSpec struct {
	key      crypto.Signer
	algo     string // default from the key
	canon    string // default relaxed/relaxed
	domain   string // default example.org
	selector string // default sel
	headers  string // default from:to:subject:date
	length   int64  // l=; 0 means none
	extra    string // further tags, e.g. "x=123; "
	field    string // default DKIM-Signature
}

// testSign returns raw with a signature field prepended.
func testSign(t testing.TB, raw string, sp signSpec) string {
	t.Helper()
	m, err := headers.ParseRaw([]byte(raw), "test")
	if err != nil {
		t.Fatal(err)
	}
	if sp.algo == "" {
		sp.algo = "rsa-sha256"
		if _, ok := sp.key.(ed25519.PrivateKey); ok {
			sp.algo = "ed25519-sha256"
		}
	}
	if sp.canon == "" {
		sp.canon = "relaxed/relaxed"
	}
	if sp.domain == "" {
		sp.domain = "example.org"
	}
	if sp.selector == "" {
		sp.selector = "sel"
	}
	if sp.headers == "" {
		sp.headers = "from:to:subject:date"
	}
	if sp.field == "" {
		sp.field = "DKIM-Signature"
	}
	h := crypto.SHA256
	if strings.HasSuffix(sp.algo, "sha1") {
		h = crypto.SHA1
	}
	hc, bc, _ := strings.Cut(sp.canon, "/")
	limit := int64(-1)
	if sp.length > 0 {
		limit = sp.length
	}
	bh := NewBodyHasher(bc, h, limit)
	bh.Write(m.Body)
	v := fmt.Sprintf(" v=1; a=%s; c=%s; d=%s; s=%s;\r\n h=%s; bh=%s; %s",
		sp.algo, sp.canon, sp.domain, sp.selector, sp.headers, base64.StdEncoding.EncodeToString(bh.Sum()), sp.extra)
	if sp.length > 0 {
		v += fmt.Sprintf("l=%d; ", sp.length)
	}
	v += "\r\n b="
	f := headers.Field{Name: sp.field, Value: v}
	digest := HeaderHash(h, hc, SelectFields(m.Fields, strings.Split(sp.headers, ":")), f)
	var sig []byte
	switch k := sp.key.(type) {
	case ed25519.PrivateKey:
		sig = ed25519.Sign(k, digest)
	case *rsa.PrivateKey:
		sig, err = rsa.SignPKCS1v15(rand.Reader, k, h, digest)
		if err != nil {
			t.Fatal(err)
		}
	}
	return f.Raw() + base64.StdEncoding.EncodeToString(sig) + "\r\n" + raw
}

// parse parses a raw message (LF or CRLF).
func parse(t testing.TB, raw string) *headers.Message {
	t.Helper()
	m, err := headers.ParseRaw([]byte(raw), "test")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// crlf turns LF line ends into CRLF.
func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}
