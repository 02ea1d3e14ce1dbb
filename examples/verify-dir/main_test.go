package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailprov/mailprov/dns/dnstest"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	mail := func(ip string) string {
		return "From: a@example.org\nSubject: hi\nReceived: from mx.example.org (mx.example.org [" + ip +
			"]) by mx.example.net (Postfix) with ESMTP id X; Tue, 24 Nov 2026 10:00:05 +0000\nReturn-Path: <a@example.org>\n\nbody\n"
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "1-good.eml"), []byte(mail("192.0.2.1")), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "2-bad.eml"), []byte(mail("198.51.100.1")), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "3-junk.bin"), []byte{0, 1, 2}, 0o644))
	srv := dnstest.NewServer(t, `
example.org. 300 IN TXT "v=spf1 ip4:192.0.2.0/24 -all"
_dmarc.example.org. 300 IN TXT "v=DMARC1; p=reject"
`)
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), srv.Resolver(), dir, &out))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 3, out.String())
	assert.True(t, strings.HasPrefix(lines[0], "1-good.eml: spf_aligned"), lines[0])
	assert.True(t, strings.HasPrefix(lines[1], "2-bad.eml: forged"), lines[1])
	assert.True(t, strings.HasPrefix(lines[2], "error:"), lines[2])
}
