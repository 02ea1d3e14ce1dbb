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

// TestUsageErrors: bad flags fail at once with exit status 2, a message
// naming the command and the flag, and no report.
func TestUsageErrors(t *testing.T) {
	srv := dnstest.NewServerFile(t, "../../testdata/dns/sample.zone")
	snap := "../../testdata/dns/2221996.snapshot"
	missingDir := filepath.Join(t.TempDir(), "missing", "x.snapshot")
	tests := []struct {
		args []string
		want string // in stderr
	}{
		0:  {[]string{"audit", "--dns", "x:y:z", sample}, `mailprov audit: --dns: bad server address "x:y:z"`},
		1:  {[]string{"audit", "--dns", "notahost.invalid", sample}, `mailprov audit: --dns: cannot resolve server name "notahost.invalid"`},
		2:  {[]string{"audit", "--dns", "1.2.3.999", sample}, `bad server address "1.2.3.999"`},
		3:  {[]string{"audit", "--dns", "127.0.0.1:0", sample}, `bad server address "127.0.0.1:0"`},
		4:  {[]string{"spf", "--dns", "x:y:z", "--ip", "192.0.2.1", "--mail-from", "a@example.org"}, `mailprov spf: --dns: bad server address "x:y:z"`},
		5:  {[]string{"audit", "--authres", "", "--snapshot", snap, sample}, `mailprov audit: --authres "": want an RFC 8601 authserv-id`},
		6:  {[]string{"audit", "--authres", "bad id;x", "--snapshot", snap, sample}, `--authres "bad id;x"`},
		7:  {[]string{"audit", "--authres", "a;b", "--snapshot", snap, sample}, `--authres "a;b"`},
		8:  {[]string{"audit", "--authres", "mx\texample", "--snapshot", snap, sample}, `want an RFC 8601 authserv-id`},
		9:  {[]string{"audit", "--authres", `"open`, "--snapshot", snap, sample}, `want an RFC 8601 authserv-id`},
		10: {[]string{"audit", "--authres", "mx/1", "--snapshot", snap, sample}, `want an RFC 8601 authserv-id`},
		11: {[]string{"audit", "--json", "--authres", "mx.example.net", "--snapshot", snap, sample}, "--json and --authres exclude each other"},
		12: {[]string{"audit", "--workers", "0", "--snapshot", snap, sample}, "--workers 0"},
		13: {[]string{"audit", "--record", missingDir, "--dns", srv.Addr(), sample}, "mailprov audit: --record " + missingDir + ": no such file or directory"},
		14: {[]string{"spf", "--ip", "1.2.3.999", "--mail-from", "a@example.org"}, `mailprov spf: --ip "1.2.3.999" is not an IP address`},
		15: {[]string{"spf", "--mail-from", "a@example.org"}, "mailprov spf: --ip is required"},
		16: {[]string{"spf", "--ip", "192.0.2.1", "--receiver", "mx;x"}, `mailprov spf: --receiver "mx;x"`},
		17: {[]string{"parse"}, "mailprov parse: no FILE given"},
		18: {[]string{"audit", "--at", "yesterday-ish", sample}, "mailprov audit: --at:"},
		19: {[]string{"audit", "--dns", "x:y:z", "--snapshot", snap, sample}, "--dns and --snapshot exclude each other"},
	}
	for i, tt := range tests {
		code, out, stderr := runCLI(t, "", tt.args...)
		assert.Equal(t, exitBadInput, code, "%d: %v", i, tt.args)
		assert.Contains(t, stderr, tt.want, "%d", i)
		assert.Empty(t, out, "%d: no report on a usage error", i)
		assert.NotContains(t, stderr, "Usage of", "%d: a message, not the flag list", i)
	}
	assert.Zero(t, srv.Queries(), "--record to a bad path fails before any lookup")
	assert.NoFileExists(t, missingDir)
}

// TestAuthresID: an authserv-id is a token or a quoted-string.
func TestAuthresID(t *testing.T) {
	for i, id := range []string{"mx.example.net", `"mx@example.net"`, `"a\"b"`, "x-1_2"} {
		code, out, stderr := runCLI(t, "", "audit", "--authres", id, "--snapshot", "../../testdata/dns/2221996.snapshot", sample)
		require.Equal(t, exitOK, code, "%d: %s", i, stderr)
		assert.True(t, strings.HasPrefix(out, "Authentication-Results: "+id+"; dkim="), "%d: %s", i, out)
	}
}

// TestUsageText: the top-level usage names every flag of audit and spf.
func TestUsageText(t *testing.T) {
	code, out, _ := runCLI(t, "", "help")
	require.Equal(t, exitOK, code)
	for _, f := range []string{"--json", "--authres", "--at", "--dns", "--dns-timeout", "--record", "--snapshot",
		"--trusted", "--workers", "--timeout", "--ip", "--mail-from", "--helo", "--receiver"} {
		assert.Contains(t, out, f+" ", f)
	}
	assert.Contains(t, out, "exclude each other", "--json with --authres is explained")
}

// TestUnreachableDNS: a --dns server where nothing listens gives
// temperror in bounded time, reported as no server answering (not
// SERVFAIL), with no socket addresses in the report or in the
// Authentication-Results and Received-SPF fields.
func TestUnreachableDNS(t *testing.T) {
	closed := dnstest.ClosedAddr(t)
	tests := []struct {
		args []string
		want []string
	}{
		0: {[]string{"audit", "--dns", closed, sample},
			[]string{"DMARC  temperror for gmail.com; ", "_dmarc.gmail.com TXT: no DNS server answered (connection refused)", "The key lookup failed: 20251104._domainkey.gmail.com TXT: no DNS server answered (connection refused)."}},
		1: {[]string{"audit", "--json", "--dns", closed, sample},
			[]string{`"result": "unreachable"`}},
		2: {[]string{"audit", "--authres", "mx.example.net", "--dns", closed, sample},
			[]string{"Authentication-Results: mx.example.net; dkim=temperror reason=dns_error"}},
		3: {[]string{"spf", "--dns", closed, "--ip", "192.0.2.1", "--mail-from", "a@example.org"},
			[]string{"reason:      dns_error: example.org TXT: no DNS server answered (connection refused)\n",
				"Received-SPF: temperror (mailprov: error in processing during lookup of a@example.org: example.org TXT: no DNS server answered \\(connection refused\\))",
				`Authentication-Results: mailprov; spf=temperror reason="example.org TXT: no DNS server answered (connection refused)"`}},
	}
	for i, tt := range tests {
		start := time.Now()
		code, out, stderr := runCLI(t, "", tt.args...)
		assert.Less(t, time.Since(start), 10*time.Second, "%d", i)
		require.Equal(t, exitNotAuth, code, "%d: %s", i, stderr)
		for _, w := range tt.want {
			assert.Contains(t, out, w, "%d", i)
		}
		assert.NotContains(t, out, "servfail", "%d", i)
		assert.NotContains(t, out, "Disagreements", "%d: an outage is not a disagreement", i)
		assert.NotContains(t, out, "127.0.0.1", "%d: no socket addresses", i)
	}
}

// TestRecordReplaces: --record replaces an existing, longer file.
func TestRecordReplaces(t *testing.T) {
	srv := dnstest.NewServerFile(t, "../../testdata/dns/sample.zone")
	snap := filepath.Join(t.TempDir(), "audit.snapshot")
	require.NoError(t, os.WriteFile(snap, bytes.Repeat([]byte("stale\n"), 100_000), 0o644))
	code, _, stderr := runCLI(t, "", "audit", "--dns", srv.Addr(), "--record", snap, sample)
	require.Equal(t, exitOK, code, stderr)
	b, err := os.ReadFile(snap)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "stale")
	code, out, stderr := runCLI(t, "", "audit", "--snapshot", snap, sample)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, out, "AUTHENTIC [verified]")
}

// TestNoColor: NO_COLOR turns colour off only when it has a value
// (https://no-color.org); /dev/null stands in for a terminal, being a
// character device.
func TestNoColor(t *testing.T) {
	tty, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	require.NoError(t, err)
	defer tty.Close()
	t.Setenv("TERM", "xterm")
	tests := []struct {
		value string
		set   bool
		color bool
	}{
		0: {"", false, true},
		1: {"", true, true},
		2: {"1", true, false},
		3: {"0", true, false}, // any value
	}
	for i, tt := range tests {
		t.Setenv("NO_COLOR", tt.value)
		if !tt.set {
			os.Unsetenv("NO_COLOR")
		}
		assert.Equal(t, tt.color, useColor(tty), "%d", i)
	}
	assert.False(t, useColor(&bytes.Buffer{}), "not a terminal")
}
