// Package received reads Received header fields (RFC 5321 §4.4,
// RFC 5322 §3.6.7) into typed hops and a message's path.
//
// [Parse] reads one field into a [Hop]: the client (HELO name, reverse-DNS
// name, IP address), the receiving host, the protocol (RFC 3848: SMTP,
// ESMTP, ESMTPS, ESMTPSA, LMTP, ...), the queue id, the recipient, the
// envelope sender, TLS version/cipher/bits, authentication, and the
// date-time with its zone (RFC 5322 §3.3 and the obsolete forms of §4.3).
// [NewChain] reads all of a message's Received fields into a [Chain]:
// hops oldest first, the delay between consecutive hops, clock-skew
// warnings, and the origin hop whose client SPF and iprev are judged on.
//
// # Layouts
//
// RFC 5321 gives Received a grammar that almost no MTA follows exactly:
// the TCP-info, TLS parameters and authentication are free text in
// comments. The layouts read and tested here are those of Postfix, Exim
// (3 and 4, including "helo=", "(envelope-from <x>)" and TLS as
// "(TLS1.2:cipher:bits)" or "(TLS1.3) tls cipher"), Sendmail, Gmail,
// Microsoft Exchange and Office 365, qmail, Courier, CommuniGate,
// OpenSMTPD, Haraka, Amazon SES, IronPort, ecelerity, Dovecot LMTP,
// fetchmail, mailing-list relays, and "by"-only hops.
//
// # Divergences and lenience
//
// Parse never fails on a layout it does not know: it returns a Hop with
// what it could read, the raw text and a warning. Only a value that yields
// nothing at all gives an error ([ErrEmpty], [ErrUnreadable]). Accepted
// lenience: keywords in any case and order, "," after clause values, a
// missing ";" before the date, the date followed by "id X" (Courier),
// ctime dates, zones glued to the time, named zones outside RFC 5322
// (read as UTC with a warning), a missing zone (read as UTC with a
// warning), IPv4 addresses with a port glued on ("1.2.3.4:25",
// "1.2.3.4.25"), and IPv4-mapped IPv6 addresses (unmapped).
// Unbalanced parentheses are tolerated: an unclosed "(" is skipped.
// Everything runs in time linear in the input.
package received
