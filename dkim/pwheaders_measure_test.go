//go:build measure

package dkim

// A measurement, not a test: how many DKIM-signed header fields Patchwork
// changes when it stores them, and how many of those FieldVariants and the
// verifier's search (searchVariants) give back. It never fails on the
// data, and plain "go test" does not compile it. From the module root:
//
//	python3 tools/pwsim/pw_headers_sim.py ../shared/corpus /tmp/pw_headers_sim.json
//	go test -tags measure -run TestPWHeadersMeasure -v ./dkim
//
// The first command runs every DKIM-signed message of the corpus through
// Patchwork's own Python calls and writes, for each signature, the fields
// its h= selects as written and as the API returns them (see
// tools/pwsim/README.md). This test makes each API value a Field the way
// headers.ParsePatchwork does and compares canonical forms: a changed
// field is recovered when one of its variants has the original's canonical
// form, and a signature is recovered within the search when searchVariants,
// with "every field has its original canonical form" standing in for the
// RSA check, finds it in at most maxVariantTries tries.
//
// With CPython 3.11 and the corpus's 147 signed messages (259 signatures
// with a valid c=), it gave, for LF and CRLF alike: 55 signed fields
// changed by storage, 41 given back; 251 signatures with every field
// unchanged or given back, 250 of them within the search, none needing
// more than 64 verifications (256 for one message, failed searches
// included).
//
// PWHEADERS_SIM names the JSON file (default /tmp/pw_headers_sim.json);
// PWHEADERS_MISSES=1 logs each missed field, original and stored.

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/mailprov/mailprov/headers"
)

type pwmField struct {
	H          string  `json:"h"`
	Name       *string `json:"name"`
	StoredName *string `json:"stored_name"`
	OrigB64    *string `json:"orig_b64"`
	Stored     *string `json:"stored"`
}

type pwmSig struct {
	D           string     `json:"d"`
	C           string     `json:"c"`
	HeaderCanon string     `json:"header_canon"`
	SigName     string     `json:"sig_name"`
	SigOrigB64  string     `json:"sig_orig_b64"`
	SigStored   *string    `json:"sig_stored"`
	Fields      []pwmField `json:"fields"`
}

type pwmMsg struct {
	File  string   `json:"file"`
	Index int      `json:"index"`
	Mode  string   `json:"mode"`
	Sigs  []pwmSig `json:"sigs"`
}

// pwmOrig is a field as written, its line ends taken as the CRLF that went
// over the wire (headers.Field keeps folding as CRLF).
func pwmOrig(name, b64 string) headers.Field {
	b, _ := base64.StdEncoding.DecodeString(b64)
	v := strings.ReplaceAll(string(b), "\r\n", "\n")
	return headers.Field{Name: name, Value: strings.ReplaceAll(v, "\n", "\r\n")}
}

// pwmStored is the API's value as headers.ParsePatchwork makes it a Field.
func pwmStored(name, value string) (headers.Field, error) {
	obj, _ := json.Marshal(map[string]any{"headers": map[string]string{name: value}})
	m, err := headers.ParsePatchwork(obj, "sim")
	if err != nil {
		return headers.Field{}, err
	}
	return m.Fields[0], nil
}

// pwmCount counts fields: unchanged by storage, changed and recovered by a
// variant, changed and missed.
type pwmCount struct{ same, recovered, missed int }

// add counts a field under canon; a nil orig is a field present on one
// side only.
func (c *pwmCount) add(canon string, orig, stored *headers.Field, vs []headers.Field) bool {
	if orig == nil || stored == nil {
		c.missed++
		return false
	}
	want := CanonicalizeHeader(canon, *orig)
	if CanonicalizeHeader(canon, *stored) == want {
		c.same++
		return true
	}
	for _, v := range vs {
		if CanonicalizeHeader(canon, v) == want {
			c.recovered++
			return true
		}
	}
	c.missed++
	return false
}

func (c pwmCount) String() string {
	return fmt.Sprintf("%d fields: %d unchanged, %d changed and recovered, %d changed and missed",
		c.same+c.recovered+c.missed, c.same, c.recovered, c.missed)
}

// pwmWhy says roughly why no variant of stored gives orig back under
// canon (the first reason that applies).
func pwmWhy(canon string, orig, stored headers.Field, vs []headers.Field) string {
	if canon == Simple {
		if CanonicalizeHeader(Relaxed, orig) == CanonicalizeHeader(Relaxed, stored) {
			if o := orig.Value; strings.TrimLeft(o, " \t") != o[min(1, len(o)):] {
				return "white space after the colon other than one space"
			}
			return "folded elsewhere"
		}
		var c pwmCount
		if c.add(Relaxed, &orig, &stored, vs); c.recovered > 0 {
			return "spelling recovered, folded elsewhere"
		}
	}
	ow := pwEncodedWords(orig.Value)
	q, b := false, false
	for _, w := range ow {
		q, b = q || pwIsQ(w), b || !pwIsQ(w)
	}
	switch {
	case q && b:
		return "Q and B words in one run, split elsewhere"
	case len(ow) > 1:
		return "encoded words split elsewhere"
	case len(ow) == 1:
		return "Q escapes other than Python's"
	}
	return "other"
}

func TestPWHeadersMeasure(t *testing.T) {
	path := os.Getenv("PWHEADERS_SIM")
	if path == "" {
		path = "/tmp/pw_headers_sim.json"
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v: run python3 tools/pwsim/pw_headers_sim.py first", err)
	}
	var msgs []pwmMsg
	if err := json.Unmarshal(data, &msgs); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for _, mode := range []string{"lf", "crlf"} {
		var byC, rel, sim pwmCount
		total, badC, allOK, inSearch, withSig, sigChanged := 0, 0, 0, 0, 0, 0
		tries := map[int]int{} // tries the search needed -> signatures
		maxVariants, maxMsgTries := 0, 0
		why := map[string]int{}
		var misses, slow []string
		for _, m := range msgs {
			if m.Mode != mode {
				continue
			}
			msgTries := 0 // verifications the search made for this message
			for si, s := range m.Sigs {
				canon := s.HeaderCanon
				if canon != Relaxed && canon != Simple {
					badC++
					continue
				}
				total++
				// The signature field itself, b= emptied: FieldVariants is
				// not tried on it.
				sigSame := false
				if s.SigStored != nil {
					o := pwmOrig(s.SigName, s.SigOrigB64)
					if st, err := pwmStored(s.SigName, *s.SigStored); err == nil {
						o.Value, st.Value = StripSignatureValue(o.Value), StripSignatureValue(st.Value)
						sigSame = CanonicalizeHeader(canon, o) == CanonicalizeHeader(canon, st)
					}
				}
				if !sigSame {
					sigChanged++
				}
				ok := true
				var origs, storeds []headers.Field
				for _, f := range s.Fields {
					var orig, stored *headers.Field
					if f.OrigB64 != nil && f.Stored != nil {
						o := pwmOrig(*f.Name, *f.OrigB64)
						if st, err := pwmStored(*f.StoredName, *f.Stored); err == nil {
							orig, stored = &o, &st
							origs, storeds = append(origs, o), append(storeds, st)
						} else {
							t.Logf("%s#%d: %v", m.File, m.Index, err)
						}
					}
					var vs []headers.Field
					if stored != nil {
						vs = FieldVariants(*stored)
						maxVariants = max(maxVariants, len(vs))
					}
					rel.add(Relaxed, orig, stored, vs)
					sim.add(Simple, orig, stored, vs)
					if byC.add(canon, orig, stored, vs) {
						continue
					}
					ok = false
					w := "present on one side only"
					if orig != nil && stored != nil {
						w = pwmWhy(canon, *orig, *stored, vs)
					}
					why[canon+": "+w]++
					line := fmt.Sprintf("%s#%d sig%d d=%s c=%s %s: %s", m.File, m.Index, si, s.D, s.C, f.H, w)
					if orig != nil && stored != nil {
						line += fmt.Sprintf("\n\torig:   %q\n\tstored: %q", orig.Value, stored.Value)
					}
					misses = append(misses, line)
				}
				// The search the verifier makes when the header signature
				// fails, within what the message's earlier signatures left.
				want := make([]string, len(origs))
				for i, o := range origs {
					want[i] = CanonicalizeHeader(canon, o)
				}
				same := func(trial []headers.Field) bool {
					for i, f := range trial {
						if CanonicalizeHeader(canon, f) != want[i] {
							return false
						}
					}
					return ok // a field on one side only: never
				}
				n := 0
				var respelled []string
				if !same(storeds) {
					budget := min(maxVariantTries, maxVariantTriesMessage-msgTries)
					respelled, _, n = searchVariants(canon, storeds, budget, same)
					msgTries += n
				}
				if !ok {
					continue
				}
				allOK++
				if n > 0 && respelled == nil {
					misses = append(misses, fmt.Sprintf("%s#%d sig%d d=%s c=%s: every field recoverable, but not within %d tries",
						m.File, m.Index, si, s.D, s.C, n))
					continue
				}
				inSearch++
				tries[n]++
				if n > 16 {
					slow = append(slow, fmt.Sprintf("%s#%d sig%d d=%s c=%s: %d tries", m.File, m.Index, si, s.D, s.C, n))
				}
				if sigSame {
					withSig++
				}
			}
			maxMsgTries = max(maxMsgTries, msgTries)
		}
		t.Logf("=== %s: the message fed to Patchwork with %s line ends", mode, strings.ToUpper(mode))
		t.Logf("fields, as each signature's c= says: %v", byC)
		t.Logf("fields, all relaxed:                 %v", rel)
		t.Logf("fields, all simple:                  %v", sim)
		t.Logf("at most %d variants a field", maxVariants)
		t.Logf("%d signatures (%d with an invalid c= left out): %d with every h= field unchanged or recovered, %d of them within the search (%d tries each at most); "+
			"%d of those also with the signature field itself unchanged (changed in %d of all)",
			total, badC, allOK, inSearch, maxVariantTries, withSig, sigChanged)
		for _, n := range slices.Sorted(maps.Keys(tries)) {
			t.Logf("  %3d tries: %d signatures", n, tries[n])
		}
		for _, l := range slow {
			t.Logf("  more than 16: %s", l)
		}
		t.Logf("at most %d verifications for one message, its failed searches included (bound %d)", maxMsgTries, maxVariantTriesMessage)
		for _, w := range slices.Sorted(maps.Keys(why)) {
			t.Logf("missed, %-60s %d", w, why[w])
		}
		if os.Getenv("PWHEADERS_MISSES") != "" {
			for _, l := range misses {
				t.Logf("missed %s", l)
			}
		}
	}
}
