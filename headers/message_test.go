package headers

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readFile loads the one message in the file at path through a Reader.
func readFile(t testing.TB, path string) (*Message, error) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	msgs, err := ReadAll(f, path)
	if err != nil {
		return nil, err
	}
	require.Len(t, msgs, 1)
	return msgs[0], nil
}

func TestUnfold(t *testing.T) {
	tests := []struct{ in, want string }{
		0: {"", ""},
		1: {" plain ", "plain"},
		2: {" a\r\n b", "a b"},
		3: {" a\r\n\tb\r\n c", "a\tb c"},
		4: {" a\n b", "a b"},
		5: {"\r\n v=1; a=b", "v=1; a=b"},
		6: {" a\rb", "ab"},
	}
	for i, tt := range tests {
		assert.Equal(t, tt.want, Unfold(tt.in), "%d", i)
		assert.Equal(t, tt.want, Field{Name: "X", Value: tt.in}.Unfolded(), "%d", i)
	}
}

func TestFieldRaw(t *testing.T) {
	f := Field{Name: "Subject", Value: " hello\r\n world"}
	assert.Equal(t, "Subject: hello\r\n world", f.Raw())
}

func TestMessageAccessors(t *testing.T) {
	m := &Message{Fields: []Field{
		{"Received", " one"},
		{"Subject", " s1"},
		{"received", " two\r\n  folded"},
		{"RECEIVED", " three"},
	}}
	assert.False(t, m.HasBody())
	assert.Equal(t, []string{" one", " two\r\n  folded", " three"}, m.Values("Received"))
	assert.Equal(t, []Field{{"received", " two\r\n  folded"}}, m.FieldsNamed("received")[1:2])
	assert.Len(t, m.FieldsNamed("RECEIVED"), 3)
	v, ok := m.Get("subject")
	assert.True(t, ok)
	assert.Equal(t, "s1", v)
	_, ok = m.Get("From")
	assert.False(t, ok)
	assert.Nil(t, m.Values("From"))
	m.Body = []byte{}
	assert.True(t, m.HasBody(), "an empty body is still a body")
}

func TestLoadErrorMessage(t *testing.T) {
	e := &LoadError{Name: "x.eml", Kind: SourceRaw, Offset: 12, Err: ErrUnrecognized}
	assert.Equal(t, "x.eml: raw at offset 12: "+ErrUnrecognized.Error(), e.Error())
	e = &LoadError{Name: "-", Offset: -1, Err: ErrEmpty}
	assert.Equal(t, "-: input: "+ErrEmpty.Error(), e.Error())
	assert.ErrorIs(t, e, ErrEmpty)
}
