package dkim

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// pwEncodeWhole encodes a whole body as the wire forms do, the reference
// for the shared-prefix encoding.
func pwEncodeWhole(v pwVariant, text, footer string) ([]byte, bool) {
	if !v.base64() {
		raw, ok := v.raw(text + footer)
		return v.lines(raw, true), ok
	}
	raw, ok := v.raw(text)
	foot, ok2 := v.raw(footer)
	if !ok || !ok2 {
		return nil, false
	}
	lf := strings.TrimRight(string(raw), "\r\n") + "\n"
	switch v.kind {
	case pwB64LF2:
		lf += "\n"
	case pwB64CRLF1:
		lf = pwToCRLF(lf)
	case pwB64CRLF2:
		lf = pwToCRLF(lf) + "\r\n"
	}
	return base64Lines(append([]byte(lf), foot...)), true
}

// checkPWSplit checks that encoding text cut where newPWPlan cuts it, as
// a prefix and an ending, gives the whole text's encoding.
func checkPWSplit(t *testing.T, text, footer string) {
	t.Helper()
	cut := strings.LastIndexByte(strings.TrimRight(text, "\r\n"), '\n') + 1
	// A charset converts each piece on its own, so a character split
	// between text and footer ("\xc2" + "\xad") fails where the whole
	// converts. Patchwork's content and the footers made from its JSON
	// are valid UTF-8 each, so such pieces are not tried with a charset.
	charsets := []string{"", "iso-8859-1"}
	if !utf8.ValidString(text[:cut]) || !utf8.ValidString(text[cut:]) || !utf8.ValidString(footer) {
		charsets = charsets[:1]
	}
	for _, cte := range []string{"", "quoted-printable", "base64"} {
		for _, cs := range charsets {
			for _, v := range (pwEnc{cte: cte, charset: cs}).variants() {
				want, ok := pwEncodeWhole(v, text, footer)
				prefix, carry, ok1 := v.encodeShared(text[:cut])
				end, ok2 := v.encodeEnd(carry, text[cut:], "", footer)
				if !ok {
					if ok1 && ok2 {
						t.Fatalf("%s %s: split encodes what the whole cannot", v.label, cs)
					}
					continue
				}
				if !ok1 || !ok2 {
					t.Fatalf("%s %s: split fails where the whole does not", v.label, cs)
				}
				if got := string(prefix) + string(end); got != string(want) {
					t.Fatalf("%s %s: text %q footer %q:\n got %q\nwant %q", v.label, cs, text, footer, got, want)
				}
			}
		}
	}
}

func TestPWSplitEncoding(t *testing.T) {
	long := strings.Repeat("x", 75)
	for _, tc := range []struct{ text, footer string }{
		{"", ""},
		{"\n\n", ""},
		{"a\nb", "--\nfooter\n"},
		{"caf\u00e9 \n" + long + "=\n" + long + " \n)\n-- \n2.0.0\n", "\n-- \nfoot\n"},
		{"line\r\nwith cr\r\n" + strings.Repeat("y", 200) + "\n\n", ""},
		{strings.Repeat("0123456789\n", 40) + "end", "\n_____\nlist\n"},
		{"\u20ac\nx", ""},
		// mime4j's first line holds one more character than the others.
		{strings.Repeat("z", 80), ""},
		{"a\n" + strings.Repeat("z.", 40) + " \n", "\n-- \nfoot\n"},
		// Outlook breaks after a space.
		{strings.Repeat("word ", 30) + "\n" + strings.Repeat("word ", 30), ""},
	} {
		checkPWSplit(t, tc.text, tc.footer)
	}
}

// FuzzPWSplitEncoding checks that a body encoded as the shared prefix and
// an ending, as the matcher hashes it, is the body encoded whole.
func FuzzPWSplitEncoding(f *testing.F) {
	f.Add("a\nb", "--\nfooter\n")
	f.Add("caf\u00e9 \n"+strings.Repeat("x", 75)+"=\n)\n-- \n2.0.0\n", "\n-- \nfoot\n")
	f.Add("line\r\nwith cr\r\n"+strings.Repeat("y", 200)+"\n\n", "")
	f.Add("\n\n\r", "\r")
	f.Add(strings.Repeat("z.", 40)+"\n"+strings.Repeat("word ", 30)+"\t \r\n"+strings.Repeat("w", 73)+"\u00e9", "")
	f.Fuzz(func(t *testing.T, text, footer string) {
		checkPWSplit(t, text, footer)
	})
}
