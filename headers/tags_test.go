package headers

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseTagList(t *testing.T) {
	tests := []struct {
		in   string
		want []Tag
		err  error // sentinel, or nil
		tag  string
	}{
		0:  {in: "", want: nil},
		1:  {in: " \r\n\t", want: nil},
		2:  {in: "v=1", want: []Tag{{"v", "1"}}},
		3:  {in: "v=1;", want: []Tag{{"v", "1"}}},
		4:  {in: "v=1; ", want: []Tag{{"v", "1"}}},
		5:  {in: " v = 1 ;\r\n\ta=rsa-sha256", want: []Tag{{"v", "1"}, {"a", "rsa-sha256"}}},
		6:  {in: "b=ab\r\n cd\r\n ef==", want: []Tag{{"b", "ab\r\n cd\r\n ef=="}}},
		7:  {in: "a=;b=", want: []Tag{{"a", ""}, {"b", ""}}},
		8:  {in: "T_1=x", want: []Tag{{"T_1", "x"}}},
		9:  {in: ";", err: ErrTagSyntax},
		10: {in: "v=1;;a=2", want: []Tag{{"v", "1"}, {"a", "2"}}, err: ErrTagSyntax},
		11: {in: ";v=1", want: []Tag{{"v", "1"}}, err: ErrTagSyntax},
		12: {in: "v=1; novalue; a=2", want: []Tag{{"v", "1"}, {"a", "2"}}, err: ErrTagSyntax, tag: "novalue"},
		13: {in: "1a=2", err: ErrTagSyntax, tag: "1a"},
		14: {in: "_a=2", err: ErrTagSyntax, tag: "_a"},
		15: {in: "a b=2", err: ErrTagSyntax, tag: "a b"},
		16: {in: "=2", err: ErrTagSyntax},
		17: {in: "v=1; v=2", want: []Tag{{"v", "1"}}, err: ErrDuplicateTag, tag: "v"},
		18: {in: "a=1; A=2", want: []Tag{{"a", "1"}, {"A", "2"}}}, // case-sensitive names
		19: {in: "a=x\x00y", want: []Tag{{"a", "x\x00y"}}, err: ErrTagSyntax, tag: "a"},
		20: {in: "a=\x7f", want: []Tag{{"a", "\x7f"}}, err: ErrTagSyntax, tag: "a"},
		21: {in: "i=jos\u00e9@example.com", want: []Tag{{"i", "jos\u00e9@example.com"}}},
		22: {in: "b=a=b==", want: []Tag{{"b", "a=b=="}}},
		23: {in: "a=1; b=2; a=3; b=4", want: []Tag{{"a", "1"}, {"b", "2"}}, err: ErrDuplicateTag, tag: "a"},
		24: {in: "\u00a0a=1", err: ErrTagSyntax}, // NBSP is not FWS
		// Long values are checked eight bytes at a time: a control
		// character or FWS at each offset of a word.
		27: {in: "a=abcdefgh\x7fijklmnop", want: []Tag{{"a", "abcdefgh\x7fijklmnop"}}, err: ErrTagSyntax, tag: "a"},
		28: {in: "a=abcdefghijklm\x1f; b=1", want: []Tag{{"a", "abcdefghijklm\x1f"}, {"b", "1"}}, err: ErrTagSyntax, tag: "a"},
		29: {in: "a=1; b=abcdefgh\r\n\tijkl\x0bmnop", want: []Tag{{"a", "1"}, {"b", "abcdefgh\r\n\tijkl\x0bmnop"}}, err: ErrTagSyntax, tag: "b"},
		30: {in: "a=abcdefg\r\n\tijk lmnop\r\n ;\tb=\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", want: []Tag{{"a", "abcdefg\r\n\tijk lmnop"}, {"b", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"}}},
		31: {in: "a=1;  \r\n ; b=2", want: []Tag{{"a", "1"}, {"b", "2"}}, err: ErrTagSyntax},
		// Past 16 tags duplicates are found through a map; one-letter
		// names through a bit set, before and after.
		25: {in: manyTags + "; z=1; zz=2; z=3; zz=4", want: append(manyTagList(), Tag{"z", "1"}, Tag{"zz", "2"}),
			err: ErrDuplicateTag, tag: "z"},
		26: {in: manyTags + "; z=1; zz=2; zz=3; z=4", want: append(manyTagList(), Tag{"z", "1"}, Tag{"zz", "2"}),
			err: ErrDuplicateTag, tag: "zz"},
	}
	for i, tt := range tests {
		got, err := ParseTagList(tt.in)
		assert.Equal(t, tt.want, got, "%d: %q", i, tt.in)
		if tt.err == nil {
			assert.NoError(t, err, "%d: %q", i, tt.in)
			continue
		}
		require.ErrorIs(t, err, tt.err, "%d: %q", i, tt.in)
		var te *TagError
		require.True(t, errors.As(err, &te), "%d: %T", i, err)
		if tt.tag != "" {
			assert.Equal(t, tt.tag, te.Tag, "%d", i)
		}
		assert.NotEmpty(t, err.Error())
	}
}

// TestParseTagListLinear feeds large hostile tag lists; each must finish
// quickly (the old parser was quadratic in the number of empty tag-specs).
func TestParseTagListLinear(t *testing.T) {
	var many strings.Builder
	for i := range 100000 {
		many.WriteString("t")
		many.WriteString(strings.Repeat("x", i%7))
		many.WriteString(string(rune('a' + i%26)))
		many.WriteString("=1;")
	}
	inputs := map[string]string{
		"semicolons":  strings.Repeat(";", 1<<20),
		"duplicates":  strings.Repeat("a=1;", 1<<18),
		"distinct":    many.String(),
		"long-value":  "b=" + strings.Repeat("QUJD", 1<<20),
		"equals-only": strings.Repeat("=", 1<<20),
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			_, _ = ParseTagList(in)
			_, _ = ParseSignature(FieldDKIMSignature, in)
			assert.Less(t, time.Since(start), 10*time.Second, "quadratic?")
		})
	}
}

func TestStripWhitespace(t *testing.T) {
	assert.Equal(t, "abc", StripWhitespace("abc"))
	assert.Equal(t, "abcdef", StripWhitespace(" ab\r\n\tcd ef "))
	assert.Equal(t, "", StripWhitespace(" \r\n"))
}

func TestTagErrorMessage(t *testing.T) {
	_, err := ParseTagList("v=1; v=1")
	require.Error(t, err)
	assert.Equal(t, "headers: duplicate tag: v", err.Error())
	_, err = ParseTagList(";;")
	require.ErrorIs(t, err, ErrTagSyntax)
	assert.Contains(t, err.Error(), "empty tag-spec")
}

// manyTags is a tag list of 20 two-letter tags, tA=0 to tT=19.
var manyTags = func() string {
	var b strings.Builder
	for i, t := range manyTagList() {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(t.Name + "=" + t.Value)
	}
	return b.String()
}()

func manyTagList() []Tag {
	var tags []Tag
	for i := range 20 {
		tags = append(tags, Tag{Name: "t" + string(rune('A'+i)), Value: strconv.Itoa(i)})
	}
	return tags
}
