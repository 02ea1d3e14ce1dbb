package headers

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseListSample(t *testing.T) {
	li := ParseList(loadSample(t))
	require.NotNil(t, li)
	assert.Equal(t, &ListInfo{
		ID:          "qemu-devel.nongnu.org",
		Name:        "qemu development",
		Post:        []string{"mailto:qemu-devel@nongnu.org"},
		Archive:     []string{"https://lists.nongnu.org/archive/html/qemu-devel"},
		Help:        []string{"mailto:qemu-devel-request@nongnu.org?subject=help"},
		Subscribe:   []string{"https://lists.nongnu.org/mailman/listinfo/qemu-devel", "mailto:qemu-devel-request@nongnu.org?subject=subscribe"},
		Unsubscribe: []string{"https://lists.nongnu.org/mailman/options/qemu-devel", "mailto:qemu-devel-request@nongnu.org?subject=unsubscribe"},
	}, li)
	b, err := json.Marshal(li)
	require.NoError(t, err)
	assert.JSONEq(t, `{"id":"qemu-devel.nongnu.org","name":"qemu development",
		"post":["mailto:qemu-devel@nongnu.org"],"archive":["https://lists.nongnu.org/archive/html/qemu-devel"],
		"help":["mailto:qemu-devel-request@nongnu.org?subject=help"],
		"subscribe":["https://lists.nongnu.org/mailman/listinfo/qemu-devel","mailto:qemu-devel-request@nongnu.org?subject=subscribe"],
		"unsubscribe":["https://lists.nongnu.org/mailman/options/qemu-devel","mailto:qemu-devel-request@nongnu.org?subject=unsubscribe"]}`, string(b))
}

func TestParseList(t *testing.T) {
	msg := func(fields ...Field) *Message { return &Message{Fields: fields} }
	tests := []struct {
		m    *Message
		want *ListInfo
	}{
		0: {m: msg(Field{"Subject", " x"}, Field{"List-Software", " Mailman"}), want: nil},
		1: {m: msg(Field{"list-id", " <plain.example.org>"}), want: &ListInfo{ID: "plain.example.org"}},
		2: {m: msg(Field{"List-Id", " plain.example.org"}), want: &ListInfo{ID: "plain.example.org"}},
		3: {m: msg(Field{"List-Id", ` "Quoted \"Name\"" <q.example.org>`}), want: &ListInfo{ID: "q.example.org", Name: `Quoted "Name"`}},
		4: {m: msg(Field{"List-Id", " =?utf-8?q?Gr=C3=BC=C3=9Fe?= <g.example.org>"}), want: &ListInfo{ID: "g.example.org", Name: "Grüße"}},
		5: {m: msg(Field{"List-Id", " First <a.example.org>"}, Field{"List-Id", " Second <b.example.org>"}), want: &ListInfo{ID: "a.example.org", Name: "First"}},
		6: {m: msg(Field{"List-Post", " NO (posting not allowed on this list)"}), want: &ListInfo{Post: []string{"NO"}}},
		7: {m: msg(Field{"List-Unsubscribe", " <mailto:u@example.org> (Use this),\r\n <https://example.org/u\r\n ?id=1>"}, Field{"List-Unsubscribe-Post", " List-Unsubscribe=One-Click"}),
			want: &ListInfo{Unsubscribe: []string{"mailto:u@example.org", "https://example.org/u?id=1"}, UnsubscribePost: "List-Unsubscribe=One-Click"}},
		8:  {m: msg(Field{"List-Owner", " <mailto:o@example.org"}), want: &ListInfo{Owner: []string{"mailto:o@example.org"}}},
		9:  {m: msg(Field{"List-Help", " <>, <mailto:h@example.org>"}, Field{"List-Help", " <https://h.example.org>"}), want: &ListInfo{Help: []string{"mailto:h@example.org", "https://h.example.org"}}},
		10: {m: msg(Field{"List-Archive", " https://a.example.org, https://b.example.org"}), want: &ListInfo{Archive: []string{"https://a.example.org", "https://b.example.org"}}},
		11: {m: msg(Field{"List-", " x"}, Field{"List-X", " y"}), want: nil},
	}
	for i, tt := range tests {
		assert.Equal(t, tt.want, ParseList(tt.m), "%d", i)
	}
}
