package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailprov/mailprov/dns/dnstest"
)

const sample = "../../testdata/patchwork/2221996.json"

func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestParseJSON(t *testing.T) {
	code, out, stderr := runCLI(t, "", "parse", "--json", sample)
	require.Equal(t, exitOK, code, stderr)
	var rep map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	for _, k := range []string{"source", "message", "received", "dkim", "recorded", "received_spf", "spam"} {
		assert.Contains(t, rep, k)
	}
	assert.Equal(t, "patchwork", rep["source"].(map[string]any)["kind"])
	assert.Len(t, rep["received"], 6)
	assert.Len(t, rep["dkim"], 2)
	rec := rep["recorded"].([]any)
	require.Len(t, rec, 3, "two dkim-ish results and one spf; the SPF comment holds no results")
	spfRow := rec[2].(map[string]any)
	assert.Equal(t, "spf", spfRow["method"])
	assert.Contains(t, spfRow["comment"], "client-ip=209.51.188.17")
	assert.Equal(t, "nongnu.org", spfRow["properties"].(map[string]any)["smtp.mailfrom"])
	origin := rep["origin"].(map[string]any)
	assert.Equal(t, "2607:f8b0:4864:20::1030", origin["ip"])
	assert.Equal(t, "mail-pj1-x1030.google.com", origin["helo"])
	assert.Equal(t, "zhangckid@gmail.com", origin["mail_from"])
	assert.Nil(t, rep["verdict"], "parse does no verification")
	for _, k := range []string{"spf", "dmarc", "arc", "verdict", "disagreements"} {
		assert.Contains(t, rep, k, "every name of the report is present, null when not checked")
	}
}

func TestParseText(t *testing.T) {
	code, out, _ := runCLI(t, "", "parse", sample)
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "Zhang Chen <zhangckid@gmail.com>")
	assert.Contains(t, out, "<- origin")
	assert.NotContains(t, out, "\x1b[", "no colour when not a terminal")
}

func TestParseStdinAndMbox(t *testing.T) {
	raw := "From: a@example.org\nSubject: one\n\nbody\n"
	code, out, _ := runCLI(t, raw, "parse", "--json", "-")
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, `"kind": "raw"`)

	mbox := "From a@example.org Mon Jan  1 00:00:00 2026\n" + raw + "\n" +
		"From b@example.org Mon Jan  1 00:00:00 2026\nFrom: b@example.org\nSubject: two\n\n>From the body\n"
	code, out, _ = runCLI(t, mbox, "parse", "--json", "-")
	require.Equal(t, exitOK, code)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 2, "JSON Lines: one report per message")
	for _, l := range lines {
		var rep map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &rep))
		assert.Equal(t, "mbox", rep["source"].(map[string]any)["kind"])
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	trunc := filepath.Join(dir, "trunc.json")
	b, err := os.ReadFile(sample)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(trunc, b[:len(b)/2], 0o644))
	garbage := filepath.Join(dir, "garbage.bin")
	require.NoError(t, os.WriteFile(garbage, []byte{0, 1, 2, 0xff, 0xfe, '\n'}, 0o644))

	for _, args := range [][]string{
		{"parse", trunc},
		{"parse", garbage},
		{"parse", filepath.Join(dir, "missing.eml")},
		{"audit", "--snapshot", filepath.Join(dir, "missing.snapshot"), sample},
		{"audit", "--at", "yesterday-ish", sample},
		{"nonsense"},
		{"parse"},
	} {
		code, _, stderr := runCLI(t, "", args...)
		assert.Equal(t, exitBadInput, code, "%v", args)
		assert.NotEmpty(t, stderr, "%v", args)
	}
	code, _, stderr := runCLI(t, `{"id": 1}`, "parse", "-")
	assert.Equal(t, exitBadInput, code)
	assert.Contains(t, stderr, "not a Patchwork patch")
}

// TestAuditSnapshot runs the README's main command.
func TestAuditSnapshot(t *testing.T) {
	code, out, stderr := runCLI(t, "", "audit", "--snapshot", "../../testdata/dns/2221996.snapshot", sample)
	require.Equal(t, exitOK, code, stderr+out)
	assert.Contains(t, out, "AUTHENTIC [verified]")
	assert.Contains(t, out, "expired since 2026-04-17")

	code, out, _ = runCLI(t, "", "audit", "--json", "--at", "message", "--snapshot", "../../testdata/dns/2221996.snapshot", sample)
	require.Equal(t, exitOK, code)
	var rep map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	v := rep["verdict"].(map[string]any)
	assert.Equal(t, true, v["authentic"])
	assert.Equal(t, "verified", v["level"])
	d := rep["dkim"].([]any)[0].(map[string]any)
	assert.Equal(t, "pass", d["result"], "as of the message's Date the signature had not expired")
	assert.Equal(t, "rebuilt", d["body_source"])

	code, out, _ = runCLI(t, "", "audit", "--authres", "mx.example.net", "--snapshot", "../../testdata/dns/2221996.snapshot", sample)
	require.Equal(t, exitOK, code)
	assert.True(t, strings.HasPrefix(out, "Authentication-Results: mx.example.net;"), out)
	assert.Contains(t, out, "spf=pass")
	assert.Contains(t, out, "header.d=gmail.com")
}

// TestAuditOfflineDNS: a DNS server that never answers gives temperror and
// exit status 1 in bounded time, with the parse part intact.
func TestAuditOfflineDNS(t *testing.T) {
	srv := dnstest.NewServer(t, "", dnstest.WithHandler(func(mdns.ResponseWriter, *mdns.Msg) bool { return true }))
	start := time.Now()
	code, out, stderr := runCLI(t, "", "audit", "--json", "--dns", srv.Addr(), "--dns-timeout", "100ms", sample)
	assert.Less(t, time.Since(start), 20*time.Second)
	require.Equal(t, exitNotAuth, code, stderr)
	var rep map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	d := rep["dkim"].([]any)[0].(map[string]any)
	assert.Equal(t, "temperror", d["result"])
	assert.Equal(t, "dns_error", d["reason"])
	assert.Equal(t, "unverifiable", rep["verdict"].(map[string]any)["level"])
	assert.Len(t, rep["received"], 6)
}

func TestSPFCommand(t *testing.T) {
	srv := dnstest.NewServerFile(t, "../../testdata/dns/sample.zone")
	code, out, stderr := runCLI(t, "", "spf", "--json", "--dns", srv.Addr(),
		"--ip", "2607:f8b0:4864:20::1030", "--mail-from", "zhangckid@gmail.com", "--helo", "mail-pj1-x1030.google.com")
	require.Equal(t, exitOK, code, stderr)
	var res map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	assert.Equal(t, "pass", res["result"])
	// redirect=_spf.google.com, include:_netblocks, include:_netblocks2 (matches).
	assert.Equal(t, float64(3), res["lookups"])
	assert.Equal(t, float64(0), res["void_lookups"])
	assert.Equal(t, "include:_netblocks2.google.com", res["mechanism"])

	code, out, _ = runCLI(t, "", "spf", "--dns", srv.Addr(), "--ip", "198.51.100.1", "--mail-from", "", "--helo", "lists.gnu.org")
	assert.Equal(t, exitNotAuth, code)
	assert.Contains(t, out, "Received-SPF: ")
	assert.Contains(t, out, "Authentication-Results: ")

	code, _, _ = runCLI(t, "", "spf", "--mail-from", "a@b")
	assert.Equal(t, exitBadInput, code, "--ip is required")
}

// TestRecordReplay records an audit's DNS answers with --record against
// the loopback zone, then replays them with --snapshot and no server: the
// two reports agree on every check.
func TestRecordReplay(t *testing.T) {
	srv := dnstest.NewServerFile(t, "../../testdata/dns/sample.zone")
	snap := filepath.Join(t.TempDir(), "audit.snapshot")
	code, live, stderr := runCLI(t, "", "audit", "--json", "--at", "message", "--dns", srv.Addr(), "--record", snap, sample)
	require.Equal(t, exitOK, code, stderr)
	srv.Close()
	code, replay, stderr := runCLI(t, "", "audit", "--json", "--at", "message", "--snapshot", snap, sample)
	require.Equal(t, exitOK, code, stderr)

	var a, b map[string]any
	require.NoError(t, json.Unmarshal([]byte(live), &a))
	require.NoError(t, json.Unmarshal([]byte(replay), &b))
	assert.Equal(t, "live", a["dns"])
	assert.Equal(t, "snapshot", b["dns"])
	for _, k := range []string{"dkim", "dmarc", "verdict", "origin", "received", "recorded"} {
		assert.Equal(t, a[k], b[k], k)
	}
	as, bs := a["spf"].(map[string]any), b["spf"].(map[string]any)
	for _, k := range []string{"result", "mechanism", "lookups", "trace", "ip", "mail_from", "recorded", "agrees"} {
		assert.Equal(t, as[k], bs[k], "spf."+k)
	}
}
