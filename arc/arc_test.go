package arc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailprov/mailprov/dkim"
	"github.com/mailprov/mailprov/dns"
	"github.com/mailprov/mailprov/dns/dnstest"
	"github.com/mailprov/mailprov/headers"
)

func TestVerifyChain(t *testing.T) {
	key := testKey(t)
	v := newVerifier(t, key, 3)
	m := chainOf(t, key, 3)
	res := v.Verify(context.Background(), m)
	require.Equal(t, StatusPass, res.Status, "%s: %s", res.Reason, res.Detail)
	assert.Empty(t, res.Reason)
	assert.NoError(t, res.Err)
	assert.Equal(t, 3, res.Instances)
	assert.Equal(t, 1, res.OldestPass)
	require.Len(t, res.Sets, 3)
	for i, s := range res.Sets {
		assert.Equal(t, i+1, s.Instance)
		assert.Equal(t, fmt.Sprintf("hop%d.example", i+1), s.Sealer)
		assert.Equal(t, "sel", s.Selector)
		assert.Equal(t, CheckPass, s.SealResult)
		assert.Equal(t, CheckPass, s.AMSResult)
		assert.Equal(t, CheckPass, s.Body)
		assert.Equal(t, fmt.Sprintf("hop%d.example", i+1), s.AuthServID)
		assert.Equal(t, []string{"spf=pass smtp.mailfrom=alice@origin.example", "dkim=pass header.d=origin.example"}, s.Vouches)
	}
	assert.Equal(t, "none", res.Sets[0].CV)
	assert.Equal(t, "pass", res.Sets[2].CV)
	assert.Len(t, res.Trace, 3, "one key lookup per sealer, cached")
	assert.Equal(t, time.Unix(1700001000, 0), res.AsOf)
}

// TestVerifySharedKeyCache checks that a Verifier with Keys fills that
// cache (shared with dkim.Verifiers in an audit) and verifies the same
// through it the second time.
func TestVerifySharedKeyCache(t *testing.T) {
	key := testKey(t)
	v := newVerifier(t, key, 3)
	v.Resolver = &dns.Cache{Resolver: v.Resolver}
	v.Keys = new(dkim.KeyCache)
	m := chainOf(t, key, 3)
	for range 2 {
		res := v.Verify(context.Background(), m)
		require.Equal(t, StatusPass, res.Status, "%s: %s", res.Reason, res.Detail)
		assert.Len(t, res.Trace, 3)
		assert.Equal(t, 3, v.Keys.Len())
	}
}

// TestVerifyOldestPass: hop 2 rewrites the body (a list footer), so AMS(1)
// no longer validates, but hop 2's seal and AMS do: pass, oldest-pass 2.
func TestVerifyOldestPass(t *testing.T) {
	key := testKey(t)
	v := newVerifier(t, key, 3)
	m := chainOf(t, key, 1)
	m.Body = append(append([]byte{}, m.Body...), "-- \r\nlist footer\r\n"...)
	m = sealer{key: key, domain: "hop2.example", t: time.Unix(1700000002, 0)}.seal(t, m, "pass")
	m = sealer{key: key, domain: "hop3.example", t: time.Unix(1700000003, 0)}.seal(t, m, "pass")
	res := v.Verify(context.Background(), m)
	require.Equal(t, StatusPass, res.Status, res.Detail)
	assert.Equal(t, 2, res.OldestPass)
	assert.Equal(t, CheckFail, res.Sets[0].AMSResult)
	assert.Equal(t, CheckFail, res.Sets[0].Body)
	assert.Equal(t, CheckPass, res.Sets[0].SealResult)
	assert.Contains(t, res.Sets[0].Problem, "body hash")
}

// TestVerifyBroken breaks a valid 3-set chain one way per case.
func TestVerifyBroken(t *testing.T) {
	key := testKey(t)
	v := newVerifier(t, key, 3)
	fieldsOf := func(m *headers.Message) []headers.Field { return append([]headers.Field{}, m.Fields...) }
	// index of the field named name with instance i (ARC fields are on top).
	find := func(fs []headers.Field, name string, i int) int {
		for k, f := range fs {
			if strings.EqualFold(f.Name, name) && strings.Contains(f.Value, fmt.Sprintf("i=%d;", i)) {
				return k
			}
		}
		t.Fatalf("no %s i=%d", name, i)
		return -1
	}
	remove := func(fs []headers.Field, k int) []headers.Field { return append(fs[:k:k], fs[k+1:]...) }
	tests := []struct {
		name   string
		mutate func(m *headers.Message)
		reason Reason
		err    error
	}{
		{"gap", func(m *headers.Message) {
			fs := fieldsOf(m)
			for _, n := range []string{headers.FieldARCSeal, headers.FieldARCMessageSignature, headers.FieldARCAuthResults} {
				fs = remove(fs, find(fs, n, 2))
			}
			m.Fields = fs
		}, ReasonGap, ErrGap},
		{"missing AAR", func(m *headers.Message) {
			fs := fieldsOf(m)
			m.Fields = remove(fs, find(fs, headers.FieldARCAuthResults, 2))
		}, ReasonMissingField, ErrMissingField},
		{"missing AS", func(m *headers.Message) {
			fs := fieldsOf(m)
			m.Fields = remove(fs, find(fs, headers.FieldARCSeal, 1))
		}, ReasonMissingField, ErrMissingField},
		{"duplicate AAR", func(m *headers.Message) {
			fs := fieldsOf(m)
			m.Fields = append(fs, fs[find(fs, headers.FieldARCAuthResults, 1)])
		}, ReasonDuplicate, ErrDuplicate},
		{"duplicate set", func(m *headers.Message) {
			fs := fieldsOf(m)
			m.Fields = append(fs[:3:3], fs...)
		}, ReasonDuplicate, ErrDuplicate},
		{"i=51", func(m *headers.Message) {
			m.Fields = append([]headers.Field{{Name: "ARC-Seal", Value: " i=51; a=rsa-sha256; cv=pass; d=x.example; s=s; b=AAAA"}}, m.Fields...)
		}, ReasonInstance, ErrInstance},
		{"i=0 AAR", func(m *headers.Message) {
			m.Fields = append([]headers.Field{{Name: "ARC-Authentication-Results", Value: " i=0; x.example; none"}}, m.Fields...)
		}, ReasonInstance, ErrInstance},
		{"huge i", func(m *headers.Message) {
			m.Fields = append([]headers.Field{{Name: "ARC-Message-Signature", Value: " i=999999999; a=rsa-sha256"}}, m.Fields...)
		}, ReasonInstance, ErrInstance},
		// AMS(3)'s h= takes the bottom-most AAR (i=1), so a forged AAR 1
		// fails the newest message signature first...
		{"forged claim in AAR 1", func(m *headers.Message) {
			fs := fieldsOf(m)
			k := find(fs, headers.FieldARCAuthResults, 1)
			fs[k].Value = strings.Replace(fs[k].Value, "spf=pass", "spf=fail", 1)
			m.Fields = fs
		}, ReasonMessageSignature, ErrMessageSignature},
		// ...while AAR 2 is covered by the seals only.
		{"forged claim in AAR 2", func(m *headers.Message) {
			fs := fieldsOf(m)
			k := find(fs, headers.FieldARCAuthResults, 2)
			fs[k].Value = strings.Replace(fs[k].Value, "spf=pass", "spf=fail", 1)
			m.Fields = fs
		}, ReasonSeal, ErrSeal},
		{"body changed after last hop", func(m *headers.Message) {
			m.Body = []byte("Hello, world!\r\n")
		}, ReasonBodyHashMismatch, dkim.ErrBodyHashMismatch},
		{"subject changed after last hop", func(m *headers.Message) {
			fs := fieldsOf(m)
			for k := range fs {
				if fs[k].Name == "Subject" {
					fs[k].Value = " hello!"
				}
			}
			m.Fields = fs
		}, ReasonMessageSignature, dkim.ErrBadSignature},
		{"AMS signs ARC-Seal", func(m *headers.Message) {
			fs := fieldsOf(m)
			k := find(fs, headers.FieldARCMessageSignature, 3)
			fs[k].Value = strings.Replace(fs[k].Value, "h=from", "h=arc-seal:from", 1)
			m.Fields = fs
		}, ReasonSignatureSyntax, ErrSignatureSyntax},
		{"garbage seal", func(m *headers.Message) {
			fs := fieldsOf(m)
			fs[find(fs, headers.FieldARCSeal, 3)].Value = " i=3; ;;; b=!!!"
			m.Fields = fs
		}, ReasonSignatureSyntax, ErrSignatureSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := chainOf(t, key, 3)
			tt.mutate(m)
			res := v.Verify(context.Background(), m)
			assert.Equal(t, StatusFail, res.Status)
			assert.Equal(t, tt.reason, res.Reason, res.Detail)
			require.ErrorIs(t, res.Err, tt.err)
			assert.NotEmpty(t, res.Detail)
			assert.Zero(t, res.OldestPass)
		})
	}
}

func TestVerifyCV(t *testing.T) {
	key := testKey(t)
	v := newVerifier(t, key, 3)
	m := parseMessage(t, testMessage)
	m = sealer{key: key, domain: "hop1.example"}.seal(t, m, "none")
	m2 := sealer{key: key, domain: "hop2.example"}.seal(t, m, "fail")
	res := v.Verify(context.Background(), m2)
	assert.Equal(t, StatusFail, res.Status)
	assert.Equal(t, ReasonChainFailed, res.Reason)

	m2 = sealer{key: key, domain: "hop2.example"}.seal(t, m, "none")
	res = v.Verify(context.Background(), m2)
	assert.Equal(t, ReasonCVMismatch, res.Reason)
	assert.Equal(t, "cv=none, want cv=pass", res.Sets[1].Problem)
}

func TestVerifyNone(t *testing.T) {
	v := &Verifier{}
	for _, m := range []*headers.Message{nil, {}, parseMessage(t, testMessage)} {
		res := v.Verify(context.Background(), m)
		assert.Equal(t, StatusNone, res.Status)
		assert.Equal(t, ReasonNoChain, res.Reason)
		assert.Zero(t, res.Instances)
		assert.Empty(t, res.Trace)
	}
}

// TestVerifyHeadersOnly: without a body the seals still verify and the
// newest AMS's header signature too; the result is neutral, not pass.
func TestVerifyHeadersOnly(t *testing.T) {
	key := testKey(t)
	v := newVerifier(t, key, 2)
	m := chainOf(t, key, 2)
	m.Body = nil
	res := v.Verify(context.Background(), m)
	assert.Equal(t, StatusNeutral, res.Status)
	assert.Equal(t, ReasonBodyUnchecked, res.Reason)
	assert.Equal(t, 1, res.OldestPass)
	for _, s := range res.Sets {
		assert.Equal(t, CheckPass, s.SealResult)
		assert.Equal(t, CheckHeaderOnly, s.AMSResult)
		assert.Equal(t, CheckUnchecked, s.Body)
	}
	// A forged header still fails without a body.
	m.Fields[len(m.Fields)-3].Value = " forged subject"
	res = v.Verify(context.Background(), m)
	assert.Equal(t, StatusFail, res.Status)
}

// TestVerifyPerNameOrder: Patchwork keeps the order of fields per name
// only. ARC sets are keyed by i= and AMS h= takes fields per name, so the
// chain still validates after regrouping the fields by name.
func TestVerifyPerNameOrder(t *testing.T) {
	key := testKey(t)
	v := newVerifier(t, key, 3)
	m := chainOf(t, key, 3)
	var names []string
	byName := map[string][]headers.Field{}
	for _, f := range m.Fields {
		n := strings.ToLower(f.Name)
		if _, ok := byName[n]; !ok {
			names = append([]string{n}, names...) // reverse the name order
		}
		byName[n] = append(byName[n], f)
	}
	m.Fields = nil
	for _, n := range names {
		m.Fields = append(m.Fields, byName[n]...)
	}
	m.Order = headers.OrderPerName
	res := v.Verify(context.Background(), m)
	assert.Equal(t, StatusPass, res.Status, res.Detail)
}

func TestVerifyFiftySets(t *testing.T) {
	if testing.Short() {
		t.Skip("50 seals")
	}
	key := testKey(t)
	v := newVerifier(t, key, 51)
	m := chainOf(t, key, 50)
	res := v.Verify(context.Background(), m)
	require.Equal(t, StatusPass, res.Status, res.Detail)
	assert.Equal(t, 50, res.Instances)

	m = sealer{key: key, domain: "hop51.example"}.seal(t, m, "pass")
	res = v.Verify(context.Background(), m)
	assert.Equal(t, StatusFail, res.Status)
	assert.Equal(t, ReasonInstance, res.Reason)
}

func TestVerifyKeyProblems(t *testing.T) {
	key := testKey(t)
	m := chainOf(t, key, 2)
	tests := []struct {
		name   string
		zone   string
		opts   []dnstest.Option
		minKey int
		maxKey int
		reason Reason
	}{
		{"key missing", testZone(t, key, "hop1.example"), nil, 0, 0, ReasonKeyMissing},
		{"servfail", testZone(t, key, "hop1.example"), []dnstest.Option{dnstest.WithServFail("sel._domainkey.hop2.example")}, 0, 0, ReasonDNSError},
		{"revoked", testZone(t, key, "hop1.example") + "sel._domainkey.hop2.example. 300 IN TXT \"v=DKIM1; p=\"\n", nil, 0, 0, ReasonKeyInvalid},
		{"too small", testZone(t, key, "hop1.example", "hop2.example"), nil, 2048, 0, ReasonKeyTooSmall},
		{"too large", testZone(t, key, "hop1.example", "hop2.example"), nil, 0, 1023, ReasonKeyTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := dnstest.NewServer(t, tt.zone, tt.opts...)
			v := &Verifier{Resolver: srv.Resolver(), MinKeyBits: tt.minKey, MaxKeyBits: tt.maxKey}
			res := v.Verify(context.Background(), m)
			assert.Equal(t, StatusFail, res.Status)
			assert.Equal(t, tt.reason, res.Reason, res.Detail)
			assert.NotEmpty(t, res.Trace)
		})
	}
}

func TestParseSets(t *testing.T) {
	key := testKey(t)
	m := chainOf(t, key, 2)
	sets, err := ParseSets(m.Fields)
	require.NoError(t, err)
	require.Len(t, sets, 2)
	assert.Equal(t, "hop2.example", sets[1].Sealer)
	assert.Equal(t, CheckUnchecked, sets[1].SealResult)
	assert.Equal(t, "hop1.example", sets[0].AuthServID)

	sets, err = ParseSets(m.Fields[1:]) // drop AS i=2
	require.ErrorIs(t, err, ErrMissingField)
	assert.Len(t, sets, 2)
}

func TestReasonTableComplete(t *testing.T) {
	for _, e := range reasonTable {
		assert.Equal(t, e.reason, ReasonOf(fmt.Errorf("wrapped: %w", e.err)), "%v", e.err)
		if !strings.HasPrefix(e.err.Error(), "arc: ") && !strings.HasPrefix(e.err.Error(), "dkim: ") {
			t.Errorf("error without package prefix: %v", e.err)
		}
	}
	assert.Equal(t, Reason(""), ReasonOf(nil))
	assert.Equal(t, Reason(""), ReasonOf(errors.New("other")))
}

func TestResultJSON(t *testing.T) {
	key := testKey(t)
	v := newVerifier(t, key, 1)
	res := v.Verify(context.Background(), chainOf(t, key, 1))
	b, err := json.Marshal(res)
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(b, &got))
	for _, k := range []string{"result", "instances", "oldest_pass", "sets", "trace", "as_of"} {
		assert.Contains(t, got, k)
	}
	set := got["sets"].([]any)[0].(map[string]any)
	for _, k := range []string{"instance", "sealer", "selector", "cv", "seal", "message_signature", "authserv_id", "vouches"} {
		assert.Contains(t, set, k)
	}
}
