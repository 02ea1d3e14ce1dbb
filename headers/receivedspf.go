package headers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// FieldReceivedSPF is the name of the field ParseReceivedSPF reads.
const FieldReceivedSPF = "Received-SPF"

// ErrReceivedSPFSyntax means a Received-SPF value is not well formed
// (RFC 7208 §9.1). It is wrapped in a *SyntaxError.
var ErrReceivedSPFSyntax = errors.New("headers: malformed Received-SPF")

// Param is one key=value pair of a Received-SPF field.
type Param struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// ParamList is a list of key=value pairs in the order written. It encodes to
// JSON as an object with the keys in that order; when a key repeats, the
// first value is kept.
type ParamList []Param

// Get returns the value of the first pair whose key equals key,
// case-insensitively.
func (l ParamList) Get(key string) (string, bool) {
	for _, p := range l {
		if strings.EqualFold(p.Key, key) {
			return p.Value, true
		}
	}
	return "", false
}

// MarshalJSON encodes l as an ordered JSON object.
func (l ParamList) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	seen := make(map[string]bool, len(l))
	for _, p := range l {
		if seen[p.Key] {
			continue
		}
		seen[p.Key] = true
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(p.Key)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(p.Value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// ReceivedSPF is a parsed Received-SPF field (RFC 7208 §9.1): the SPF result
// a receiver recorded, its comment, and the key=value pairs.
type ReceivedSPF struct {
	// Result is the result keyword in lower case: "pass", "fail",
	// "softfail", "neutral", "none", "temperror" or "permerror".
	Result string `json:"result"`
	// Comment is the comment after the result (several are joined by "; ").
	Comment string `json:"comment,omitempty"`
	// Params are all key=value pairs in order, including unknown keys.
	Params ParamList `json:"params,omitempty"`
	// The RFC 7208 §9.1 keys, copied from Params (the first of each).
	ClientIP     string `json:"client_ip,omitempty"`
	EnvelopeFrom string `json:"envelope_from,omitempty"`
	Helo         string `json:"helo,omitempty"`
	Receiver     string `json:"receiver,omitempty"`
	Identity     string `json:"identity,omitempty"`
	Mechanism    string `json:"mechanism,omitempty"`
	Problem      string `json:"problem,omitempty"`
	// Raw is the field value as given.
	Raw string `json:"-"`
}

// spfResults are the results RFC 7208 §2.6 defines.
var spfResults = map[string]bool{
	"pass": true, "fail": true, "softfail": true, "neutral": true,
	"none": true, "temperror": true, "permerror": true,
}

// ParseReceivedSPF parses a Received-SPF value (RFC 7208 §9.1):
//
//	result FWS [comment FWS] [key-value-list]
//
// Values may be dot-atoms, quoted strings, or bare text such as an IPv6
// address; pairs separated by white space instead of ";" are accepted.
//
// It always returns a ReceivedSPF holding what could be read. The error, a
// *SyntaxError wrapping ErrReceivedSPFSyntax, is for the first problem: an
// unknown result, a pair without "=", an unterminated comment or quoted
// string. A broken pair is skipped to the next ";".
func ParseReceivedSPF(value string) (*ReceivedSPF, error) {
	r := &ReceivedSPF{Raw: value}
	p := &arParser{s: value, field: FieldReceivedSPF, sentinel: ErrReceivedSPFSyntax}
	var comments []string
	p.skipCFWS(&comments)
	if p.fatal {
		return r, p.err
	}
	start := p.i
	result := strings.ToLower(p.keyword())
	switch {
	case result == "":
		p.fail("missing result")
	case !spfResults[result]:
		p.failAt(start, fmt.Sprintf("unknown result %q", result))
	default:
		r.Result = result
	}
	if result != "" && p.i < len(p.s) && p.s[p.i] == '=' {
		// A key=value list without a result.
		p.i = start
	}
	for !p.fatal {
		p.skipCFWS(&comments)
		if p.fatal || p.eof() {
			break
		}
		if p.eat(';') {
			continue
		}
		keyStart := p.i
		key := p.keyword()
		p.skipCFWS(&comments)
		if key == "" || !p.eat('=') {
			p.failAt(keyStart, "expected key=value")
			p.resync()
			continue
		}
		p.skipCFWS(&comments)
		v, ok := p.value()
		if !ok {
			break
		}
		r.Params = append(r.Params, Param{Key: key, Value: v})
	}
	r.Comment = strings.Join(comments, "; ")
	for _, kv := range []struct {
		key string
		dst *string
	}{
		{"client-ip", &r.ClientIP}, {"envelope-from", &r.EnvelopeFrom},
		{"helo", &r.Helo}, {"receiver", &r.Receiver}, {"identity", &r.Identity},
		{"mechanism", &r.Mechanism}, {"problem", &r.Problem},
	} {
		*kv.dst, _ = r.Params.Get(kv.key)
	}
	return r, p.err
}
