package dns_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailprov/mailprov/dns"
	"github.com/mailprov/mailprov/dns/dnstest"
)

// fakeClock is a settable clock for Cache.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestCacheDedup(t *testing.T) {
	srv := dnstest.NewServer(t, testZone(t))
	c := &dns.Cache{Resolver: fastClient(srv)}
	const n = 100
	var wg sync.WaitGroup
	start := make(chan struct{})
	results := make([][]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			<-start
			results[i], _, errs[i] = dns.TXT(context.Background(), c, "example.org")
		})
	}
	close(start)
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i], "%d", i)
		assert.Equal(t, []string{"v=spf1 ip4:192.0.2.0/24 -all"}, results[i], "%d", i)
	}
	assert.Equal(t, int64(1), srv.Queries())

	// Names differ only in case: one question.
	ans, err := c.Query(context.Background(), "EXAMPLE.org", mdns.TypeTXT)
	require.NoError(t, err)
	assert.Equal(t, "EXAMPLE.org.", ans.Name)
	assert.Equal(t, int64(1), srv.Queries())
	assert.Equal(t, 1, c.Len())
}

func TestCacheTTL(t *testing.T) {
	srv := dnstest.NewServer(t, testZone(t))
	clock := newFakeClock()
	c := &dns.Cache{Resolver: fastClient(srv), Now: clock.Now, MaxTTL: 200 * time.Second}
	ctx := context.Background()
	ask := func(name string, qtype uint16) error {
		_, err := c.Query(ctx, name, qtype)
		return err
	}

	// short.example.org has TTL 30.
	require.NoError(t, ask("short.example.org", mdns.TypeTXT))
	clock.Advance(29 * time.Second)
	require.NoError(t, ask("short.example.org", mdns.TypeTXT))
	assert.Equal(t, int64(1), srv.Queries())
	clock.Advance(2 * time.Second)
	require.NoError(t, ask("short.example.org", mdns.TypeTXT))
	assert.Equal(t, int64(2), srv.Queries())

	// example.org has TTL 300, capped by MaxTTL at 200s.
	require.NoError(t, ask("example.org", mdns.TypeTXT))
	clock.Advance(199 * time.Second)
	require.NoError(t, ask("example.org", mdns.TypeTXT))
	assert.Equal(t, int64(3), srv.Queries())
	clock.Advance(2 * time.Second)
	require.NoError(t, ask("example.org", mdns.TypeTXT))
	assert.Equal(t, int64(4), srv.Queries())
}

func TestCacheNegative(t *testing.T) {
	srv := dnstest.NewServer(t, testZone(t))
	clock := newFakeClock()
	c := &dns.Cache{Resolver: fastClient(srv), Now: clock.Now}
	ctx := context.Background()

	// The zone's SOA minimum is 60s.
	for _, tt := range []struct {
		name string
		kind dns.ErrorKind
	}{
		{"nope.example.org", dns.KindNXDomain},
		{"mail.example.org", dns.KindNoData},
	} {
		before := srv.Queries()
		for range 3 {
			ans, err := c.Query(ctx, tt.name, mdns.TypeTXT)
			assert.Equal(t, tt.kind, kindOf(t, err), tt.name)
			require.NotNil(t, ans)
			assert.Equal(t, uint32(60), ans.TTL)
		}
		assert.Equal(t, before+1, srv.Queries(), tt.name)
		clock.Advance(61 * time.Second)
		_, err := c.Query(ctx, tt.name, mdns.TypeTXT)
		assert.Equal(t, tt.kind, kindOf(t, err), tt.name)
		assert.Equal(t, before+2, srv.Queries(), tt.name)
	}
}

func TestCacheSkipsFailures(t *testing.T) {
	srv := dnstest.NewServer(t, testZone(t),
		dnstest.WithServFail("example.org"), dnstest.WithGarbage("mail.example.org"))
	c := &dns.Cache{Resolver: fastClient(srv)}
	for range 3 {
		_, err := c.Query(context.Background(), "example.org", mdns.TypeTXT)
		assert.Equal(t, dns.KindServFail, kindOf(t, err))
	}
	assert.Equal(t, int64(3), srv.Queries())
	assert.Equal(t, 0, c.Len())

	c2 := &dns.Cache{Resolver: &dns.Client{Servers: []string{srv.Addr()}, Timeout: 300 * time.Millisecond, Attempts: 1}}
	for range 2 {
		_, err := c2.Query(context.Background(), "mail.example.org", mdns.TypeA)
		assert.Equal(t, dns.KindMalformed, kindOf(t, err))
	}
	assert.Equal(t, 0, c2.Len())
}

func TestCacheLRU(t *testing.T) {
	srv := dnstest.NewServer(t, testZone(t))
	c := &dns.Cache{Resolver: fastClient(srv), MaxEntries: 2}
	ctx := context.Background()
	ask := func(name string) {
		t.Helper()
		_, err := c.Query(ctx, name, mdns.TypeA)
		require.NoError(t, err)
	}
	ask("mail.example.org")     // 1
	ask("sub.deep.example.org") // 2
	ask("mail.example.org")     // cached, now most recent
	assert.Equal(t, int64(2), srv.Queries())
	_, err := c.Query(ctx, "example.org", mdns.TypeMX) // 3, evicts sub.deep
	require.NoError(t, err)
	assert.Equal(t, 2, c.Len())
	ask("mail.example.org") // still cached
	assert.Equal(t, int64(3), srv.Queries())
	ask("sub.deep.example.org") // evicted: asked again
	assert.Equal(t, int64(4), srv.Queries())
}

// blockingResolver answers once release is closed; it is off the wire on
// purpose: it tests the cache's own waiting logic.
type blockingResolver struct {
	release   chan struct{}
	queries   atomic.Int64
	cancelled atomic.Int64
}

func (b *blockingResolver) Query(ctx context.Context, name string, qtype uint16) (*dns.Answer, error) {
	b.queries.Add(1)
	select {
	case <-b.release:
		rr, _ := mdns.NewRR(name + " 60 IN TXT \"ok\"")
		return &dns.Answer{Name: name, Type: qtype, Records: []mdns.RR{rr}, TTL: 60}, nil
	case <-ctx.Done():
		b.cancelled.Add(1)
		return nil, &dns.Error{Name: name, Type: qtype, Kind: dns.KindTimeout, Err: ctx.Err()}
	}
}

func TestCacheWaiterCancel(t *testing.T) {
	b := &blockingResolver{release: make(chan struct{})}
	c := &dns.Cache{Resolver: b}

	// The first caller gives up; the second still gets the answer.
	ctx1, cancel1 := context.WithCancel(context.Background())
	got1 := make(chan error, 1)
	go func() {
		_, err := c.Query(ctx1, "a.test", mdns.TypeTXT)
		got1 <- err
	}()
	for b.queries.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	got2 := make(chan error, 1)
	go func() {
		_, _, err := dns.TXT(context.Background(), c, "a.test")
		got2 <- err
	}()
	time.Sleep(10 * time.Millisecond)
	cancel1()
	select {
	case err := <-got1:
		assert.Equal(t, dns.KindTimeout, kindOf(t, err))
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(time.Second):
		t.Fatal("cancelled waiter did not return")
	}
	close(b.release)
	require.NoError(t, <-got2)
	assert.Equal(t, int64(1), b.queries.Load())
	assert.Equal(t, int64(0), b.cancelled.Load())

	// When every waiter leaves, the shared query is cancelled and nothing
	// is cached.
	b2 := &blockingResolver{release: make(chan struct{})}
	c2 := &dns.Cache{Resolver: b2}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := c2.Query(ctx, "b.test", mdns.TypeTXT)
	assert.Equal(t, dns.KindTimeout, kindOf(t, err))
	require.Eventually(t, func() bool { return b2.cancelled.Load() == 1 }, time.Second, time.Millisecond)
	assert.Equal(t, 0, c2.Len())
}

func TestCacheZeroValue(t *testing.T) {
	var c dns.Cache
	_, err := c.Query(context.Background(), "example.org", mdns.TypeTXT)
	assert.Equal(t, dns.KindServFail, kindOf(t, err))
}
