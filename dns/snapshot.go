package dns

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/mailprov/mailprov/internal/ascii"
)

// A snapshot file is JSON Lines: one Entry object per line, one line per
// question, sorted by lower-case name and then by type number. Records are
// in zone-file presentation format. Blank lines and lines starting with '#'
// are ignored. For example:
//
//	{"name":"example.org.","type":"TXT","result":"ok","rcode":"NOERROR","records":["example.org.\t300\tIN\tTXT\t\"v=spf1 -all\""],"ttl":300,"time":"2024-05-01T12:00:00Z"}
//	{"name":"nope.example.org.","type":"TXT","result":"nxdomain","rcode":"NXDOMAIN","ttl":60,"time":"2024-05-01T12:00:00Z"}

// MaxSnapshotLine bounds the length of one line of a snapshot file.
const MaxSnapshotLine = 4 << 20

// ResultOK is Entry.Result for a question answered with records.
const ResultOK = "ok"

// Entry is one question and what came back for it, as a snapshot file
// stores it.
type Entry struct {
	// Name is the question name, lower case and fully qualified.
	Name string `json:"name"`
	// Type is the question type in presentation form ("TXT", "TYPE65").
	Type string `json:"type"`
	// Result is ResultOK, or the ErrorKind name of the failure
	// ("nxdomain", "nodata", "servfail", "timeout", "unreachable", ...).
	Result string `json:"result"`
	// Rcode is the response code ("NOERROR", "NXDOMAIN"); empty when the
	// lookup returned no Answer (a timeout, say).
	Rcode string `json:"rcode,omitempty"`
	// Records are the Answer's records in zone presentation format.
	Records []string `json:"records,omitempty"`
	// TTL is the Answer's TTL (for negative answers, the SOA minimum).
	TTL uint32 `json:"ttl,omitempty"`
	// Authentic is the Answer's AD bit.
	Authentic bool `json:"authentic,omitempty"`
	// Time is when the answer was received.
	Time time.Time `json:"time"`
	// Server is the server that gave a failure, if known.
	Server string `json:"server,omitempty"`
	// Error is the text of the failure's cause, if any, said without
	// socket addresses ("connection refused").
	Error string `json:"error,omitempty"`
}

// ErrBadSnapshot is matched (with errors.Is) by every *SnapshotError.
var ErrBadSnapshot = errors.New("dns: malformed snapshot")

// SnapshotError reports a malformed snapshot file.
type SnapshotError struct {
	// Line is the 1-based line number, or 0 if not about one line.
	Line int
	Err  error
}

func (e *SnapshotError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("dns: snapshot line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("dns: snapshot: %v", e.Err)
}

// Unwrap returns the underlying error.
func (e *SnapshotError) Unwrap() error { return e.Err }

// Is reports whether target is ErrBadSnapshot.
func (e *SnapshotError) Is(target error) bool { return target == ErrBadSnapshot }

// replayed is a decoded Entry.
type replayed struct {
	entry Entry
	ans   *Answer // nil when Entry.Rcode is empty
	err   *Error  // nil when Entry.Result is ResultOK
}

// Snapshot is a set of recorded answers, one per question. It is a
// Resolver that answers only from them, with no network: a question it
// does not hold gets a KindNotInSnapshot *Error (a temporary failure).
// Replayed Answers keep their recorded Time and TTL, so that results
// computed "as of" the answer time are the same as when recorded.
//
// A Snapshot is immutable and safe for concurrent use. Callers must not
// modify the Records of the Answers it returns.
type Snapshot struct {
	entries map[cacheKey]*replayed
}

// LoadSnapshot reads a snapshot file (see Entry). A malformed file gives a
// *SnapshotError.
func LoadSnapshot(r io.Reader) (*Snapshot, error) {
	s := &Snapshot{entries: map[cacheKey]*replayed{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxSnapshotLine)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 || b[0] == '#' {
			continue
		}
		var e Entry
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			return nil, &SnapshotError{Line: line, Err: err}
		}
		if dec.More() {
			return nil, &SnapshotError{Line: line, Err: errors.New("data after the entry")}
		}
		rep, k, err := decodeEntry(e)
		if err != nil {
			return nil, &SnapshotError{Line: line, Err: err}
		}
		if _, dup := s.entries[k]; dup {
			return nil, &SnapshotError{Line: line, Err: fmt.Errorf("second entry for %s %s", rep.entry.Name, rep.entry.Type)}
		}
		s.entries[k] = rep
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &SnapshotError{Line: line + 1, Err: err}
		}
		return nil, &SnapshotError{Err: err}
	}
	return s, nil
}

// LoadSnapshotFile reads the snapshot file at path.
func LoadSnapshotFile(path string) (*Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dns: %w", err)
	}
	defer f.Close()
	return LoadSnapshot(f)
}

// Query implements Resolver.
func (s *Snapshot) Query(ctx context.Context, name string, qtype uint16) (*Answer, error) {
	fqdn := mdns.Fqdn(name)
	rep, ok := s.entries[cacheKey{ascii.Lower(fqdn), qtype}]
	if !ok {
		return nil, &Error{Name: fqdn, Type: qtype, Kind: KindNotInSnapshot}
	}
	if rep.err == nil {
		return result(fqdn, rep.ans, nil)
	}
	e := *rep.err // a fresh *Error for every caller
	return result(fqdn, rep.ans, &e)
}

// Len returns the number of questions in the snapshot.
func (s *Snapshot) Len() int { return len(s.entries) }

// Entries returns the snapshot's entries in file order.
func (s *Snapshot) Entries() []Entry {
	out := make([]Entry, 0, len(s.entries))
	for _, rep := range s.entries {
		out = append(out, rep.entry)
	}
	sortEntries(out)
	return out
}

// WriteTo writes the snapshot file, entries sorted.
func (s *Snapshot) WriteTo(w io.Writer) (int64, error) { return writeEntries(w, s.Entries()) }

// Recorder is a Resolver that passes questions to another Resolver and
// records what came back (answers, negative answers and failures), to be
// written as a snapshot file and replayed with LoadSnapshot. It keeps the
// first outcome seen for each question: that is the one an audit acted on.
//
// A Recorder is safe for concurrent use. Its zero value, with Resolver
// set, is ready to use; it must not be copied after first use.
type Recorder struct {
	// Resolver answers the questions.
	Resolver Resolver
	// Now returns the current time, used for failures that carry no
	// Answer; nil means time.Now.
	Now func() time.Time

	mu      sync.Mutex
	entries map[cacheKey]Entry
}

// Query implements Resolver.
func (r *Recorder) Query(ctx context.Context, name string, qtype uint16) (*Answer, error) {
	if r.Resolver == nil {
		return nil, &Error{Name: mdns.Fqdn(name), Type: qtype, Kind: KindServFail, Err: errors.New("dns: Recorder without Resolver")}
	}
	ans, err := r.Resolver.Query(ctx, name, qtype)
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	e := NewEntry(name, qtype, ans, err, now())
	k := cacheKey{e.Name, qtype}
	r.mu.Lock()
	if r.entries == nil {
		r.entries = map[cacheKey]Entry{}
	}
	if _, ok := r.entries[k]; !ok {
		r.entries[k] = e
	}
	r.mu.Unlock()
	return ans, err
}

// Entries returns what has been recorded so far, sorted as in a file.
func (r *Recorder) Entries() []Entry {
	r.mu.Lock()
	out := make([]Entry, 0, len(r.entries))
	for _, e := range r.entries {
		out = append(out, e)
	}
	r.mu.Unlock()
	sortEntries(out)
	return out
}

// WriteTo writes what has been recorded so far as a snapshot file.
func (r *Recorder) WriteTo(w io.Writer) (int64, error) { return writeEntries(w, r.Entries()) }

// Save writes what has been recorded so far to the snapshot file at path,
// replacing it.
func (r *Recorder) Save(path string) error {
	var buf bytes.Buffer
	if _, err := r.WriteTo(&buf); err != nil {
		return err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("dns: %w", err)
	}
	return nil
}

// NewEntry builds the snapshot entry for a question and what a Resolver
// returned for it; now is the time used when ans is nil.
func NewEntry(name string, qtype uint16, ans *Answer, err error, now time.Time) Entry {
	e := Entry{
		Name:   ascii.Lower(mdns.Fqdn(name)),
		Type:   mdns.Type(qtype).String(),
		Result: ResultOK,
		Time:   now.UTC(),
	}
	if ans != nil {
		e.Rcode = rcodeString(ans.Rcode)
		e.TTL, e.Authentic = ans.TTL, ans.Authentic
		if !ans.Time.IsZero() {
			e.Time = ans.Time.UTC()
		}
		for _, rr := range ans.Records {
			e.Records = append(e.Records, rr.String())
		}
	}
	if err != nil {
		var de *Error
		if errors.As(err, &de) {
			e.Result = de.Kind.String()
			e.Server = de.Server
			e.Error = causeText(de.Err)
		} else {
			e.Result = KindServFail.String()
			e.Error = err.Error()
		}
	}
	return e
}

func rcodeString(rc int) string {
	if s, ok := mdns.RcodeToString[rc]; ok {
		return s
	}
	return "RCODE" + strconv.Itoa(rc)
}

func parseRcode(s string) (int, error) {
	if rc, ok := mdns.StringToRcode[s]; ok {
		return rc, nil
	}
	if n, ok := strings.CutPrefix(s, "RCODE"); ok {
		if rc, err := strconv.ParseUint(n, 10, 12); err == nil {
			return int(rc), nil
		}
	}
	return 0, fmt.Errorf("unknown rcode %q", s)
}

func parseType(s string) (uint16, error) {
	if t, ok := mdns.StringToType[s]; ok {
		return t, nil
	}
	if n, ok := strings.CutPrefix(s, "TYPE"); ok {
		if t, err := strconv.ParseUint(n, 10, 16); err == nil && t > 0 {
			return uint16(t), nil
		}
	}
	return 0, fmt.Errorf("unknown type %q", s)
}

func parseKind(s string) (ErrorKind, bool) {
	for k, name := range kindNames {
		if k > 0 && name == s {
			return ErrorKind(k), true
		}
	}
	return 0, false
}

// decodeEntry checks an entry and builds the Answer and *Error it replays.
// The entry it returns is canonical: it writes out byte for byte as it
// reads in.
func decodeEntry(e Entry) (*replayed, cacheKey, error) {
	fqdn := mdns.Fqdn(e.Name)
	if _, ok := mdns.IsDomainName(fqdn); !ok || len(fqdn) > 255 || e.Name == "" {
		return nil, cacheKey{}, fmt.Errorf("invalid name %q", e.Name)
	}
	e.Name = ascii.Lower(fqdn)
	qtype, err := parseType(e.Type)
	if err != nil {
		return nil, cacheKey{}, err
	}
	e.Type = mdns.Type(qtype).String()
	k := cacheKey{e.Name, qtype}
	rep := &replayed{}
	e.Time = e.Time.UTC()
	if e.Rcode != "" {
		rc, err := parseRcode(e.Rcode)
		if err != nil {
			return nil, k, err
		}
		e.Rcode = rcodeString(rc)
		rep.ans = &Answer{Name: e.Name, Type: qtype, Rcode: rc, TTL: e.TTL, Authentic: e.Authentic, Time: e.Time}
		for i, s := range e.Records {
			rr, err := parseRR(s)
			if err != nil {
				return nil, k, fmt.Errorf("record %d: %w", i+1, err)
			}
			rep.ans.Records = append(rep.ans.Records, rr)
			e.Records[i] = rr.String()
		}
	} else if len(e.Records) > 0 || e.TTL != 0 || e.Authentic {
		return nil, k, errors.New("records, ttl or authentic without rcode")
	}
	if e.Result == ResultOK {
		if rep.ans == nil || len(rep.ans.Records) == 0 {
			return nil, k, errors.New(`result "ok" without records`)
		}
		if e.Server != "" || e.Error != "" {
			return nil, k, errors.New(`result "ok" with server or error`)
		}
	} else {
		kind, ok := parseKind(e.Result)
		if !ok {
			return nil, k, fmt.Errorf("unknown result %q", e.Result)
		}
		rep.err = &Error{Name: e.Name, Type: qtype, Kind: kind, Server: e.Server}
		if e.Error != "" {
			rep.err.Err = errors.New(e.Error)
		}
	}
	rep.entry = e
	return rep, k, nil
}

// parseRR parses one record in presentation format, and checks that its
// presentation form parses again (so that snapshots round-trip).
func parseRR(s string) (mdns.RR, error) {
	if strings.ContainsAny(s, "\n\r") {
		return nil, errors.New("record spans lines")
	}
	rr, err := mdns.NewRR(s)
	if err != nil {
		return nil, err
	}
	if rr == nil {
		return nil, errors.New("empty record")
	}
	if _, ok := mdns.IsDomainName(rr.Header().Name); !ok || rr.Header().Name == "" {
		return nil, errors.New("record without an owner name")
	}
	again, err := mdns.NewRR(rr.String())
	if err != nil || again == nil || again.String() != rr.String() {
		return nil, fmt.Errorf("record does not round-trip: %q", rr.String())
	}
	return rr, nil
}

func sortEntries(es []Entry) {
	slices.SortFunc(es, func(a, b Entry) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		ta, _ := parseType(a.Type)
		tb, _ := parseType(b.Type)
		return cmp.Compare(ta, tb)
	})
}

func writeEntries(w io.Writer, es []Entry) (int64, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, e := range es {
		if err := enc.Encode(e); err != nil {
			return 0, fmt.Errorf("dns: snapshot: %w", err)
		}
	}
	n, err := w.Write(buf.Bytes())
	if err != nil {
		err = fmt.Errorf("dns: snapshot: %w", err)
	}
	return int64(n), err
}
