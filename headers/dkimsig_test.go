package headers

import (
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// samplePath is the real Patchwork patch object in the repository's testdata.
var samplePath = filepath.Join("..", "testdata", "patchwork", "2221996.json")

func loadSample(t testing.TB) *Message {
	t.Helper()
	m, err := readFile(t, samplePath)
	require.NoError(t, err)
	return m
}

func TestParseSignatureSample(t *testing.T) {
	m := loadSample(t)
	wantHeaders := strings.Split("content-transfer-encoding:mime-version:references:in-reply-to:message-id:date:subject:cc:to:from:from:to:cc:subject:date:message-id:reply-to", ":")
	bh, _ := base64.StdEncoding.DecodeString("mPLKHQIKiWNj5QAnc2OyjCMMfWZ4IzzJUVCAIUexiKU=")

	vals := m.Values("DKIM-Signature")
	require.Len(t, vals, 1)
	s, err := ParseSignature("DKIM-Signature", vals[0])
	require.NoError(t, err)
	assert.Equal(t, FieldDKIMSignature, s.Field)
	assert.False(t, s.NonStandard)
	assert.False(t, s.IsARC())
	assert.Equal(t, "1", s.Version)
	assert.Equal(t, "rsa-sha256", s.Algorithm)
	assert.Equal(t, "relaxed/relaxed", s.Canonicalization())
	assert.Equal(t, "gmail.com", s.Domain)
	assert.Equal(t, "20251104", s.Selector)
	assert.Equal(t, time.Date(2026, 4, 10, 15, 5, 20, 0, time.UTC), s.Timestamp)
	assert.Equal(t, time.Unix(1776438320, 0).UTC(), s.Expiration)
	assert.Equal(t, wantHeaders, s.Headers)
	assert.Equal(t, "mPLKHQIKiWNj5QAnc2OyjCMMfWZ4IzzJUVCAIUexiKU=", s.BodyHashRaw)
	assert.Equal(t, bh, s.BodyHash)
	assert.Len(t, s.Sig, 256) // 2048-bit RSA
	assert.True(t, strings.HasPrefix(s.SignatureRaw, "S4RVruJFr2Y"))
	assert.True(t, strings.HasSuffix(s.SignatureRaw, "\r\n K0rA=="), "b= kept verbatim with its folding")
	assert.Nil(t, s.Length)
	darn, ok := s.Tag("darn") // unknown tags are kept
	assert.True(t, ok)
	assert.Equal(t, "nongnu.org", darn)
	assert.Equal(t, vals[0], s.Raw)
	names := make([]string, len(s.Tags))
	for i, tg := range s.Tags {
		names[i] = tg.Name
	}
	assert.Equal(t, []string{"v", "a", "c", "d", "s", "t", "x", "darn", "h", "bh", "b"}, names)

	vals = m.Values("X-Google-DKIM-Signature")
	require.Len(t, vals, 1)
	g, err := ParseSignature("x-google-dkim-signature", vals[0])
	require.NoError(t, err)
	assert.Equal(t, FieldGoogleDKIMSignature, g.Field)
	assert.True(t, g.NonStandard)
	assert.Equal(t, "1e100.net", g.Domain)
	assert.Equal(t, bh, g.BodyHash)
	assert.Len(t, g.Sig, 256)
	assert.Contains(t, g.Headers, "x-gm-message-state")
	assert.Len(t, g.Headers, 19)
}

func TestParseSignature(t *testing.T) {
	const b64 = "dGVzdA==" // "test"
	type check func(t *testing.T, s *Signature)
	tests := []struct {
		field string
		value string
		err   error
		tag   string // TagError.Tag
		check check
	}{
		0: {field: "DKIM-Signature", value: "v=1; a=RSA-SHA256; d=example.com; s=sel; h=From : To:\r\n\tSubject ; bh=" + b64 + "; b=" + b64,
			check: func(t *testing.T, s *Signature) {
				assert.Equal(t, "rsa-sha256", s.Algorithm)
				assert.Equal(t, []string{"From", "To", "Subject"}, s.Headers)
				assert.Equal(t, "simple/simple", s.Canonicalization(), "c= absent")
				assert.Equal(t, []byte("test"), s.Sig)
			}},
		1: {field: "dkim-signature", value: "c=relaxed; i=@example.com; l=1234; q=dns/txt; z=From:a@b|To:c@d",
			check: func(t *testing.T, s *Signature) {
				assert.Equal(t, FieldDKIMSignature, s.Field)
				assert.Equal(t, "relaxed/simple", s.Canonicalization(), "missing body part is simple")
				assert.Equal(t, "@example.com", s.Identity)
				assert.Zero(t, s.Instance)
				require.NotNil(t, s.Length)
				assert.Equal(t, int64(1234), *s.Length)
				assert.Equal(t, "dns/txt", s.QueryMethods)
				assert.Equal(t, "From:a@b|To:c@d", s.CopiedFields)
			}},
		2: {field: "DKIM-Signature", value: "c=Simple/Relaxed", check: func(t *testing.T, s *Signature) {
			assert.Equal(t, "simple", s.HeaderCanon)
			assert.Equal(t, "relaxed", s.BodyCanon)
		}},
		3: {field: "DKIM-Signature", value: "c=/relaxed", err: ErrTagSyntax, tag: "c"},
		4: {field: "DKIM-Signature", value: "bh=" + b64 + "; bh=" + b64, err: ErrDuplicateTag, tag: "bh"},
		5: {field: "DKIM-Signature", value: "b=not*base64", err: ErrTagSyntax, tag: "b", check: func(t *testing.T, s *Signature) { assert.Nil(t, s.Sig); assert.Equal(t, "not*base64", s.SignatureRaw) }},
		6: {field: "DKIM-Signature", value: "bh=dGVzd", err: ErrTagSyntax, tag: "bh", check: func(t *testing.T, s *Signature) { assert.Nil(t, s.BodyHash) }},
		7: {field: "DKIM-Signature", value: "b=dGVz\r\n dA==", check: func(t *testing.T, s *Signature) { assert.Equal(t, []byte("test"), s.Sig) }},
		22: {field: "DKIM-Signature", value: "bh=dGVzdA==; b=dGVzdA==", check: func(t *testing.T, s *Signature) {
			// bh= and b= share memory: appending to one must not
			// change the other.
			assert.Equal(t, len(s.BodyHash), cap(s.BodyHash))
			assert.Equal(t, len(s.Sig), cap(s.Sig))
			_ = append(s.BodyHash, "XXXX"...)
			assert.Equal(t, []byte("test"), s.Sig)
		}},
		8:  {field: "DKIM-Signature", value: "t=1234567890123", err: ErrTagSyntax, tag: "t"},
		9:  {field: "DKIM-Signature", value: "t=+5", err: ErrTagSyntax, tag: "t"},
		10: {field: "DKIM-Signature", value: "x=-1", err: ErrTagSyntax, tag: "x"},
		11: {field: "DKIM-Signature", value: "t=", err: ErrTagSyntax, tag: "t"},
		12: {field: "DKIM-Signature", value: "t=0; x=999999999999", check: func(t *testing.T, s *Signature) {
			assert.Equal(t, time.Unix(0, 0).UTC(), s.Timestamp)
			assert.Equal(t, int64(999999999999), s.Expiration.Unix())
		}},
		13: {field: "DKIM-Signature", value: "l=12a", err: ErrTagSyntax, tag: "l"},
		14: {field: "DKIM-Signature", value: "l=99999999999999999999", err: ErrTagSyntax, tag: "l"},
		15: {field: "ARC-Seal", value: "i=1; a=rsa-sha256; cv=None; d=example.org; s=arc; t=1700000000; b=" + b64,
			check: func(t *testing.T, s *Signature) {
				assert.True(t, s.IsARC())
				assert.False(t, s.NonStandard)
				assert.Equal(t, 1, s.Instance)
				assert.Empty(t, s.Identity)
				assert.Equal(t, "none", s.ChainValidation)
			}},
		16: {field: "arc-message-signature", value: "i=50; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=arc; h=from:to; bh=" + b64 + "; b=" + b64,
			check: func(t *testing.T, s *Signature) {
				assert.Equal(t, FieldARCMessageSignature, s.Field)
				assert.Equal(t, 50, s.Instance)
			}},
		17: {field: "ARC-Seal", value: "i=one; cv=pass", err: ErrTagSyntax, tag: "i", check: func(t *testing.T, s *Signature) { assert.Equal(t, "pass", s.ChainValidation) }},
		18: {field: "ARC-Seal", value: "i=-1", err: ErrTagSyntax, tag: "i"},
		19: {field: "X-Custom-Signature", value: "v=1; d=example.com", check: func(t *testing.T, s *Signature) {
			assert.True(t, s.NonStandard)
			assert.Equal(t, "X-Custom-Signature", s.Field)
		}},
		20: {field: "DKIM-Signature", value: "v=1; garbage; d=example.com", err: ErrTagSyntax, check: func(t *testing.T, s *Signature) {
			assert.Equal(t, "example.com", s.Domain, "what could be read is kept")
		}},
		21: {field: "DKIM-Signature", value: "h=from::to:", check: func(t *testing.T, s *Signature) { assert.Equal(t, []string{"from", "to"}, s.Headers) }},
	}
	for i, tt := range tests {
		s, err := ParseSignature(tt.field, tt.value)
		require.NotNil(t, s, "%d", i)
		if tt.err == nil {
			require.NoError(t, err, "%d: %q", i, tt.value)
		} else {
			require.ErrorIs(t, err, tt.err, "%d: %q", i, tt.value)
			var te *TagError
			require.ErrorAs(t, err, &te, "%d", i)
			if tt.tag != "" {
				assert.Equal(t, tt.tag, te.Tag, "%d", i)
			}
		}
		if tt.check != nil {
			t.Run("", func(t *testing.T) { tt.check(t, s) })
		}
	}
}

func TestParseSignatureJSON(t *testing.T) {
	s, err := ParseSignature("ARC-Seal", "i=2; cv=pass; a=rsa-sha256; d=x.org; s=s; t=1; b=dGVzdA==")
	require.NoError(t, err)
	b, err := json.Marshal(s)
	require.NoError(t, err)
	assert.JSONEq(t, `{"field":"ARC-Seal","algorithm":"rsa-sha256","header_canonicalization":"simple","body_canonicalization":"simple",
		"domain":"x.org","selector":"s","b":"dGVzdA==","timestamp":"1970-01-01T00:00:01Z","instance":2,"cv":"pass",
		"tags":[{"name":"i","value":"2"},{"name":"cv","value":"pass"},{"name":"a","value":"rsa-sha256"},{"name":"d","value":"x.org"},{"name":"s","value":"s"},{"name":"t","value":"1"},{"name":"b","value":"dGVzdA=="}]}`,
		string(b))
}
