package dns_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailprov/mailprov/dns"
	"github.com/mailprov/mailprov/dns/dnstest"
)

type question struct {
	name  string
	qtype uint16
}

// recordQuestions are asked of a live server, recorded and replayed.
var recordQuestions = []question{
	{"example.org", mdns.TypeTXT},
	{"Example.ORG", mdns.TypeMX},
	{"alias.example.org", mdns.TypeTXT},
	{"alias.example.org", mdns.TypeA},    // NODATA after a CNAME
	{"esc.example.org", mdns.TypeTXT},    // escapes
	{"nope.example.org", mdns.TypeTXT},   // NXDOMAIN
	{"mail.example.org", mdns.TypeTXT},   // NODATA
	{"mail.example.org", mdns.TypeA},     // AD set
	{"broken.example.org", mdns.TypeTXT}, // SERVFAIL
	{"slow.example.org", mdns.TypeTXT},   // timeout
	{"loop1.example.org", mdns.TypeTXT},  // malformed
	{"25.2.0.192.in-addr.arpa", mdns.TypePTR},
	{"mail.example.org", 65280}, // a private type: NODATA
}

func recordZone(t *testing.T) *dnstest.Server {
	return dnstest.NewServer(t, testZone(t),
		dnstest.WithServFail("broken.example.org"), dnstest.WithDrop("slow.example.org"),
		dnstest.WithAD("mail.example.org"))
}

func TestRecordReplay(t *testing.T) {
	srv := recordZone(t)
	client := &dns.Client{Servers: []string{srv.Addr()}, Timeout: 300 * time.Millisecond, Attempts: 1}
	rec := &dns.Recorder{Resolver: client}
	ctx := context.Background()

	type outcome struct {
		ans *dns.Answer
		err error
	}
	live := make([]outcome, len(recordQuestions))
	for i, q := range recordQuestions {
		live[i].ans, live[i].err = rec.Query(ctx, q.name, q.qtype)
	}
	// A second outcome for a question does not replace the first.
	_, err := rec.Query(ctx, "example.org", mdns.TypeTXT)
	require.NoError(t, err)

	var buf bytes.Buffer
	_, err = rec.WriteTo(&buf)
	require.NoError(t, err)
	assert.Equal(t, len(recordQuestions), strings.Count(buf.String(), "\n"))

	snap, err := dns.LoadSnapshot(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	assert.Equal(t, len(recordQuestions), snap.Len())
	queriesBefore := srv.Queries()

	for i, q := range recordQuestions {
		ans, err := snap.Query(ctx, q.name, q.qtype)
		// The trace entries a report shows are the same.
		assert.Equal(t, dns.NewLookup(q.name, q.qtype, live[i].ans, live[i].err),
			dns.NewLookup(q.name, q.qtype, ans, err), "%d: %s", i, q.name)
		if live[i].err == nil {
			require.NoError(t, err, "%d", i)
		} else {
			require.Error(t, err, "%d", i)
			assert.Equal(t, live[i].err.Error(), err.Error(), "%d", i)
			assert.Equal(t, dns.IsTemporary(live[i].err), dns.IsTemporary(err), "%d", i)
			assert.Equal(t, dns.IsNotFound(live[i].err), dns.IsNotFound(err), "%d", i)
		}
		if live[i].ans == nil {
			assert.Nil(t, ans, "%d", i)
			continue
		}
		require.NotNil(t, ans, "%d", i)
		assert.Equal(t, live[i].ans.Name, ans.Name, "%d", i)
		assert.Equal(t, live[i].ans.Type, ans.Type, "%d", i)
		assert.Equal(t, live[i].ans.Rcode, ans.Rcode, "%d", i)
		assert.Equal(t, live[i].ans.TTL, ans.TTL, "%d", i)
		assert.Equal(t, live[i].ans.Authentic, ans.Authentic, "%d", i)
		assert.True(t, live[i].ans.Time.Equal(ans.Time), "%d", i)
		assert.Equal(t, live[i].ans.Time, ans.Time, "%d", i)
		assert.Equal(t, len(live[i].ans.Records), len(ans.Records), "%d", i)
		for j := range ans.Records {
			assert.True(t, mdns.IsDuplicate(live[i].ans.Records[j], ans.Records[j]), "%d/%d", i, j)
		}
	}
	// The typed helpers give the same results.
	txt, _, err := dns.TXT(ctx, snap, "esc.example.org")
	require.NoError(t, err)
	assert.Equal(t, []string{"a\"b;c\\d\x00e"}, txt)
	assert.Equal(t, queriesBefore, srv.Queries(), "replay must not touch the network")

	// Writing the loaded snapshot gives the same bytes.
	var again bytes.Buffer
	_, err = snap.WriteTo(&again)
	require.NoError(t, err)
	assert.Equal(t, buf.String(), again.String())
}

func TestSnapshotNotIn(t *testing.T) {
	snap, err := dns.LoadSnapshotFile(filepath.Join("testdata", "snapshot.jsonl"))
	require.NoError(t, err)
	_, err = snap.Query(context.Background(), "unknown.example", mdns.TypeTXT)
	assert.Equal(t, dns.KindNotInSnapshot, kindOf(t, err))
	assert.True(t, dns.IsTemporary(err))
	require.ErrorIs(t, err, dns.ErrTemporary)
	// Same name, another type.
	_, err = snap.Query(context.Background(), "example.org", mdns.TypeSPF)
	assert.Equal(t, dns.KindNotInSnapshot, kindOf(t, err))
}

func TestRecorderDeterministic(t *testing.T) {
	srv := recordZone(t)
	write := func(order []question) string {
		rec := &dns.Recorder{Resolver: &dns.Cache{Resolver: fastClient(srv)}}
		var wg sync.WaitGroup
		for _, q := range order {
			wg.Go(func() { rec.Query(context.Background(), q.name, q.qtype) })
		}
		wg.Wait()
		var buf bytes.Buffer
		_, err := rec.WriteTo(&buf)
		require.NoError(t, err)
		// Times differ between runs; keep the rest.
		var lines []string
		for _, e := range rec.Entries() {
			e.Time = time.Time{}
			lines = append(lines, e.Name+" "+e.Type+" "+e.Result+" "+strings.Join(e.Records, "|"))
		}
		return strings.Join(lines, "\n")
	}
	qs := []question{{"example.org", mdns.TypeTXT}, {"nope.example.org", mdns.TypeTXT}, {"mail.example.org", mdns.TypeA}, {"example.org", mdns.TypeMX}, {"mail.example.org", mdns.TypeAAAA}}
	rev := make([]question, len(qs))
	for i, q := range qs {
		rev[len(qs)-1-i] = q
	}
	assert.Equal(t, write(qs), write(rev))
}

func TestRecorderSave(t *testing.T) {
	srv := recordZone(t)
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	rec := &dns.Recorder{Resolver: &dns.Client{Servers: []string{srv.Addr()}, Timeout: 300 * time.Millisecond, Attempts: 1, Now: clock}, Now: clock}
	for _, q := range recordQuestions {
		rec.Query(context.Background(), q.name, q.qtype)
	}
	path := filepath.Join(t.TempDir(), "snap.jsonl")
	require.NoError(t, rec.Save(path))
	snap, err := dns.LoadSnapshotFile(path)
	require.NoError(t, err)
	assert.Equal(t, rec.Entries(), snap.Entries())
	// With a fixed clock the file is byte-stable.
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(b), `{"name":"slow.example.org.","type":"TXT","result":"timeout","time":"2024-05-01T12:00:00Z","server":"`)
	assert.Contains(t, string(b), `{"name":"example.org.","type":"TXT","result":"ok","rcode":"NOERROR","records":["example.org.\t300\tIN\tTXT\t\"v=spf1 \" \"ip4:192.0.2.0/24 -all\""],"ttl":300,"time":"2024-05-01T12:00:00Z"}`)

	_, err = dns.LoadSnapshotFile(filepath.Join(t.TempDir(), "missing"))
	require.ErrorIs(t, err, os.ErrNotExist)
	var zero dns.Recorder
	_, err = zero.Query(context.Background(), "example.org", mdns.TypeTXT)
	assert.Equal(t, dns.KindServFail, kindOf(t, err))
}

func TestLoadSnapshotErrors(t *testing.T) {
	const ok = `{"name":"example.org.","type":"TXT","result":"ok","rcode":"NOERROR","records":["example.org. 300 IN TXT \"x\""],"ttl":300,"time":"2024-05-01T12:00:00Z"}`
	tests := []struct {
		in   string
		line int
	}{
		0:  {"{", 1},
		1:  {"\n\n[1,2]", 3},
		2:  {ok + "\n" + ok, 2},
		3:  {`{"name":"example.org.","type":"TXT","result":"ok","time":"2024-05-01T12:00:00Z"}`, 1},
		4:  {`{"name":"","type":"TXT","result":"nxdomain","time":"2024-05-01T12:00:00Z"}`, 1},
		5:  {`{"name":"a..b","type":"TXT","result":"nxdomain","time":"2024-05-01T12:00:00Z"}`, 1},
		6:  {`{"name":"a.b","type":"NOPE","result":"nxdomain","time":"2024-05-01T12:00:00Z"}`, 1},
		7:  {`{"name":"a.b","type":"TXT","result":"weird","time":"2024-05-01T12:00:00Z"}`, 1},
		8:  {`{"name":"a.b","type":"TXT","result":"nxdomain","rcode":"BOGUS","time":"2024-05-01T12:00:00Z"}`, 1},
		9:  {`{"name":"a.b","type":"TXT","result":"ok","rcode":"NOERROR","records":["a.b. 300 IN A 999.1.1.1"],"time":"2024-05-01T12:00:00Z"}`, 1},
		10: {`{"name":"a.b","type":"TXT","result":"ok","rcode":"NOERROR","records":["a.b. 300 IN A 1.2.3.4\nb.c. A 1.1.1.1"],"time":"2024-05-01T12:00:00Z"}`, 1},
		11: {`{"name":"a.b","type":"TXT","result":"ok","rcode":"NOERROR","records":["$INCLUDE /etc/passwd"],"time":"2024-05-01T12:00:00Z"}`, 1},
		12: {`{"name":"a.b","type":"TXT","result":"nxdomain","time":"yesterday"}`, 1},
		13: {`{"name":"a.b","type":"TXT","result":"nxdomain","extra":1}`, 1},
		14: {`{"name":"a.b","type":"TXT","result":"nxdomain"} {}`, 1},
		15: {`{"name":"a.b","type":"TXT","result":"timeout","records":["a.b. 300 IN TXT \"x\""]}`, 1},
		16: {`{"name":"a.b","type":"TYPE0","result":"nxdomain"}`, 1},
		17: {"# comment\n" + `{"name":"a.b","type":"TXT","result":"ok","rcode":"NOERROR","records":["a.b. 300 IN TXT \"x\""],"error":"x"}`, 2},
		18: {`{"name":"a.b","type":"TXT","result":"nxdomain","rcode":"RCODE99999"}`, 1},
		19: {"{\"name\":\"" + strings.Repeat("a", dns.MaxSnapshotLine) + "\"}", 1},
	}
	for i, tt := range tests {
		_, err := dns.LoadSnapshot(strings.NewReader(tt.in))
		require.ErrorIs(t, err, dns.ErrBadSnapshot, "%d", i)
		var se *dns.SnapshotError
		require.True(t, errors.As(err, &se), "%d", i)
		assert.Equal(t, tt.line, se.Line, "%d: %v", i, err)
	}

	// Comments, blank lines, other case and relative names are fine.
	snap, err := dns.LoadSnapshot(strings.NewReader("# x\n\n" + strings.Replace(ok, `"example.org."`, `"Example.Org"`, 1) + "\n" +
		`{"name":"b.test","type":"TYPE65280","result":"nodata","rcode":"NOERROR","ttl":5,"time":"2024-05-01T12:00:00Z"}` + "\n"))
	require.NoError(t, err)
	assert.Equal(t, 2, snap.Len())
	_, err = snap.Query(context.Background(), "B.TEST.", 65280)
	assert.Equal(t, dns.KindNoData, kindOf(t, err))
}

func TestSnapshotCached(t *testing.T) {
	// A Cache over a Snapshot: replayed Answers keep their recorded Time.
	snap, err := dns.LoadSnapshotFile(filepath.Join("testdata", "snapshot.jsonl"))
	require.NoError(t, err)
	c := &dns.Cache{Resolver: snap}
	for range 2 {
		ans, err := c.Query(context.Background(), "example.org", mdns.TypeTXT)
		require.NoError(t, err)
		assert.Equal(t, time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC), ans.Time)
	}
}

// TestRecordUnreachable: a server that cannot be reached is recorded as
// "unreachable", its cause said without socket addresses, and replayed as
// the same temporary failure.
func TestRecordUnreachable(t *testing.T) {
	rec := &dns.Recorder{Resolver: &dns.Client{Servers: []string{dnstest.ClosedAddr(t)}, Timeout: time.Second, Attempts: 1}}
	ctx := context.Background()
	_, live := rec.Query(ctx, "example.org", mdns.TypeTXT)
	require.Error(t, live)
	entries := rec.Entries()
	require.Len(t, entries, 1)
	assert.Equal(t, "unreachable", entries[0].Result)
	assert.Equal(t, "connection refused", entries[0].Error)

	var buf bytes.Buffer
	_, err := rec.WriteTo(&buf)
	require.NoError(t, err)
	snap, err := dns.LoadSnapshot(&buf)
	require.NoError(t, err)
	_, err = snap.Query(ctx, "example.org", mdns.TypeTXT)
	assert.Equal(t, dns.KindUnreachable, kindOf(t, err))
	assert.True(t, dns.IsTemporary(err))
	assert.Equal(t, live.Error(), err.Error())
}
