package rsapub

import (
	"crypto"
	"crypto/rsa"
	_ "crypto/sha1" // registers SHA-1 for crypto.SHA1.New
	_ "crypto/sha256"
	_ "crypto/sha512"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The test keys, made with openssl genpkey: odd sizes and e=3 included.
var testKeys = []string{"rsa1024-e3.pem", "rsa1025.pem", "rsa2048.pem", "rsa3072.pem", "rsa4096.pem"}

func loadKey(tb testing.TB, name string) *rsa.PrivateKey {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(tb, err)
	block, _ := pem.Decode(data)
	require.NotNil(tb, block, name)
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	require.NoError(tb, err, name)
	return k.(*rsa.PrivateKey)
}

// rawSign returns em^d mod n as a signature of the modulus's size: the
// signature whose recovered encoded message is em, well formed or not.
func rawSign(priv *rsa.PrivateKey, em []byte) []byte {
	m := new(big.Int).SetBytes(em)
	return new(big.Int).Exp(m, priv.D, priv.N).FillBytes(make([]byte, priv.Size()))
}

// encode returns the EMSA-PKCS1-v1_5 encoding of digest for a size-byte
// modulus.
func encode(size int, h crypto.Hash, digest []byte) []byte {
	t := append([]byte(digestInfo(h)), digest...)
	em := make([]byte, size)
	em[1] = 1
	for i := 2; i < size-len(t)-1; i++ {
		em[i] = 0xff
	}
	copy(em[size-len(t):], t)
	return em
}

func digestOf(h crypto.Hash, s string) []byte {
	d := h.New()
	d.Write([]byte(s))
	return d.Sum(nil)
}

type verifyCase struct {
	name        string
	hashed, sig []byte
	h           crypto.Hash
	valid       bool // crypto/rsa must accept it (checks the case is built right)
}

// cases returns valid signatures and near misses of every kind for priv:
// tampered signatures and digests, bad lengths, out-of-range values, and
// signatures of encoded messages that differ from the right one in one
// place each (block type, padding, separator, DigestInfo, digest position).
func cases(priv *rsa.PrivateKey) []verifyCase {
	size := priv.Size()
	var out []verifyCase
	add := func(name string, h crypto.Hash, hashed, sig []byte, valid bool) {
		out = append(out, verifyCase{name: name, h: h, hashed: hashed, sig: sig, valid: valid})
	}
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		digest := digestOf(h, "a patch")
		sig, err := rsa.SignPKCS1v15(nil, priv, h, digest)
		if err != nil {
			panic(err)
		}
		add("valid", h, digest, sig, true)
		for _, i := range []int{0, 1, size / 2, size - 1} {
			bad := append([]byte(nil), sig...)
			bad[i] ^= 0x10
			add("sig bit flipped", h, digest, bad, false)
		}
		other := digestOf(h, "another patch")
		add("other digest", h, other, sig, false)
		add("digest too short", h, digest[:len(digest)-1], sig, false)
		add("signature short", h, digest, sig[1:], false)
		add("signature long", h, digest, append([]byte{0}, sig...), false)
		add("signature empty", h, digest, nil, false)
		add("signature is n", h, digest, priv.N.FillBytes(make([]byte, size)), false)
		nPlus := new(big.Int).Add(priv.N, big.NewInt(1))
		if nPlus.BitLen() <= size*8 {
			add("signature above n", h, digest, nPlus.FillBytes(make([]byte, size)), false)
		}
		add("signature n-1", h, digest, new(big.Int).Sub(priv.N, big.NewInt(1)).FillBytes(make([]byte, size)), false)
		add("signature zero", h, digest, make([]byte, size), false)
		add("signature one", h, digest, big.NewInt(1).FillBytes(make([]byte, size)), false)
		if digestInfo(h) == "" {
			continue // crafted encodings only for the hashes this package checks itself
		}
		good := encode(size, h, digest)
		tLen := len(digestInfo(h)) + len(digest)
		craft := func(name string, mutate func(em []byte) []byte) {
			em := mutate(append([]byte(nil), good...))
			add("crafted: "+name, h, digest, rawSign(priv, em), false)
		}
		add("crafted: well formed", h, digest, rawSign(priv, good), true)
		craft("first byte 1", func(em []byte) []byte { em[0] = 1; return em })
		craft("block type 2", func(em []byte) []byte { em[1] = 2; return em })
		craft("block type 0", func(em []byte) []byte { em[1] = 0; return em })
		craft("padding starts 0xfe", func(em []byte) []byte { em[2] = 0xfe; return em })
		craft("padding ends 0x00", func(em []byte) []byte { em[size-tLen-2] = 0; return em })
		craft("separator 0xff", func(em []byte) []byte { em[size-tLen-1] = 0xff; return em })
		craft("DigestInfo first byte", func(em []byte) []byte { em[size-tLen] ^= 1; return em })
		craft("DigestInfo last byte", func(em []byte) []byte { em[size-len(digest)-1] ^= 1; return em })
		craft("digest last byte", func(em []byte) []byte { em[size-1] ^= 1; return em })
		// The digest moved left, garbage after it: what lenient parsers of
		// the padding accepted (Bleichenbacher 2006).
		craft("garbage after digest", func(em []byte) []byte {
			copy(em[size-tLen-9:], em[size-tLen-1:])
			for i := size - 8; i < size; i++ {
				em[i] = 0xaa
			}
			return em
		})
		craft("padding 8 bytes, zeros after", func(em []byte) []byte {
			em = make([]byte, size)
			em[1] = 1
			for i := 2; i < 10; i++ {
				em[i] = 0xff
			}
			copy(em[11:], digestInfo(h))
			copy(em[11+len(digestInfo(h)):], digest)
			return em
		})
		other256 := crypto.SHA1
		if h == crypto.SHA1 {
			other256 = crypto.SHA256
		}
		// The other hash's DigestInfo: a SHA-1 encoding offered as SHA-256.
		wrong := encode(size, other256, digestOf(other256, "a patch"))
		add("crafted: other hash's encoding", h, digest, rawSign(priv, wrong), false)
		add("crafted: other hash's encoding, its digest", h, digestOf(other256, "a patch"), rawSign(priv, wrong), false)
	}
	return out
}

// TestVerifyAgreesWithCryptoRSA checks VerifyPKCS1v15 against
// rsa.VerifyPKCS1v15 on every case for every test key: the same error
// (nil, rsa.ErrVerification or crypto/rsa's own).
func TestVerifyAgreesWithCryptoRSA(t *testing.T) {
	for _, name := range testKeys {
		priv := loadKey(t, name)
		k, err := New(&priv.PublicKey)
		require.NoError(t, err, name)
		assert.Same(t, &priv.PublicKey, k.Public())
		var valid, invalid int
		for _, c := range cases(priv) {
			want := rsa.VerifyPKCS1v15(&priv.PublicKey, c.h, c.hashed, c.sig)
			got := k.VerifyPKCS1v15(c.h, c.hashed, c.sig)
			assert.Equal(t, want, got, "%s %v %s", name, c.h, c.name)
			if c.valid {
				require.NoError(t, want, "%s %v %s: the case is built wrong", name, c.h, c.name)
				valid++
			} else {
				require.Error(t, want, "%s %v %s: the case is built wrong", name, c.h, c.name)
				invalid++
			}
			if want != nil && digestInfo(c.h) != "" && len(c.hashed) == c.h.Size() {
				// Where this package decides, a bad signature is exactly
				// rsa.ErrVerification, as from crypto/rsa.
				assert.ErrorIs(t, got, rsa.ErrVerification, "%s %v %s", name, c.h, c.name)
			}
		}
		assert.Equal(t, 6, valid, name)
		assert.Greater(t, invalid, 60, name)
	}
}

func TestNewUnsupported(t *testing.T) {
	priv := loadKey(t, "rsa2048.pem")
	small, _ := new(big.Int).SetString("c3f1a8f0e1d2b5a49788f7f1e6d0c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6b5a4938271605f4e3d2c1b0a9f8e7d6c5b4a3928170654321fedcb", 16)
	even := new(big.Int).Add(priv.N, big.NewInt(1))
	tests := []struct {
		name string
		pub  *rsa.PublicKey
	}{
		{"nil", nil},
		{"no modulus", &rsa.PublicKey{E: 65537}},
		{"512 bits", &rsa.PublicKey{N: small, E: 65537}},
		{"even modulus", &rsa.PublicKey{N: even, E: 65537}},
		{"e=1", &rsa.PublicKey{N: priv.N, E: 1}},
		{"e even", &rsa.PublicKey{N: priv.N, E: 65536}},
		{"e negative", &rsa.PublicKey{N: priv.N, E: -3}},
		{"e above 2^31-1", &rsa.PublicKey{N: priv.N, E: 1<<31 + 1}},
	}
	digest := digestOf(crypto.SHA256, "a patch")
	sig, err := rsa.SignPKCS1v15(nil, priv, crypto.SHA256, digest)
	require.NoError(t, err)
	for _, tt := range tests {
		k, err := New(tt.pub)
		assert.Nil(t, k, tt.name)
		assert.ErrorIs(t, err, ErrUnsupportedKey, tt.name)
		if tt.pub != nil {
			// crypto/rsa refuses them too, so a caller falling back to it
			// cannot accept a signature this package would have refused.
			assert.Error(t, rsa.VerifyPKCS1v15(tt.pub, crypto.SHA256, digest, sig), tt.name)
		}
	}
}

// TestConcurrent verifies with one Key from several goroutines; run with
// -race.
func TestConcurrent(t *testing.T) {
	priv := loadKey(t, "rsa1024-e3.pem")
	k, err := New(&priv.PublicKey)
	require.NoError(t, err)
	digest := digestOf(crypto.SHA256, "a patch")
	sig, err := rsa.SignPKCS1v15(nil, priv, crypto.SHA256, digest)
	require.NoError(t, err)
	bad := append([]byte(nil), sig...)
	bad[10] ^= 1
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				if err := k.VerifyPKCS1v15(crypto.SHA256, digest, sig); err != nil {
					errs <- err
					return
				}
				if err := k.VerifyPKCS1v15(crypto.SHA256, digest, bad); !errors.Is(err, rsa.ErrVerification) {
					errs <- errors.New("tampered signature accepted")
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// FuzzVerifyPKCS1v15 signs whatever encoded message the fuzzer makes (or,
// with raw set, takes its bytes as the signature) and requires the same
// verdict from VerifyPKCS1v15 and rsa.VerifyPKCS1v15. The digest checked
// is the encoded message's last bytes, so a well-formed encoding verifies.
func FuzzVerifyPKCS1v15(f *testing.F) {
	priv := loadKey(f, "rsa1024-e3.pem")
	k, err := New(&priv.PublicKey)
	require.NoError(f, err)
	size := priv.Size()
	hashes := []crypto.Hash{crypto.SHA1, crypto.SHA256}
	for sel, h := range hashes {
		em := encode(size, h, digestOf(h, "a patch"))
		f.Add(em, uint8(sel), false)
		short := append([]byte(nil), em...)
		short[20] = 0
		f.Add(short, uint8(sel), false)
		f.Add(rawSign(priv, em), uint8(sel), true)
	}
	f.Add([]byte{0, 1, 0xff, 0}, uint8(1), false)
	f.Add([]byte{}, uint8(1), true)
	f.Fuzz(func(t *testing.T, data []byte, hashSel uint8, raw bool) {
		h := hashes[hashSel%2]
		var sig, hashed []byte
		if raw {
			sig = data
			hashed = digestOf(h, "a patch")
		} else {
			if len(data) > size {
				data = data[:size]
			}
			em := make([]byte, size)
			copy(em[size-len(data):], data)
			if new(big.Int).SetBytes(em).Cmp(priv.N) >= 0 {
				return
			}
			sig = rawSign(priv, em)
			hashed = em[size-h.Size():]
		}
		want := rsa.VerifyPKCS1v15(&priv.PublicKey, h, hashed, sig)
		got := k.VerifyPKCS1v15(h, hashed, sig)
		if (want == nil) != (got == nil) || errors.Is(want, rsa.ErrVerification) != errors.Is(got, rsa.ErrVerification) {
			t.Fatalf("crypto/rsa %v, rsapub %v", want, got)
		}
	})
}
