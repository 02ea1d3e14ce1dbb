package dmarc

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestOrganizationalDomain(t *testing.T) {
	for in, want := range map[string]string{
		"example.com":               "example.com",
		"Mail.Example.COM.":         "example.com",
		"a.b.c.example.com":         "example.com",
		"example.co.uk":             "example.co.uk",
		"mail.example.co.uk":        "example.co.uk",
		"co.uk":                     "co.uk", // a public suffix is its own org domain
		"foo.github.io":             "github.io",
		"a.foo.github.io":           "github.io",
		"x.blogspot.co.uk":          "blogspot.co.uk",
		"reject.example":            "reject.example",
		"mail.reject.example":       "reject.example",
		"localhost":                 "localhost",
		"www.city.kawasaki.jp":      "city.kawasaki.jp", // exception rule !city.kawasaki.jp
		"a.b.compute.amazonaws.com": "amazonaws.com",    // private wildcard rule ignored
		"":                          "",
		"..":                        "",
	} {
		assert.Equal(t, want, OrganizationalDomain(in), "%q", in)
	}
}

func TestAligned(t *testing.T) {
	tests := []struct {
		domain, from string
		mode         Alignment
		want         bool
	}{
		0:  {"example.com", "example.com", AlignStrict, true},
		1:  {"EXAMPLE.com.", "example.COM", AlignStrict, true},
		2:  {"mail.example.com", "example.com", AlignStrict, false},
		3:  {"mail.example.com", "example.com", AlignRelaxed, true},
		4:  {"example.com", "news.example.com", AlignRelaxed, true},
		5:  {"a.example.com", "b.example.com", AlignRelaxed, true},
		6:  {"example.net", "example.com", AlignRelaxed, false},
		7:  {"example.co.uk", "mail.example.co.uk", AlignRelaxed, true},
		8:  {"other.co.uk", "example.co.uk", AlignRelaxed, false},
		9:  {"co.uk", "example.co.uk", AlignRelaxed, false},
		10: {"bar.github.io", "foo.github.io", AlignRelaxed, true}, // private suffix ignored
		11: {"bar.github.io", "foo.github.io", AlignStrict, false},
		12: {"", "example.com", AlignRelaxed, false},
		13: {"example.com", "", AlignRelaxed, false},
		14: {"mail.example.com", "example.com", "", true}, // unknown mode: relaxed
	}
	for i, tt := range tests {
		assert.Equal(t, tt.want, Aligned(tt.domain, tt.from, tt.mode), "%d: %+v", i, tt)
	}
}
