package dkim

import (
	"crypto"
	"strings"

	"github.com/mailprov/mailprov/headers"
)

// FieldVariants returns other plausible original spellings of a header
// field that Patchwork may have re-encoded, most likely first, or nil when
// there are none. Patchwork stores each field through Python's
// make_header(decode_header(v)).encode(), which
//
//   - writes RFC 2047 encoded words in lower case ("=?utf-8?q?...?="),
//     where senders mostly wrote "=?UTF-8?Q?...?=", and spaces in Q words
//     as "_" where git writes "=20";
//   - refolds long fields, so a field's original folding is lost. Relaxed
//     header canonicalization does not see folding; for simple, the
//     field unfolded and the field folded with tabs are offered.
//
// At most 16 variants are returned.
func FieldVariants(f headers.Field) []headers.Field {
	words := pwEncodedWords(f.Value)
	type spell struct {
		upperCharset, upperEnc, spaceHex bool
	}
	var spells []spell
	if len(words) > 0 {
		hasUnderscore := false
		for _, w := range words {
			if strings.EqualFold(w.enc, "q") && strings.Contains(w.text, "_") {
				hasUnderscore = true
			}
		}
		for _, sp := range []bool{false, true} {
			if sp && !hasUnderscore {
				continue
			}
			for _, s := range []spell{{true, true, sp}, {true, false, sp}, {false, true, sp}, {false, false, sp}} {
				spells = append(spells, s)
			}
		}
	}
	values := []string{f.Value}
	seen := map[string]bool{f.Value: true}
	addValue := func(v string) {
		if !seen[v] {
			seen[v] = true
			values = append(values, v)
		}
	}
	for _, s := range spells {
		addValue(pwRespell(f.Value, words, s.upperCharset, s.upperEnc, s.spaceHex))
	}
	// Folding variants of each spelling.
	n := len(values)
	for i := 0; i < n; i++ {
		if strings.Contains(values[i], "\n") {
			addValue(pwUnfold(values[i]))
			addValue(pwTabFold(values[i]))
		}
	}
	var out []headers.Field
	for _, v := range values[1:] {
		if len(out) == 16 {
			break
		}
		out = append(out, headers.Field{Name: f.Name, Value: v})
	}
	return out
}

// pwWord is an RFC 2047 encoded word found in a field value.
type pwWord struct {
	start, end         int // the word is value[start:end]
	charset, enc, text string
	charsetOff, encOff int
	textOff            int
}

// pwEncodedWords finds "=?charset?enc?text?=" words in v, in time linear
// in len(v): the next "?=" and the next white space after a word's start
// are searched for once and kept until a later word starts past them, so
// that words which never close do not each scan the rest of v.
func pwEncodedWords(v string) []pwWord {
	var out []pwWord
	// closeAt and spaceAt are the first "?=" and white space at or after
	// some offset up to the current word's text; len(v) when there is none.
	closeAt, spaceAt := -1, -1
	for i := 0; i+1 < len(v); {
		j := strings.Index(v[i:], "=?")
		if j < 0 {
			break
		}
		s := i + j
		rest := v[s+2:]
		q1 := strings.IndexByte(rest, '?')
		if q1 <= 0 || q1+2 >= len(rest) || rest[q1+2] != '?' {
			i = s + 2
			continue
		}
		enc := rest[q1+1 : q1+2]
		if !strings.EqualFold(enc, "q") && !strings.EqualFold(enc, "b") {
			i = s + 2
			continue
		}
		textOff := s + 2 + q1 + 3
		if closeAt < textOff {
			closeAt = pwIndexFrom(v, textOff, strings.Index(v[textOff:], "?="))
		}
		if closeAt == len(v) {
			break // no word after this one closes either
		}
		if spaceAt < textOff {
			spaceAt = pwIndexFrom(v, textOff, strings.IndexAny(v[textOff:], " \t\r\n"))
		}
		if spaceAt < closeAt || strings.ContainsAny(rest[:q1], " \t\r\n") {
			i = s + 2
			continue
		}
		w := pwWord{
			start:      s,
			end:        closeAt + 2,
			charset:    rest[:q1],
			enc:        enc,
			text:       v[textOff:closeAt],
			charsetOff: s + 2,
			encOff:     s + 2 + q1 + 1,
			textOff:    textOff,
		}
		out = append(out, w)
		i = w.end
	}
	return out
}

// pwIndexFrom turns the index k in v[off:] into one in v, len(v) for -1.
func pwIndexFrom(v string, off, k int) int {
	if k < 0 {
		return len(v)
	}
	return off + k
}

// pwRespell rewrites the encoded words of v.
func pwRespell(v string, words []pwWord, upperCharset, upperEnc, spaceHex bool) string {
	var b strings.Builder
	last := 0
	for _, w := range words {
		b.WriteString(v[last:w.start])
		cs, enc, text := strings.ToLower(w.charset), strings.ToLower(w.enc), w.text
		if upperCharset {
			cs = strings.ToUpper(cs)
		}
		if spaceHex && enc == "q" {
			text = strings.ReplaceAll(text, "_", "=20")
		}
		if upperEnc {
			enc = strings.ToUpper(enc)
		}
		b.WriteString("=?" + cs + "?" + enc + "?" + text + "?=")
		last = w.end
	}
	b.WriteString(v[last:])
	return b.String()
}

// pwUnfold removes every CR and LF from v, keeping the white space that
// followed a line break.
func pwUnfold(v string) string {
	if !strings.ContainsAny(v, "\r\n") {
		return v
	}
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, v)
}

// pwTabFold makes every folding line break continue with a tab.
func pwTabFold(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		b.WriteByte(v[i])
		if v[i] == '\n' && i+1 < len(v) && v[i+1] == ' ' {
			b.WriteByte('\t')
			i++
		}
	}
	return b.String()
}

// Bounds on the re-spelled fields tried (tryVariants): combinations for
// one signature, and RSA or Ed25519 verifications for one message, so that
// a message with many signatures costs at most four searches.
const (
	maxVariantTries        = 256
	maxVariantTriesMessage = 4 * maxVariantTries
)

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
			altered = appendUniq(altered, f.Name)
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
					respelled = appendUniq(respelled, signed[alts[j].idx].Name)
				}
			}
			return respelled, altered
		}
	}
	return nil, altered
}
