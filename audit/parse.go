package audit

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/mailprov/mailprov/headers"
	"github.com/mailprov/mailprov/received"
)

// ParseOptions tunes what parsing alone concludes.
type ParseOptions struct {
	// TrustedReceivers names the hosts (by name, as in Received "by") that
	// the caller trusts to have judged the origin; empty means the receiver
	// that wrote the matching Received-SPF or SPF Authentication-Results.
	TrustedReceivers []string
}

// Parse builds the report of what parsing alone knows about m: no DNS,
// no verification. Parse problems are listed in Report.Problems; Parse
// never fails.
func Parse(m *headers.Message, opts ParseOptions) *Report {
	r := &Report{
		Source:      m.Source,
		Received:    []received.Hop{},
		DKIM:        []Signature{},
		Recorded:    []Recorded{},
		ReceivedSPF: []*headers.ReceivedSPF{},
		Spam:        []headers.SpamVerdict{},
	}
	r.Problems = append(r.Problems, m.Defects...)
	r.Message = messageInfo(m, r)

	var observations []received.Observation
	for _, f := range m.Fields {
		switch {
		case strings.EqualFold(f.Name, headers.FieldAuthenticationResult):
			ar, err := headers.ParseAuthResults(f.Value)
			if err != nil {
				r.problem(f.Name, err)
			}
			if ar != nil {
				r.Recorded = append(r.Recorded, recorded(f.Name, ar)...)
				observations = append(observations, spfObservations(ar)...)
			}
		case strings.EqualFold(f.Name, headers.FieldARCAuthResults):
			ar, err := headers.ParseARCAuthResults(f.Value)
			if err != nil {
				r.problem(f.Name, err)
			}
			if ar != nil {
				r.Recorded = append(r.Recorded, recorded(headers.FieldARCAuthResults, ar)...)
			}
		case strings.EqualFold(f.Name, "Received-SPF"):
			rs, err := headers.ParseReceivedSPF(f.Value)
			if err != nil {
				r.problem(f.Name, err)
			}
			if rs != nil {
				r.ReceivedSPF = append(r.ReceivedSPF, rs)
				if ip, err := netip.ParseAddr(rs.ClientIP); err == nil {
					observations = append(observations, received.Observation{
						Receiver: rs.Receiver, ClientIP: ip, Helo: rs.Helo, MailFrom: rs.EnvelopeFrom, Source: "Received-SPF",
					})
				}
			}
		case strings.EqualFold(f.Name, headers.FieldDKIMSignature), strings.EqualFold(f.Name, headers.FieldGoogleDKIMSignature):
			sig, err := headers.ParseSignature(f.Name, f.Value)
			s := signatureEntry(sig)
			s.field = f
			if err != nil {
				s.ParseError = err.Error()
				r.problem(f.Name, err)
			}
			r.DKIM = append(r.DKIM, s)
		}
	}
	r.Spam = append(r.Spam, headers.ParseSpam(m)...)

	chain := received.NewChain(m.Values("Received"), received.Options{
		TrustedReceivers: opts.TrustedReceivers,
		Observations:     observations,
	})
	r.Received = chain.Hops
	r.Origin = chain.Origin
	return r
}

func (r *Report) problem(field string, err error) {
	r.Problems = append(r.Problems, fmt.Sprintf("%s: %v", field, err))
}

// messageInfo fills the message section from the parsed addresses.
func messageInfo(m *headers.Message, r *Report) MessageInfo {
	info := MessageInfo{FieldOrder: m.Order, Body: "absent"}
	switch {
	case m.HasBody():
		info.Body = "message"
	case m.Patchwork != nil:
		info.Body = "patchwork"
	}
	sum, errs := headers.Summarize(m)
	for _, err := range errs {
		r.Problems = append(r.Problems, err.Error())
	}
	if sum == nil {
		return info
	}
	info.MessageID = sum.MessageID
	if len(sum.From) > 0 {
		info.From = formatMailbox(sum.From[0])
		info.FromDomain = sum.From[0].Domain()
	}
	if sum.Sender != nil {
		info.Sender = formatMailbox(*sum.Sender)
	}
	info.ReturnPath = sum.ReturnPath
	info.Date = sum.RawDate
	if !sum.Date.IsZero() {
		info.Date = sum.Date.Format("2006-01-02T15:04:05-07:00")
	}
	info.Subject = sum.Subject
	info.List = sum.List
	info.Mailer = sum.XMailer
	return info
}

func formatMailbox(mb headers.Mailbox) string {
	if mb.Name == "" {
		return mb.Address
	}
	return fmt.Sprintf("%s <%s>", mb.Name, mb.Address)
}

func signatureEntry(sig *headers.Signature) Signature {
	return Signature{
		Field:            sig.Field,
		NonStandard:      sig.NonStandard,
		Domain:           sig.Domain,
		Selector:         sig.Selector,
		Algorithm:        sig.Algorithm,
		Canonicalization: sig.Canonicalization(),
		Identity:         sig.Identity,
		SignedHeaders:    sig.Headers,
		BodyLength:       sig.Length,
		Timestamp:        sig.Timestamp,
		Expiration:       sig.Expiration,
	}
}

// recorded flattens one Authentication-Results field into report rows.
func recorded(field string, ar *headers.AuthResults) []Recorded {
	out := make([]Recorded, 0, len(ar.Results))
	for _, res := range ar.Results {
		out = append(out, Recorded{
			AuthServID:  ar.AuthServID,
			Method:      res.Method,
			Result:      res.Result,
			Reason:      res.Reason,
			Properties:  res.PropertyMap(),
			Comment:     res.Comment,
			Field:       field,
			ARCInstance: ar.Instance,
		})
	}
	return out
}

// spfObservations extracts what an spf= result says about the client: the
// client-ip, helo and envelope-from that receivers such as Postfix's
// policy daemon put in the comment, or smtp.* properties.
func spfObservations(ar *headers.AuthResults) []received.Observation {
	var out []received.Observation
	for _, res := range ar.Results {
		if res.Method != "spf" {
			continue
		}
		kv := commentParams(res.Comment)
		ipText := kv["client-ip"]
		if ipText == "" {
			ipText, _ = res.Prop("smtp.remote-ip")
		}
		ip, err := netip.ParseAddr(ipText)
		if err != nil {
			continue
		}
		helo := kv["helo"]
		if helo == "" {
			helo, _ = res.Prop("smtp.helo")
		}
		mailFrom := kv["envelope-from"]
		if mailFrom == "" {
			mailFrom, _ = res.Prop("smtp.mailfrom")
		}
		receiver := kv["receiver"]
		if receiver == "" {
			receiver = ar.AuthServID
		}
		out = append(out, received.Observation{Receiver: receiver, ClientIP: ip, Helo: helo, MailFrom: mailFrom, Source: "Authentication-Results"})
	}
	return out
}

// commentParams reads "key=value;" pairs out of a comment such as
// "client-ip=209.51.188.17; helo=lists.gnu.org; receiver=...".
func commentParams(comment string) map[string]string {
	out := map[string]string{}
	for _, part := range strings.FieldsFunc(comment, func(r rune) bool { return r == ';' || r == '(' || r == ')' }) {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if _, dup := out[k]; !dup {
			out[k] = strings.TrimSpace(v)
		}
	}
	return out
}
