package dkim

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readRecords reads "<owner> <TXT value>" lines (the conformance README's
// format; OpenDKIM's pubkeys file separates with tabs).
func readRecords(t *testing.T, text string) [][2]string {
	t.Helper()
	var out [][2]string
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.IndexAny(line, " \t")
		if i < 0 {
			t.Fatalf("bad record line %q", line)
		}
		out = append(out, [2]string{line[:i], strings.TrimLeft(line[i:], " \t")})
	}
	return out
}

func recordsZone(recs [][2]string) string {
	var pairs []string
	for _, r := range recs {
		pairs = append(pairs, r[0], r[1])
	}
	return txtZone(pairs...)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

// TestConformance verifies the vectors of ../shared/conformance/dkim with
// the results its README states.
func TestConformance(t *testing.T) {
	dir := conformanceDir(t)
	mailAuthTime := time.Unix(1667843664, 0).UTC()
	type vector struct {
		dns   string // file of records, relative to dir
		msg   string // message file; mail-auth files hold records and message
		asOf  time.Time
		want  []Status
		err   error // sentinel expected on every non-pass result
		field string
	}
	vectors := map[string]vector{
		"rfc8463/A.3":                       {dns: "rfc8463/A.2-dns-records.txt", msg: "rfc8463/A.3-signed-message.eml", want: []Status{StatusPass, StatusPass}},
		"rfc6376/A.2-literal-from-rfc-text": {dns: "rfc6376/C-dns-records.txt", msg: "rfc6376/A.2-literal-from-rfc-text.eml", want: []Status{StatusFail}, err: ErrBodyHashMismatch},
		"rfc6376/A.2-as-signed":             {dns: "rfc6376/C-dns-records.txt", msg: "rfc6376/A.2-as-signed-go-msgauth.eml", want: []Status{StatusPass}},
		"mail-auth/001":                     {msg: "mail-auth/001.txt", asOf: mailAuthTime, want: []Status{StatusPass, StatusPass}},
		"mail-auth/002":                     {msg: "mail-auth/002.txt", asOf: mailAuthTime, want: []Status{StatusPass}},
		"mail-auth/003":                     {msg: "mail-auth/003.txt", asOf: mailAuthTime, want: []Status{StatusPass, StatusPass}},
		"mail-auth/004":                     {msg: "mail-auth/004.txt", asOf: mailAuthTime, want: []Status{StatusPass}},
		"mail-auth/005":                     {msg: "mail-auth/005.txt", asOf: mailAuthTime, want: []Status{StatusPass}},
		"mail-auth/005-now":                 {msg: "mail-auth/005.txt", want: []Status{StatusPermerror}, err: ErrExpired},
		"mail-auth/006":                     {msg: "mail-auth/006.txt", asOf: mailAuthTime, want: []Status{StatusPass}},
		"dkimpy/rfc6376.signed.msg":         {dns: "dkimpy/dns-records.txt", msg: "dkimpy/rfc6376.signed.msg", want: []Status{StatusPass, StatusPass}},
		"dkimpy/ed25519test2.msg":           {dns: "dkimpy/dns-records.txt", msg: "dkimpy/ed25519test2.msg", want: []Status{StatusPass}},
		"dkimpy/test2.message":              {dns: "dkimpy/dns-records.txt", msg: "dkimpy/test2.message", want: []Status{StatusPass}},
		"dkimpy/test2.message-headers-only": {dns: "dkimpy/dns-records.txt", msg: "dkimpy/test2.message", want: []Status{StatusNeutral}, err: ErrBodyUnchecked, field: "nobody"},
		"rfc8463/A.3-headers-only":          {dns: "rfc8463/A.2-dns-records.txt", msg: "rfc8463/A.3-signed-message.eml", want: []Status{StatusNeutral, StatusNeutral}, err: ErrBodyUnchecked, field: "nobody"},
		"dkimpy/test.message-unsigned":      {dns: "dkimpy/dns-records.txt", msg: "dkimpy/test.message", want: nil},
	}
	for name, vc := range vectors {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			text := readFile(t, filepath.Join(dir, vc.msg))
			var zone string
			if vc.dns != "" {
				zone = recordsZone(readRecords(t, readFile(t, filepath.Join(dir, vc.dns))))
			} else {
				recs, msg, ok := strings.Cut(text, "\n\n")
				require.True(t, ok)
				zone, text = recordsZone(readRecords(t, recs)), msg
			}
			m := parse(t, crlf(text))
			if vc.field == "nobody" {
				m.Body = nil
			}
			v := newVerifier(t, zone)
			v.AsOf = vc.asOf
			res, err := v.Verify(context.Background(), m)
			require.NoError(t, err)
			require.Len(t, res, len(vc.want))
			for i, r := range res {
				assert.Equal(t, vc.want[i], r.Status, "signature %d (d=%s s=%s): %s %v", i, r.Domain, r.Selector, r.Detail, r.Err)
				if vc.want[i] != StatusPass && vc.err != nil {
					assert.ErrorIs(t, r.Err, vc.err)
				}
				if vc.field == "nobody" {
					assert.Equal(t, CheckPass, r.HeaderSignature)
				}
			}
		})
	}
}

// TestConformanceKeys parses the key records of the dkimpy and OpenDKIM
// data with the results the README states.
func TestConformanceKeys(t *testing.T) {
	dir := conformanceDir(t)
	files := map[string]struct {
		err      error // nil: parses
		keyType  string
		noEmail  bool
		minBits  int
		isStrict bool
	}{
		"dkimpy/test.txt":           {keyType: "rsa", minBits: 1024},
		"dkimpy/test2.txt":          {keyType: "rsa", minBits: 1024},
		"dkimpy/ed25519test.dns":    {keyType: "ed25519"},
		"dkimpy/eximtest.dns":       {keyType: "ed25519"},
		"dkimpy/badk.txt":           {err: ErrKeyUnsupported},
		"dkimpy/badversion.txt":     {err: ErrKeySyntax},
		"dkimpy/test_bad.txt":       {err: ErrKeySyntax},
		"dkimpy/test_tlsrpt.txt":    {keyType: "rsa", noEmail: true},
		"rfc6376/C-dns-records.txt": {keyType: "rsa"},
	}
	for name, want := range files {
		t.Run(name, func(t *testing.T) {
			text := strings.TrimSpace(readFile(t, filepath.Join(dir, name)))
			if strings.Contains(text, "._domainkey.") {
				text = readRecords(t, text)[0][1]
			}
			k, err := ParseKey(text)
			if want.err != nil {
				require.ErrorIs(t, err, want.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, want.keyType, k.Type)
			assert.Equal(t, !want.noEmail, k.AllowsEmail())
			assert.GreaterOrEqual(t, k.Bits, want.minBits)
		})
	}
	// OpenDKIM's pubkeys: every record, by owner name.
	opendkim := map[string]error{
		"example2.com":                   ErrKeySyntax, // "foo"
		"_adsp._domainkey.example2.com":  ErrKeySyntax, // ADSP, no p=
		"revoked._domainkey.example.com": ErrKeyRevoked,
		"_report._domainkey.example.com": ErrKeySyntax,
		"report._domainkey.example.com":  nil,
		"test._domainkey.example.com":    nil,
		"UN42N5XOV642KXRXRQIYANHCOUPGQL5LT4WTBKYT2IJFLBWODFDQ====._atps.example.net": ErrKeySyntax,
	}
	recs := readRecords(t, readFile(t, filepath.Join(dir, "opendkim", "pubkeys")))
	require.Len(t, recs, len(opendkim))
	for _, r := range recs {
		t.Run("opendkim/"+r[0], func(t *testing.T) {
			want, ok := opendkim[r[0]]
			require.True(t, ok, "unexpected record %s", r[0])
			k, err := ParseKey(r[1])
			if want != nil {
				require.ErrorIs(t, err, want)
				if want == ErrKeyRevoked {
					require.NotNil(t, k)
					assert.True(t, k.Revoked)
					assert.True(t, k.Testing())
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, 1024, k.Bits)
		})
	}
	// dkimpy's records, including the 512-bit canonical.com key.
	for _, r := range readRecords(t, readFile(t, filepath.Join(dir, "dkimpy", "dns-records.txt"))) {
		t.Run("dkimpy-dns/"+r[0], func(t *testing.T) {
			k, err := ParseKey(r[1])
			require.NoError(t, err)
			assert.NotNil(t, k.Public)
		})
	}
}
