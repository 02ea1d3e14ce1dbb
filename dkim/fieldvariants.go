package dkim

import (
	"crypto"
	"encoding/base64"
	"strings"

	"github.com/mailprov/mailprov/headers"
)

// maxFieldVariants bounds what FieldVariants returns. On the corpus run
// through a simulation of Patchwork's storage (tools/pwsim), storage
// changes 55 signed fields; 16 variants give 40 back, 24 or more give 41,
// all that the rules can. 32 leaves room for fields with more encoded
// words: the search (searchVariants) is bounded by verifications, not by
// variants.
const maxFieldVariants = 32

// FieldVariants returns other plausible original spellings of a header
// field that Patchwork may have re-encoded, most likely first, or nil when
// there are none. Patchwork stores each field through Python's
// make_header(decode_header(v)).encode() (patchwork/parser.py,
// sanitise_header and find_headers), which decodes every RFC 2047 encoded
// word and encodes the text again its own way. FieldVariants undoes what
// it can of that:
//
//   - Case: Python writes charset and encoding in lower case
//     ("=?utf-8?q?...?="), where senders mostly wrote "=?UTF-8?Q?...?=";
//     each of the four case spellings is offered.
//   - Spaces: in Q words Python writes a space as "_", where git writes
//     "=20"; both are offered.
//   - Split words: Python breaks a long encoded word into several at its
//     76-column folds. Each run of encoded words with the same charset
//     and encoding and only white space between them is offered joined
//     into one word: Q texts concatenated, B texts decoded, concatenated
//     and encoded again.
//   - Q or B: for UTF-8 Python picks whichever of Q and B is shorter. All
//     words are offered in Q, written as Python's quoprimime.header_encode
//     writes them (letters, digits and "-!*+/" as they are, a space as
//     "_", any other byte as "=XX"), and all words in B.
//   - Hex case: Thunderbird writes "=?UTF-8?Q?C=c3=a9dric?=", with
//     lower-case hex digits, where Python writes them in upper case; that
//     spelling is offered.
//   - Folding: Python refolds long fields, which relaxed header
//     canonicalization does not see. For simple, the value is offered
//     unfolded and folded with tabs; a value Python moved to a
//     continuation line (" \r\n <id>") back on the first line, or folded
//     right after the colon; and with the tab folds Python puts in place
//     of a space before an encoded word turned back into spaces.
//
// The rules combine: joined words are also offered in Q and B, any of
// those in each case spelling and with lower-case hex, and every spelling
// refolded. What Python loses cannot be rebuilt: the points where the
// sender split its words, adjacent words of one charset that Python joined,
// Q escapes other than Python's, and where the sender folded.
//
// Spellings come first (each rule's in the order above), then the
// refoldings of the field as stored and of each spelling. At most 32
// variants are returned, each at most three times as long as the field
// plus a few bytes, in time linear in the field's length.
func FieldVariants(f headers.Field) []headers.Field {
	s := pwVariantSet{seen: map[string]bool{f.Value: true}}
	if words := pwEncodedWords(f.Value); len(words) > 0 {
		s.respell(f.Value, words)
	}
	n := len(s.vals)
	s.refold(f.Value)
	for _, v := range s.vals[:n] {
		s.refold(v)
	}
	if len(s.vals) == 0 {
		return nil
	}
	out := make([]headers.Field, len(s.vals))
	for i, v := range s.vals {
		out[i] = headers.Field{Name: f.Name, Value: v}
	}
	return out
}

// pwVariantSet collects distinct variants, in order, up to maxFieldVariants.
type pwVariantSet struct {
	vals []string
	seen map[string]bool // the stored value and every variant
}

func (s *pwVariantSet) full() bool { return len(s.vals) >= maxFieldVariants }

// add adds v unless it is known or the set is full.
func (s *pwVariantSet) add(v string) {
	if !s.full() && !s.seen[v] {
		s.seen[v] = true
		s.vals = append(s.vals, v)
	}
}

// pwBase is a value whose encoded words are re-spelled: the stored value,
// and what the joining and Q/B rules make of it.
type pwBase struct {
	v     string
	words []pwWord
}

// respell adds the spellings of v's encoded words: its case spellings,
// then those of its words joined, of its words (joined or not) in Q and
// in B, and last each of these in Thunderbird's spelling.
func (s *pwVariantSet) respell(v string, words []pwWord) {
	bases := []pwBase{{v, words}}
	s.cases(bases[0])
	if j, ok := pwJoinWords(v, words); ok && !s.full() {
		b := pwBase{j, pwEncodedWords(j)}
		bases = append(bases, b)
		s.cases(b)
	}
	for _, b := range bases[:len(bases):len(bases)] {
		for _, toQ := range []bool{true, false} {
			if s.full() {
				return
			}
			if r, ok := pwReencode(b.v, b.words, toQ); ok {
				rb := pwBase{r, pwEncodedWords(r)}
				bases = append(bases, rb)
				s.cases(rb)
			}
		}
	}
	for _, b := range bases {
		if s.full() {
			return
		}
		if h, ok := pwLowerHex(b.v, b.words); ok {
			s.add(h)
		}
	}
}

// cases adds the case spellings of b's encoded words, then the same with
// "=20" for each "_" of its Q words when there is one.
func (s *pwVariantSet) cases(b pwBase) {
	underscore := false
	for _, w := range b.words {
		if pwIsQ(w) && strings.Contains(w.text, "_") {
			underscore = true
			break
		}
	}
	for _, spaceHex := range []bool{false, true} {
		if spaceHex && !underscore {
			return
		}
		for _, c := range [][2]bool{{true, true}, {true, false}, {false, true}, {false, false}} {
			if s.full() {
				return
			}
			s.add(pwRespell(b.v, b.words, c[0], c[1], spaceHex))
		}
	}
}

// refold adds the refoldings of v that simple header canonicalization
// tells apart.
func (s *pwVariantSet) refold(v string) {
	if s.full() || !strings.Contains(v, "\n") {
		return
	}
	// Python moved the value to a continuation line when its first word
	// did not fit on the first: the sender wrote it on the first line, or
	// folded right after the colon.
	if strings.HasPrefix(v, " \r\n ") || strings.HasPrefix(v, " \r\n\t") {
		s.add(" " + v[4:])
		s.add(v[1:])
	}
	s.add(pwUnfold(v))
	s.add(pwTabFold(v))
	// Python folds with a tab before an encoded word where the sender had
	// a space; its other folds are in long lines the sender did not fold.
	if strings.Contains(v, "\r\n\t") && !s.full() {
		s.add(pwUnfold(strings.ReplaceAll(v, "\r\n\t", " ")))
	}
}

// pwWord is an RFC 2047 encoded word found in a field value.
type pwWord struct {
	start, end         int // the word is value[start:end]
	charset, enc, text string
	charsetOff, encOff int
	textOff            int
}

// pwIsQ reports whether w is a Q word (else it is a B word).
func pwIsQ(w pwWord) bool { return w.enc == "q" || w.enc == "Q" }

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

// pwRespell rewrites the encoded words of v with charset and encoding in
// upper or lower case (ASCII letters only) and, with spaceHex, each "_" of
// a Q word as "=20".
func pwRespell(v string, words []pwWord, upperCharset, upperEnc, spaceHex bool) string {
	b := make([]byte, 0, len(v)+len(v)/8)
	last := 0
	for _, w := range words {
		b = append(b, v[last:w.charsetOff]...)
		b = appendASCIICase(b, w.charset, upperCharset)
		b = append(b, '?')
		b = appendASCIICase(b, w.enc, upperEnc)
		b = append(b, '?')
		if spaceHex && pwIsQ(w) {
			for i := 0; i < len(w.text); i++ {
				if c := w.text[i]; c == '_' {
					b = append(b, "=20"...)
				} else {
					b = append(b, c)
				}
			}
		} else {
			b = append(b, w.text...)
		}
		last = w.textOff + len(w.text)
	}
	return string(append(b, v[last:]...))
}

// appendASCIICase appends s with its ASCII letters in upper or lower case.
func appendASCIICase(b []byte, s string, upper bool) []byte {
	for i := 0; i < len(s); i++ {
		if upper {
			b = append(b, upperASCII(s[i]))
		} else {
			b = append(b, lowerASCII(s[i]))
		}
	}
	return b
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

// pwJoinWords joins each run of encoded words of v with the same charset
// and encoding and only white space (folding included) between them into
// one word: Q texts are concatenated; B texts are decoded, concatenated
// and encoded again (a run with a B text that does not decode is left as
// it is). It reports whether any run was joined.
func pwJoinWords(v string, words []pwWord) (string, bool) {
	var b []byte
	last := 0
	for i := 0; i < len(words); {
		w := words[i]
		j := i
		for j+1 < len(words) && pwOnlySpace(v[words[j].end:words[j+1].start]) &&
			strings.EqualFold(words[j+1].charset, w.charset) && strings.EqualFold(words[j+1].enc, w.enc) {
			j++
		}
		if j == i {
			i++
			continue
		}
		text, ok := pwJoinedText(words[i:j+1], pwIsQ(w))
		if ok {
			if b == nil {
				b = make([]byte, 0, len(v))
			}
			b = append(b, v[last:w.textOff]...)
			b = append(b, text...)
			last = words[j].textOff + len(words[j].text) // the final "?="
		}
		i = j + 1
	}
	if b == nil {
		return v, false
	}
	return string(append(b, v[last:]...)), true
}

// pwJoinedText is the text of one word with the content of ws.
func pwJoinedText(ws []pwWord, q bool) ([]byte, bool) {
	var text []byte
	if q {
		for _, w := range ws {
			text = append(text, w.text...)
		}
		return text, true
	}
	var raw []byte
	for _, w := range ws {
		var err error
		if raw, err = base64.StdEncoding.AppendDecode(raw, []byte(w.text)); err != nil {
			return nil, false
		}
	}
	return base64.StdEncoding.AppendEncode(text, raw), true
}

// pwOnlySpace reports whether s is only white space (or empty).
func pwOnlySpace(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

// pwReencode writes every encoded word of v in Q (toQ) or in B that is
// not already in it, with the encoding in lower case as Python writes it.
// It reports false when no word changed or one did not decode.
func pwReencode(v string, words []pwWord, toQ bool) (string, bool) {
	var b []byte
	last := 0
	for _, w := range words {
		if pwIsQ(w) == toQ {
			continue
		}
		raw, ok := pwDecodeText(w)
		if !ok {
			return v, false
		}
		if b == nil {
			b = make([]byte, 0, len(v)+len(v)/2)
		}
		b = append(b, v[last:w.encOff]...)
		if toQ {
			b = appendPythonQ(append(b, 'q', '?'), raw)
		} else {
			b = base64.StdEncoding.AppendEncode(append(b, 'b', '?'), raw)
		}
		last = w.textOff + len(w.text)
	}
	if b == nil {
		return v, false
	}
	return string(append(b, v[last:]...)), true
}

// pwDecodeText decodes an encoded word's text (RFC 2047 §4): base64, or
// Q, where "_" is a space and "=XX" the byte of two hex digits (of either
// case).
func pwDecodeText(w pwWord) ([]byte, bool) {
	if !pwIsQ(w) {
		raw, err := base64.StdEncoding.DecodeString(w.text)
		return raw, err == nil
	}
	t := w.text
	raw := make([]byte, 0, len(t))
	for i := 0; i < len(t); i++ {
		switch c := t[i]; c {
		case '_':
			raw = append(raw, ' ')
		case '=':
			if i+2 >= len(t) || !pwIsHex(t[i+1]) || !pwIsHex(t[i+2]) {
				return nil, false
			}
			raw = append(raw, pwUnhex(t[i+1])<<4|pwUnhex(t[i+2]))
			i += 2
		default:
			raw = append(raw, c)
		}
	}
	return raw, true
}

// appendPythonQ appends raw as the text of a Q word the way Python's
// email.quoprimime.header_encode writes it: ASCII letters, digits and
// "-!*+/" as they are, a space as "_", any other byte as "=XX" with
// upper-case hex digits.
func appendPythonQ(dst, raw []byte) []byte {
	for _, c := range raw {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '-', c == '!', c == '*', c == '+', c == '/':
			dst = append(dst, c)
		case c == ' ':
			dst = append(dst, '_')
		default:
			dst = appendHexEscape(dst, '=', c)
		}
	}
	return dst
}

// pwLowerHex spells v's encoded words as Thunderbird does: charset and
// encoding in upper case ("=?UTF-8?Q?") and the hex digits of each "=XX"
// in Q words in lower case. It reports false when no hex digit was a
// letter, so that the spelling is one of the case spellings already.
func pwLowerHex(v string, words []pwWord) (string, bool) {
	b := []byte(v)
	changed := false
	for _, w := range words {
		for i := w.charsetOff; i < w.textOff; i++ {
			b[i] = upperASCII(b[i])
		}
		if !pwIsQ(w) {
			continue
		}
		t := b[w.textOff : w.textOff+len(w.text)]
		for i := 0; i+2 < len(t); i++ {
			if t[i] == '=' && pwIsHex(t[i+1]) && pwIsHex(t[i+2]) {
				for _, k := range []int{i + 1, i + 2} {
					if l := lowerASCII(t[k]); l != t[k] {
						t[k], changed = l, true
					}
				}
				i += 2
			}
		}
	}
	if !changed {
		return v, false
	}
	return string(b), true
}

func pwIsHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// pwUnhex is the value of the hex digit c.
func pwUnhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

func upperASCII(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// Bounds on the re-spelled fields tried (tryVariants): combinations for
// one signature, and RSA or Ed25519 verifications for one message, so that
// a message with many signatures costs at most four searches.
const (
	maxVariantTries        = 256
	maxVariantTriesMessage = 4 * maxVariantTries
)

// tryVariants looks for re-spellings of the signed fields that make the
// header signature verify (searchVariants), with at most maxVariantTries
// verifications, and fewer when the message's other signatures used up
// most of maxVariantTriesMessage. It returns the names of the fields whose
// variant made it verify (nil if none did), and the names of the fields
// that had variants. Once the message's budget is spent it returns nil,
// nil at once: building variants costs time too, and a message may carry
// any number of signatures.
func (st *run) tryVariants(h crypto.Hash, canon string, signed []headers.Field, sigField headers.Field, key *Key, sig []byte) (respelled, altered []string) {
	budget := min(maxVariantTries, maxVariantTriesMessage-st.pw.variantTries)
	if budget <= 0 {
		return nil, nil
	}
	respelled, altered, tries := searchVariants(canon, signed, budget, func(trial []headers.Field) bool {
		return key.VerifySignature(h, HeaderHash(h, canon, trial, sigField), sig) == nil
	})
	st.pw.variantTries += tries
	return respelled, altered
}

// searchVariants calls verify on copies of signed with fields replaced by
// their FieldVariants, until it holds or verify has been called budget
// times: first each field's variants alone, then combinations of two or
// more fields, in odometer order. A variant whose canonical form under
// canon is the stored field's or an earlier variant's is skipped, since
// it gives the same hash (under relaxed, every refolding). It returns the
// names of the fields replaced when verify held (nil if it never did), the
// names of the fields that had variants left to try, and how many times it
// called verify.
func searchVariants(canon string, signed []headers.Field, budget int, verify func(trial []headers.Field) bool) (respelled, altered []string, tries int) {
	type alt struct {
		idx int
		vs  []headers.Field
	}
	var alts []alt
	for i, f := range signed {
		vs := FieldVariants(f)
		if len(vs) == 0 {
			continue
		}
		seen := map[string]bool{CanonicalizeHeader(canon, f): true}
		kept := vs[:0]
		for _, v := range vs {
			if c := CanonicalizeHeader(canon, v); !seen[c] {
				seen[c] = true
				kept = append(kept, v)
			}
		}
		if len(kept) > 0 {
			alts = append(alts, alt{i, kept})
			altered = appendUniq(altered, f.Name)
		}
	}
	if len(alts) == 0 {
		return nil, nil, 0
	}
	trial := make([]headers.Field, len(signed))
	try := func() bool {
		tries++
		return verify(trial)
	}
	// Each field alone.
	for _, a := range alts {
		for _, v := range a.vs {
			if tries >= budget {
				return nil, altered, tries
			}
			copy(trial, signed)
			trial[a.idx] = v
			if try() {
				return []string{signed[a.idx].Name}, altered, tries
			}
		}
	}
	if len(alts) < 2 {
		return nil, altered, tries
	}
	// Combinations of two or more, odometer order; choice 0 is the stored
	// field.
	choice := make([]int, len(alts))
	for tries < budget {
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
		if try() {
			for j, c := range choice {
				if c > 0 {
					respelled = appendUniq(respelled, signed[alts[j].idx].Name)
				}
			}
			return respelled, altered, tries
		}
	}
	return nil, altered, tries
}
