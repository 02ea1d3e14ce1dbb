// Package audit joins mailprov's layers into one report per message: it
// loads nothing and parses nothing itself, but takes a headers.Message,
// runs the typed parsers (headers, received) and, when asked, the
// verifiers (dkim, spf, dmarc, arc) against a dns.Resolver, and returns a
// Report whose JSON form is mailprov's stable public interface (DESIGN.md
// section 6). It also renders the report for people and as an RFC 8601
// Authentication-Results field.
//
// The flow is one-way: load (headers) -> parse (headers, received) ->
// verify (dkim, spf, dmarc, arc over dns) -> report (this package).
package audit

import (
	"time"

	"github.com/mailprov/mailprov/arc"
	"github.com/mailprov/mailprov/dkim"
	"github.com/mailprov/mailprov/dmarc"
	"github.com/mailprov/mailprov/headers"
	"github.com/mailprov/mailprov/received"
	"github.com/mailprov/mailprov/spf"
)

// Report is everything mailprov knows about one message. Field names and
// JSON names are a stable interface: fields may be added, never renamed.
// Every name of DESIGN.md section 6 is always present in the JSON form: a
// check that was not made (all of them, for Parse; ARC, for a message
// without ARC fields) is null.
type Report struct {
	// Source says where the message was read from.
	Source headers.Source `json:"source"`
	// Message is what a person reads first about the message.
	Message MessageInfo `json:"message"`
	// Received is the Received chain, oldest hop first.
	Received []received.Hop `json:"received"`
	// Origin is the hop whose client SPF is checked for; nil when the
	// chain shows none.
	Origin *received.Origin `json:"origin"`
	// DKIM lists the signature fields, top-down, each with its result
	// once audited.
	DKIM []Signature `json:"dkim"`
	// ARC is the chain's validation; nil when the message has no ARC
	// fields, or for Parse.
	ARC *arc.Result `json:"arc"`
	// SPF is the re-check at the origin; nil for Parse.
	SPF *SPF `json:"spf"`
	// DMARC is the From domain's policy evaluation; nil for Parse.
	DMARC *dmarc.Result `json:"dmarc"`
	// Recorded are the results receivers wrote in Authentication-Results
	// (and ARC-Authentication-Results) fields, top-down.
	Recorded []Recorded `json:"recorded"`
	// ReceivedSPF are the parsed Received-SPF fields, top-down.
	ReceivedSPF []*headers.ReceivedSPF `json:"received_spf"`
	// Spam are the spam filters' verdicts found in the header.
	Spam []headers.SpamVerdict `json:"spam"`
	// Verdict is set by Audit, not by Parse.
	Verdict *Verdict `json:"verdict"`
	// Disagreements lists the checks where a receiver recorded another
	// result than mailprov finds now; empty (not nil) after Audit.
	Disagreements []Disagreement `json:"disagreements"`
	// Problems lists what could not be parsed, one sentence each.
	Problems []string `json:"problems,omitempty"`
	// AsOf is the instant the verification holds for (zero for Parse).
	AsOf time.Time `json:"as_of,omitzero"`
	// DNS says where DNS answers came from: "live", "snapshot", "none".
	DNS string `json:"dns,omitempty"`
}

// MessageInfo is what a person reads first about a message.
type MessageInfo struct {
	// MessageID is the Message-ID without its angle brackets.
	MessageID string `json:"message_id,omitempty"`
	// From is the first From mailbox ("Name <addr>", the name decoded),
	// and FromDomain its domain.
	From       string `json:"from,omitempty"`
	FromDomain string `json:"from_domain,omitempty"`
	// Sender is the Sender mailbox; ReturnPath the Return-Path address.
	Sender     string `json:"sender,omitempty"`
	ReturnPath string `json:"return_path,omitempty"`
	// Date is the Date field in RFC 3339, or as written when it does not
	// parse.
	Date string `json:"date,omitempty"`
	// Subject is the Subject with RFC 2047 words decoded.
	Subject string `json:"subject,omitempty"`
	// List is what the List-* fields say; nil for mail from no list.
	List *headers.ListInfo `json:"list,omitempty"`
	// Mailer is the X-Mailer field.
	Mailer string `json:"mailer,omitempty"`
	// FieldOrder says whether header order is exactly known (raw, mbox) or
	// only per field name (Patchwork).
	FieldOrder headers.FieldOrder `json:"field_order"`
	// Body says whether the original body is present ("message"), can be
	// rebuilt from Patchwork's content and diff ("patchwork"), or is absent.
	Body string `json:"body"`
}

// Signature is one DKIM-Signature (or X-Google-DKIM-Signature) as parsed,
// with its verification result once audited. The parsed fields come first;
// the embedded result adds result, reason, header_signature, body and the
// rest when the signature was verified.
type Signature struct {
	// Field is the field name: DKIM-Signature, or X-Google-DKIM-Signature
	// and the like, which are NonStandard (reported, never counted).
	Field       string `json:"field"`
	NonStandard bool   `json:"non_standard,omitempty"`
	// Domain, Selector, Algorithm and Canonicalization are d=, s=, a= and
	// c= (as "header/body"); Identity is i=.
	Domain           string `json:"domain"`
	Selector         string `json:"selector"`
	Algorithm        string `json:"algorithm"`
	Canonicalization string `json:"canonicalization"`
	Identity         string `json:"identity,omitempty"`
	// SignedHeaders is h=, in order, as written.
	SignedHeaders []string `json:"signed_headers,omitempty"`
	// BodyLength is l=, nil when absent.
	BodyLength *int64 `json:"body_length,omitempty"`
	// Timestamp and Expiration are t= and x=, zero when absent.
	Timestamp  time.Time `json:"timestamp,omitzero"`
	Expiration time.Time `json:"expiration,omitzero"`
	// ParseError says why the field could not be read, if it could not.
	ParseError string `json:"parse_error,omitempty"`
	// Result is the verification's outcome; nil for Parse.
	*dkim.Result

	field headers.Field // the field as written, for verification
}

// Recorded is one result a receiver wrote in an Authentication-Results or
// ARC-Authentication-Results field.
type Recorded struct {
	// AuthServID names the receiver that wrote the result.
	AuthServID string `json:"authserv_id"`
	// Method and Result are the method and its result word ("dkim",
	// "pass"); Reason is its reason= text.
	Method string `json:"method"`
	Result string `json:"result"`
	Reason string `json:"reason,omitempty"`
	// Properties are the ptype.property values ("header.d": "gmail.com").
	Properties map[string]string `json:"properties,omitempty"`
	// Comment is the text of the result's comments.
	Comment string `json:"comment,omitempty"`
	// Field is the field it came from; ARCInstance is its i= for ARC.
	Field       string `json:"field"`
	ARCInstance int    `json:"arc_instance,omitempty"`
}

// SPF is the audit's SPF section: what DNS says now for the origin, and
// what the receiver recorded when the mail arrived.
type SPF struct {
	*spf.Result
	IP       string `json:"ip"`
	MailFrom string `json:"mail_from"`
	HELO     string `json:"helo,omitempty"`
	// Recorded is what the receiver at the origin wrote then.
	Recorded *RecordedSPF `json:"recorded,omitempty"`
	// Agrees is whether the re-check gives the recorded result.
	Agrees *bool `json:"agrees,omitempty"`
	// Note says how far the re-check speaks for the past.
	Note string `json:"note,omitempty"`
}

// RecordedSPF is an SPF result a receiver recorded.
type RecordedSPF struct {
	Result     string `json:"result"`
	AuthServID string `json:"authserv_id,omitempty"`
	Field      string `json:"field"`
}

// Verdict answers the user's question in one place.
type Verdict struct {
	// Authentic is true for the levels that prove the From domain:
	// verified, verified_header_only, spf_aligned and vouched_by_arc.
	Authentic bool `json:"authentic"`
	// Level grades the proof; Summary says it in one sentence.
	Level   Level  `json:"level"`
	Summary string `json:"summary"`
	// Reasons are the facts the verdict rests on, one sentence each.
	Reasons []string `json:"reasons,omitempty"`
}

// Level grades how far a message's origin is proved.
type Level string

// The verdict levels, strongest first.
const (
	// LevelVerified: a DKIM signature aligned with From verifies over the
	// headers and the body.
	LevelVerified Level = "verified"
	// LevelVerifiedHeaderOnly: an aligned signature verifies over the
	// headers; the body could not be checked (stored headers only).
	LevelVerifiedHeaderOnly Level = "verified_header_only"
	// LevelSPFAligned: no aligned DKIM pass, but SPF passes for an aligned
	// MAIL FROM domain.
	LevelSPFAligned Level = "spf_aligned"
	// LevelVouchedByARC: the original proof was broken in transit, and a
	// valid ARC chain records an aligned pass before the break.
	LevelVouchedByARC Level = "vouched_by_arc"
	// LevelUnverifiable: nothing could be checked either way (no signature,
	// DNS unavailable, key gone).
	LevelUnverifiable Level = "unverifiable"
	// LevelForged: the evidence contradicts the From domain (signature
	// fails, DMARC fails with nothing vouching).
	LevelForged Level = "forged"
)

// Disagreement is a check where what a receiver recorded differs from what
// mailprov finds now.
type Disagreement struct {
	// Method is "dkim", "spf", "dmarc" or "arc".
	Method string `json:"method"`
	// AuthServID names the receiver that recorded Recorded.
	AuthServID string `json:"authserv_id"`
	// Recorded is the receiver's result word, Now mailprov's.
	Recorded string `json:"recorded"`
	Now      string `json:"now"`
	// Subject names what was checked, e.g. "header.d=gmail.com".
	Subject string `json:"subject,omitempty"`
	// Note says why the results may differ.
	Note string `json:"note,omitempty"`
}
