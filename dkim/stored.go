package dkim

import (
	"crypto"
	"crypto/subtle"
	"fmt"
	"strconv"
	"strings"

	"github.com/mailprov/mailprov/headers"
)

// Bounds on the re-spelled fields tried (tryVariants): combinations for
// one signature, and RSA or Ed25519 verifications for one message, so that
// a message with many signatures costs at most four searches.
const (
	maxVariantTries        = 256
	maxVariantTriesMessage = 4 * maxVariantTries
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

// tryVariants looks for re-spellings of the signed fields that make the
// header signature verify: first each field alone, then combinations, at
// most maxVariantTries in all, and fewer when the message's other
// signatures used up most of maxVariantTriesMessage. It returns the names of the fields whose
// variant made it verify (nil if none did), and the names of the fields
// that had variants.
func (st *run) tryVariants(h crypto.Hash, canon string, signed []headers.Field, sigField headers.Field, key *Key, sig []byte) (respelled, altered []string) {
	type alt struct {
		idx int
		vs  []headers.Field
	}
	var alts []alt
	for i, f := range signed {
		if vs := FieldVariants(f); len(vs) > 0 {
			alts = append(alts, alt{i, vs})
			altered = appendName(altered, f.Name)
		}
	}
	if len(alts) == 0 {
		return nil, nil
	}
	trial := make([]headers.Field, len(signed))
	tries := max(0, maxVariantTries-(maxVariantTriesMessage-st.pw.variantTries))
	verify := func() bool {
		tries++
		st.pw.variantTries++
		return key.VerifySignature(h, HeaderHash(h, canon, trial, sigField), sig) == nil
	}
	// Each field alone.
	for _, a := range alts {
		for _, v := range a.vs {
			if tries >= maxVariantTries {
				return nil, altered
			}
			copy(trial, signed)
			trial[a.idx] = v
			if verify() {
				return []string{signed[a.idx].Name}, altered
			}
		}
	}
	if len(alts) < 2 {
		return nil, altered
	}
	// Combinations of two or more, odometer order; choice 0 is the original.
	choice := make([]int, len(alts))
	for tries < maxVariantTries {
		i := 0
		for ; i < len(alts); i++ {
			choice[i]++
			if choice[i] <= len(alts[i].vs) {
				break
			}
			choice[i] = 0
		}
		if i == len(alts) {
			break
		}
		changed := 0
		copy(trial, signed)
		for j, c := range choice {
			if c > 0 {
				changed++
				trial[alts[j].idx] = alts[j].vs[c-1]
			}
		}
		if changed < 2 {
			continue
		}
		if verify() {
			for j, c := range choice {
				if c > 0 {
					respelled = appendName(respelled, signed[alts[j].idx].Name)
				}
			}
			return respelled, altered
		}
	}
	return nil, altered
}

func appendName(names []string, n string) []string {
	for _, x := range names {
		if x == n {
			return names
		}
	}
	return append(names, n)
}

// Codes pwWhy gives for a Patchwork body that could not be proved.
const (
	pwWhyNotPatchwork   = "not_stored"          // no Patchwork parts at all
	pwWhyMultipart      = "multipart"           // Patchwork keeps no MIME structure
	pwWhyNotText        = "not_text"            // the body was not text
	pwWhyCharset        = "charset"             // a charset Patchwork converted
	pwWhyNothingBuilt   = "nothing_built"       // no candidate could be encoded
	pwWhyHashLimit      = "hash_limit"          // the work bound stopped the search
	pwWhyListFooter     = "list_footer"         // the list signed its footer; no template reproduced it
	pwWhyFooterUnknown  = "list_footer_unknown" // the list signed its footer; none is known for it
	pwWhyGitVersion     = "git_version_unknown" // git output, every version tried
	pwWhyContentChanged = "content_changed"     // git output with its signature known
	pwWhyPersonalSig    = "signature_cut"       // not git output: a personal signature or stripped text is lost
)

// pwWhy says why no rebuilt body of the message matched bh= for sig, as
// precisely as the stored fields allow: a stable code and a phrase (with
// no final period).
func (st *run) pwWhy(sig *headers.Signature, mt pwMatch) (code, why string) {
	plan := st.pwPlan()
	switch plan.noBuild {
	case "not_patchwork":
		return pwWhyNotPatchwork, "the archive stored no body"
	case "multipart":
		return pwWhyMultipart, "the mail was multipart: Patchwork keeps only the text of one part, not the MIME structure and other parts the signature covers"
	case "not_text":
		return pwWhyNotText, "the body was not text, and Patchwork keeps only text"
	case "charset":
		ct, _ := st.m.Get("Content-Type")
		return pwWhyCharset, "the body's charset (" + strings.TrimSpace(ct) + ") is one Patchwork decoded and mailprov cannot encode back"
	case pwWhyHashLimit:
		return pwWhyHashLimit, fmt.Sprintf("the stored content and diff are longer than the bound of %d MiB hashed", maxPWHashWork>>20)
	}
	if mt.skipped {
		return pwWhyHashLimit, fmt.Sprintf("the message's bodies were searched already for %d combinations of canonicalization, hash and l=, the most one message gets", maxPWSearches)
	}
	if plan.dropped {
		return pwWhyHashLimit, fmt.Sprintf("the candidates were built only up to the bound of %d MiB, and none of the %d hashed matches", maxPWHashWork>>20, mt.tried)
	}
	if len(plan.groups) == 0 {
		return pwWhyNothingBuilt, "the stored text cannot be written back in the body's charset and encoding"
	}
	if mt.limited {
		return pwWhyHashLimit, fmt.Sprintf("the search stopped at its bound of %d MiB hashed, after %d candidates", maxPWHashWork>>20, mt.tried)
	}
	if list := pwListDomain(st.m); list != "" && pwDomainWithin(list, sig.Domain) {
		if len(plan.footers) == 0 {
			return pwWhyFooterUnknown, "the signer " + sig.Domain + " is the mailing list's domain, so the list most likely signed the body with its footer, which Patchwork cut; no footer template is known for this list"
		}
		names := make([]string, 0, len(plan.footers))
		for _, f := range plan.footers {
			names = appendName(names, f.label)
		}
		return pwWhyListFooter, "the signer " + sig.Domain + " is the mailing list's domain, so the list most likely signed the body with its footer, which Patchwork cut; no footer tried (" + strings.Join(names, ", ") + ") reproduces it, or a personal signature before it was cut too"
	}
	if plan.looksGit {
		switch plan.sigKnown {
		case "":
			return pwWhyGitVersion, fmt.Sprintf("the body is git format-patch output whose signature names no release tried (%d git versions; a developer build's version cannot be guessed), or it was changed", len(plan.gitVersions()))
		case "b4":
			return pwWhyGitVersion, fmt.Sprintf("the body is git format-patch output signed neither by b4's signature nor by any of %d git versions tried, or it was changed", len(plan.gitVersions()))
		}
		return pwWhyContentChanged, "the body is git format-patch output whose signature is known, yet no rebuilt layout matches: the stored content or diff differs from what was signed"
	}
	return pwWhyPersonalSig, "the body is not git output: Patchwork cut everything from its first \"-- \" line (a personal signature) and stripped blank lines at its ends, which no stored field tells"
}

// pwBodyNote is the note of a signature whose body no rebuilt body
// matched.
func (st *run) pwBodyNote(sig *headers.Signature, mt pwMatch) string {
	code, why := st.pwWhy(sig, mt)
	if mt.tried == 0 {
		return "body not rebuilt [" + code + "]: " + why
	}
	return fmt.Sprintf("none of %d rebuilt bodies matches bh= [%s]: %s", mt.tried, code, why)
}

// pwLimitNote is the warning of a rebuilt body that matched bh= under
// l=limit: every rebuilt body sharing the first limit canonical bytes
// matches, and the first is named, so what follows them is a guess.
func pwLimitNote(limit int64) string {
	return fmt.Sprintf("l=%d: the rebuilt body matches bh= over its first %d canonical bytes; the text beyond l= is not known from the archive (every rebuilt body sharing those bytes matches, and the first is named)", limit, limit)
}

// pwLimitDetail is the detail of a rebuilt body longer than l=limit.
func pwLimitDetail(limit int64) string {
	return fmt.Sprintf("The signature verifies but covers only the first %d body bytes (l=); the rebuilt body goes on past them, and what the mail had there is unsigned and not known from the archive.", limit)
}

// pwListDomain returns the host of the list's posting address (List-Post),
// or else the domain in List-Id, or "".
func pwListDomain(m *headers.Message) string {
	if _, host, ok := strings.Cut(pwListPost(m), "@"); ok {
		return strings.ToLower(host)
	}
	for _, id := range pwURLs(pwField(m, "List-Id")) {
		// <name.example.org>: the list's name is the first label.
		if _, dom, ok := strings.Cut(id, "."); ok && strings.Contains(dom, ".") {
			return strings.ToLower(dom)
		}
	}
	return ""
}

// pwDomainWithin reports whether host is d or a subdomain of it.
func pwDomainWithin(host, d string) bool {
	d = strings.ToLower(strings.TrimSuffix(d, "."))
	return d != "" && (host == d || strings.HasSuffix(host, "."+d))
}
