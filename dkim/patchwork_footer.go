package dkim

import (
	"slices"
	"strings"

	"github.com/mailprov/mailprov/headers"
)

// A mailing list that appends a footer to each post and then signs the
// result (DKIM d= the list's own domain) signs a body Patchwork no longer
// has: clean_content cuts the stored comment at the footer's first line (a
// run of "_" or "-- "). The footers below are rebuilt from the header
// fields the list itself adds (List-Post, List-Subscribe, List-Unsubscribe,
// List-Id, Sender, Message-ID), which Patchwork keeps.
//
// The templates are written from list mail as received:
//
//   - Mailman 2 (msg_footer default): a rule of 47 "_", then
//     "<list> mailing list", "<list>@<host>" and the list's listinfo URL,
//     the one List-Subscribe gives. Some sites replace the rule with "--"
//     (seen at redhat.com).
//   - Mailman 3 (list:member:regular:footer default): the rule, then
//     "<Display> mailing list -- <post address>" and
//     "To unsubscribe send an email to <list>-leave@<host>".
//   - Google Groups: "-- " and lines naming the group, its +unsubscribe
//     address and the thread's URL (the Message-ID escaped), in the
//     variants Google has used over the years (with "To post to this
//     group", "Visit this group at" and "For more options" lines before
//     2019; "To view this discussion visit" since 2024).
//
// A list adds its footer after the body's last line, after one blank
// line, none, two or three (footerSeps in patchwork.go).

// pwFooter is one footer a list may have appended, as decoded text with LF
// line ends.
type pwFooter struct {
	label string // e.g. "mailman2"
	text  string
}

// mailmanRule is the rule Mailman's default footers start with.
const mailmanRule = "_______________________________________________\n"

// pwFooters returns the footers the list named by m's header fields may
// have appended, most likely first; nil when no field says the message
// came through a list whose footer is known.
func pwFooters(m *headers.Message) []pwFooter {
	post := pwListPost(m)
	var out []pwFooter
	if gg := pwGoogleGroup(m, post); gg.group != "" {
		out = append(out, gg.footers(pwMessageID(m))...)
		return out
	}
	local, host, ok := strings.Cut(post, "@")
	if !ok || local == "" || host == "" {
		return nil
	}
	if listinfo := pwMailman2Listinfo(m); listinfo != "" {
		for _, name := range pwMailman2Names(m, local) {
			lines := name + " mailing list\n" + name + "@" + host + "\n" + listinfo + "\n"
			out = append(out,
				pwFooter{"mailman2", mailmanRule + lines},
				pwFooter{`mailman2 "--"`, "--\n" + lines})
		}
	}
	if pwMailman3(m, local, host) {
		for _, name := range appendUniq(nil, local, pwCapitalize(local)) {
			out = append(out, pwFooter{"mailman3", mailmanRule +
				name + " mailing list -- " + local + "@" + host + "\n" +
				"To unsubscribe send an email to " + local + "-leave@" + host + "\n"})
		}
	}
	return out
}

// pwURLs returns the <...> items of a list field (RFC 2369), trimmed.
func pwURLs(v string) []string {
	var out []string
	for {
		i := strings.IndexByte(v, '<')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(v[i+1:], '>')
		if j < 0 {
			return out
		}
		if u := strings.TrimSpace(v[i+1 : i+1+j]); u != "" {
			out = append(out, u)
		}
		v = v[i+1+j+1:]
	}
}

// pwField returns the first field named name, unfolded and trimmed.
func pwField(m *headers.Message, name string) string {
	v, _ := m.Get(name)
	return strings.TrimSpace(pwUnfold(v))
}

// pwListPost returns the posting address of List-Post, or "".
func pwListPost(m *headers.Message) string {
	for _, u := range pwURLs(pwField(m, "List-Post")) {
		if addr, ok := pwMailto(u); ok && pwPlainAddr(addr) {
			return addr
		}
	}
	return ""
}

// pwMailto returns the address of a mailto: URL, without its query.
func pwMailto(u string) (addr string, ok bool) {
	addr, ok = pwCutPrefixFold(u, "mailto:")
	addr, _, _ = strings.Cut(addr, "?")
	return addr, ok
}

// pwPlainAddr reports whether a is a short local@host with no white space
// or characters that would need quoting.
func pwPlainAddr(a string) bool {
	if len(a) > 254 || strings.Count(a, "@") != 1 {
		return false
	}
	for i := 0; i < len(a); i++ {
		c := a[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"<>()[],;:\`, c) >= 0 {
			return false
		}
	}
	return true
}

func pwCutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// pwMailman2Listinfo returns the listinfo URL of a Mailman 2 list: the
// http(s) URL of List-Subscribe with "/listinfo/" in it, or the options
// URL of List-Unsubscribe turned into it; "" when neither is there.
func pwMailman2Listinfo(m *headers.Message) string {
	web := func(u string) bool {
		_, h := pwCutPrefixFold(u, "http://")
		_, s := pwCutPrefixFold(u, "https://")
		return (h || s) && pwURLChars(u)
	}
	for _, u := range pwURLs(pwField(m, "List-Subscribe")) {
		if web(u) && strings.Contains(u, "/listinfo/") {
			return u
		}
	}
	for _, u := range pwURLs(pwField(m, "List-Unsubscribe")) {
		if web(u) && strings.Contains(u, "/options/") {
			return strings.Replace(u, "/options/", "/listinfo/", 1)
		}
	}
	return ""
}

func pwURLChars(u string) bool {
	if len(u) > 512 {
		return false
	}
	for i := 0; i < len(u); i++ {
		if u[i] <= ' ' || u[i] >= 0x7f {
			return false
		}
	}
	return true
}

// pwMailman2Names returns the list's real_name as the footer spells it:
// the display name of Mailman's Sender ("<list>" <list-bounces@host>)
// when it names this list, then List-Post's local part.
func pwMailman2Names(m *headers.Message, local string) []string {
	sender := pwField(m, "Sender")
	if q1 := strings.IndexByte(sender, '"'); q1 >= 0 {
		if q2 := strings.IndexByte(sender[q1+1:], '"'); q2 > 0 {
			name := sender[q1+1 : q1+1+q2]
			if strings.EqualFold(name, local) {
				return appendUniq(nil, name, local)
			}
		}
	}
	return []string{local}
}

// pwMailman3 reports whether the fields show a Mailman 3 list: a
// List-Unsubscribe mailto of <list>-leave@<host>, or X-Mailman-Version 3.
func pwMailman3(m *headers.Message, local, host string) bool {
	if strings.HasPrefix(pwField(m, "X-Mailman-Version"), "3.") {
		return true
	}
	for _, u := range pwURLs(pwField(m, "List-Unsubscribe")) {
		if addr, ok := pwMailto(u); ok && strings.EqualFold(addr, local+"-leave@"+host) {
			return true
		}
	}
	return false
}

// pwGroup names a Google group: its name, the domain of its address
// (googlegroups.com, or a Google Workspace domain) and its web prefix.
type pwGGroup struct {
	group, domain, web string
}

// pwGoogleGroup reads the group from List-ID (<group.googlegroups.com>)
// or List-Post (a groups.google.com URL and the group's address).
func pwGoogleGroup(m *headers.Message, post string) pwGGroup {
	local, host, _ := strings.Cut(post, "@")
	id := strings.ToLower(strings.Join(pwURLs(pwField(m, "List-ID")), ""))
	switch {
	case strings.EqualFold(host, "googlegroups.com") && local != "":
		return pwGGroup{local, "googlegroups.com", "https://groups.google.com/"}
	case post == "" && strings.HasSuffix(id, ".googlegroups.com"):
		g := strings.TrimSuffix(id, ".googlegroups.com")
		if g != "" && pwPlainAddr(g+"@googlegroups.com") {
			return pwGGroup{g, "googlegroups.com", "https://groups.google.com/"}
		}
	case local != "":
		// A Workspace group: List-Post names https://groups.google.com/a/<domain>/group/<group>/post.
		for _, u := range pwURLs(pwField(m, "List-Post")) {
			if strings.HasPrefix(u, "https://groups.google.com/a/"+host+"/group/"+local+"/") {
				return pwGGroup{local, host, "https://groups.google.com/a/" + host + "/"}
			}
		}
	}
	return pwGGroup{}
}

// footers returns the Google Groups footers, the current one first.
func (g pwGGroup) footers(msgid string) []pwFooter {
	var (
		recv  = `You received this message because you are subscribed to the Google Groups "` + g.group + `" group.` + "\n"
		unsub = "To unsubscribe from this group and stop receiving emails from it, send an email to " + g.group + "+unsubscribe@" + g.domain + ".\n"
		post  = "To post to this group, send email to " + g.group + "@" + g.domain + ".\n"
		visit = "Visit this group at " + g.web + "group/" + g.group + ".\n"
		opt   = "For more options, visit https://groups.google.com/d/optout.\n"
		view  = ""
		view2 = ""
	)
	if msgid != "" {
		url := g.web + "d/msgid/" + g.group + "/" + pwGoogleEscape(msgid) + ".\n"
		view = "To view this discussion on the web visit " + url
		view2 = "To view this discussion visit " + url
	}
	head := "-- \n" + recv + unsub
	return []pwFooter{
		{"googlegroups", head + view},
		{"googlegroups 2024", head + view2},
		{"googlegroups optout", head + post + view + opt},
		{"googlegroups optout, no post", head + view + opt},
		{"googlegroups visit", head + post + visit + view + opt},
	}
}

// pwMessageID returns the Message-ID without its angle brackets, or "".
func pwMessageID(m *headers.Message) string {
	id := pwField(m, "Message-ID")
	id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
	if id == "" || len(id) > 998 || strings.ContainsAny(id, " \t<>") {
		return ""
	}
	return id
}

// pwGoogleEscape escapes a Message-ID as Google Groups writes it in a
// thread URL: letters, digits and "-._" as they are, every other byte as
// %XX ("@" is %40, "%" is %25, as seen on real mail).
func pwGoogleEscape(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' {
			b = append(b, c)
			continue
		}
		b = appendHexEscape(b, '%', c)
	}
	return string(b)
}

func pwCapitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// appendUniq appends to list each of ss not in it yet, in order.
func appendUniq(list []string, ss ...string) []string {
	for _, s := range ss {
		if !slices.Contains(list, s) {
			list = append(list, s)
		}
	}
	return list
}
