package dkim

import (
	"crypto"
	"crypto/subtle"
	"strconv"
)

// Bounds on the work of matching rebuilt bodies. Each body hashed costs its
// bytes (a group's shared prefix once, then each ending) plus pwEndingCost
// for building the ending and restoring the hasher to the prefix's state.
// Each combination of canonicalization, hash and l= searched has its own
// budget of maxPWHashWork, so that one signature's failed search does not
// decide another's result, and at most maxPWSearches combinations are
// searched for one message. 16 MiB is about 7,000 endings:
// BenchmarkBodyCandidates measures the whole sweep of the sample at about
// 9 ms on one core, 1.3 µs an ending.
const (
	maxPWHashWork = 16 << 20
	pwEndingCost  = 2048
	maxPWSearches = 4
)

// pwState holds the rebuilt bodies of a Patchwork message, built once per
// run, and the body hashes computed from them so far.
type pwState struct {
	plan *pwPlan
	// work is what hashing has cost so far, all searches together (each
	// search is bounded by its own pwSums.work).
	work int64
	sums []*pwSums
	// variantTries counts the header verifications tryVariants made,
	// against maxVariantTriesMessage.
	variantTries int
}

// pwSums is the hashes of the candidates, in order, for one
// canonicalization, hash and l=, computed as far as needed so far.
type pwSums struct {
	canon string
	h     crypto.Hash
	limit int64
	// work is what this search's hashing has cost, against maxPWHashWork.
	work int64
	// bases[g] has hashed group g's prefix, and states[g] is its hash's
	// saved state; each ending is hashed by hasher, restored to bases[g].
	bases  []*BodyHasher
	states [][]byte
	hasher *BodyHasher
	sum    []byte // hasher's last hash
	done   []pwSum
	at     pwCursor
	// exhausted: every candidate is in done; limited: hashing stopped at
	// maxPWHashWork first.
	exhausted, limited bool
}

// newPWSums starts the search of plan's bodies for one canonicalization,
// hash and l=.
func newPWSums(plan *pwPlan, canon string, h crypto.Hash, limit int64) *pwSums {
	return &pwSums{canon: canon, h: h, limit: limit, bases: make([]*BodyHasher, len(plan.groups)), states: make([][]byte, len(plan.groups))}
}

// pwSum is a candidate's body hash (SHA-256, the one hash verified) and
// canonical length; no pointers, so that thousands of them cost the
// garbage collector nothing.
type pwSum struct {
	sum [32]byte
	n   int64
	at  pwCursor
}

// pwCursor is the position of a candidate: group g's ending e (tier 0),
// or the git version v, group g, footer f (tier 1, the sweep).
type pwCursor struct {
	tier, g, e, v, f int
}

// pwMatch is the outcome of matching a signature's bh= against the
// rebuilt bodies.
type pwMatch struct {
	ok    bool
	label string
	n     int64 // the canonical length of the body that matched
	// tried is how many candidates were hashed; limited is true when the
	// work bound stopped the search before all were, or when (skipped)
	// maxPWSearches other searches had run and this one did not start.
	tried            int
	limited, skipped bool
}

func (st *run) pwPlan() *pwPlan {
	if st.pw.plan == nil {
		st.pw.plan = newPWPlan(st.m)
	}
	return st.pw.plan
}

// matchBody hashes the rebuilt bodies in order until one's hash is want.
// Hashes are kept, so a second signature with the same canonicalization
// and hash compares first with those already computed.
func (st *run) matchBody(canon string, h crypto.Hash, limit int64, want []byte) pwMatch {
	plan := st.pwPlan()
	var s *pwSums
	for _, x := range st.pw.sums {
		if x.canon == canon && x.h == h && x.limit == limit {
			s = x
		}
	}
	if s == nil {
		if len(st.pw.sums) >= maxPWSearches {
			return pwMatch{limited: true, skipped: true}
		}
		s = newPWSums(plan, canon, h, limit)
		st.pw.sums = append(st.pw.sums, s)
	}
	for i := 0; ; i++ {
		if i == len(s.done) && !st.pwNext(plan, s) {
			return pwMatch{tried: len(s.done), limited: s.limited}
		}
		if len(want) == len(s.done[i].sum) && subtle.ConstantTimeCompare(s.done[i].sum[:], want) == 1 {
			return pwMatch{ok: true, label: plan.label(s.done[i].at), n: s.done[i].n, tried: i + 1}
		}
	}
}

// label is the label of the candidate at c.
func (p *pwPlan) label(c pwCursor) string {
	g := &p.groups[c.g]
	if c.tier == 0 {
		return g.candidateLabel(g.endings[c.e].label)
	}
	sig := "+sig(guessed " + strconv.Quote(p.versions[c.v]) + ")"
	if p.coverLetter() {
		sig = `+"\n"` + sig
	}
	return g.candidateLabel(sig + p.sweepEnd[c.f].label)
}

// pwNext hashes the next candidate into s.done; false when there is none
// or the work bound is reached.
func (st *run) pwNext(plan *pwPlan, s *pwSums) bool {
	if s.exhausted || s.limited {
		return false
	}
	for {
		c := s.at
		switch {
		case c.tier == 0 && c.g == len(plan.groups):
			s.at = pwCursor{tier: 1}
			continue
		case c.tier == 0 && c.e == len(plan.groups[c.g].endings):
			s.at = pwCursor{g: c.g + 1}
			continue
		case c.tier == 0:
			s.at.e++
			return st.pwHash(plan, s, c, plan.groups[c.g].endings[c.e].body)
		case c.v == len(plan.gitVersions()):
			s.exhausted = true
			return false
		case c.g == len(plan.groups):
			s.at = pwCursor{tier: 1, v: c.v + 1}
			continue
		case !plan.groups[c.g].sweep || c.f == len(plan.sweepEnd):
			s.at = pwCursor{tier: 1, v: c.v, g: c.g + 1}
			continue
		}
		s.at.f++
		body, ok := plan.groups[c.g].ending(plan.sweepSig(plan.versions[c.v]), plan.sweepEnd[c.f].text)
		if !ok {
			continue
		}
		return st.pwHash(plan, s, c, body)
	}
}

// pwHash hashes group c.g's prefix followed by ending into s.done.
func (st *run) pwHash(plan *pwPlan, s *pwSums, c pwCursor, ending []byte) bool {
	g := &plan.groups[c.g]
	cost := int64(len(ending) + pwEndingCost)
	if s.bases[c.g] == nil {
		cost += int64(len(g.prefix))
	}
	if s.work+cost > maxPWHashWork {
		s.limited = true
		return false
	}
	s.work += cost
	st.pw.work += cost
	if s.bases[c.g] == nil {
		b := NewBodyHasher(s.canon, s.h, s.limit)
		b.Write(g.prefix)
		s.bases[c.g] = b
		s.states[c.g], _ = b.snapshot(nil) // nil: restore fails below
	}
	if s.hasher == nil {
		s.hasher = NewBodyHasher(s.canon, s.h, s.limit)
	}
	bh := s.hasher
	if err := bh.restore(s.bases[c.g], s.states[c.g]); err != nil {
		// A hash whose state cannot be restored: hash the whole body again.
		s.work += int64(len(g.prefix))
		st.pw.work += int64(len(g.prefix))
		bh.init(s.canon, s.h.New(), s.limit, bh.buf)
		bh.Write(g.prefix)
	}
	bh.Write(ending)
	bh.finish()
	s.sum = bh.h.Sum(s.sum[:0])
	d := pwSum{n: bh.Len(), at: c}
	copy(d.sum[:], s.sum)
	s.done = append(s.done, d)
	return true
}
