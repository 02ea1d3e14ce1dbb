package dkim

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	mdns "github.com/miekg/dns"

	"github.com/mailprov/mailprov/dns"
	"github.com/mailprov/mailprov/headers"
	"github.com/mailprov/mailprov/internal/rsapub"
)

// Key is a DKIM public key record (RFC 6376 §3.6.1), as published in DNS at
// <selector>._domainkey.<domain>.
type Key struct {
	// Version is v=, "DKIM1" or empty when absent.
	Version string `json:"version,omitempty"`
	// Type is k=: "rsa" (the default) or "ed25519" (RFC 8463).
	Type string `json:"type"`
	// Hashes is h=, the hash algorithms the key may be used with, lower
	// case; nil means any.
	Hashes []string `json:"hashes,omitempty"`
	// Services is s=, lower case; nil means "*" (any).
	Services []string `json:"services,omitempty"`
	// Flags is t=, e.g. "y" (testing) and "s" (strict identity).
	Flags []string `json:"flags,omitempty"`
	// Notes is n=.
	Notes string `json:"notes,omitempty"`
	// Revoked is true when p= is empty.
	Revoked bool `json:"revoked,omitempty"`
	// Public is *rsa.PublicKey or ed25519.PublicKey; nil when revoked.
	// An RSA key from ParseKey is prepared for verification on its first
	// use and must not be modified; replacing Public is fine.
	Public crypto.PublicKey `json:"-"`
	// Bits is the key size: the RSA modulus length, or 256 for ed25519.
	Bits int `json:"bits,omitempty"`
	// Raw is the record text.
	Raw string `json:"-"`

	// rsa holds the RSA key prepared for verification, made on first use
	// by ParseKey's Keys and shared by their copies.
	rsa *preparedRSA
}

// preparedRSA is an RSA public key prepared once (rsapub.New): crypto/rsa
// redoes that work, a quarter of a verification, on every call.
type preparedRSA struct {
	once sync.Once
	key  *rsapub.Key // nil when rsapub does not take the key
}

// prepared returns the prepared form of pub, or nil when there is none:
// the Key was not made by ParseKey, its Public was replaced, or rsapub
// leaves the key to crypto/rsa (under 1024 bits, unusual exponents).
func (k *Key) prepared(pub *rsa.PublicKey) *rsapub.Key {
	if k.rsa == nil {
		return nil
	}
	k.rsa.once.Do(func() { k.rsa.key, _ = rsapub.New(pub) })
	if k.rsa.key == nil || k.rsa.key.Public() != pub {
		return nil
	}
	return k.rsa.key
}

// Testing reports whether the key has the t=y flag: the domain is testing
// DKIM.
func (k *Key) Testing() bool { return k.hasFlag("y") }

// Strict reports whether the key has the t=s flag: i= must be d= itself.
func (k *Key) Strict() bool { return k.hasFlag("s") }

func (k *Key) hasFlag(f string) bool {
	for _, x := range k.Flags {
		if x == f {
			return true
		}
	}
	return false
}

// AllowsHash reports whether the key's h= permits the hash named name
// ("sha256"); a key without h= permits any.
func (k *Key) AllowsHash(name string) bool {
	if k.Hashes == nil {
		return true
	}
	for _, h := range k.Hashes {
		if h == name {
			return true
		}
	}
	return false
}

// AllowsEmail reports whether the key's s= permits email ("*" or "email").
func (k *Key) AllowsEmail() bool {
	if k.Services == nil {
		return true
	}
	for _, s := range k.Services {
		if s == "*" || s == "email" {
			return true
		}
	}
	return false
}

// ParseKey parses a key record (RFC 6376 §3.6.1). p= may hold a
// SubjectPublicKeyInfo or, as some signers publish, a bare PKCS#1 RSA
// public key; an ed25519 key (RFC 8463 §4.2) is the raw 32 bytes.
//
// Errors wrap ErrKeySyntax (malformed record, v= not "DKIM1" or not first,
// missing or undecodable p=), ErrKeyUnsupported (unknown k=) or
// ErrKeyRevoked (empty p=; the Key is returned too, with Revoked set).
func ParseKey(txt string) (*Key, error) {
	tags, err := headers.ParseTagList(txt)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeySyntax, err)
	}
	k := &Key{Type: "rsa", Raw: txt}
	var p string
	var haveP bool
	for i, t := range tags {
		switch t.Name {
		case "v":
			if i != 0 || t.Value != "DKIM1" {
				return nil, fmt.Errorf("%w: v=%q must be the first tag and \"DKIM1\"", ErrKeySyntax, t.Value)
			}
			k.Version = t.Value
		case "k":
			k.Type = strings.ToLower(t.Value)
		case "h":
			k.Hashes = splitList(t.Value)
		case "s":
			k.Services = splitList(t.Value)
		case "t":
			k.Flags = splitList(t.Value)
		case "n":
			k.Notes = t.Value
		case "p":
			p, haveP = headers.StripWhitespace(t.Value), true
		}
	}
	if !haveP {
		return nil, fmt.Errorf("%w: no p= tag", ErrKeySyntax)
	}
	if k.Type != "rsa" && k.Type != "ed25519" {
		return nil, fmt.Errorf("%w: k=%s", ErrKeyUnsupported, k.Type)
	}
	if p == "" {
		k.Revoked = true
		return k, ErrKeyRevoked
	}
	der, err := base64.StdEncoding.DecodeString(p)
	if err != nil {
		return nil, fmt.Errorf("%w: p= is not base64", ErrKeySyntax)
	}
	switch k.Type {
	case "rsa":
		var pub *rsa.PublicKey
		if pk, err := x509.ParsePKIXPublicKey(der); err == nil {
			var ok bool
			if pub, ok = pk.(*rsa.PublicKey); !ok {
				return nil, fmt.Errorf("%w: k=rsa but p= holds a %T", ErrKeyUnsupported, pk)
			}
		} else if pub, err = x509.ParsePKCS1PublicKey(der); err != nil {
			return nil, fmt.Errorf("%w: p= is not an RSA public key", ErrKeySyntax)
		}
		k.Public, k.Bits, k.rsa = pub, pub.N.BitLen(), &preparedRSA{}
	case "ed25519":
		if len(der) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("%w: ed25519 p= has %d bytes, not 32", ErrKeySyntax, len(der))
		}
		k.Public, k.Bits = ed25519.PublicKey(der), 256
	}
	return k, nil
}

// splitList splits a colon-separated tag value into lower-case items,
// dropping empty ones.
func splitList(v string) []string {
	out := []string{}
	for _, s := range strings.Split(v, ":") {
		if s = strings.ToLower(strings.Trim(s, " \t\r\n")); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// LookupKey fetches and parses the key record of selector at domain, the
// TXT record of <selector>._domainkey.<domain> (RFC 6376 §3.6.2.2). It
// returns the trace entry for the question in every case.
//
// Errors wrap ErrKeyMissing when the name or TXT record does not exist,
// ErrDNS for other lookup failures (and the *dns.Error, for errors.As),
// or a ParseKey error. When several TXT records exist, the first that
// parses is used.
func LookupKey(ctx context.Context, r dns.Resolver, selector, domain string) (*Key, dns.Lookup, error) {
	return lookupKey(ctx, r, selector, domain, nil)
}

// lookupKey is LookupKey, remembering parsed keys and trace records in c
// when c is not nil.
func lookupKey(ctx context.Context, r dns.Resolver, selector, domain string, c *KeyCache) (*Key, dns.Lookup, error) {
	name := selector + "._domainkey." + strings.TrimSuffix(domain, ".") + "."
	// dns.TXT, with the cache consulted before the strings are joined
	// (dns.TXTStrings).
	qname := mdns.Fqdn(name)
	ans, err := r.Query(ctx, qname, mdns.TypeTXT)
	if err == nil && c != nil {
		if e := c.get(ans.Records); e != nil {
			return e.key, e.lookup(ans), e.err
		}
	}
	var txts []string
	if err == nil {
		txts, err = dns.TXTStrings(qname, ans)
	}
	if err != nil {
		lookup := dns.NewLookup(name, mdns.TypeTXT, ans, err)
		if dns.IsNotFound(err) {
			return nil, lookup, fmt.Errorf("%w: %s: %w", ErrKeyMissing, name, err)
		}
		return nil, lookup, fmt.Errorf("%w: %s: %w", ErrDNS, name, err)
	}
	e := &keyEntry{records: ans.Records}
	e.key, e.err = parseFirst(name, txts)
	lookup := dns.NewLookup(name, mdns.TypeTXT, ans, nil)
	e.name, e.trace = lookup.Name, lookup.Records
	if c != nil {
		c.put(e)
	}
	return e.key, e.lookup(ans), e.err
}

// parseFirst returns the first of several key records that parses (or is
// revoked), or the first error.
func parseFirst(name string, txts []string) (*Key, error) {
	var firstErr error
	for _, txt := range txts {
		k, err := ParseKey(txt)
		if err == nil || errors.Is(err, ErrKeyRevoked) {
			return k, err
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, fmt.Errorf("%s: %w", name, firstErr)
}

// VerifySignature checks sig over digest, a hash made with h, using the key:
// RSASSA-PKCS1-v1_5 for RSA, or Ed25519 over the digest itself (RFC 8463
// §3 signs the hash, not the data). An error wraps ErrBadSignature, or
// ErrKeyRevoked / ErrKeyUnsupported when the key cannot verify.
func (k *Key) VerifySignature(h crypto.Hash, digest, sig []byte) error {
	switch pub := k.Public.(type) {
	case *rsa.PublicKey:
		var err error
		if p := k.prepared(pub); p != nil {
			err = p.VerifyPKCS1v15(h, digest, sig)
		} else {
			err = rsa.VerifyPKCS1v15(pub, h, digest, sig)
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrBadSignature, err)
		}
		return nil
	case ed25519.PublicKey:
		if !ed25519.Verify(pub, digest, sig) {
			return ErrBadSignature
		}
		return nil
	case nil:
		if k.Revoked {
			return ErrKeyRevoked
		}
	}
	return fmt.Errorf("%w: %T", ErrKeyUnsupported, k.Public)
}

// maxCachedKeys bounds a KeyCache: when full, it starts again empty.
const maxCachedKeys = 1024

// KeyCache remembers what was made of key record answers: the parsed key
// and the trace's presentation form of the records, so that verifying
// another message signed with the same key parses nothing. Its zero value
// is an empty cache, ready to use, and it is safe for concurrent use.
//
// Entries are found by the identity of the answer's records, which a
// caching Resolver such as dns.Cache, or a dns.Snapshot, hands out again
// for as long as it keeps the answer (Resolver users must not modify
// records). So an entry can never outlive what DNS said, and nothing in
// it depends on a Verifier's settings: Verifiers that differ in AsOf, say
// one per message, and arc.Verifiers can share one cache. Nothing in an
// entry is modified after it is made. It holds at most 1,024 entries.
type KeyCache struct {
	mu      sync.Mutex
	entries map[mdns.RR]*keyEntry // by the first record
}

// Lookup is LookupKey through the cache: the answer is still asked of r,
// but a key record answer seen before is not parsed again. A nil
// *KeyCache caches nothing.
func (c *KeyCache) Lookup(ctx context.Context, r dns.Resolver, selector, domain string) (*Key, dns.Lookup, error) {
	return lookupKey(ctx, r, selector, domain, c)
}

type keyEntry struct {
	records []mdns.RR
	key     *Key
	err     error
	name    string
	trace   []string
}

// lookup returns the trace entry for ans, whose records are e.records.
func (e *keyEntry) lookup(ans *dns.Answer) dns.Lookup {
	return dns.Lookup{Name: e.name, Type: "TXT", Result: "ok", Records: slices.Clone(e.trace),
		TTL: ans.TTL, Authentic: ans.Authentic, Time: ans.Time}
}

// Len returns the number of key record answers in the cache.
func (c *KeyCache) Len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

func (c *KeyCache) get(rrs []mdns.RR) *keyEntry {
	if len(rrs) == 0 {
		return nil
	}
	c.mu.Lock()
	e := c.entries[rrs[0]]
	c.mu.Unlock()
	if e == nil || len(e.records) != len(rrs) {
		return nil
	}
	for i := range rrs {
		if e.records[i] != rrs[i] {
			return nil
		}
	}
	return e
}

func (c *KeyCache) put(e *keyEntry) {
	if len(e.records) == 0 {
		return
	}
	c.mu.Lock()
	if c.entries == nil || len(c.entries) >= maxCachedKeys {
		c.entries = map[mdns.RR]*keyEntry{}
	}
	c.entries[e.records[0]] = e
	c.mu.Unlock()
}
