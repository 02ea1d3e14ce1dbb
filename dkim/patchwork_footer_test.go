package dkim

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailprov/mailprov/headers"
)

func fields(kv ...string) []headers.Field {
	var out []headers.Field
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, headers.Field{Name: kv[i], Value: " " + kv[i+1]})
	}
	return out
}

// gg is the current Google Groups footer, written out.
func gg(group, domain, url string) string {
	return "-- \n" +
		`You received this message because you are subscribed to the Google Groups "` + group + `" group.` + "\n" +
		"To unsubscribe from this group and stop receiving emails from it, send an email to " + group + "+unsubscribe@" + domain + ".\n" +
		"To view this discussion on the web visit " + url + "\n"
}

// The footer templates, from header fields written for these tests.
func TestPWFooters(t *testing.T) {
	const rule = "_______________________________________________\n"
	mm2 := "widgets mailing list\nwidgets@lists.example.org\nhttps://lists.example.org/mailman/listinfo/widgets\n"
	tests := []struct {
		name   string
		fields []headers.Field
		want   []pwFooter // the first footers, in order
		n      int
	}{
		{"mailman2", fields(
			"List-Id", "Widget makers <widgets.lists.example.org>",
			"List-Post", "<mailto:widgets@lists.example.org>",
			"List-Subscribe", "<https://lists.example.org/mailman/listinfo/widgets>,\r\n <mailto:widgets-request@lists.example.org?subject=subscribe>",
			"Sender", `"widgets" <widgets-bounces@lists.example.org>`,
		), []pwFooter{{"mailman2", rule + mm2}, {`mailman2 "--"`, "--\n" + mm2}}, 2},
		{"mailman2 from the options URL, real_name from Sender", fields(
			"List-Post", "<mailto:widgets@lists.example.org>",
			"List-Unsubscribe", "<https://lists.example.org/mailman/options/widgets>, <mailto:widgets-request@lists.example.org?subject=unsubscribe>",
			"Sender", `"Widgets" <widgets-bounces@lists.example.org>`,
		), []pwFooter{{"mailman2", rule + "Widgets mailing list\nWidgets@lists.example.org\nhttps://lists.example.org/mailman/listinfo/widgets\n"}}, 4},
		{"mailman3", fields(
			"List-Id", "<gadgets.lists.example.net>",
			"List-Post", "<mailto:gadgets@lists.example.net>",
			"List-Unsubscribe", "<mailto:gadgets-leave@lists.example.net>",
		), []pwFooter{
			{"mailman3", rule + "gadgets mailing list -- gadgets@lists.example.net\nTo unsubscribe send an email to gadgets-leave@lists.example.net\n"},
			{"mailman3", rule + "Gadgets mailing list -- gadgets@lists.example.net\nTo unsubscribe send an email to gadgets-leave@lists.example.net\n"},
		}, 2},
		{"google groups", fields(
			"Message-ID", "<a%1+b@example.com>",
			"List-ID", "<kit.googlegroups.com>",
			"List-Post", "<https://groups.google.com/group/kit/post>, <mailto:kit@googlegroups.com>",
		), []pwFooter{{"googlegroups", gg("kit", "googlegroups.com", "https://groups.google.com/d/msgid/kit/a%251%2Bb%40example.com.")}}, 5},
		{"google groups, List-ID only", fields(
			"Message-ID", "<x@example.com>",
			"List-ID", "<kit.googlegroups.com>",
		), nil, 5},
		{"google workspace group", fields(
			"Message-ID", "<x@example.com>",
			"List-Post", "<https://groups.google.com/a/example.com/group/team/post>, <mailto:team@example.com>",
		), []pwFooter{{"googlegroups", gg("team", "example.com", "https://groups.google.com/a/example.com/d/msgid/team/x%40example.com.")}}, 5},
		{"no list", fields("From", "a@example.org"), nil, 0},
		{"list of unknown software", fields("List-Post", "<mailto:l@example.org>", "List-Id", "<l.example.org>"), nil, 0},
		{"bad post address", fields("List-Post", "<mailto:a b@example.org>", "List-Subscribe", "<https://example.org/listinfo/x>"), nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := pwFooters(&headers.Message{Fields: tt.fields})
			require.Len(t, got, tt.n)
			for i, w := range tt.want {
				assert.Equal(t, w, got[i], "footer %d", i)
			}
		})
	}
}

// The base64 candidates keep a list's footer in LF after a CRLF body.
func TestPWBase64Footer(t *testing.T) {
	footer := "_______________________________________________\ndev mailing list\ndev@lists.example.org\nhttps://lists.example.org/mailman/listinfo/dev\n"
	wire := base64Lines([]byte("Hello,\r\n\r\nThanks.\r\n" + footer))
	m := &headers.Message{
		Fields: fields("Content-Transfer-Encoding", "base64", "Content-Type", "text/plain; charset=utf-8",
			"List-Post", "<mailto:dev@lists.example.org>", "List-Subscribe", "<https://lists.example.org/mailman/listinfo/dev>"),
		Patchwork: &headers.Patchwork{Content: "Hello,\n\nThanks."},
	}
	var label string
	for _, c := range BodyCandidates(m) {
		if string(c.Body) == string(wire) {
			label = c.Label
		}
	}
	assert.Equal(t, `content+"\n"+nosig+footer(mailman2); base64(CRLF, end "\r\n")`, label)
	_, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(wire), "\n", ""))
	require.NoError(t, err)
}
