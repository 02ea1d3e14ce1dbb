package dkim

import (
	"crypto"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mailprov/mailprov/headers"
)

// bodyHash is the canonical body hash of body, as bh= holds it.
func bodyHash(canon string, body []byte) string {
	h := NewBodyHasher(canon, crypto.SHA256, -1)
	h.Write(body)
	return base64.StdEncoding.EncodeToString(h.Sum())
}

func loadPatchwork(t *testing.T, path string) *headers.Message {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	m, err := headers.ParsePatchwork(data, filepath.Base(path))
	require.NoError(t, err)
	return m
}

// The seed sample: gmail.com signed the patch with c=relaxed/relaxed; its
// body is rebuilt from content and diff plus git-send-email's signature.
func TestBodyCandidatesSample(t *testing.T) {
	m := loadPatchwork(t, filepath.Join("..", "testdata", "patchwork", "2221996.json"))
	cands := BodyCandidates(m)
	require.NotEmpty(t, cands)
	const want = "mPLKHQIKiWNj5QAnc2OyjCMMfWZ4IzzJUVCAIUexiKU="
	for i, c := range cands {
		t.Logf("%d %s %s", i, c.Label, bodyHash(Relaxed, c.Body))
	}
	require.Equal(t, want, bodyHash(Relaxed, cands[0].Body), cands[0].Label)
	require.Equal(t, `content+"\n\n"+diff+sig("2.49.0")`, cands[0].Label)
}
