package spf

import (
	"sync"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/mailprov/mailprov/dns"
)

// memoEntries bounds each of a Checker's memo tables; a full table is
// emptied and refilled.
const memoEntries = 512

// memo remembers, per Checker, the work that a warm DNS cache makes
// repeatable: the parsed form of record texts seen before, and the trace
// entries of answers seen before (a dns.Cache hands back the same record
// objects while it holds an answer). Both are pure functions of their keys, so sharing
// them between evaluations changes no result. Parsed records are never
// modified after parsing.
type memo struct {
	mu      sync.Mutex
	records map[string]parsed
	lookups map[lookupKey]dns.Lookup
}

type parsed struct {
	rec *Record
	err error
}

// lookupKey identifies an answer by the identity of its record objects (a
// dns.Cache hands out copies of its Answer that share the records) and the
// fields a dns.Lookup copies.
type lookupKey struct {
	first, last mdns.RR
	n           int
	ttl         uint32
	authentic   bool
	time        time.Time
	name        string
	qtype       uint16
}

// parse is ParseRecord through the memo.
func (m *memo) parse(txt string) (*Record, error) {
	m.mu.Lock()
	p, ok := m.records[txt]
	m.mu.Unlock()
	if ok {
		return p.rec, p.err
	}
	rec, err := ParseRecord(txt)
	m.mu.Lock()
	if m.records == nil || len(m.records) >= memoEntries {
		m.records = make(map[string]parsed)
	}
	m.records[txt] = parsed{rec, err}
	m.mu.Unlock()
	return rec, err
}

// lookup is dns.NewLookup through the memo, for successful answers. The
// returned entry's Records slice is a copy, so callers may modify it.
func (m *memo) lookup(name string, qtype uint16, ans *dns.Answer, err error) dns.Lookup {
	if ans == nil || err != nil || len(ans.Records) == 0 {
		return dns.NewLookup(name, qtype, ans, err)
	}
	k := lookupKey{ans.Records[0], ans.Records[len(ans.Records)-1], len(ans.Records), ans.TTL, ans.Authentic, ans.Time, name, qtype}
	m.mu.Lock()
	l, ok := m.lookups[k]
	m.mu.Unlock()
	if !ok {
		l = dns.NewLookup(name, qtype, ans, err)
		m.mu.Lock()
		if m.lookups == nil || len(m.lookups) >= memoEntries {
			m.lookups = make(map[lookupKey]dns.Lookup)
		}
		m.lookups[k] = l
		m.mu.Unlock()
	}
	l.Records = append([]string(nil), l.Records...)
	return l
}
