package headers

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseAddressList(t *testing.T) {
	tests := []struct {
		in   string
		want []Mailbox
		bad  bool
	}{
		0:  {in: "", want: nil},
		1:  {in: " Zhang Chen <zhangckid@gmail.com>", want: []Mailbox{{"Zhang Chen", "zhangckid@gmail.com"}}},
		2:  {in: " qemu-devel <qemu-devel@nongnu.org>,\r\n \"Dr . David Alan Gilbert\" <dave@treblig.org>,\r\n Eric Blake <eblake@redhat.com>", want: []Mailbox{{"qemu-devel", "qemu-devel@nongnu.org"}, {"Dr . David Alan Gilbert", "dave@treblig.org"}, {"Eric Blake", "eblake@redhat.com"}}},
		3:  {in: "Dr . David Alan Gilbert <dave@treblig.org>", want: []Mailbox{{"Dr . David Alan Gilbert", "dave@treblig.org"}}},
		4:  {in: "Michael S. Tsirkin <mst@redhat.com>", want: []Mailbox{{"Michael S. Tsirkin", "mst@redhat.com"}}},
		5:  {in: "=?utf-8?q?J=C3=B6rg_M=C3=BCller?= <joerg@example.com>", want: []Mailbox{{"Jörg Müller", "joerg@example.com"}}},
		6:  {in: "=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>", want: []Mailbox{{"André Pirard", "PIRARD@vm1.ulg.ac.be"}}},
		7:  {in: "=?windows-1252?q?=93Smart=94_Quotes?= <q@example.com>", want: []Mailbox{{"\u201cSmart\u201d Quotes", "q@example.com"}}},
		8:  {in: "=?iso-8859-15?q?=A4uro?= <e@example.com>", want: []Mailbox{{"€uro", "e@example.com"}}},
		9:  {in: "\"=?utf-8?b?SsO2cmc=?=\" <j@example.com>", want: []Mailbox{{"Jörg", "j@example.com"}}},
		10: {in: "=?gb2312?b?1tDOxA==?= <cn@example.com>", want: []Mailbox{{"\ufffd\ufffd\ufffd\ufffd", "cn@example.com"}}},
		11: {in: "plain@example.com", want: []Mailbox{{"", "plain@example.com"}}},
		12: {in: "a@example.com (Comment Name)", want: []Mailbox{{"Comment Name", "a@example.com"}}},
		13: {in: "undisclosed-recipients:;", want: nil},
		14: {in: "Team: a@example.com, b@example.com;", want: []Mailbox{{"", "a@example.com"}, {"", "b@example.com"}}},
		15: {in: "Some Name some@example.com", want: []Mailbox{{"Some Name", "some@example.com"}}},
		16: {in: "Some Name <some@example.com", want: []Mailbox{{"Some Name", "some@example.com"}}},
		17: {in: "Good <g@example.com>, Broken Name b@example.com, \"Q, uoted\" <q@example.com>", want: []Mailbox{{"Good", "g@example.com"}, {"Broken Name", "b@example.com"}, {"Q, uoted", "q@example.com"}}},
		18: {in: "not an address", bad: true},
		19: {in: "Good <g@example.com>, garbage here", want: []Mailbox{{"Good", "g@example.com"}}, bad: true},
		20: {in: "foo@bar@baz.com", bad: true},
		21: {in: "<>", bad: true},
		22: {in: "Jörg <jörg@example.com>", want: []Mailbox{{"Jörg", "jörg@example.com"}}},
		23: {in: "\"Name (with) parens\" <p@example.com>", want: []Mailbox{{"Name (with) parens", "p@example.com"}}},
	}
	for i, tt := range tests {
		got, err := ParseAddressList(tt.in)
		if tt.bad {
			require.ErrorIs(t, err, ErrBadAddress, "%d: %q", i, tt.in)
		} else {
			require.NoError(t, err, "%d: %q", i, tt.in)
		}
		assert.Equal(t, tt.want, got, "%d: %q", i, tt.in)
	}
}

func TestParseMailbox(t *testing.T) {
	mb, err := ParseMailbox(" qemu-devel-bounces+incoming=patchwork.ozlabs.org@nongnu.org")
	require.NoError(t, err)
	assert.Equal(t, Mailbox{"", "qemu-devel-bounces+incoming=patchwork.ozlabs.org@nongnu.org"}, mb)
	assert.Equal(t, "nongnu.org", mb.Domain())

	mb, err = ParseMailbox("A <a@x.org>, B <b@y.org>")
	require.ErrorIs(t, err, ErrBadAddress)
	assert.Equal(t, "a@x.org", mb.Address, "the first is returned")

	_, err = ParseMailbox("")
	require.ErrorIs(t, err, ErrBadAddress)
	_, err = ParseMailbox("junk")
	require.ErrorIs(t, err, ErrBadAddress)
}

func TestMailboxDomainString(t *testing.T) {
	assert.Equal(t, "example.com", Mailbox{Address: "a@Example.COM."}.Domain())
	assert.Equal(t, "c", Mailbox{Address: "a@b@c"}.Domain())
	assert.Equal(t, "", Mailbox{Address: "postmaster"}.Domain())
	assert.Equal(t, `"Dr . Who" <who@example.com>`, Mailbox{"Dr . Who", "who@example.com"}.String())
}

func TestParseReturnPath(t *testing.T) {
	tests := []struct {
		in, want string
		bad      bool
	}{
		{in: " <qemu-devel-bounces+incoming=patchwork.ozlabs.org@nongnu.org>", want: "qemu-devel-bounces+incoming=patchwork.ozlabs.org@nongnu.org"},
		{in: "<>", want: ""},
		{in: " < > ", want: ""},
		{in: "a@example.com", want: "a@example.com"},
		{in: "<@relay.example:a@example.com>", want: "a@example.com"},
		{in: "<a@example.com> (comment)", want: "a@example.com"},
		{in: "<MAILER-DAEMON>", want: "MAILER-DAEMON", bad: true},
		{in: "<a@example.com", want: "a@example.com", bad: true},
	}
	for _, tt := range tests {
		got, err := ParseReturnPath(tt.in)
		if tt.bad {
			assert.ErrorIs(t, err, ErrBadAddress, "%q", tt.in)
		} else {
			assert.NoError(t, err, "%q", tt.in)
		}
		assert.Equal(t, tt.want, got, "%q", tt.in)
	}
}

func TestDecodeText(t *testing.T) {
	tests := []struct{ in, want string }{
		{" [PATCH V6 03/14] iothread: tracking", "[PATCH V6 03/14] iothread: tracking"},
		{" =?iso-8859-1?q?Gr=FC=DFe?= aus\r\n Berlin", "Grüße aus Berlin"},
		{"=?utf-8?b?w6k=?= =?utf-8?b?w6k=?=", "éé"}, // white space between words is dropped
		{"=?UTF-8?Q?a_b?=", "a b"},
		{"=?us-ascii?q?plain?=", "plain"},
		{"=?latin1?q?caf=E9?=", "café"},
		{"=?cp1252?q?=80?=", "€"},
		{"=?koi8-r?b?8NLJ18XU?=", "=?koi8-r?b?8NLJ18XU?="}, // unsupported: kept
		{"=?utf-8?x?bad?=", "=?utf-8?x?bad?="},
		{"a =? b ?= c", "a =? b ?= c"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, DecodeText(tt.in), "%q", tt.in)
	}
}

func TestParseMessageID(t *testing.T) {
	tests := []struct {
		in, want string
		bad      bool
	}{
		{in: " <20260410150457.85190-4-zhangckid@gmail.com>", want: "20260410150457.85190-4-zhangckid@gmail.com"},
		{in: "\r\n <a@b>", want: "a@b"},
		{in: "(comment) <a@b> (another)", want: "a@b"},
		{in: "a@b", want: "a@b"},
		{in: "<a@b> <c@d>", want: "a@b", bad: true},
		{in: "", bad: true},
		{in: "<>", bad: true},
		{in: "<a@b", bad: true},
		{in: "no id here", bad: true},
		{in: "<a b@c>", bad: true},
	}
	for _, tt := range tests {
		got, err := ParseMessageID(tt.in)
		if tt.bad {
			assert.ErrorIs(t, err, ErrBadMessageID, "%q", tt.in)
		} else {
			assert.NoError(t, err, "%q", tt.in)
		}
		assert.Equal(t, tt.want, got, "%q", tt.in)
	}
}

func TestParseDate(t *testing.T) {
	zone := func(h int) *time.Location { return time.FixedZone("", h*3600) }
	tests := []struct {
		in   string
		want time.Time
		bad  bool
	}{
		0:  {in: "Fri, 10 Apr 2026 23:04:46 +0800", want: time.Date(2026, 4, 10, 23, 4, 46, 0, zone(8))},
		1:  {in: " Fri, 10 Apr 2026 08:05:19 -0700 (PDT)", want: time.Date(2026, 4, 10, 8, 5, 19, 0, zone(-7))},
		2:  {in: "10 Apr 2026 08:05:19 -0700", want: time.Date(2026, 4, 10, 8, 5, 19, 0, zone(-7))},
		3:  {in: "Mon, 3 Mar 2025 10:00 EST", want: time.Date(2025, 3, 3, 10, 0, 0, 0, zone(-5))},
		4:  {in: "3 Mar 25 10:00:00 PDT", want: time.Date(2025, 3, 3, 10, 0, 0, 0, zone(-7))},
		5:  {in: "3 Mar 99 10:00:00 GMT", want: time.Date(1999, 3, 3, 10, 0, 0, 0, time.UTC)},
		6:  {in: "3 Mar 103 10:00:00 UT", want: time.Date(2003, 3, 3, 10, 0, 0, 0, time.UTC)},
		7:  {in: "Mon,3 Mar 2025 10:00:00 +0000", want: time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)},
		8:  {in: "Mon, 3 Mar 2025 10:00:00 +0000 (UTC)", want: time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)},
		9:  {in: "Mon, 3 Mar 2025 10:00:00 +0000 GMT", want: time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)},
		10: {in: "Mon, 03 March 2025 10:00:00 cdt", want: time.Date(2025, 3, 3, 10, 0, 0, 0, zone(-5))},
		11: {in: "Mon, 3 Mar 2025 10:00:00", want: time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)},
		12: {in: "Mon, 3 Mar 2025 10:00:00 Z", want: time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)},
		13: {in: "Mon, 3 Mar 2025 10:00:00 +05:30", want: time.Date(2025, 3, 3, 10, 0, 0, 0, time.FixedZone("", 5*3600+1800))},
		14: {in: "Mon Mar  3 10:00:00 2025", want: time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)},
		15: {in: "Tue, 31 Dec 2024 23:59:60 +0000", want: time.Date(2024, 12, 31, 23, 59, 59, 0, time.UTC)},
		16: {in: "Mon, 3 Mar 2025\r\n 10:00:00 +0100", want: time.Date(2025, 3, 3, 10, 0, 0, 0, zone(1))},
		17: {in: "2025-03-04T09:00:00Z", want: time.Date(2025, 3, 4, 9, 0, 0, 0, time.UTC)},
		18: {in: "Mon, 3 Mar 2025 10:00:00.123 +0000", want: time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)},
		19: {in: "", bad: true},
		20: {in: "yesterday", bad: true},
		21: {in: "31 Feb 2025 10:00:00 +0000", bad: true},
		22: {in: "3 Mar 2025 25:00:00 +0000", bad: true},
		23: {in: "3 Mar 2025 10:00:00 +9999", bad: true},
		24: {in: "3 Foo 2025 10:00:00 +0000", bad: true},
		25: {in: "3 Mar 2025 10 +0000", bad: true},
		26: {in: "3 Mar 2025 10:00:00 +0000x", bad: true},
	}
	for i, tt := range tests {
		got, err := ParseDate(tt.in)
		if tt.bad {
			require.ErrorIs(t, err, ErrBadDate, "%d: %q", i, tt.in)
			continue
		}
		require.NoError(t, err, "%d: %q", i, tt.in)
		assert.True(t, tt.want.Equal(got), "%d: %q: got %v want %v", i, tt.in, got, tt.want)
		_, off := got.Zone()
		_, wantOff := tt.want.Zone()
		assert.Equal(t, wantOff, off, "%d: zone offset", i)
	}
}

func TestAddressParsersLinear(t *testing.T) {
	inputs := []string{
		strings.Repeat("a@b, ", 100000),
		strings.Repeat("(", 500000),
		strings.Repeat("\"", 500000),
		strings.Repeat("<", 500000),
		strings.Repeat("Name x@y ", 100000),
		strings.Repeat("=?utf-8?q?a?= ", 100000),
	}
	for i, in := range inputs {
		start := time.Now()
		_, _ = ParseAddressList(in)
		_, _ = ParseDate(in)
		_, _ = ParseMessageID(in)
		_ = DecodeText(in)
		_, _ = ParseReturnPath(in)
		assert.Less(t, time.Since(start), 10*time.Second, "%d", i)
	}
}
