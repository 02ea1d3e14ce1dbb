package headers

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSummarizeSample(t *testing.T) {
	s, errs := Summarize(loadSample(t))
	require.Empty(t, errs)
	assert.Equal(t, "20260410150457.85190-4-zhangckid@gmail.com", s.MessageID)
	assert.Equal(t, []Mailbox{{"Zhang Chen", "zhangckid@gmail.com"}}, s.From)
	require.NotNil(t, s.Sender)
	assert.Equal(t, "qemu-devel-bounces+incoming=patchwork.ozlabs.org@nongnu.org", s.Sender.Address)
	assert.Equal(t, "qemu-devel-bounces+incoming=patchwork.ozlabs.org@nongnu.org", s.ReturnPath)
	assert.False(t, s.NullReturnPath)
	assert.Nil(t, s.ReplyTo)
	require.Len(t, s.To, 6)
	assert.Equal(t, Mailbox{"Dr . David Alan Gilbert", "dave@treblig.org"}, s.To[1])
	assert.Equal(t, Mailbox{"Michael S . Tsirkin", "mst@redhat.com"}, s.To[4])
	assert.Equal(t, []Mailbox{{"Zhang Chen", "zhangckid@gmail.com"}}, s.Cc)
	assert.True(t, time.Date(2026, 4, 10, 15, 4, 46, 0, time.UTC).Equal(s.Date))
	_, off := s.Date.Zone()
	assert.Equal(t, 8*3600, off)
	assert.Equal(t, "Fri, 10 Apr 2026 23:04:46 +0800", s.RawDate)
	assert.Equal(t, "[PATCH V6 03/14] iothread: tracking iothread users with holder name", s.Subject)
	require.NotNil(t, s.List)
	assert.Equal(t, "qemu-devel.nongnu.org", s.List.ID)
	assert.Equal(t, "git-send-email 2.49.0", s.XMailer)

	b, err := json.Marshal(s)
	require.NoError(t, err)
	var keys map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(b, &keys))
	for _, k := range []string{"message_id", "from", "sender", "return_path", "to", "cc", "date", "raw_date", "subject", "list", "x_mailer"} {
		assert.Contains(t, keys, k)
	}
	assert.Equal(t, `"2026-04-10T23:04:46+08:00"`, string(keys["date"]))
}

func TestSummarizeRaw(t *testing.T) {
	m, err := readFile(t, "testdata/plain-crlf.eml")
	require.NoError(t, err)
	s, errs := Summarize(m)
	require.Empty(t, errs)
	assert.Equal(t, []Mailbox{{"Jörg Müller", "joerg@example.com"}}, s.From)
	assert.Equal(t, "Grüße aus Berlin", s.Subject)
	assert.Equal(t, "bounces+list=example.org@lists.example.org", s.ReturnPath)
	assert.Equal(t, &ListInfo{ID: "list.example.org", Name: "Example list", Post: []string{"mailto:list@example.org"}}, s.List)
}

func TestSummarizeProblems(t *testing.T) {
	m, err := ParseRaw([]byte("From: a@example.com\nFrom: evil@example.net\n"+
		"Return-Path: <>\nSender: junk\nTo: x@example.com, garbage\n"+
		"Date: yesterday\nMessage-ID: <a@b> <c@d>\nSubject: s1\nSubject: s2\n\n"), "t")
	require.NoError(t, err)
	s, errs := Summarize(m)
	assert.Equal(t, []Mailbox{{"", "a@example.com"}}, s.From, "topmost From")
	assert.True(t, s.NullReturnPath)
	assert.Empty(t, s.ReturnPath)
	assert.Nil(t, s.Sender)
	assert.Equal(t, []Mailbox{{"", "x@example.com"}}, s.To)
	assert.True(t, s.Date.IsZero())
	assert.Equal(t, "yesterday", s.RawDate)
	assert.Equal(t, "a@b", s.MessageID)
	assert.Equal(t, "s1", s.Subject)
	assert.Nil(t, s.List)

	got := map[string][]error{}
	for _, err := range errs {
		var fe *FieldError
		require.True(t, errors.As(err, &fe), "%T", err)
		got[fe.Field] = append(got[fe.Field], fe.Err)
	}
	require.ErrorIs(t, errors.Join(got["From"]...), ErrDuplicateField)
	require.ErrorIs(t, errors.Join(got["Sender"]...), ErrBadAddress)
	require.ErrorIs(t, errors.Join(got["To"]...), ErrBadAddress)
	require.ErrorIs(t, errors.Join(got["Date"]...), ErrBadDate)
	require.ErrorIs(t, errors.Join(got["Message-ID"]...), ErrBadMessageID)
	require.ErrorIs(t, errors.Join(got["Subject"]...), ErrDuplicateField)
	assert.Len(t, errs, 6)
	assert.Contains(t, errs[0].Error(), ": ")
}

func TestSummarizeEmpty(t *testing.T) {
	for _, m := range []*Message{nil, {}} {
		s, errs := Summarize(m)
		require.NotNil(t, s)
		require.Len(t, errs, 2)
		assert.ErrorIs(t, errs[0], ErrMissingField)
		assert.ErrorIs(t, errs[1], ErrMissingField)
	}
}
