package dkim

// A simulator of Patchwork's storage of a mail body (patchwork/parser.py:
// _find_content, find_patch_content, find_comment_content, parse_patch,
// clean_content), used to check BodyCandidates on real signed mail.

import (
	"bytes"
	"encoding/base64"
	"mime"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mailprov/mailprov/headers"
)

// pwSimResult is what Patchwork would store for a message.
type pwSimResult struct {
	content string
	diff    string
	hasDiff bool
	skip    string // why Patchwork (or the simulator) stores nothing usable
}

// simulatePatchwork stores m's body the way Patchwork does. crlf turns the
// raw body's line ends into CRLF first (mail fed to Patchwork with CRLF).
func simulatePatchwork(m *headers.Message, crlf bool) pwSimResult {
	body := m.Body
	if crlf {
		body = toCRLF(body)
	}
	ct, _ := m.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil {
		mt, params = "text/plain", map[string]string{}
	}
	if strings.HasPrefix(mt, "multipart/") {
		return pwSimResult{skip: "multipart"}
	}
	if !strings.HasPrefix(mt, "text/") {
		return pwSimResult{skip: "not text"}
	}
	subtype := strings.TrimPrefix(mt, "text/")
	cte, _ := m.Get("Content-Transfer-Encoding")
	var payload []byte
	switch strings.ToLower(cte) {
	case "quoted-printable":
		payload = pyQPDecode(body)
	case "base64":
		b, err := base64.StdEncoding.DecodeString(string(bytes.Join(bytes.Fields(body), nil)))
		if err != nil {
			return pwSimResult{skip: "bad base64"}
		}
		payload = b
	default:
		payload = body
	}
	var text string
	switch cs := strings.ToLower(params["charset"]); cs {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		if !utf8.Valid(payload) {
			if cs != "" {
				return pwSimResult{skip: "charset decode failed"}
			}
			text = latin1String(payload) // windows-1252 ~ iso-8859-1
		} else {
			text = string(payload)
		}
	case "iso-8859-1", "latin1", "latin-1":
		text = latin1String(payload)
	default:
		return pwSimResult{skip: "charset " + cs}
	}
	subject, _ := m.Get("Subject")
	isComment := regexp.MustCompile(`(?i)^(re)[:\s]\s*`).MatchString(subject)
	var diff, comment *string
	if isComment {
		if subtype == "plain" {
			c := pyStrip(text) + "\n"
			comment = &c
		}
	} else {
		switch subtype {
		case "x-patch", "x-diff":
			diff = &text
		case "plain":
			d, c := parsePatch(text)
			diff = d
			if c != nil {
				s := pyStrip(*c) + "\n"
				comment = &s
			}
		}
	}
	res := pwSimResult{}
	if comment != nil {
		res.content = cleanContent(*comment)
	} else {
		res.content = cleanContent("")
	}
	// The API returns content with CRLF turned into LF.
	res.content = strings.ReplaceAll(res.content, "\r\n", "\n")
	if diff != nil {
		res.diff, res.hasDiff = *diff, true
	}
	if !res.hasDiff && res.content == "" {
		res.skip = "nothing stored"
	}
	return res
}

func toCRLF(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
}

func latin1String(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		sb.WriteRune(rune(c))
	}
	return sb.String()
}

// pyStrip is Python's str.strip() for the white space that occurs in mail.
func pyStrip(s string) string { return strings.TrimSpace(s) }

// pyQPDecode decodes quoted-printable as Python's quopri.decodestring does
// (what email's get_payload(decode=True) uses): trailing white space and CR
// of each line dropped, soft breaks joined, lines ended with LF.
func pyQPDecode(b []byte) []byte {
	var out []byte
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		var line []byte
		partial := false
		if i < 0 {
			line, b, partial = b, nil, true
		} else {
			line, b = b[:i], b[i+1:]
		}
		n := len(line)
		for n > 0 && (line[n-1] == ' ' || line[n-1] == '\t' || line[n-1] == '\r') {
			n--
		}
		line = line[:n]
		soft := false
		if n > 0 && line[n-1] == '=' {
			soft, line = true, line[:n-1]
		}
		for j := 0; j < len(line); j++ {
			if line[j] == '=' && j+2 < len(line)+0 && isHex(line[j+1]) && isHex(line[j+2]) {
				v, _ := strconv.ParseUint(string(line[j+1:j+3]), 16, 8)
				out = append(out, byte(v))
				j += 2
				continue
			}
			out = append(out, line[j])
		}
		if !soft && !partial {
			out = append(out, '\n')
		}
	}
	return out
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// cleanContent is clean_content: cut at the first "-- \n" or "_+\n" line,
// then strip.
func cleanContent(s string) string {
	off := 0
	for off < len(s) {
		end := strings.IndexByte(s[off:], '\n')
		if end < 0 {
			break
		}
		line := s[off : off+end]
		if line == "-- " || (line != "" && strings.Trim(line, "_") == "") {
			s = s[:off]
			break
		}
		off += end + 1
	}
	return pyStrip(s)
}

var (
	hunkRE            = regexp.MustCompile(`^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@`)
	extendedHeaderPfx = []string{"old mode ", "new mode ", "deleted file mode ", "new file mode ",
		"copy from ", "copy to ", "rename from ", "rename to ", "similarity index ",
		"dissimilarity index ", "new file mode ", "index "}
)

func hasExtendedHeader(line string) bool {
	for _, p := range extendedHeaderPfx {
		if strings.HasPrefix(line, p) {
			return true
		}
	}
	return false
}

// parsePatch is parse_patch: the line state machine splitting a payload
// into diff and comment. Either may be nil.
func parsePatch(content string) (diff, comment *string) {
	var patchbuf, commentbuf, buf strings.Builder
	state := 0
	lc := [2]int{}
	hunk := 0
	for _, line := range strings.Split(content, "\n") {
		line += "\n"
		switch state {
		case 0:
			switch {
			case strings.HasPrefix(line, "diff ") || strings.HasPrefix(line, "Index: "):
				state = 1
				buf.WriteString(line)
			case strings.HasPrefix(line, "--- "):
				state = 2
				buf.WriteString(line)
			default:
				commentbuf.WriteString(line)
			}
		case 1:
			buf.WriteString(line)
			if strings.HasPrefix(line, "--- ") {
				state = 2
			}
			if hasExtendedHeader(line) {
				state = 6
			}
		case 2:
			switch {
			case strings.HasPrefix(line, "+++ "):
				state = 3
				buf.WriteString(line)
			case hunk > 0:
				state = 1
				buf.WriteString(line)
			default:
				state = 0
				commentbuf.WriteString(buf.String() + line)
				buf.Reset()
			}
		case 3:
			if mm := hunkRE.FindStringSubmatch(line); mm != nil {
				fn := func(x string) int {
					if x == "" {
						return 1
					}
					n, _ := strconv.Atoi(x)
					return n
				}
				lc = [2]int{fn(mm[1]), fn(mm[2])}
				state = 4
				patchbuf.WriteString(buf.String() + line)
				buf.Reset()
			} else if strings.HasPrefix(line, "--- ") {
				patchbuf.WriteString(buf.String() + line)
				buf.Reset()
				state = 2
			} else if hunk > 0 && strings.HasPrefix(line, `\ No newline at end of file`) {
				patchbuf.WriteString(line)
			} else if hunk > 0 {
				state = 1
				buf.WriteString(line)
			} else {
				state = 0
				commentbuf.WriteString(buf.String() + line)
				buf.Reset()
			}
		case 4, 5:
			switch {
			case strings.HasPrefix(line, "-"):
				lc[0]--
			case strings.HasPrefix(line, "+"):
				lc[1]--
			case strings.HasPrefix(line, `\ No newline at end of file`):
			default:
				lc[0]--
				lc[1]--
			}
			patchbuf.WriteString(line)
			if lc[0] <= 0 && lc[1] <= 0 {
				state = 3
				hunk++
			} else {
				state = 5
			}
		case 6:
			switch {
			case hasExtendedHeader(line):
				patchbuf.WriteString(buf.String() + line)
				buf.Reset()
			case strings.HasPrefix(line, "--- "):
				patchbuf.WriteString(buf.String() + line)
				buf.Reset()
				state = 2
			default:
				buf.WriteString(line)
				state = 1
			}
		}
	}
	commentbuf.WriteString(buf.String())
	if s := patchbuf.String(); s != "" {
		diff = &s
	}
	if s := commentbuf.String(); s != "" {
		comment = &s
	}
	return diff, comment
}
