package headers

import (
	"errors"
	"fmt"
	"time"
)

// Errors Summarize reports besides those of the field parsers.
var (
	// ErrMissingField means a field RFC 5322 §3.6 requires (From, Date)
	// is absent.
	ErrMissingField = errors.New("headers: required field missing")
	// ErrDuplicateField means a field RFC 5322 §3.6 allows once (From,
	// Sender, Reply-To, To, Cc, Date, Message-ID, Subject) appears more
	// than once. Several From fields are the "double From" attack on DKIM
	// and DMARC.
	ErrDuplicateField = errors.New("headers: field allowed once appears more than once")
)

// FieldError is a problem with one header field found by Summarize.
type FieldError struct {
	Field string // the field name, canonical case
	Err   error  // wraps a sentinel such as ErrBadAddress or ErrDuplicateField
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *FieldError) Unwrap() error { return e.Err }

// Summary is what parsing alone tells about a message's origin fields,
// before any verification. Where a field appears more than once, the
// topmost counts (and Summarize reports ErrDuplicateField).
type Summary struct {
	// MessageID is the Message-ID without angle brackets.
	MessageID string    `json:"message_id,omitempty"`
	From      []Mailbox `json:"from,omitempty"`
	Sender    *Mailbox  `json:"sender,omitempty"`
	// ReturnPath is the Return-Path address; "" when the field is absent
	// or holds the null path "<>" (then NullReturnPath is true).
	ReturnPath     string    `json:"return_path,omitempty"`
	NullReturnPath bool      `json:"null_return_path,omitempty"`
	ReplyTo        []Mailbox `json:"reply_to,omitempty"`
	To             []Mailbox `json:"to,omitempty"`
	Cc             []Mailbox `json:"cc,omitempty"`
	// Date is the parsed Date field, in the zone it was written in; zero
	// when absent or unreadable. RawDate is the field as written,
	// unfolded.
	Date    time.Time `json:"date,omitzero"`
	RawDate string    `json:"raw_date,omitempty"`
	// Subject is the decoded Subject.
	Subject string    `json:"subject,omitempty"`
	List    *ListInfo `json:"list,omitempty"`
	XMailer string    `json:"x_mailer,omitempty"`
}

// Summarize parses the origin fields of m. It returns what it could read,
// and one *FieldError for each problem: an unreadable value, a missing
// From or Date, or a field that appears more than once where RFC 5322
// allows one. A nil or empty message gives an empty Summary and
// ErrMissingField errors.
func Summarize(m *Message) (*Summary, []error) {
	s := &Summary{}
	var errs []error
	add := func(field string, err error) {
		if err != nil {
			errs = append(errs, &FieldError{Field: field, Err: err})
		}
	}
	if m == nil {
		m = &Message{}
	}
	// once returns the topmost value of a field allowed once.
	once := func(name string, required bool) (string, bool) {
		vals := m.Values(name)
		switch {
		case len(vals) == 0:
			if required {
				add(name, ErrMissingField)
			}
			return "", false
		case len(vals) > 1:
			add(name, fmt.Errorf("%w: %d instances", ErrDuplicateField, len(vals)))
		}
		return vals[0], true
	}

	if v, ok := once("Message-ID", false); ok {
		id, err := ParseMessageID(v)
		s.MessageID = id
		add("Message-ID", err)
	}
	if v, ok := once("From", true); ok {
		list, err := ParseAddressList(v)
		s.From = list
		if err == nil && len(list) == 0 {
			err = fmt.Errorf("%w: no address", ErrBadAddress)
		}
		add("From", err)
	}
	if v, ok := once("Sender", false); ok {
		mb, err := ParseMailbox(v)
		if mb.Address != "" {
			s.Sender = &mb
		}
		add("Sender", err)
	}
	// Return-Path is added at delivery; more than one means the message
	// was delivered, then sent on with it kept. The topmost is the last
	// delivery.
	if vals := m.Values("Return-Path"); len(vals) > 0 {
		rp, err := ParseReturnPath(vals[0])
		s.ReturnPath, s.NullReturnPath = rp, rp == "" && err == nil
		add("Return-Path", err)
	}
	for _, f := range []struct {
		name string
		dst  *[]Mailbox
	}{{"Reply-To", &s.ReplyTo}, {"To", &s.To}, {"Cc", &s.Cc}} {
		if v, ok := once(f.name, false); ok {
			list, err := ParseAddressList(v)
			*f.dst = list
			add(f.name, err)
		}
	}
	if v, ok := once("Date", true); ok {
		s.RawDate = Unfold(v)
		d, err := ParseDate(v)
		s.Date = d
		add("Date", err)
	}
	if v, ok := once("Subject", false); ok {
		s.Subject = DecodeText(v)
	}
	s.List = ParseList(m)
	if v, ok := m.Get("X-Mailer"); ok {
		s.XMailer = v
	}
	return s, errs
}
