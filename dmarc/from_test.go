package dmarc

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFromDomain(t *testing.T) {
	tests := []struct {
		in   []string
		want string
		err  error
	}{
		0:  {in: []string{"joe@example.com"}, want: "example.com"},
		1:  {in: []string{" Joe Doe <Joe@Mail.Example.COM>"}, want: "mail.example.com"},
		2:  {in: []string{"\"Doe, Joe\" <joe@example.com>"}, want: "example.com"},
		3:  {in: []string{"=?utf-8?q?J=C3=B6rg?= <j@example.de>"}, want: "example.de"},
		4:  {in: []string{"=?x-unknown?q?abc?= <j@example.de>"}, want: "example.de"},
		5:  {in: []string{"Joe <joe@example.com>\r\n (comment)"}, want: "example.com"},
		6:  {in: []string{"Joe\r\n <joe@example.com>"}, want: "example.com"},
		7:  {in: []string{"Broken [name] <joe@example.org>"}, want: "example.org"},
		8:  {in: nil, err: ErrNoFromDomain},
		9:  {in: []string{""}, err: ErrNoFromDomain},
		10: {in: []string{"a@example.com", "b@example.com"}, err: ErrMultipleFrom},
		11: {in: []string{"a@example.com, b@example.net"}, err: ErrMultipleFrom},
		12: {in: []string{"a@example.com, a@example.com"}, err: ErrMultipleFrom},
		13: {in: []string{"joe"}, err: ErrNoFromDomain},
		14: {in: []string{"Joe <joe>"}, err: ErrNoFromDomain},
		15: {in: []string{"undisclosed-recipients:;"}, err: ErrNoFromDomain},
		16: {in: []string{"joe@[192.0.2.1]"}, err: ErrNoFromDomain},
		17: {in: []string{"x <a@b> <c@d>"}, err: ErrMultipleFrom},
		18: {in: []string{"x <a@example.com"}, err: ErrNoFromDomain},
		19: {in: []string{"joe@example.com."}, want: "example.com"},
	}
	for i, tt := range tests {
		got, err := FromDomain(tt.in)
		if tt.err != nil {
			require.ErrorIs(t, err, tt.err, "%d: %q got %q", i, tt.in, got)
			continue
		}
		require.NoError(t, err, "%d: %q", i, tt.in)
		assert.Equal(t, tt.want, got, "%d", i)
	}
}
