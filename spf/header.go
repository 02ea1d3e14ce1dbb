package spf

import (
	"strings"

	"github.com/emersion/go-msgauth/authres"
)

// ReceivedSPF formats the result as the value of a Received-SPF header
// field (RFC 7208 §9.1): the result, a comment for people, and the
// key=value pairs receiver, client-ip, envelope-from, helo, identity,
// mechanism and (for errors) problem. receiver names the host that did the
// check; q is the evidence the check used.
func (r Result) ReceivedSPF(receiver string, q Query) string {
	if receiver == "" {
		receiver = "unknown"
	}
	sender := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(q.MailFrom), "<"), ">")
	if sender == "" {
		sender = "postmaster@" + q.HELO
	}
	ip := q.IP.Unmap().String()
	var comment string
	switch r.Status {
	case StatusPass:
		comment = "domain of " + sender + " designates " + ip + " as permitted sender"
	case StatusFail:
		comment = "domain of " + sender + " does not designate " + ip + " as permitted sender"
	case StatusSoftfail:
		comment = "domain of transitioning " + sender + " does not designate " + ip + " as permitted sender"
	case StatusNeutral:
		comment = ip + " is neither permitted nor denied by domain of " + sender
	case StatusNone:
		comment = r.Domain + " does not designate permitted sender hosts"
	case StatusTemperror:
		comment = "error in processing during lookup of " + sender + ": " + r.Detail
	default:
		comment = "permanent error in processing domain of " + sender + ": " + r.Detail
	}
	var b strings.Builder
	b.WriteString(string(r.Status))
	b.WriteString(" (")
	b.WriteString(commentText(receiver + ": " + comment))
	b.WriteString(")")
	kv := func(k, v string) {
		b.WriteByte(' ')
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(kvValue(v))
		b.WriteByte(';')
	}
	kv("receiver", receiver)
	kv("client-ip", ip)
	kv("envelope-from", sender)
	kv("helo", q.HELO)
	if r.Identity != "" {
		kv("identity", r.Identity)
	}
	if r.Mechanism != "" {
		kv("mechanism", r.Mechanism)
	}
	if r.Status == StatusPermerror || r.Status == StatusTemperror {
		kv("problem", r.Detail)
	}
	return b.String()
}

// commentText makes s safe inside an RFC 5322 comment: control and
// non-ASCII octets become "?", and "(", ")" and "\" are quoted.
func commentText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c < 0x20 || c > 0x7e:
			b.WriteByte('?')
		case c == '(' || c == ')' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// kvValue formats a Received-SPF value: a dot-atom when possible, else a
// quoted-string (RFC 5322 §3.2.3, §3.2.4).
func kvValue(s string) string {
	if isDotAtom(s) {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c < 0x20 || c > 0x7e:
			b.WriteByte('?')
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func isDotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isAlnum(c) || c == '.' || strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

// AuthResult formats the result as an RFC 8601 method result for
// Authentication-Results, such as "spf=pass smtp.mailfrom=example.com"
// (smtp.helo for the HELO identity).
func (r Result) AuthResult() string {
	status := r.Status
	if status == "" {
		status = StatusNone
	}
	s := "spf=" + string(status)
	if r.Domain == "" {
		return s
	}
	prop := "smtp.mailfrom"
	if r.Identity == IdentityHELO {
		prop = "smtp.helo"
	}
	return s + " " + prop + "=" + kvValue(r.Domain)
}

// AuthenticationResults formats a whole Authentication-Results field value
// ("authserv-id; spf=... ...") with go-msgauth's authres.Format.
func (r Result) AuthenticationResults(authservID string) string {
	res := &authres.SPFResult{Value: authres.ResultValue(r.Status)}
	if r.Status != StatusPass {
		res.Reason = r.Detail
	}
	if r.Identity == IdentityHELO {
		res.Helo = r.Domain
	} else {
		res.From = r.Domain
	}
	return authres.Format(authservID, []authres.Result{res})
}
