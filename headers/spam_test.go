package headers

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func spamFloat(f float64) *float64 { return &f }

// msg builds a message from "Name: value" lines; a value continues on
// lines that start with white space.
func spamMsg(order FieldOrder, lines ...string) *Message {
	m := &Message{Order: order}
	for _, l := range lines {
		name, value, _ := strings.Cut(l, ":")
		m.Fields = append(m.Fields, Field{Name: name, Value: value})
	}
	return m
}

func spamRules(spec ...string) []SpamRule {
	var out []SpamRule
	for _, s := range spec {
		name, score, ok := strings.Cut(s, "=")
		r := SpamRule{Name: name}
		if ok {
			r.Score = scorePtr(score)
		}
		out = append(out, r)
	}
	return out
}

func TestParseSpam(t *testing.T) {
	tests := []struct {
		name string
		m    *Message
		want []SpamVerdict
	}{
		{"spamassassin status folded", spamMsg(OrderExact,
			"X-Spam-Checker-Version: SpamAssassin 4.0.1 (2024-03-25) on\r\n\tlists.ozlabs.org",
			"X-Spam-Level: *",
			"X-Spam-Status: No, score=1.1 required=5.0 tests=DKIMWL_WL_HIGH,DKIM_SIGNED,\r\n\tDKIM_VALID,SPF_PASS autolearn=disabled\r\n\tversion=4.0.1",
		), []SpamVerdict{{Engine: EngineSpamAssassin, Header: "X-Spam-Status", Score: spamFloat(1.1), Threshold: spamFloat(5), Flag: boolPtr(false),
			Rules:  spamRules("DKIMWL_WL_HIGH", "DKIM_SIGNED", "DKIM_VALID", "SPF_PASS"),
			Fields: map[string]string{"autolearn": "disabled", "version": "4.0.1", "level": "1", "checker_version": "SpamAssassin 4.0.1 (2024-03-25) on lists.ozlabs.org"}}}},
		{"spamassassin old hits and scored tests", spamMsg(OrderExact,
			"X-Spam-Status: Yes, hits=15.2 required=5\r\n\ttests=A_RULE=1.2,\r\n\t      B_RULE=-0.1\r\n\tversion=2.50-cvs",
			"X-Spam-Flag: YES",
		), []SpamVerdict{{Engine: EngineSpamAssassin, Header: "X-Spam-Status", Score: spamFloat(15.2), Threshold: spamFloat(5), Flag: boolPtr(true),
			Rules: spamRules("A_RULE=1.2", "B_RULE=-0.1"), Fields: map[string]string{"version": "2.50-cvs"}}}},
		{"two status fields are two verdicts", spamMsg(OrderExact,
			"X-Spam-Status: Yes, hits=15 required=5",
			"X-Spam-Flag: YES",
			"X-Spam-Status: No, score=-1.0 required=2.0 tests=none",
			"X-Spam-Flag: NO",
		), []SpamVerdict{
			{Engine: EngineSpamAssassin, Header: "X-Spam-Status", Score: spamFloat(15), Threshold: spamFloat(5), Flag: boolPtr(true)},
			{Engine: EngineSpamAssassin, Header: "X-Spam-Status", Score: spamFloat(-1), Threshold: spamFloat(2), Flag: boolPtr(false)}}},
		{"spamassassin report table", spamMsg(OrderExact,
			"X-Spam-Score: -3.3 (---)",
			"X-Spam-Report: Spam detection software, running on the system \"x\",\r\n has NOT identified this incoming email as spam.\r\n Content analysis details:   (-3.3 points, 6.0 required)\r\n pts rule name              description\r\n ---- ---------------------- --------------------------------------------------\r\n -0.7 RCVD_IN_DNSWL_LOW      RBL: Sender listed at https://www.dnswl.org/,\r\n low trust [170.10.129.124 listed in list.dnswl.org]\r\n 0.1 DKIM_SIGNED            Message has a DKIM or DK signature, not necessarily\r\n valid -0.0 T_SCC_BODY_TEXT_LINE   No description available.\r\n -1.8 NICE_REPLY_A           Looks like a legit reply (A)",
		), []SpamVerdict{{Engine: EngineSpamAssassin, Header: "X-Spam-Report", Score: spamFloat(-3.3), Threshold: spamFloat(6), Rules: []SpamRule{
			{Name: "RCVD_IN_DNSWL_LOW", Score: spamFloat(-0.7), Description: "RBL: Sender listed at https://www.dnswl.org/, low trust [170.10.129.124 listed in list.dnswl.org]"},
			{Name: "DKIM_SIGNED", Score: spamFloat(0.1), Description: "Message has a DKIM or DK signature, not necessarily valid"},
			{Name: "T_SCC_BODY_TEXT_LINE", Score: spamFloat(0), Description: "No description available."},
			{Name: "NICE_REPLY_A", Score: spamFloat(-1.8), Description: "Looks like a legit reply (A)"}}}}},
		{"spamassassin starred report fills status rules", spamMsg(OrderExact,
			"X-Spam-Status: Yes, score=5.1 required=5.0 tests=BAYES_00,RCVD_IN_SBL_CSS\r\n\tautolearn=no",
			"X-Spam-Report: \r\n\t*  3.3 RCVD_IN_SBL_CSS RBL: Received via a relay in Spamhaus SBL-CSS\r\n\t* -1.9 BAYES_00 BODY: Bayes spam probability is 0 to 1%\r\n\t*      [score: 0.0000]",
		), []SpamVerdict{{Engine: EngineSpamAssassin, Header: "X-Spam-Status", Score: spamFloat(5.1), Threshold: spamFloat(5), Flag: boolPtr(true),
			Rules: []SpamRule{
				{Name: "BAYES_00", Score: spamFloat(-1.9), Description: "BODY: Bayes spam probability is 0 to 1% [score: 0.0000]"},
				{Name: "RCVD_IN_SBL_CSS", Score: spamFloat(3.3), Description: "RBL: Received via a relay in Spamhaus SBL-CSS"}},
			Fields: map[string]string{"autolearn": "no"}}}},
		// The Patchwork sample's Exim fields (per-name order).
		{"exim", spamMsg(OrderPerName,
			"X-Spam_score_int: -20",
			"X-Spam_score: -2.1",
			"X-Spam_bar: --",
			"X-Spam_report: (-2.1 / 5.0 requ) BAYES_00=-1.9, DKIM_SIGNED=0.1,\n DKIM_VALID=-0.1, FREEMAIL_FROM=0.001,\n SPF_PASS=-0.001 autolearn=ham autolearn_force=no",
			"X-Spam_action: no action",
		), []SpamVerdict{{Engine: EngineSpamAssassinExim, Header: "X-Spam_report", Score: spamFloat(-2.1), Threshold: spamFloat(5), Action: "no action",
			Rules:  spamRules("BAYES_00=-1.9", "DKIM_SIGNED=0.1", "DKIM_VALID=-0.1", "FREEMAIL_FROM=0.001", "SPF_PASS=-0.001"),
			Fields: map[string]string{"autolearn": "ham", "autolearn_force": "no", "bar": "--", "score_int": "-20"}}}},
		{"exim score_int only", spamMsg(OrderExact, "X-Spam_score_int: -10"),
			[]SpamVerdict{{Engine: EngineSpamAssassinExim, Header: "X-Spam_score_int", Score: spamFloat(-1), Fields: map[string]string{"score_int": "-10"}}}},
		{"rspamd", spamMsg(OrderExact,
			"X-Spamd-Result: default: False [-2.10 / 15.00];\r\n\tARC_ALLOW(-1.00)[lists.ozlabs.org:s=201707:i=1];\r\n\tDMARC_POLICY_SOFTFAIL(0.10)[suse.de : SPF not aligned (relaxed); x,none];\r\n\tHAS_LIST_UNSUB(-0.01)[]",
			"X-Rspamd-Queue-Id: 23B8F2F046C",
			"X-Rspamd-Action: no action",
			"X-Rspamd-Server: lfdr",
		), []SpamVerdict{{Engine: EngineRspamd, Header: "X-Spamd-Result", Score: spamFloat(-2.1), Threshold: spamFloat(15), Action: "no action", Flag: boolPtr(false),
			Rules: []SpamRule{
				{Name: "ARC_ALLOW", Score: spamFloat(-1), Description: "lists.ozlabs.org:s=201707:i=1"},
				{Name: "DMARC_POLICY_SOFTFAIL", Score: spamFloat(0.1), Description: "suse.de : SPF not aligned (relaxed); x,none"},
				{Name: "HAS_LIST_UNSUB", Score: spamFloat(-0.01)}},
			Fields: map[string]string{"metric": "default", "server": "lfdr"}}}},
		{"rspamd writes SA-style fields", spamMsg(OrderExact,
			"X-Spam-Status: No, score=2.22",
			"X-Spamd-Bar: ++",
			"X-Rspamd-Server: mx",
			"X-Spam-Level: **",
			"X-Spamd-Result: default: False [2.22 / 15.00]; ARC_NA(0.00)[]",
		), []SpamVerdict{{Engine: EngineRspamd, Header: "X-Spamd-Result", Score: spamFloat(2.22), Threshold: spamFloat(15), Flag: boolPtr(false),
			Rules:  []SpamRule{{Name: "ARC_NA", Score: spamFloat(0)}},
			Fields: map[string]string{"metric": "default", "bar": "++", "server": "mx", "level": "2"}}}},
		{"rspamd report and score", spamMsg(OrderExact,
			"X-RSPAMD-Score: -0.1 (/)",
			"X-RSPAMD-Report: Action: no action\r\n Symbol: RCVD_VIA_SMTP_AUTH(0.00)\r\n Symbol: MIME_GOOD(-0.10)",
		), []SpamVerdict{{Engine: EngineRspamd, Header: "X-RSPAMD-Report", Score: spamFloat(-0.1), Action: "no action",
			Rules: spamRules("RCVD_VIA_SMTP_AUTH=0", "MIME_GOOD=-0.1")}}},
		{"microsoft", spamMsg(OrderExact,
			"X-MS-Exchange-Organization-SCL: -1",
			"X-Microsoft-Antispam: BCL:0;ARA:13230040|366016;",
			"X-Forefront-Antispam-Report:\r\n\tCIP:84.19.233.75;CTRY:GB;LANG:en;SCL:1;SRV:;IPV:NLI;SFV:NSPM;H:edirelay1.ad.cirrus.com;CAT:NONE;DIR:OUT;SFP:1102;",
		), []SpamVerdict{{Engine: EngineMicrosoft, Header: "X-Forefront-Antispam-Report", Score: spamFloat(1), Flag: boolPtr(false),
			Fields: map[string]string{"BCL": "0", "CIP": "84.19.233.75", "CTRY": "GB", "LANG": "en", "SCL": "1", "SRV": "", "IPV": "NLI", "SFV": "NSPM",
				"H": "edirelay1.ad.cirrus.com", "CAT": "NONE", "DIR": "OUT", "SFP": "1102"}}}},
		{"microsoft spam and untrusted copy", spamMsg(OrderExact,
			"X-Forefront-Antispam-Report-Untrusted: SFV:SPM;SCL:5",
			"X-Forefront-Antispam-Report: SFV:SPM;SCL:9;CAT:HSPM",
		), []SpamVerdict{
			{Engine: EngineMicrosoft, Header: "X-Forefront-Antispam-Report-Untrusted", Score: spamFloat(5), Flag: boolPtr(true), Fields: map[string]string{"SFV": "SPM", "SCL": "5"}},
			{Engine: EngineMicrosoft, Header: "X-Forefront-Antispam-Report", Score: spamFloat(9), Flag: boolPtr(true), Fields: map[string]string{"SFV": "SPM", "SCL": "9", "CAT": "HSPM"}}}},
		{"far apart fields are separate", spamMsg(OrderExact,
			"X-Spam-Score: 1.5", "A: 1", "B: 2", "C: 3", "D: 4", "E: 5", "F: 6", "G: 7", "H: 8", "I: 9", "J: 10", "K: 11", "L: 12", "M: 13",
			"X-Spam-Score: 2.5",
		), []SpamVerdict{
			{Engine: EngineSpamAssassin, Header: "X-Spam-Score", Score: spamFloat(1.5)},
			{Engine: EngineSpamAssassin, Header: "X-Spam-Score", Score: spamFloat(2.5)}}},
		{"disagreeing score starts a new verdict", spamMsg(OrderExact,
			"X-Spam-Score: -3.01",
			"X-Spam-Status: No, score=-0.2 required=5.0 tests=none",
		), []SpamVerdict{
			{Engine: EngineSpamAssassin, Header: "X-Spam-Score", Score: spamFloat(-3.01)},
			{Engine: EngineSpamAssassin, Header: "X-Spam-Status", Score: spamFloat(-0.2), Threshold: spamFloat(5), Flag: boolPtr(false)}}},
		{"per-name pairs in order", spamMsg(OrderPerName,
			"X-Spam-Status: Yes, score=6.0 required=5.0",
			"X-Spam-Status: No, score=1.0 required=5.0",
			"X-Spam-Flag: YES",
			"X-Spam-Flag: NO",
		), []SpamVerdict{
			{Engine: EngineSpamAssassin, Header: "X-Spam-Status", Score: spamFloat(6), Threshold: spamFloat(5), Flag: boolPtr(true)},
			{Engine: EngineSpamAssassin, Header: "X-Spam-Status", Score: spamFloat(1), Threshold: spamFloat(5), Flag: boolPtr(false)}}},
		{"garbage values", spamMsg(OrderExact,
			"X-Spam-Status: maybe, score=NaN required=Inf tests=",
			"X-Spam-Level: ",
			"X-Spam-Flag: perhaps",
		), []SpamVerdict{{Engine: EngineSpamAssassin, Header: "X-Spam-Status", Fields: map[string]string{"level": "0"}}}},
		{"no spam fields", spamMsg(OrderExact, "Subject: hello", "X-Spam: Yes"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseSpam(tt.m)
			assert.Equal(t, tt.want, got)
			_, err := json.Marshal(got)
			require.NoError(t, err)
		})
	}
}

// TestParseSpamSample reads the Exim verdict of the Patchwork sample.
func TestParseSpamSample(t *testing.T) {
	path := filepath.Join("..", "..", "shared", "samples", "patchwork-2221996.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skip("../shared not present: ", err)
	}
	m, err := ParsePatchwork(data, path)
	require.NoError(t, err)
	vs := ParseSpam(m)
	require.Len(t, vs, 1)
	v := vs[0]
	assert.Equal(t, EngineSpamAssassinExim, v.Engine)
	assert.Equal(t, "X-Spam_report", v.Header)
	assert.Equal(t, spamFloat(-2.1), v.Score)
	assert.Equal(t, spamFloat(5), v.Threshold)
	assert.Equal(t, "no action", v.Action)
	assert.Len(t, v.Rules, 9)
	assert.Equal(t, SpamRule{Name: "BAYES_00", Score: spamFloat(-1.9)}, v.Rules[0])
	assert.Equal(t, "--", v.Fields["bar"])
	assert.Equal(t, "-20", v.Fields["score_int"])

	// And its A-R and Received-SPF fields.
	ars := m.Values(FieldAuthenticationResult)
	require.Len(t, ars, 2)
	for i, want := range []string{sampleARDKIM, sampleARSPF} {
		got, err := ParseAuthResults(ars[i])
		require.NoError(t, err)
		w, err := ParseAuthResults(want)
		require.NoError(t, err)
		got.Raw, w.Raw = "", ""
		assert.Equal(t, w, got)
	}
	spf, ok := m.Get(FieldReceivedSPF)
	require.True(t, ok)
	r, err := ParseReceivedSPF(spf)
	require.NoError(t, err)
	assert.Equal(t, "pass", r.Result)
	assert.Equal(t, "2607:f8b0:4864:20::1030", r.ClientIP)
}
