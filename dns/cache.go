package dns

import (
	"container/list"
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/mailprov/mailprov/internal/ascii"
)

// Default settings of a Cache.
const (
	DefaultCacheEntries = 10000
	DefaultMaxTTL       = time.Hour
)

// Cache is a Resolver that remembers the answers of another Resolver for
// their TTL, so that a batch of audits asks each question once.
//
// Positive answers are kept for their TTL (the smallest of their records),
// negative ones (NXDOMAIN, NODATA) for the TTL of the negative answer, the
// SOA minimum of RFC 2308; both are capped at MaxTTL, and answers with TTL
// zero (or negative answers without an SOA) are not kept. Temporary
// failures and malformed answers are never kept. Concurrent queries for a
// question that is not cached wait for one query to the underlying
// Resolver (duplicate suppression). When the cache is full, the least
// recently used answer is dropped.
//
// A cached Answer keeps the Time and TTL it was received with. Callers must
// not modify an Answer's Records.
//
// A Cache is safe for concurrent use. Its zero value, with Resolver set,
// is ready to use; it must not be copied after first use.
type Cache struct {
	// Resolver answers the questions not in the cache.
	Resolver Resolver
	// MaxEntries bounds how many answers are kept; zero means
	// DefaultCacheEntries.
	MaxEntries int
	// MaxTTL bounds how long an answer is kept; zero means DefaultMaxTTL.
	MaxTTL time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time

	mu       sync.Mutex
	entries  map[cacheKey]*list.Element // of *cacheEntry
	lru      list.List                  // front: most recently used
	inflight map[cacheKey]*call
}

type cacheKey struct {
	name  string // lower case, fully qualified
	qtype uint16
}

type cacheEntry struct {
	key     cacheKey
	ans     *Answer
	err     error
	expires time.Time
}

// call is one query to the underlying Resolver that waiters share.
type call struct {
	done    chan struct{}
	ans     *Answer
	err     error
	waiters int
	cancel  context.CancelFunc
}

func (c *Cache) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Len returns the number of answers in the cache, including expired ones
// not yet dropped.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// Query implements Resolver.
func (c *Cache) Query(ctx context.Context, name string, qtype uint16) (*Answer, error) {
	fqdn := mdns.Fqdn(name)
	if c.Resolver == nil {
		return nil, &Error{Name: fqdn, Type: qtype, Kind: KindServFail, Err: errors.New("dns: Cache without Resolver")}
	}
	if err := ctx.Err(); err != nil {
		return nil, &Error{Name: fqdn, Type: qtype, Kind: KindTimeout, Err: err}
	}
	k := cacheKey{ascii.Lower(fqdn), qtype}
	c.mu.Lock()
	if el, ok := c.entries[k]; ok {
		e := el.Value.(*cacheEntry)
		if c.now().Before(e.expires) {
			c.lru.MoveToFront(el)
			c.mu.Unlock()
			return result(fqdn, e.ans, e.err)
		}
		c.lru.Remove(el)
		delete(c.entries, k)
	}
	cl, ok := c.inflight[k]
	if !ok {
		if c.inflight == nil {
			c.inflight = map[cacheKey]*call{}
		}
		// The shared query must outlive the ctx of whoever started it while
		// others still wait; it is cancelled when the last waiter leaves.
		qctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		cl = &call{done: make(chan struct{}), cancel: cancel}
		c.inflight[k] = cl
		go c.run(qctx, cl, k, fqdn, qtype)
	}
	cl.waiters++
	c.mu.Unlock()

	select {
	case <-cl.done:
		return result(fqdn, cl.ans, cl.err)
	case <-ctx.Done():
		c.mu.Lock()
		cl.waiters--
		if cl.waiters == 0 {
			cl.cancel()
			if c.inflight[k] == cl {
				delete(c.inflight, k)
			}
		}
		c.mu.Unlock()
		return nil, &Error{Name: fqdn, Type: qtype, Kind: KindTimeout, Err: ctx.Err()}
	}
}

// run asks the underlying Resolver, then caches and hands out the result.
func (c *Cache) run(ctx context.Context, cl *call, k cacheKey, name string, qtype uint16) {
	defer cl.cancel()
	ans, err := c.Resolver.Query(ctx, name, qtype)
	// The TTL runs from now, read before any waiter is told: a waiter
	// may act (and a test's clock move) as soon as done is closed.
	received := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	cl.ans, cl.err = ans, err
	close(cl.done)
	if c.inflight[k] != cl {
		return // abandoned by every waiter; its result may be a cancellation
	}
	delete(c.inflight, k)
	ttl, ok := cacheTTL(ans, err)
	if !ok {
		return
	}
	maxTTL := c.MaxTTL
	if maxTTL <= 0 {
		maxTTL = DefaultMaxTTL
	}
	if ans != nil {
		ans = clip(ans)
	}
	e := &cacheEntry{key: k, ans: ans, err: err, expires: received.Add(min(ttl, maxTTL))}
	if c.entries == nil {
		c.entries = map[cacheKey]*list.Element{}
	}
	if el, ok := c.entries[k]; ok {
		c.lru.Remove(el)
	}
	c.entries[k] = c.lru.PushFront(e)
	maxEntries := c.MaxEntries
	if maxEntries <= 0 {
		maxEntries = DefaultCacheEntries
	}
	for c.lru.Len() > maxEntries {
		old := c.lru.Back()
		c.lru.Remove(old)
		delete(c.entries, old.Value.(*cacheEntry).key)
	}
}

// cacheTTL reports how long a result may be cached, and whether at all.
func cacheTTL(ans *Answer, err error) (time.Duration, bool) {
	if ans == nil || ans.TTL == 0 {
		return 0, false
	}
	if err != nil {
		var de *Error
		if !errors.As(err, &de) || !de.IsNotFound() {
			return 0, false
		}
	}
	return time.Duration(ans.TTL) * time.Second, true
}

// clip returns a copy of ans whose Records cannot be appended to in place.
func clip(ans *Answer) *Answer {
	a := *ans
	a.Records = slices.Clip(a.Records)
	return &a
}

// result returns copies of a shared answer and error, named as asked.
func result(name string, ans *Answer, err error) (*Answer, error) {
	if ans != nil {
		ans = clip(ans)
		ans.Name = name
	}
	if de, ok := err.(*Error); ok && de.Name != name {
		e := *de
		e.Name = name
		err = &e
	}
	return ans, err
}
