package dkim

import (
	"crypto"
	"crypto/subtle"

	"github.com/mailprov/mailprov/headers"
)

// maxVariantTries bounds how many combinations of re-spelled fields are
// tried for one signature.
const maxVariantTries = 256

// pwState holds the rebuilt bodies of a Patchwork message, built once per
// run.
type pwState struct {
	cands []Candidate
	built bool
}

// matchCandidate hashes each rebuilt body and returns the first whose hash
// is want: its label and canonical length. tried is how many there were.
func (st *run) matchCandidate(canon string, h crypto.Hash, limit int64, want []byte) (label string, n int64, tried int, ok bool) {
	if !st.pw.built {
		st.pw.cands, st.pw.built = BodyCandidates(st.m), true
	}
	for _, c := range st.pw.cands {
		bh := NewBodyHasher(canon, h, limit)
		bh.Write(c.Body)
		if subtle.ConstantTimeCompare(bh.Sum(), want) == 1 {
			return c.Label, bh.Len(), len(st.pw.cands), true
		}
	}
	return "", 0, len(st.pw.cands), false
}

// tryVariants looks for re-spellings of the signed fields that make the
// header signature verify: first each field alone, then combinations, at
// most maxVariantTries in all. It returns the names of the fields whose
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
	tries := 0
	verify := func() bool {
		tries++
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
