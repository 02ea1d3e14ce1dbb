package dkim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailprov/mailprov/dns"
	"github.com/mailprov/mailprov/dns/dnstest"
	"github.com/mailprov/mailprov/headers"
)

const baseMessage = "From: Joe <joe@example.org>\r\n" +
	"To: Jane <jane@example.net>\r\n" +
	"Subject: Is dinner ready?\r\n" +
	"Date: Fri, 11 Jul 2003 21:00:37 -0700\r\n" +
	"Message-ID: <20030712040037.46341.5F8J@example.org>\r\n" +
	"\r\n" +
	"Hi.\r\n" +
	"\r\n" +
	"We lost the game. Are you hungry yet?\r\n" +
	"\r\n" +
	"Joe.\r\n"

var signTime = time.Date(2026, 4, 17, 12, 0, 0, 0, time.UTC)

// TestVerify starts from one valid signed message; each case breaks one
// thing and expects a status and a sentinel.
func TestVerify(t *testing.T) {
	rsaKey := loadKey(t, "rsa2048.pem")
	smallKey := loadKey(t, "rsa1024.pem")
	edKey := loadKey(t, "ed25519.pem")
	const keyName = "sel._domainkey.example.org"

	type testCase struct {
		spec   signSpec
		record string                     // key record; default: rsaKey's
		msg    func(signed string) string // mutate the signed message
		ver    func(v *Verifier)
		opts   []dnstest.Option
		zone   string // extra zone text
		noBody bool

		status Status
		err    error // sentinel; nil for pass
		check  func(t *testing.T, r Result)
	}
	ts := func(tm time.Time) string { return fmt.Sprint(tm.Unix()) }
	cases := map[string]testCase{
		"valid":         {status: StatusPass},
		"valid-ed25519": {spec: signSpec{key: edKey}, record: keyRecord(t, edKey, ""), status: StatusPass},
		"valid-simple":  {spec: signSpec{canon: "simple/simple"}, status: StatusPass},
		"body-changed": {msg: func(s string) string { return strings.Replace(s, "hungry", "Hungry", 1) },
			status: StatusFail, err: ErrBodyHashMismatch,
			check: func(t *testing.T, r Result) { assert.Equal(t, CheckFail, r.Body) }},
		"header-changed": {msg: func(s string) string { return strings.Replace(s, "dinner", "lunch", 1) },
			status: StatusFail, err: ErrBadSignature,
			check: func(t *testing.T, r Result) {
				assert.Equal(t, CheckPass, r.Body)
				assert.Equal(t, CheckFail, r.HeaderSignature)
			}},
		"key-missing": {record: "-", status: StatusPermerror, err: ErrKeyMissing,
			check: func(t *testing.T, r Result) {
				// The body is checked without the key.
				assert.Equal(t, CheckPass, r.Body)
				assert.Equal(t, CheckUnchecked, r.HeaderSignature)
				assert.Contains(t, r.Detail, "The body matches bh=.")
			}},
		"key-missing-body-changed": {record: "-", msg: func(s string) string { return strings.Replace(s, "hungry", "Hungry", 1) },
			status: StatusPermerror, err: ErrKeyMissing,
			check: func(t *testing.T, r Result) { assert.Equal(t, CheckFail, r.Body) }},
		"dns-servfail": {opts: []dnstest.Option{dnstest.WithServFail(keyName)}, status: StatusTemperror, err: ErrDNS,
			check: func(t *testing.T, r Result) {
				// dns.Error.Reason: what failed, without socket addresses.
				assert.Equal(t, "The key lookup failed: sel._domainkey.example.org TXT: server failure (rcode SERVFAIL). The body matches bh=.", r.Detail)
				assert.NotContains(t, r.Detail, "127.0.0.1")
			}},
		"dns-timeout": {opts: []dnstest.Option{dnstest.WithTimeout(keyName)}, status: StatusTemperror, err: ErrDNS,
			ver: func(v *Verifier) {
				v.Resolver.(*dns.Client).Timeout, v.Resolver.(*dns.Client).Attempts = 200*time.Millisecond, 1
			}},
		"key-nodata": {record: "-", zone: keyName + ". 300 IN A 192.0.2.1\n", status: StatusPermerror, err: ErrKeyMissing},
		"key-two-records": {zone: txtZone(keyName, "not a key"), status: StatusPass,
			check: func(t *testing.T, r Result) { assert.Len(t, r.Trace[0].Records, 2) }},
		"key-revoked":       {record: "v=DKIM1; k=rsa; p=", status: StatusPermerror, err: ErrKeyRevoked},
		"key-syntax":        {record: "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ", status: StatusPermerror, err: ErrKeySyntax},
		"key-version":       {record: "v=DKIM2; p=AAAA", status: StatusPermerror, err: ErrKeySyntax},
		"key-unknown-k":     {record: "v=DKIM1; k=dsa; p=AAAA", status: StatusPermerror, err: ErrKeyUnsupported},
		"key-type-mismatch": {record: keyRecord(t, edKey, ""), status: StatusPermerror, err: ErrKeyUnsupported},
		"key-hash":          {record: keyRecord(t, rsaKey, "h=sha1; "), status: StatusPermerror, err: ErrKeyHashMismatch},
		"key-service":       {record: keyRecord(t, rsaKey, "s=tlsrpt; "), status: StatusPermerror, err: ErrKeyService},
		"key-strict": {spec: signSpec{extra: "i=joe@sub.example.org; "}, record: keyRecord(t, rsaKey, "t=s; "),
			status: StatusPermerror, err: ErrDomainMismatch},
		"key-strict-ok": {spec: signSpec{extra: "i=joe@example.org; "}, record: keyRecord(t, rsaKey, "t=s; "), status: StatusPass},
		"key-testing": {record: keyRecord(t, rsaKey, "t=y; "), status: StatusPass,
			check: func(t *testing.T, r Result) { assert.True(t, r.Testing) }},
		"key-too-small": {spec: signSpec{key: smallKey}, record: keyRecord(t, smallKey, ""),
			ver: func(v *Verifier) { v.MinKeyBits = 2048 }, status: StatusPermerror, err: ErrKeyTooSmall},
		"key-1024-ok": {spec: signSpec{key: smallKey}, record: keyRecord(t, smallKey, ""), status: StatusPass},
		"key-too-large": {record: keyRecord(t, rsaKey, ""),
			ver: func(v *Verifier) { v.MaxKeyBits = 2047 }, status: StatusPermerror, err: ErrKeyTooLarge},
		"key-2048-max-ok": {record: keyRecord(t, rsaKey, ""),
			ver: func(v *Verifier) { v.MaxKeyBits = 2048 }, status: StatusPass},
		// A hostile domain's 16384-bit key: refused by default before any
		// arithmetic (the signature would not verify anyway).
		"key-hostile-size": {record: hugeKeyRecord(t, 16384), status: StatusPermerror, err: ErrKeyTooLarge,
			check: func(t *testing.T, r Result) {
				assert.Equal(t, 16384, r.KeyBits)
				assert.Equal(t, CheckUnchecked, r.HeaderSignature)
			}},
		"rsa-sha1":          {spec: signSpec{algo: "rsa-sha1"}, status: StatusPermerror, err: ErrAlgorithmWeak},
		"algorithm-unknown": {spec: signSpec{algo: "rsa-sha512"}, status: StatusPermerror, err: ErrAlgorithmUnsupported},
		"canon-unknown":     {spec: signSpec{canon: "nowsp/simple"}, status: StatusPermerror, err: ErrAlgorithmUnsupported},
		"expired": {spec: signSpec{extra: "t=" + ts(signTime) + "; x=" + ts(signTime.Add(time.Hour)) + "; "},
			status: StatusPermerror, err: ErrExpired,
			check: func(t *testing.T, r Result) {
				assert.Equal(t, CheckPass, r.HeaderSignature)
				assert.Equal(t, CheckPass, r.Body)
				assert.Contains(t, r.Detail, "expired since 2026-04-17T13:00:00Z")
			}},
		"expired-as-of-date": {spec: signSpec{extra: "t=" + ts(signTime) + "; x=" + ts(signTime.Add(time.Hour)) + "; "},
			ver: func(v *Verifier) { v.AsOf = signTime.Add(time.Minute) }, status: StatusPass},
		"future": {spec: signSpec{extra: "t=" + ts(time.Now().Add(time.Hour)) + "; "},
			status: StatusPermerror, err: ErrFutureTimestamp},
		"future-within-skew": {spec: signSpec{extra: "t=" + ts(time.Now().Add(time.Minute)) + "; "}, status: StatusPass},
		"x-before-t": {spec: signSpec{extra: "t=" + ts(signTime) + "; x=" + ts(signTime.Add(-time.Hour)) + "; "},
			status: StatusPermerror, err: ErrSignatureSyntax},
		"from-not-signed": {spec: signSpec{headers: "to:subject:date"}, status: StatusPermerror, err: ErrFromNotSigned},
		"extra-from": {msg: func(s string) string { return "From: Mallory <m@evil.test>\r\n" + s },
			status: StatusFail, err: ErrExtraFrom,
			check: func(t *testing.T, r Result) { assert.Equal(t, CheckPass, r.HeaderSignature) }},
		"extra-from-oversigned": {spec: signSpec{headers: "from:from:to:subject:date"},
			msg:    func(s string) string { return "From: Mallory <m@evil.test>\r\n" + s },
			status: StatusFail, err: ErrBadSignature},
		"length-short": {spec: signSpec{length: 10}, status: StatusPolicy, err: ErrBodyLengthLimit,
			check: func(t *testing.T, r Result) { assert.NotEmpty(t, r.Warnings) }},
		"length-exact": {spec: signSpec{length: int64(len(baseMessage[strings.Index(baseMessage, "\r\n\r\n")+4:]))}, status: StatusPass},
		"length-long":  {spec: signSpec{length: 10000}, status: StatusPermerror, err: ErrBodyLengthLimit},
		// An expired signature still proves who signed; its unsigned
		// tail must not hide behind the expiry.
		"length-short-expired": {spec: signSpec{length: 10, extra: "t=" + ts(signTime) + "; x=" + ts(signTime.Add(time.Hour)) + "; "},
			status: StatusPolicy, err: ErrBodyLengthLimit,
			check: func(t *testing.T, r Result) {
				assert.Contains(t, strings.Join(r.Warnings, "\n"), "after l= are not signed")
				assert.Contains(t, strings.Join(r.Warnings, "\n"), "also expired at 2026-04-17T13:00:00Z")
			}},
		"length-long-expired": {spec: signSpec{length: 10000, extra: "t=" + ts(signTime) + "; x=" + ts(signTime.Add(time.Hour)) + "; "},
			status: StatusPermerror, err: ErrBodyLengthLimit},
		"missing-bh": {msg: func(s string) string { return strings.Replace(s, " bh=", " xh=", 1) },
			status: StatusPermerror, err: ErrMissingTag},
		"tag-syntax": {msg: func(s string) string { return strings.Replace(s, " v=1;", " v=1; ;", 1) },
			status: StatusPermerror, err: ErrSignatureSyntax},
		"version": {msg: func(s string) string { return strings.Replace(s, " v=1;", " v=2;", 1) },
			status: StatusPermerror, err: ErrSignatureSyntax},
		"identity-outside": {spec: signSpec{extra: "i=joe@example.com; "}, status: StatusPermerror, err: ErrDomainMismatch},
		"query-method":     {spec: signSpec{extra: "q=dns/other; "}, status: StatusPermerror, err: ErrSignatureSyntax},
		"headers-only": {noBody: true, status: StatusNeutral, err: ErrBodyUnchecked,
			check: func(t *testing.T, r Result) {
				assert.Equal(t, CheckPass, r.HeaderSignature)
				assert.Equal(t, CheckUnchecked, r.Body)
				assert.Empty(t, r.BodySource)
			}},
		"headers-only-changed": {noBody: true, msg: func(s string) string { return strings.Replace(s, "dinner", "lunch", 1) },
			status: StatusFail, err: ErrBadSignature},
	}
	// Every reason is reached by a case here, or, for header_altered, by
	// TestVerifyPatchwork.
	reached := map[Reason]bool{ReasonHeaderAltered: true}
	for _, tc := range cases {
		reached[ReasonOf(tc.err)] = true
	}
	for _, r := range allReasons {
		assert.True(t, reached[r], "no case reaches %s", r)
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sp := tc.spec
			if sp.key == nil {
				sp.key = rsaKey
			}
			signed := testSign(t, baseMessage, sp)
			if tc.msg != nil {
				signed = tc.msg(signed)
			}
			rec := tc.record
			if rec == "" {
				rec = keyRecord(t, sp.key, "")
			}
			zone := "example.org. 300 IN TXT \"v=spf1 -all\"\n"
			if rec != "-" {
				zone += txtZone(keyName, rec)
			}
			zone += tc.zone
			v := newVerifier(t, zone, tc.opts...)
			if tc.ver != nil {
				tc.ver(v)
			}
			m := parse(t, signed)
			if tc.noBody {
				m.Body = nil
			}
			res, err := v.Verify(context.Background(), m)
			require.NoError(t, err)
			require.Len(t, res, 1)
			r := res[0]
			assert.Equal(t, tc.status, r.Status, "detail: %s; err: %v", r.Detail, r.Err)
			if tc.err == nil {
				assert.NoError(t, r.Err)
				assert.Empty(t, r.Reason)
			} else {
				require.ErrorIs(t, r.Err, tc.err)
				assert.Equal(t, ReasonOf(tc.err), r.Reason)
				assert.NotEmpty(t, r.Detail)
			}
			if tc.status == StatusPass {
				assert.Equal(t, CheckPass, r.HeaderSignature)
				assert.Equal(t, CheckPass, r.Body)
				assert.Equal(t, "message", r.BodySource)
			}
			if tc.check != nil {
				tc.check(t, r)
			}
			assert.Equal(t, "example.org", r.Domain)
			assert.False(t, r.AsOf.IsZero())
		})
	}
}

// allReasons lists every Reason constant; TestReasonTable checks the
// sentinel table against it.
var allReasons = []Reason{
	ReasonBodyHashMismatch, ReasonBadSignature, ReasonKeyMissing, ReasonKeyRevoked, ReasonKeyTooSmall, ReasonKeyTooLarge,
	ReasonKeySyntax, ReasonKeyUnsupported, ReasonAlgorithmUnsupported, ReasonAlgorithmWeak, ReasonExpired,
	ReasonFutureTimestamp, ReasonFromNotSigned, ReasonExtraFrom, ReasonBodyLengthLimit, ReasonDNSError,
	ReasonSignatureSyntax, ReasonMissingTag, ReasonDomainMismatch, ReasonKeyHashMismatch, ReasonKeyService,
	ReasonBodyUnchecked, ReasonHeaderAltered,
}

func TestReasonTable(t *testing.T) {
	require.Len(t, reasonTable, len(allReasons))
	seenR := map[Reason]bool{}
	seenE := map[error]bool{}
	for _, e := range reasonTable {
		assert.False(t, seenR[e.reason], "reason %s twice", e.reason)
		assert.False(t, seenE[e.err], "sentinel %v twice", e.err)
		seenR[e.reason], seenE[e.err] = true, true
		assert.Equal(t, e.reason, ReasonOf(fmt.Errorf("wrapped: %w", e.err)))
		assert.True(t, strings.HasPrefix(e.err.Error(), "dkim: "))
	}
	for _, r := range allReasons {
		assert.True(t, seenR[r], "reason %s has no sentinel", r)
	}
	assert.Equal(t, Reason(""), ReasonOf(nil))
	assert.Equal(t, Reason(""), ReasonOf(errors.New("other")))
}

func TestVerifyNoSignature(t *testing.T) {
	v := newVerifier(t, "")
	res, err := v.Verify(context.Background(), parse(t, baseMessage))
	require.NoError(t, err)
	assert.Empty(t, res)
	_, err = v.Verify(context.Background(), nil)
	assert.Error(t, err)
	_, err = (&Verifier{}).Verify(context.Background(), parse(t, baseMessage))
	assert.Error(t, err)
}

// TestVerifyField checks a non-standard signature field: Verify skips it,
// VerifyField checks it.
func TestVerifyField(t *testing.T) {
	key := loadKey(t, "rsa2048.pem")
	signed := testSign(t, baseMessage, signSpec{key: key, field: "X-Google-DKIM-Signature"})
	v := newVerifier(t, txtZone("sel._domainkey.example.org", keyRecord(t, key, "")))
	m := parse(t, signed)
	res, err := v.Verify(context.Background(), m)
	require.NoError(t, err)
	assert.Empty(t, res)
	r, err := v.VerifyField(context.Background(), m, m.Fields[0])
	require.NoError(t, err)
	assert.Equal(t, StatusPass, r.Status, r.Detail)
}

func TestResultJSON(t *testing.T) {
	key := loadKey(t, "rsa2048.pem")
	signed := testSign(t, baseMessage, signSpec{key: key, extra: "t=1776427200; "})
	v := newVerifier(t, txtZone("sel._domainkey.example.org", keyRecord(t, key, "")))
	v.AsOf = signTime
	res, err := v.Verify(context.Background(), parse(t, signed))
	require.NoError(t, err)
	b, err := json.Marshal(res[0])
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(b, &got))
	for _, k := range []string{"domain", "selector", "algorithm", "canonicalization", "result",
		"header_signature", "body", "body_source", "key_bits", "timestamp", "as_of", "trace"} {
		assert.Contains(t, got, k)
	}
	for _, k := range []string{"reason", "expiration", "testing", "respelled_headers", "warnings", "Err", "Signature"} {
		assert.NotContains(t, got, k)
	}
	assert.Equal(t, "pass", got["result"])
	assert.Equal(t, "relaxed/relaxed", got["canonicalization"])
	assert.Equal(t, "2026-04-17T12:00:00Z", got["as_of"])
	assert.False(t, res[0].Authentic()) // the loopback server does no DNSSEC
}

func TestSelectFields(t *testing.T) {
	f := func(n, v string) headers.Field { return headers.Field{Name: n, Value: v} }
	fields := []headers.Field{f("Received", "1"), f("From", "a"), f("To", "x"), f("Received", "2"), f("from", "b")}
	got := SelectFields(fields, []string{"from", "Received", "FROM", "from", "received", "received", "subject"})
	assert.Equal(t, []headers.Field{f("from", "b"), f("Received", "2"), f("From", "a"), f("Received", "1")}, got)
}

// refSelectFields is RFC 6376 §5.4.2 written plainly: for each name, the
// next instance from the bottom up that no earlier use of that name took.
func refSelectFields(fields []headers.Field, names []string) []headers.Field {
	var out []headers.Field
	taken := map[int]bool{}
	for _, name := range names {
		name = strings.TrimSpace(name)
		for i := len(fields) - 1; i >= 0; i-- {
			if !taken[i] && strings.EqualFold(fields[i].Name, name) {
				taken[i] = true
				out = append(out, fields[i])
				break
			}
		}
	}
	return out
}

// TestSelectFieldsReference compares SelectFields with refSelectFields on
// pseudo-random headers, from short ones to a little past the 256 fields
// and 64 names it scans (past each 64 fields of its taken bits too), with
// names that differ only in case and names that share length and first
// and last letters.
func TestSelectFieldsReference(t *testing.T) {
	pool := []string{"From", "from", "FROM", "Date", "Dote", "DATE", "To", "Tx", "Received", "Subject", "X-A", "X-a", "x-A", "", " From ",
		// Longer than a word, and look-alikes that differ in bit 0x20 of
		// a byte that is not a letter.
		"Content-Transfer-Encoding", "content-transfer-encoding", "CONTENT-TRANSFER-ENCODING", "Content\rTransfer-Encoding",
		"X-Sig@nature", "X-Sig`nature", "X-Sig[natur{e", "x-sig{natur[e"}
	seed := uint64(7)
	rnd := func(n int) int {
		seed = seed*6364136223846793005 + 1442695040888963407
		return int((seed >> 33) % uint64(n))
	}
	for iter := range 3000 {
		nFields, nNames := 260, 70
		if iter%10 == 0 { // past the bounds where a map takes over
			nFields, nNames = 600, 150
		}
		var fields []headers.Field
		for i := range rnd(nFields) {
			fields = append(fields, headers.Field{Name: strings.TrimSpace(pool[rnd(len(pool))]), Value: strconv.Itoa(i)})
		}
		var names []string
		for range rnd(nNames) {
			names = append(names, pool[rnd(len(pool))])
		}
		want := refSelectFields(fields, names)
		got := SelectFields(fields, names)
		if len(want) == 0 {
			want = []headers.Field{}
		}
		require.Equal(t, want, got, "%d: h=%q", iter, names)
	}
}

// TestASCIIEqualFold compares asciiEqualFold, which reads eight bytes at a
// time, with a byte-by-byte fold on every pair of bytes at every offset of
// a name longer than a word.
func TestASCIIEqualFold(t *testing.T) {
	ref := func(a, b string) bool {
		if len(a) != len(b) {
			return false
		}
		for i := range len(a) {
			if lowerASCII(a[i]) != lowerASCII(b[i]) {
				return false
			}
		}
		return true
	}
	base := []byte("Message-Id-X")
	for pos := range base {
		for x := range 256 {
			for y := range 256 {
				a, b := bytes.Clone(base), bytes.Clone(base)
				a[pos], b[pos] = byte(x), byte(y)
				if got, want := asciiEqualFold(string(a), string(b)), ref(string(a), string(b)); got != want {
					t.Fatalf("asciiEqualFold(%q, %q) = %v, want %v", a, b, got, want)
				}
			}
		}
	}
	assert.True(t, asciiEqualFold("Content-Transfer-Encoding", "CONTENT-transfer-ENCODING"))
	assert.False(t, asciiEqualFold("Content-Transfer-Encoding", "Content-Transfer-Encodin"))
}

// TestSelectFieldsHostile: a huge header of look-alike names (one key for
// all) and a huge h= of distinct names stay fast.
func TestSelectFieldsHostile(t *testing.T) {
	const n = 120_000
	fields := make([]headers.Field, n)
	names := make([]string, n)
	for i := range fields {
		name := fmt.Sprintf("X%07dZ", i) // same length, first and last letter
		fields[i] = headers.Field{Name: name, Value: "v"}
		names[n-1-i] = strings.ToLower(name)
	}
	start := time.Now()
	got := SelectFields(fields, names)
	assert.Less(t, time.Since(start), 2*time.Second)
	require.Len(t, got, n)
	assert.Equal(t, fields[n-1], got[0])
}

func TestStripSignatureValue(t *testing.T) {
	for i, tc := range [][2]string{
		0: {" v=1; bh=abc; b=xyz; d=x", " v=1; bh=abc; b=; d=x"},
		1: {" v=1; b=xy\r\n z", " v=1; b="},
		2: {" b = xyz ;d=x", " b =;d=x"},
		3: {" v=1", " v=1"},
		4: {"b=", "b="},
	} {
		assert.Equal(t, tc[1], StripSignatureValue(tc[0]), "%d", i)
	}
}

// TestVerifyLargeBodyMemory checks that the body is hashed as it stands,
// not copied: verifying a 50 MB body allocates far less than 50 MB.
func TestVerifyLargeBodyMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("50 MB body")
	}
	key := loadKey(t, "rsa2048.pem")
	line := "0123456789 abcdefghij  klmnopqrstuvwxyz\tABCDEFGHIJKLMNOPQRSTUVWXYZ \r\n"
	body := strings.Repeat(line, 50<<20/len(line))
	hdr := baseMessage[:strings.Index(baseMessage, "\r\n\r\n")+4]
	v := newVerifier(t, txtZone("sel._domainkey.example.org", keyRecord(t, key, "")))
	for _, canon := range []string{"relaxed/relaxed", "simple/simple"} {
		t.Run(canon, func(t *testing.T) {
			m := parse(t, testSign(t, hdr+body, signSpec{key: key, canon: canon}))
			require.Greater(t, len(m.Body), 50<<20-100)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			res, err := v.Verify(context.Background(), m)
			runtime.ReadMemStats(&after)
			require.NoError(t, err)
			require.Equal(t, StatusPass, res[0].Status, res[0].Detail)
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("%s: verifying a %d-byte body allocated %d bytes", canon, len(m.Body), alloc)
			assert.Less(t, alloc, uint64(1<<20))
		})
	}
}

// TestVerifyFieldNamesASCII: field names compare without ASCII case only.
// A name that matches "DKIM-Signature" or "From" under Unicode folding
// alone (the Kelvin sign K folds to k) names another field.
func TestVerifyFieldNamesASCII(t *testing.T) {
	key := loadKey(t, "rsa2048.pem")
	v := newVerifier(t, txtZone("sel._domainkey.example.org", keyRecord(t, key, "")))
	signed := testSign(t, baseMessage, signSpec{key: key, canon: "relaxed/relaxed"})
	// The raw parser refuses such a name; a Message can still hold one.
	m := parse(t, signed)
	require.Equal(t, "DKIM-Signature", m.Fields[0].Name)
	m.Fields[0].Name = "D\u212aIM-Signature"
	res, err := v.Verify(context.Background(), m)
	require.NoError(t, err)
	assert.Empty(t, res)
	res, err = v.Verify(context.Background(), parse(t, "dkim-signature"+signed[len("DKIM-Signature"):]))
	require.NoError(t, err)
	require.Len(t, res, 1)
	assert.Equal(t, StatusPass, res[0].Status, res[0].Detail)
}

// TestVerifyKeyCache checks that a second verification through a caching
// resolver, which reuses the parsed key and trace, reports the same.
func TestVerifyKeyCache(t *testing.T) {
	key := loadKey(t, "rsa2048.pem")
	srv := dnstest.NewServer(t, txtZone("sel._domainkey.example.org", keyRecord(t, key, "")))
	v := &Verifier{Resolver: &dns.Cache{Resolver: srv.Resolver()}, AsOf: signTime}
	m := parse(t, testSign(t, baseMessage, signSpec{key: key}))
	first, err := v.Verify(context.Background(), m)
	require.NoError(t, err)
	require.Len(t, first[0].Trace, 1)
	first[0].Trace[0].Records[0] = "changed by the caller"
	second, err := v.Verify(context.Background(), m)
	require.NoError(t, err)
	assert.Equal(t, StatusPass, second[0].Status)
	assert.Equal(t, int64(1), srv.Queries())
	want := dns.NewLookup("sel._domainkey.example.org", 16, nil, nil)
	assert.Equal(t, want.Name, second[0].Trace[0].Name)
	assert.Equal(t, "TXT", second[0].Trace[0].Type)
	assert.Contains(t, second[0].Trace[0].Records[0], "sel._domainkey.example.org.\t300\tIN\tTXT\t\"v=DKIM1; k=rsa; p=")
}

// TestVerifySharedKeyCache checks that Verifiers with different AsOf
// sharing a KeyCache parse a key once between them, keep nothing in their
// own caches, and judge time each by its own AsOf.
func TestVerifySharedKeyCache(t *testing.T) {
	key := loadKey(t, "rsa2048.pem")
	srv := dnstest.NewServer(t, txtZone("sel._domainkey.example.org", keyRecord(t, key, "")))
	res := &dns.Cache{Resolver: srv.Resolver()}
	keys := new(KeyCache)
	m := parse(t, testSign(t, baseMessage, signSpec{key: key, extra: fmt.Sprintf("x=%d; ", signTime.Add(time.Hour).Unix())}))
	early := &Verifier{Resolver: res, AsOf: signTime, Keys: keys}
	late := &Verifier{Resolver: res, AsOf: signTime.Add(48 * time.Hour), Keys: keys}
	r1, err := early.Verify(context.Background(), m)
	require.NoError(t, err)
	assert.Equal(t, StatusPass, r1[0].Status)
	require.Equal(t, 1, keys.Len())
	var entry *keyEntry
	for _, e := range keys.entries {
		entry = e
	}
	r2, err := late.Verify(context.Background(), m)
	require.NoError(t, err)
	assert.Equal(t, StatusPermerror, r2[0].Status)
	assert.Equal(t, ReasonExpired, r2[0].Reason)
	assert.Equal(t, 1, keys.Len())
	for _, e := range keys.entries {
		assert.Same(t, entry, e, "the second Verifier parsed the key again")
	}
	assert.Zero(t, early.keys.Len()+late.keys.Len(), "a Verifier with Keys set filled its own cache")
	assert.Zero(t, (*KeyCache)(nil).Len())

	// Without Keys, a Verifier keeps its own.
	own := &Verifier{Resolver: res, AsOf: signTime}
	_, err = own.Verify(context.Background(), m)
	require.NoError(t, err)
	assert.Equal(t, 1, own.keys.Len())
}

func TestVerifyLogger(t *testing.T) {
	key := loadKey(t, "rsa2048.pem")
	var buf strings.Builder
	v := newVerifier(t, txtZone("sel._domainkey.example.org", keyRecord(t, key, "")))
	v.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	_, err := v.Verify(context.Background(), parse(t, testSign(t, baseMessage, signSpec{key: key})))
	require.NoError(t, err)
	assert.Contains(t, buf.String(), "dkim verify")
	assert.Contains(t, buf.String(), "result=pass")
}

// TestVerifyConcurrent shares one Verifier (and its key cache) between
// goroutines; run with -race. With the RSA key, the goroutines also race
// to prepare the cached key on first use.
func TestVerifyConcurrent(t *testing.T) {
	for _, name := range []string{"ed25519.pem", "rsa2048.pem"} {
		key := loadKey(t, name)
		srv := dnstest.NewServer(t, txtZone("sel._domainkey.example.org", keyRecord(t, key, "")))
		v := &Verifier{Resolver: &dns.Cache{Resolver: srv.Resolver()}}
		m := parse(t, testSign(t, baseMessage, signSpec{key: key}))
		errs := make(chan error, 8)
		for range 8 {
			go func() {
				for range 20 {
					res, err := v.Verify(context.Background(), m)
					if err == nil && res[0].Status != StatusPass {
						err = res[0].Err
					}
					if err != nil {
						errs <- err
						return
					}
				}
				errs <- nil
			}()
		}
		for range 8 {
			require.NoError(t, <-errs, name)
		}
	}
}

// TestVerifyFieldsSharesBodySearch verifies the sample's DKIM-Signature
// and X-Google-DKIM-Signature in one call, with the stored diff altered so
// that no rebuilt body matches: the second signature (same c= and hash)
// must reuse the first one's search instead of hashing thousands of
// candidates again, and each result must equal a VerifyField of its own.
func TestVerifyFieldsSharesBodySearch(t *testing.T) {
	m := loadPatchwork(t, filepath.Join("..", "testdata", "patchwork", "2221996.json"))
	pw := *m.Patchwork
	pw.Diff += "+one more line\n"
	m.Patchwork = &pw
	srv := dnstest.NewServerFile(t, filepath.Join("..", "testdata", "dns", "sample.zone"))
	v := &Verifier{Resolver: srv.Resolver(), AsOf: time.Date(2026, 4, 10, 16, 0, 0, 0, time.UTC)}
	fields := []headers.Field{
		m.FieldsNamed(headers.FieldDKIMSignature)[0],
		m.FieldsNamed(headers.FieldGoogleDKIMSignature)[0],
	}

	st := v.newRun(m)
	r0 := st.verify(context.Background(), fields[0])
	work := st.pw.work
	require.Greater(t, work, int64(1<<20), "the first signature searched the candidates")
	assert.Equal(t, CheckUnchecked, r0.Body)
	st.verify(context.Background(), fields[1])
	assert.Equal(t, work, st.pw.work, "the second signature hashed again")
	v.release(st)

	all, err := v.VerifyFields(context.Background(), m, fields)
	require.NoError(t, err)
	require.Len(t, all, 2)
	for i, f := range fields {
		one, err := v.VerifyField(context.Background(), m, f)
		require.NoError(t, err)
		assert.Equal(t, one.Status, all[i].Status, f.Name)
		assert.Equal(t, one.Detail, all[i].Detail, f.Name)
	}
}
