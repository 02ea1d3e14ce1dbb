package headers

import "strings"

// ListInfo holds a message's mailing list fields: List-Id (RFC 2919) and
// the URL fields of RFC 2369 and RFC 8058.
type ListInfo struct {
	// ID is the list identifier from List-Id, without angle brackets
	// ("qemu-devel.nongnu.org"); "" when the message has no List-Id.
	ID string `json:"id"`
	// Name is the List-Id description, RFC 2047 words decoded.
	Name string `json:"name,omitempty"`
	// Post, Archive, Help, Owner, Subscribe and Unsubscribe are the URLs
	// of the matching List-* fields, in order, white space removed. A
	// List-Post of "NO" (posting not allowed) is kept as the single entry
	// "NO".
	Post        []string `json:"post,omitempty"`
	Archive     []string `json:"archive,omitempty"`
	Help        []string `json:"help,omitempty"`
	Owner       []string `json:"owner,omitempty"`
	Subscribe   []string `json:"subscribe,omitempty"`
	Unsubscribe []string `json:"unsubscribe,omitempty"`
	// UnsubscribePost is List-Unsubscribe-Post (RFC 8058), normally
	// "List-Unsubscribe=One-Click".
	UnsubscribePost string `json:"unsubscribe_post,omitempty"`
}

// ParseList reads the List-* fields of m. It returns nil when m has none
// of List-Id, List-Post, List-Archive, List-Help, List-Owner,
// List-Subscribe, List-Unsubscribe and List-Unsubscribe-Post. Repeated
// fields add their URLs; of repeated List-Id and List-Unsubscribe-Post
// fields the topmost counts.
func ParseList(m *Message) *ListInfo {
	var li *ListInfo
	get := func() *ListInfo {
		if li == nil {
			li = &ListInfo{}
		}
		return li
	}
	for _, f := range m.Fields {
		if len(f.Name) < 7 || !strings.EqualFold(f.Name[:5], "list-") {
			continue
		}
		switch name := strings.ToLower(f.Name[5:]); name {
		case "id":
			if l := get(); l.ID == "" && l.Name == "" {
				l.ID, l.Name = parseListID(f.Value)
			}
		case "post":
			get().Post = append(li.Post, listURLs(f.Value)...)
		case "archive":
			get().Archive = append(li.Archive, listURLs(f.Value)...)
		case "help":
			get().Help = append(li.Help, listURLs(f.Value)...)
		case "owner":
			get().Owner = append(li.Owner, listURLs(f.Value)...)
		case "subscribe":
			get().Subscribe = append(li.Subscribe, listURLs(f.Value)...)
		case "unsubscribe":
			get().Unsubscribe = append(li.Unsubscribe, listURLs(f.Value)...)
		case "unsubscribe-post":
			if l := get(); l.UnsubscribePost == "" {
				l.UnsubscribePost = Unfold(f.Value)
			}
		}
	}
	return li
}

// parseListID splits "description <id>" (RFC 2919 §3). Without angle
// brackets the whole value is taken as the ID.
func parseListID(value string) (id, name string) {
	v := Unfold(value)
	open := strings.LastIndexByte(v, '<')
	if open < 0 {
		return strings.TrimSpace(stripComments(v)), ""
	}
	rest := v[open+1:]
	if end := strings.IndexByte(rest, '>'); end >= 0 {
		rest = rest[:end]
	}
	name = strings.TrimSpace(v[:open])
	if len(name) >= 2 && name[0] == '"' && name[len(name)-1] == '"' {
		name = strings.ReplaceAll(name[1:len(name)-1], `\"`, `"`)
	}
	return strings.TrimSpace(rest), DecodeText(name)
}

// listURLs reads an RFC 2369 list of "<url>" elements separated by commas,
// with comments. White space inside a URL is removed (RFC 2369 §2). A value
// without angle brackets is split at commas (lenient; "NO" stays "NO").
func listURLs(value string) []string {
	v := Unfold(value)
	var out []string
	if !strings.Contains(v, "<") {
		for _, part := range strings.Split(stripComments(v), ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
		return out
	}
	for {
		open := strings.IndexByte(v, '<')
		if open < 0 {
			return out
		}
		v = v[open+1:]
		end := strings.IndexByte(v, '>')
		if end < 0 {
			end = len(v)
		}
		if u := StripWhitespace(v[:end]); u != "" {
			out = append(out, u)
		}
		if end == len(v) {
			return out
		}
		v = v[end+1:]
	}
}
