package dkim

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPWQPEncoders(t *testing.T) {
	a, b, y := strings.Repeat("a", 80), strings.Repeat("b", 200), strings.Repeat("y", 72)
	tests := []struct {
		name string
		enc  func([]byte) []byte
		in   string
		want string
	}{
		// Microsoft Outlook: a break after the last space that leaves at
		// most 73 characters before "=", a line of 74 kept whole.
		{"wrap: short line, last space escaped", wrapQP, "caf\u00e9 ok  \n", "caf=C3=A9 ok =20\n"},
		{"wrap: at a space", wrapQP, strings.Repeat("x", 68) + " abcd tail\n", strings.Repeat("x", 68) + " =\nabcd tail\n"},
		{"wrap: 74 kept", wrapQP, strings.Repeat("y", 74) + "\n", strings.Repeat("y", 74) + "\n"},
		{"wrap: no space", wrapQP, strings.Repeat("y", 75) + "\n", strings.Repeat("y", 73) + "=\nyy\n"},
		{"wrap: escape kept whole", wrapQP, y + "\u00e9\n", y + "=\n=C3=A9\n"},
		{"wrap: no final soft break", wrapQP, "end", "end"},
		// mime4j: 75 characters on the body's first line and after a
		// soft break, 74 after a line break.
		{"mime4j: first line", func(b []byte) []byte { return mime4jQP(b, false, true) }, a + "\n", a[:75] + "=\n" + a[:5] + "\n"},
		{"mime4j: not first", func(b []byte) []byte { return mime4jQP(b, false, false) }, a + "\n", a[:74] + "=\n" + a[:6] + "\n"},
		{"mime4j: continued", func(b []byte) []byte { return mime4jQP(b, false, false) }, b, b[:74] + "=\n" + b[:75] + "=\n" + b[:51]},
		{"mime4j: white space", func(b []byte) []byte { return mime4jQP(b, false, false) }, "a.b\tc  \r\nx \n", "a.b\tc =20\nx=20\n"},
		{"mime4j: dots", func(b []byte) []byte { return mime4jQP(b, true, false) }, "v1.2 = ok.\n", "v1=2E2 =3D ok=2E\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, string(tt.enc([]byte(tt.in))))
		})
	}
}
