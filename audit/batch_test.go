package audit_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailprov/mailprov/audit"
	"github.com/mailprov/mailprov/dns"
	"github.com/mailprov/mailprov/dns/dnstest"
	"github.com/mailprov/mailprov/headers"
)

// TestRunOrderAndDedup audits many messages concurrently through one
// caching resolver: outcomes come back in input order, and the shared
// cache asks the server each question once.
func TestRunOrderAndDedup(t *testing.T) {
	signer := loadSigner(t, "rsa2048.pem")
	srv := auditZone(t, keyTXT(t, signer))
	signed := sign(t, signer, plainMail)
	cache := &dns.Cache{Resolver: srv.Resolver()}
	a := &audit.Auditor{Resolver: cache}

	const n = 64
	in := make(chan audit.Item)
	go func() {
		defer close(in)
		for i := range n {
			if i%7 == 3 {
				in <- audit.Item{Err: fmt.Errorf("item %d unreadable", i)}
				continue
			}
			m := load(t, signed)
			m.Source.Index = i
			in <- audit.Item{Message: m}
		}
	}()
	var got []int
	err := a.Run(context.Background(), 8, in, func(o audit.Outcome) error {
		if o.Err != nil {
			var i int
			_, err := fmt.Sscanf(o.Err.Error(), "item %d unreadable", &i)
			require.NoError(t, err)
			got = append(got, i)
			return nil
		}
		assert.Equal(t, audit.LevelVerified, o.Report.Verdict.Level)
		got = append(got, o.Report.Source.Index)
		return nil
	})
	require.NoError(t, err)
	require.Len(t, got, n)
	for i := range got {
		assert.Equal(t, i, got[i], "outcomes in input order")
	}
	// key, SPF (example.org), DMARC: three distinct questions.
	assert.LessOrEqual(t, srv.Queries(), int64(3), "the cache suppresses duplicate queries")
}

// TestRunCancel: cancelling the context ends Run without leaking or
// deadlocking, even with items still coming.
func TestRunCancel(t *testing.T) {
	srv := dnstest.NewServer(t, "")
	a := &audit.Auditor{Resolver: srv.Resolver()}
	ctx, cancel := context.WithCancel(context.Background())
	in := make(chan audit.Item)
	go func() {
		for i := 0; ; i++ {
			select {
			case in <- audit.Item{Message: load(t, plainMail)}:
			case <-ctx.Done():
				close(in)
				return
			}
		}
	}()
	done := make(chan error, 1)
	count := 0
	go func() {
		done <- a.Run(ctx, 4, in, func(audit.Outcome) error {
			count++
			if count == 10 {
				cancel()
			}
			return nil
		})
	}()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

// TestCorpusAudit audits every message of the real-mail corpus against a
// DNS server that knows nothing: every message gets a report and a
// verdict, nothing panics, and no verdict claims authenticity without a
// key.
func TestCorpusAudit(t *testing.T) {
	root := filepath.Join("..", "..", "shared", "corpus")
	if _, err := os.Stat(root); err != nil {
		t.Skip("../shared/corpus not present: the real-mail corpus lives beside the checkout")
	}
	srv := dnstest.NewServer(t, "")
	a := &audit.Auditor{Resolver: &dns.Cache{Resolver: srv.Resolver()}}
	var files, msgs int
	levels := map[audit.Level]int{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".tsv") || strings.HasSuffix(path, ".md") {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		files++
		rd := headers.NewReader(f, path)
		for {
			m, err := rd.Next()
			if err != nil {
				break
			}
			msgs++
			r := a.Audit(context.Background(), m)
			require.NotNil(t, r.Verdict, path)
			levels[r.Verdict.Level]++
			assert.False(t, r.Verdict.Authentic && r.Verdict.Level != audit.LevelSPFAligned,
				"%s: %s without any key", path, r.Verdict.Level)
		}
		return nil
	})
	require.NoError(t, err)
	t.Logf("%d files, %d messages, levels %v", files, msgs, levels)
	assert.Greater(t, msgs, 250)
}
