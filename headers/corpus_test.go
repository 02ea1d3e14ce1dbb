package headers

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// corpusFile is one file of ../shared/corpus with its messages, loaded by
// Reader, and its header blocks, split by the test's own simple scan.
type corpusFile struct {
	rel     string
	msgs    []*Message
	loadErr error
	blocks  [][]byte // header blocks found by splitHeaderBlocks
}

// loadCorpus reads every data file of the shared corpus (raw messages,
// mbox files with or without an extension; not the TSV or SOURCES.md).
func loadCorpus(t *testing.T) []corpusFile {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "corpus")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("../shared not present: ", err)
	}
	var files []corpusFile
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasSuffix(path, ".tsv") || d.Name() == "SOURCES.md" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		cf := corpusFile{rel: filepath.ToSlash(rel), blocks: splitHeaderBlocks(data)}
		r := NewReader(bytes.NewReader(data), rel)
		for {
			m, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				cf.loadErr = err
				break
			}
			cf.msgs = append(cf.msgs, m)
		}
		files = append(files, cf)
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

// splitHeaderBlocks is the test's independent reading of a file: an mbox
// (first line "From ") is cut at each line starting "From "; each message's
// header runs to its first empty line.
func splitHeaderBlocks(data []byte) [][]byte {
	var msgs [][]byte
	if bytes.HasPrefix(data, []byte("From ")) {
		start := 0
		for i := 0; i < len(data); {
			j := bytes.IndexByte(data[i:], '\n')
			next := len(data)
			if j >= 0 {
				next = i + j + 1
			}
			if i > 0 && bytes.HasPrefix(data[i:], []byte("From ")) {
				msgs = append(msgs, data[start:i])
				start = i
			}
			i = next
		}
		msgs = append(msgs, data[start:])
		for k, m := range msgs {
			msgs[k] = m[bytes.IndexByte(m, '\n')+1:] // drop the From_ line
		}
	} else {
		msgs = [][]byte{data}
	}
	var blocks [][]byte
	for _, m := range msgs {
		end := len(m)
		for i := 0; i < len(m); {
			j := bytes.IndexByte(m[i:], '\n')
			if j < 0 {
				break
			}
			if line := bytes.TrimRight(m[i:i+j], "\r"); len(line) == 0 {
				end = i
				break
			}
			i += j + 1
		}
		blocks = append(blocks, m[:end])
	}
	return blocks
}

// countFields counts the header lines of block that start the field name
// (case-insensitive); white space before the colon is allowed.
func countFields(block []byte, name string) int {
	n := 0
	for _, line := range bytes.Split(block, []byte("\n")) {
		if len(line) == 0 || line[0] == ' ' || line[0] == '\t' {
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon > 0 && strings.EqualFold(strings.TrimRight(string(line[:colon]), " \t"), name) {
			n++
		}
	}
	return n
}

// knownUnloadable are corpus files that are not mail at all.
var knownUnloadable = map[string]error{
	// An Outlook .msg (CDFV2 compound file), not RFC 5322.
	"mail-parser/mail_outlook_1.eml": ErrUnrecognized,
}

func TestCorpusLoads(t *testing.T) {
	files := loadCorpus(t)
	msgs := 0
	for _, cf := range files {
		if want, ok := knownUnloadable[cf.rel]; ok {
			require.ErrorIs(t, cf.loadErr, want, cf.rel)
			continue
		}
		require.NoError(t, cf.loadErr, cf.rel)
		assert.Equal(t, len(cf.blocks), len(cf.msgs), "%s: message count", cf.rel)
		msgs += len(cf.msgs)
	}
	// Pinned: the corpus as measured when this test was written.
	assert.Equal(t, 269, len(files), "files")
	assert.Equal(t, 270, msgs, "messages loaded")
}

// corpusEach calls fn for each message of each file that loaded and whose
// message count agrees with the independent scan.
func corpusEach(t *testing.T, files []corpusFile, fn func(cf corpusFile, i int, m *Message)) {
	for _, cf := range files {
		if cf.loadErr != nil || len(cf.blocks) != len(cf.msgs) {
			continue
		}
		for i, m := range cf.msgs {
			fn(cf, i, m)
		}
	}
}

func TestCorpusAuthFields(t *testing.T) {
	files := loadCorpus(t)
	type tally struct{ fields, results int }
	counts := map[string]*tally{}
	var failures []string
	methods := map[string]int{}
	corpusEach(t, files, func(cf corpusFile, i int, m *Message) {
		where := fmt.Sprintf("%s#%d", cf.rel, i)
		for _, name := range []string{FieldAuthenticationResult, FieldARCAuthResults, FieldReceivedSPF,
			FieldDKIMSignature, FieldARCMessageSignature, FieldARCSeal, FieldGoogleDKIMSignature} {
			fields := m.FieldsNamed(name)
			require.Equal(t, countFields(cf.blocks[i], name), len(fields), "%s: %s fields", where, name)
			c := counts[name]
			if c == nil {
				c = &tally{}
				counts[name] = c
			}
			for k, f := range fields {
				var err error
				switch name {
				case FieldAuthenticationResult, FieldARCAuthResults:
					parse := ParseAuthResults
					if name == FieldARCAuthResults {
						parse = ParseARCAuthResults
					}
					var ar *AuthResults
					ar, err = parse(f.Value)
					require.NotNil(t, ar)
					c.results += len(ar.Results)
					for _, r := range ar.Results {
						methods[r.Method]++
					}
				case FieldReceivedSPF:
					var r *ReceivedSPF
					r, err = ParseReceivedSPF(f.Value)
					require.NotNil(t, r)
					if r.Result != "" {
						c.results++
					}
				default:
					var s *Signature
					s, err = ParseSignature(f.Name, f.Value)
					require.NotNil(t, s)
					if s.Domain != "" {
						c.results++
					}
				}
				c.fields++
				if err != nil {
					failures = append(failures, fmt.Sprintf("%s %s[%d]", where, name, k))
				}
			}
		}
	})
	got := map[string][2]int{}
	for name, c := range counts {
		got[name] = [2]int{c.fields, c.results}
	}
	// Pinned totals: {fields, parsed results (A-R: resinfos; Received-SPF:
	// fields with a known result; signatures: with a d= domain)}.
	assert.Equal(t, map[string][2]int{
		FieldAuthenticationResult: {153, 228},
		FieldARCAuthResults:       {95, 309},
		FieldReceivedSPF:          {53, 51},
		FieldDKIMSignature:        {263, 263},
		FieldARCMessageSignature:  {95, 95},
		FieldARCSeal:              {95, 95},
		FieldGoogleDKIMSignature:  {33, 33},
	}, got)
	assert.Equal(t, map[string]int{"arc": 77, "auth": 20, "dkim": 162, "dkim-atps": 21, "dmarc": 113, "iprev": 1, "spf": 143}, methods)

	sort.Strings(failures)
	assert.Equal(t, knownBadAuthFields, failures)
}

// knownBadAuthFields are the corpus fields that are malformed in the source;
// each still yields what could be read.
var knownBadAuthFields = []string{
	// Office 365 writes Authentication-Results without an authserv-id
	// ("spf=none (sender IP is ) smtp.mailfrom=...") and puts the
	// receiving domain between results ("header.d=none;vger.kernel.org;").
	// The results are still read.
	"lists/dm-devel.redhat.com/112bc6d54e65.eml#0 Authentication-Results[0]",
	"lists/dm-devel.redhat.com/553dc62a1f5d.eml#0 Authentication-Results[0]",
	"lists/linux-api.vger.kernel.org/184f5fbe91ab.eml#0 Authentication-Results[0]",
	"lists/linux-api.vger.kernel.org/6f7b8ec57248.eml#0 Authentication-Results[0]",
	"lists/linux-api.vger.kernel.org/ba3e2450f7de.eml#0 Authentication-Results[0]",
	"lists/linux-api.vger.kernel.org/df0628c30ee0.eml#0 Authentication-Results[0]",
	"lists/linux-aspeed.lists.ozlabs.org/28c9ae80056c.eml#0 Authentication-Results[3]",
	"lists/linux-aspeed.lists.ozlabs.org/67bb118c3f78.eml#0 Authentication-Results[2]",
	"lists/linux-aspeed.lists.ozlabs.org/b4fdd06dd461.eml#0 Authentication-Results[4]",
	"lists/linux-i3c.lists.infradead.org/39f5894b10b5.eml#0 Authentication-Results[0]",
	"lists/linux-i3c.lists.infradead.org/a30c8c7eeb5d.eml#0 Authentication-Results[0]",
	"lists/tboot-devel.lists.sourceforge.net/26599bd30d05.eml#0 Authentication-Results[0]",
	"lists/tboot-devel.lists.sourceforge.net/a3a2af6c8b7d.eml#0 Authentication-Results[0]",
	"lists/tboot-devel.lists.sourceforge.net/ab5674ae8444.eml#0 Authentication-Results[0]",
	"lists/tboot-devel.lists.sourceforge.net/cc360b5fa96b.eml#0 Authentication-Results[0]",
	"lists/tboot-devel.lists.sourceforge.net/f50c803a4d86.eml#0 Authentication-Results[0]",
	// mail-parser's test mail has "Received-SPF: custom_header1" and
	// "custom_header2": no SPF result at all.
	"mail-parser/mail_test_14.eml#0 Received-SPF[0]",
	"mail-parser/mail_test_14.eml#0 Received-SPF[1]",
	// SpamAssassin's test data puts "header.From=..." where a method=result
	// belongs; the dkim result after it is read.
	"spamassassin/dkim__arc__ok01.eml#0 ARC-Authentication-Results[0]",
	"spamassassin/dkim__arc__ok01.eml#0 Authentication-Results[0]",
	"spamassassin/nice__dkim__AddedVtag_07#0 Authentication-Results[0]",
	// Pre-RFC (2005 draft) DKIM signatures with x=-1019102801, a negative
	// expiration time.
	"spamassassin/nice__dkim__AddedVtag_07#0 DKIM-Signature[0]",
	"spamassassin/nice__dkim__MIMEsimple_04#0 DKIM-Signature[0]",
	"spamassassin/nice__dkim__MultipleAuthRes_10#0 Authentication-Results[0]", // header.From= as above
	"spamassassin/nice__dkim__MultipleAuthRes_10#0 Authentication-Results[1]", // header.From= as above
	"spamassassin/nice__dkim__MultipleSig_06#0 DKIM-Signature[0]",
	"spamassassin/nice__dkim__MultipleSig_06#0 DKIM-Signature[1]",
	"spamassassin/nice__dkim__Nowsp_03#0 DKIM-Signature[0]",
	// b= ends in "Llw=", which is not valid base64 (bad padding).
	"spamassassin/nice__dmarc__strictrejectok.eml#0 DKIM-Signature[0]",
}

func TestCorpusSpam(t *testing.T) {
	files := loadCorpus(t)
	engines := map[string]int{}
	corpusEach(t, files, func(cf corpusFile, i int, m *Message) {
		where := fmt.Sprintf("%s#%d", cf.rel, i)
		vs := ParseSpam(m)
		byHeader := map[string]int{}
		for _, v := range vs {
			engines[v.Engine]++
			byHeader[strings.ToLower(v.Header)]++
		}
		// Fields that are always the main field of their own verdict.
		for _, name := range []string{"X-Spamd-Result", "X-Forefront-Antispam-Report",
			"X-Forefront-Antispam-Report-Untrusted", "X-Spam_report"} {
			assert.Equal(t, countFields(cf.blocks[i], name), byHeader[strings.ToLower(name)], "%s: %s", where, name)
		}
		// SpamAssassin's own X-Spam-Status (with required= or hits=) too.
		saStatus := 0
		for _, f := range m.FieldsNamed("X-Spam-Status") {
			if v := Unfold(f.Value); strings.Contains(v, "required=") || strings.Contains(v, "hits=") {
				saStatus++
			}
		}
		n := 0
		for _, v := range vs {
			if strings.EqualFold(v.Header, "X-Spam-Status") && v.Engine == EngineSpamAssassin {
				n++
			}
		}
		assert.Equal(t, saStatus, n, "%s: SpamAssassin X-Spam-Status verdicts", where)
	})
	// Pinned totals per engine.
	assert.Equal(t, map[string]int{EngineMicrosoft: 34, EngineRspamd: 24, EngineSpamAssassin: 81, EngineSpamAssassinExim: 1}, engines)
}
