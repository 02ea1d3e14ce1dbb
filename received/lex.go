package received

import "strings"

// The lexer splits a Received value into tokens without copying: every
// token text is a substring of the input. It runs in time linear in the
// input, including for unbalanced parentheses, brackets and quotes.

type tokKind uint8

const (
	tokWord    tokKind = iota // a run of non-space, non-special characters
	tokComment                // (...) with nesting; text is the inside
	tokBracket                // [...]; text is the inside
	tokAngle                  // <...> or <<...>>; text is the inside
	tokQuoted                 // "..."; text is the inside
	tokSemi                   // ;
)

type token struct {
	text  string
	start int32 // offset of the token's first byte in the lexed string
	end   int32 // offset just past the token's last byte
	kind  tokKind
}

// Byte classes, so the lexer's inner loops test one table entry per byte.
const (
	clSpace       uint8 = 1 << iota // white space
	clWordEnd                       // ends a word: space ; ( ) "
	clBracketStop                   // ends the search for a "]": [ ( ) < > ; newline
	clAngleStop                     // ends the search for a ">": [ ] ( ) < ; space
)

var byteClass = [256]uint8{
	' ':  clSpace | clWordEnd | clAngleStop,
	'\t': clSpace | clWordEnd | clAngleStop,
	'\n': clSpace | clWordEnd | clAngleStop | clBracketStop,
	'\r': clSpace | clWordEnd | clAngleStop,
	'\f': clSpace | clWordEnd | clAngleStop,
	'\v': clSpace | clWordEnd | clAngleStop,
	';':  clWordEnd | clBracketStop | clAngleStop,
	'(':  clWordEnd | clBracketStop | clAngleStop,
	')':  clWordEnd | clBracketStop | clAngleStop,
	'"':  clWordEnd,
	'[':  clBracketStop | clAngleStop,
	']':  clAngleStop,
	'<':  clBracketStop | clAngleStop,
	'>':  clBracketStop,
}

func isSpace(c byte) bool { return byteClass[c]&clSpace != 0 }

// lexer holds the state of one tokenisation.
type lexer struct {
	s string
	// match maps the offset of an opening parenthesis to the offset of its
	// closing one (+1, so 0 means unmatched). It is built only when a
	// parenthesis is found unclosed; until then a forward scan finds each
	// closing one, which is linear while the parentheses nest properly.
	match []int32
	// stray is set when a ")" closing nothing was skipped, and
	// quotedParen when a quoted string holds a parenthesis.
	stray, quotedParen bool
}

// balanced reports whether the parentheses of s nest properly.
func balanced(s string) bool {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth < 0 {
				return false
			}
		}
	}
	return depth == 0
}

func newLexer(s string) lexer { return lexer{s: s} }

// balanced reports whether the parentheses of the lexed string nest
// properly; it is valid after lex. Outside quoted strings every
// parenthesis is either inside a comment token (which nests properly), a
// stray ")" or an unclosed "(", so only a parenthesis in a quoted string
// needs a second look.
func (l *lexer) balanced() bool {
	if l.quotedParen {
		return balanced(l.s)
	}
	return l.match == nil && !l.stray
}

// closeParen returns the offset of the parenthesis closing the one at i, or
// -1 if it has none.
func (l *lexer) closeParen(i int) int {
	if l.match == nil {
		depth := 0
		for j := i; j < len(l.s); j++ {
			switch l.s[j] {
			case '(':
				depth++
			case ')':
				depth--
				if depth == 0 {
					return j
				}
			}
		}
		// Unclosed: from now on look matches up in a table, so that a run
		// of unclosed parentheses is not scanned again from each of them.
		// The table pairs parentheses as the forward scan does.
		l.match = make([]int32, len(l.s))
		var stack []int32
		for k := 0; k < len(l.s); k++ {
			switch l.s[k] {
			case '(':
				stack = append(stack, int32(k))
			case ')':
				if n := len(stack); n > 0 {
					l.match[stack[n-1]] = int32(k) + 1
					stack = stack[:n-1]
				}
			}
		}
	}
	return int(l.match[i]) - 1
}

// scanTo returns the offset of the first close byte after i, or -1 when a
// byte of class stop (or the end) comes first. Stopping early keeps
// repeated unclosed openers linear.
func scanTo(s string, i int, close byte, stop uint8) int {
	for j := i + 1; j < len(s); j++ {
		c := s[j]
		if c == close {
			return j
		}
		if byteClass[c]&stop != 0 {
			return -1
		}
	}
	return -1
}

// lex appends the tokens of l.s to dst and returns it.
func (l *lexer) lex(dst []token) []token {
	s := l.s
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case isSpace(c):
			i++
			continue
		case c == ';':
			dst = append(dst, token{kind: tokSemi, text: ";", start: int32(i), end: int32(i + 1)})
			i++
			continue
		case c == ')':
			// A stray closing parenthesis: skip it.
			l.stray = true
			i++
			continue
		case c == '(':
			if j := l.closeParen(i); j >= 0 {
				dst = append(dst, token{kind: tokComment, text: s[i+1 : j], start: int32(i), end: int32(j + 1)})
				i = j + 1
				continue
			}
			// Unclosed: skip the parenthesis itself and read on.
			i++
			continue
		case c == '[':
			if j := scanTo(s, i, ']', clBracketStop); j >= 0 {
				dst = append(dst, token{kind: tokBracket, text: s[i+1 : j], start: int32(i), end: int32(j + 1)})
				i = j + 1
				continue
			}
		case c == '<':
			n := 1
			for i+n < len(s) && s[i+n] == '<' {
				n++
			}
			if j := scanTo(s, i+n-1, '>', clAngleStop); j >= 0 {
				e := j
				for k := 1; k < n && e+1 < len(s) && s[e+1] == '>'; k++ {
					e++
				}
				dst = append(dst, token{kind: tokAngle, text: s[i+n : j], start: int32(i), end: int32(e + 1)})
				i = e + 1
				continue
			}
			if n > 1 {
				// A run of unclosed "<": one word, so the run is not
				// counted again from each of its bytes.
				dst = append(dst, token{kind: tokWord, text: s[i : i+n], start: int32(i), end: int32(i + n)})
				i += n
				continue
			}
		case c == '"':
			if j := scanTo(s, i, '"', 0); j >= 0 {
				if !l.quotedParen && strings.ContainsAny(s[i+1:j], "()") {
					l.quotedParen = true
				}
				dst = append(dst, token{kind: tokQuoted, text: s[i+1 : j], start: int32(i), end: int32(j + 1)})
				i = j + 1
				continue
			}
		}
		// A word: up to space or a special byte. A special byte that did
		// not open a token above is taken as part of the word.
		j := i + 1
		for j < len(s) {
			d := s[j]
			if cl := byteClass[d]; cl != 0 {
				if cl&clWordEnd != 0 {
					break
				}
				// "Verified[1.2.3.4]" splits before a bracket that closes;
				// an opener that does not close stays in the word.
				if d == '[' && scanTo(s, j, ']', clBracketStop) >= 0 {
					break
				}
				if d == '<' && scanTo(s, j, '>', clAngleStop) >= 0 {
					break
				}
			}
			j++
		}
		w := s[i:j]
		// Trailing commas separate clauses in some MTAs ("by host, id x").
		for len(w) > 1 && w[len(w)-1] == ',' {
			w = w[:len(w)-1]
		}
		dst = append(dst, token{kind: tokWord, text: w, start: int32(i), end: int32(j)})
		i = j
	}
	return dst
}
