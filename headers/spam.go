package headers

import (
	"math"
	"strconv"
	"strings"
)

// Spam filter engines that ParseSpam recognizes.
const (
	EngineSpamAssassin     = "spamassassin"      // X-Spam-Status, -Score, -Level, -Flag, -Report
	EngineSpamAssassinExim = "spamassassin-exim" // Exim's X-Spam_score, _score_int, _bar, _report, _action
	EngineRspamd           = "rspamd"            // X-Spamd-Result, X-Rspamd-Score, -Action, -Report
	EngineMicrosoft        = "microsoft"         // X-Forefront-Antispam-Report, X-MS-Exchange-Organization-SCL
)

// SpamVerdict is what one spam filter recorded about a message, read from
// one group of header fields.
type SpamVerdict struct {
	// Engine is one of the Engine constants.
	Engine string `json:"engine"`
	// Header is the name, as written, of the main field the verdict came
	// from (X-Spam-Status, X-Spamd-Result, X-Forefront-Antispam-Report ...).
	Header string `json:"header"`
	// Score is the spam score; for Microsoft it is the SCL.
	Score *float64 `json:"score,omitempty"`
	// Threshold is the score from which the engine calls a message spam.
	Threshold *float64 `json:"threshold,omitempty"`
	// Action is the engine's action ("no action", "reject", ...).
	Action string `json:"action,omitempty"`
	// Flag is the engine's yes/no spam decision, nil when not recorded.
	Flag *bool `json:"flag,omitempty"`
	// Rules are the tests or symbols that fired, in the order written.
	Rules []SpamRule `json:"rules,omitempty"`
	// Fields holds extra engine-specific values, e.g. autolearn, version,
	// level, bar, and Microsoft's SFV, CAT, SCL, BCL.
	Fields map[string]string `json:"fields,omitempty"`
}

// SpamRule is one test or symbol with its score, when known.
type SpamRule struct {
	Name        string   `json:"name"`
	Score       *float64 `json:"score,omitempty"`
	Description string   `json:"description,omitempty"`
}

// spamField says which engine family a field belongs to and how important
// it is there: rank 0 is the main field; aux fields join a verdict but
// never start one.
type spamField struct {
	family string
	rank   int
	aux    bool
}

// spamFields maps lower-case field names to their role.
var spamFields = map[string]spamField{
	"x-spam-status":          {EngineSpamAssassin, 0, false},
	"x-spam-report":          {EngineSpamAssassin, 1, false},
	"x-spam-score":           {EngineSpamAssassin, 2, false},
	"x-spam-flag":            {EngineSpamAssassin, 3, false},
	"x-spam-level":           {EngineSpamAssassin, 4, false},
	"x-spam-checker-version": {EngineSpamAssassin, 5, true},

	"x-spam_report":    {EngineSpamAssassinExim, 0, false},
	"x-spam_score":     {EngineSpamAssassinExim, 1, false},
	"x-spam_score_int": {EngineSpamAssassinExim, 2, false},
	"x-spam_action":    {EngineSpamAssassinExim, 3, false},
	"x-spam_bar":       {EngineSpamAssassinExim, 4, false},

	"x-spamd-result":  {EngineRspamd, 0, false},
	"x-rspamd-report": {EngineRspamd, 1, false},
	"x-rspamd-score":  {EngineRspamd, 2, false},
	"x-rspamd-action": {EngineRspamd, 3, false},
	"x-spamd-bar":     {EngineRspamd, 4, false},
	"x-rspamd-server": {EngineRspamd, 5, true},

	"x-forefront-antispam-report":    {EngineMicrosoft, 0, false},
	"x-ms-exchange-organization-scl": {EngineMicrosoft, 1, false},
	"x-microsoft-antispam":           {EngineMicrosoft, 2, false},

	"x-forefront-antispam-report-untrusted": {"microsoft-untrusted", 0, false},
	"x-microsoft-antispam-untrusted":        {"microsoft-untrusted", 2, false},
}

// spamGap is how many fields may separate two fields of one verdict when
// the field order is exact.
const spamGap = 12

// spamGroup is the fields of one verdict.
type spamGroup struct {
	family string
	fields map[string]Field // by lower-case name, the first of each
	idx    []int            // positions in Message.Fields
}

func (g *spamGroup) near(i int) bool {
	for _, j := range g.idx {
		if i-j <= spamGap && j-i <= spamGap {
			return true
		}
	}
	return false
}

func (g *spamGroup) add(name string, f Field, i int) {
	g.fields[name] = f
	g.idx = append(g.idx, i)
}

// score returns the score g's fields record, if any.
func (g *spamGroup) score() (float64, bool) {
	for _, name := range []string{"x-spam-status", "x-spam-score"} {
		if f, ok := g.fields[name]; ok {
			if s, ok := fieldScore(name, f.Value); ok {
				return s, true
			}
		}
	}
	return 0, false
}

// fieldScore reads the score an SA-style field states.
func fieldScore(name, value string) (float64, bool) {
	switch name {
	case "x-spam-status":
		_, kv := splitSAStatus(Unfold(value))
		for _, p := range kv {
			if p.Key == "score" || p.Key == "hits" {
				return parseScore(p.Value)
			}
		}
	case "x-spam-score":
		return parseScore(firstWord(Unfold(value)))
	}
	return 0, false
}

// fits reports whether field (name, value) can join g: its name is not
// there yet and any score it states agrees with g's.
func (g *spamGroup) fits(name, value string) bool {
	if _, dup := g.fields[name]; dup {
		return false
	}
	s, ok := fieldScore(name, value)
	if !ok {
		return true
	}
	gs, ok := g.score()
	return !ok || math.Abs(gs-s) < 0.051
}

// ParseSpam reads the spam filter verdicts recorded in m's header.
//
// A message often carries several (the sender's filter, the list's, an
// archive's): each becomes its own SpamVerdict. Fields of one engine that
// belong together are grouped: with exact field order, by nearness (at
// most 12 fields apart, one field of each name per verdict, and stated
// scores must agree); with per-name order (Patchwork), the i-th field of
// each name forms the i-th verdict. SpamAssassin-style fields that rspamd
// writes (an X-Spam-Status without required=, a bare X-Spam-Score) next to
// rspamd fields are counted as rspamd's.
//
// Values that cannot be read leave the corresponding verdict fields empty;
// ParseSpam never fails.
func ParseSpam(m *Message) []SpamVerdict {
	var groups []*spamGroup
	if m.Order == OrderPerName {
		groups = groupPerName(m)
	} else {
		groups = groupByNearness(m)
	}
	groups = attributeRspamdStyle(m, groups)
	var out []SpamVerdict
	for _, g := range groups {
		if v, ok := g.verdict(); ok {
			out = append(out, v)
		}
	}
	return out
}

func groupByNearness(m *Message) []*spamGroup {
	type auxField struct {
		name string
		f    Field
		i    int
	}
	var groups []*spamGroup
	open := map[string]*spamGroup{}
	pending := map[string][]auxField{} // aux fields seen before their verdict
	for i, f := range m.Fields {
		name := strings.ToLower(f.Name)
		role, ok := spamFields[name]
		if !ok {
			continue
		}
		g := open[role.family]
		if g != nil && g.near(i) && g.fits(name, f.Value) {
			g.add(name, f, i)
			continue
		}
		if role.aux {
			pending[role.family] = append(pending[role.family], auxField{name, f, i})
			continue
		}
		g = &spamGroup{family: role.family, fields: map[string]Field{}}
		g.add(name, f, i)
		for _, a := range pending[role.family] {
			if g.near(a.i) && g.fits(a.name, a.f.Value) {
				g.add(a.name, a.f, a.i)
			}
		}
		delete(pending, role.family)
		groups = append(groups, g)
		open[role.family] = g
	}
	return groups
}

func groupPerName(m *Message) []*spamGroup {
	var groups []*spamGroup
	byFamily := map[string][]*spamGroup{}
	seen := map[string]int{}
	for i, f := range m.Fields {
		name := strings.ToLower(f.Name)
		role, ok := spamFields[name]
		if !ok {
			continue
		}
		n := seen[name]
		seen[name]++
		gs := byFamily[role.family]
		if n < len(gs) {
			gs[n].add(name, f, i)
			continue
		}
		if role.aux {
			continue
		}
		// Not enough groups yet: this is the n-th of its name, so the
		// groups before it exist or are created now.
		for len(gs) <= n {
			g := &spamGroup{family: role.family, fields: map[string]Field{}}
			gs = append(gs, g)
			groups = append(groups, g)
		}
		gs[n].add(name, f, i)
		byFamily[role.family] = gs
	}
	return groups
}

// rspamdStyle reports whether an SA group looks written by rspamd: no
// report or checker version, and a status (if any) without required= or
// tests=.
func (g *spamGroup) rspamdStyle() bool {
	if _, ok := g.fields["x-spam-report"]; ok {
		return false
	}
	if _, ok := g.fields["x-spam-checker-version"]; ok {
		return false
	}
	if f, ok := g.fields["x-spam-status"]; ok {
		_, kv := splitSAStatus(Unfold(f.Value))
		for _, p := range kv {
			if p.Key == "required" || p.Key == "tests" || p.Key == "hits" {
				return false
			}
		}
	}
	return true
}

// attributeRspamdStyle moves rspamd-written SA-style groups to rspamd:
// merged into a nearby rspamd group whose score agrees, or made rspamd
// verdicts of their own. Lookups go by field position, so the work is
// linear in the number of fields.
func attributeRspamdStyle(m *Message, groups []*spamGroup) []*spamGroup {
	rspamdAt := map[int]*spamGroup{} // field position -> its rspamd group (nil: ungrouped)
	for i, f := range m.Fields {
		if spamFields[strings.ToLower(f.Name)].family == EngineRspamd {
			rspamdAt[i] = nil
		}
	}
	if len(rspamdAt) == 0 {
		return groups
	}
	for _, g := range groups {
		if g.family == EngineRspamd {
			for _, i := range g.idx {
				rspamdAt[i] = g
			}
		}
	}
	out := groups[:0:0]
	for _, g := range groups {
		if g.family != EngineSpamAssassin || !g.rspamdStyle() {
			out = append(out, g)
			continue
		}
		nearRspamd := m.Order == OrderPerName
		var target *spamGroup
		for _, j := range g.idx {
			for i := j - spamGap; i <= j+spamGap && m.Order != OrderPerName; i++ {
				r, ok := rspamdAt[i]
				if !ok {
					continue
				}
				nearRspamd = true
				if target == nil && r != nil && scoresAgree(g, r) {
					target = r
				}
			}
		}
		switch {
		case target != nil:
			for name, f := range g.fields {
				if _, dup := target.fields[name]; !dup {
					target.fields[name] = f
				}
			}
			target.idx = append(target.idx, g.idx...)
		case nearRspamd:
			g.family = EngineRspamd
			out = append(out, g)
		default:
			out = append(out, g)
		}
	}
	return out
}

// scoresAgree compares an SA-style group's score with an rspamd group's.
func scoresAgree(sa, r *spamGroup) bool {
	s, ok := sa.score()
	if !ok {
		return true
	}
	v, ok := r.verdict()
	if !ok || v.Score == nil {
		return true
	}
	return math.Abs(*v.Score-s) < 0.051
}

// verdict builds the SpamVerdict of g.
func (g *spamGroup) verdict() (SpamVerdict, bool) {
	v := SpamVerdict{Engine: g.family, Fields: map[string]string{}}
	switch g.family {
	case EngineSpamAssassin:
		g.spamAssassin(&v)
	case EngineSpamAssassinExim:
		g.exim(&v)
	case EngineRspamd:
		g.rspamd(&v)
		g.spamAssassin(&v) // rspamd-written SA-style fields fill gaps
	case EngineMicrosoft, "microsoft-untrusted":
		v.Engine = EngineMicrosoft
		g.microsoft(&v)
	}
	if v.Header == "" {
		// The main field is the lowest-ranked one present.
		best := -1
		for name, f := range g.fields {
			r := spamFields[name]
			if best < 0 || r.rank < best || r.rank == best && f.Name < v.Header {
				best, v.Header = r.rank, f.Name
			}
		}
	}
	if len(v.Fields) == 0 {
		v.Fields = nil
	}
	return v, v.Header != ""
}

func (g *spamGroup) get(name string) (string, string, bool) {
	f, ok := g.fields[name]
	if !ok {
		return "", "", false
	}
	return f.Name, Unfold(f.Value), true
}

// spamAssassin reads X-Spam-Status, -Score, -Flag, -Level, -Report and
// -Checker-Version into v, filling only what v does not hold yet.
func (g *spamGroup) spamAssassin(v *SpamVerdict) {
	if name, val, ok := g.get("x-spam-status"); ok {
		if v.Header == "" {
			v.Header = name
		}
		flag, kv := splitSAStatus(val)
		if v.Flag == nil {
			v.Flag = flag
		}
		for _, p := range kv {
			switch p.Key {
			case "score", "hits":
				if v.Score == nil {
					v.Score = scorePtr(p.Value)
				}
			case "required":
				if v.Threshold == nil {
					v.Threshold = scorePtr(p.Value)
				}
			case "tests":
				if len(v.Rules) == 0 {
					v.Rules = parseTestList(p.Value)
				}
			default:
				setField(v, p.Key, p.Value)
			}
		}
	}
	if _, val, ok := g.get("x-spam-score"); ok {
		if v.Score == nil {
			v.Score = scorePtr(firstWord(val))
		}
	}
	if _, val, ok := g.get("x-spam-flag"); ok && v.Flag == nil {
		v.Flag = yesNo(val)
	}
	if f, ok := g.fields["x-spam-level"]; ok {
		setField(v, "level", strconv.Itoa(strings.Count(f.Value, "*")))
	}
	if _, val, ok := g.get("x-spam-checker-version"); ok {
		setField(v, "checker_version", strings.Join(strings.Fields(val), " "))
	}
	if f, ok := g.fields["x-spam-report"]; ok {
		score, threshold, rules := parseSAReport(f.Value)
		if v.Score == nil {
			v.Score = score
		}
		if v.Threshold == nil {
			v.Threshold = threshold
		}
		mergeRules(v, rules)
	}
}

// exim reads Exim's SpamAssassin fields: X-Spam_score, _score_int, _bar,
// _action and _report "(-2.1 / 5.0 requ) RULE=score, ... autolearn=ham".
func (g *spamGroup) exim(v *SpamVerdict) {
	if _, val, ok := g.get("x-spam_report"); ok {
		rest := val
		if strings.HasPrefix(rest, "(") {
			if end := strings.IndexByte(rest, ')'); end > 0 {
				inner := strings.Fields(strings.ReplaceAll(rest[1:end], "/", " / "))
				if len(inner) >= 1 {
					v.Score = scorePtr(inner[0])
				}
				if len(inner) >= 3 && inner[1] == "/" {
					v.Threshold = scorePtr(inner[2])
				}
				rest = rest[end+1:]
			}
		}
		for _, tok := range strings.FieldsFunc(rest, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
			name, val, ok := strings.Cut(tok, "=")
			if !ok || name == "" {
				continue
			}
			if s := scorePtr(val); s != nil {
				v.Rules = append(v.Rules, SpamRule{Name: name, Score: s})
			} else {
				setField(v, name, val)
			}
		}
	}
	if _, val, ok := g.get("x-spam_score"); ok && v.Score == nil {
		v.Score = scorePtr(val)
	}
	if _, val, ok := g.get("x-spam_score_int"); ok {
		setField(v, "score_int", val)
		if v.Score == nil {
			if n, err := strconv.Atoi(val); err == nil {
				s := float64(n) / 10
				v.Score = &s
			}
		}
	}
	if _, val, ok := g.get("x-spam_bar"); ok {
		setField(v, "bar", val)
	}
	if _, val, ok := g.get("x-spam_action"); ok {
		v.Action = val
	}
}

// rspamd reads X-Spamd-Result "default: False [-2.10 / 15.00];
// SYMBOL(score)[options]; ...", X-Rspamd-Report "Action: x Symbol:
// NAME(score) ...", X-Rspamd-Score, X-Rspamd-Action, X-Spamd-Bar,
// X-Rspamd-Server.
func (g *spamGroup) rspamd(v *SpamVerdict) {
	if name, val, ok := g.get("x-spamd-result"); ok {
		v.Header = name
		items := splitOutside(val, ';')
		if len(items) > 0 {
			head := items[0]
			metric, rest, ok := strings.Cut(head, ":")
			if ok {
				setField(v, "metric", strings.TrimSpace(metric))
				rest = strings.TrimSpace(rest)
				v.Flag = yesNo(firstWord(rest))
				if lb := strings.IndexByte(rest, '['); lb >= 0 {
					inner, _, _ := strings.Cut(rest[lb+1:], "]")
					a, b, _ := strings.Cut(inner, "/")
					v.Score = scorePtr(strings.TrimSpace(a))
					v.Threshold = scorePtr(strings.TrimSpace(b))
				}
			}
			for _, it := range items[1:] {
				if r, ok := parseSymbol(it); ok {
					v.Rules = append(v.Rules, r)
				}
			}
		}
	}
	if f, ok := g.fields["x-rspamd-report"]; ok {
		if v.Header == "" {
			v.Header = f.Name
		}
		for _, line := range strings.Split(strings.ReplaceAll(f.Value, "\r\n", "\n"), "\n") {
			line = strings.TrimSpace(line)
			if a, ok := strings.CutPrefix(line, "Action:"); ok && v.Action == "" {
				v.Action = strings.TrimSpace(a)
			} else if s, ok := strings.CutPrefix(line, "Symbol:"); ok {
				if r, ok := parseSymbol(s); ok && !hasRule(v.Rules, r.Name) {
					v.Rules = append(v.Rules, r)
				}
			}
		}
	}
	if _, val, ok := g.get("x-rspamd-score"); ok && v.Score == nil {
		v.Score = scorePtr(firstWord(val))
	}
	if _, val, ok := g.get("x-rspamd-action"); ok && v.Action == "" {
		v.Action = val
	}
	if _, val, ok := g.get("x-spamd-bar"); ok {
		setField(v, "bar", val)
	}
	if _, val, ok := g.get("x-rspamd-server"); ok {
		setField(v, "server", val)
	}
}

// microsoft reads X-Forefront-Antispam-Report "KEY:value;..." (SCL is the
// score, SFV:SPM/NSPM the flag), X-MS-Exchange-Organization-SCL and
// X-Microsoft-Antispam (BCL).
func (g *spamGroup) microsoft(v *SpamVerdict) {
	for _, name := range []string{"x-forefront-antispam-report", "x-forefront-antispam-report-untrusted", "x-microsoft-antispam", "x-microsoft-antispam-untrusted"} {
		fname, val, ok := g.get(name)
		if !ok {
			continue
		}
		if strings.HasPrefix(name, "x-forefront") {
			v.Header = fname
		}
		for _, item := range strings.Split(val, ";") {
			k, val, ok := strings.Cut(strings.TrimSpace(item), ":")
			if !ok || k == "" {
				continue
			}
			if strings.HasPrefix(name, "x-microsoft") && k != "BCL" && k != "PCL" {
				continue // ARA, RULEID, SRVR: internal rule ids
			}
			setField(v, k, strings.TrimSpace(val))
		}
	}
	if _, val, ok := g.get("x-ms-exchange-organization-scl"); ok {
		if _, dup := v.Fields["SCL"]; !dup {
			setField(v, "SCL", val)
		}
	}
	if scl, ok := v.Fields["SCL"]; ok {
		v.Score = scorePtr(scl)
	}
	switch v.Fields["SFV"] {
	case "SPM":
		v.Flag = boolPtr(true)
	case "NSPM":
		v.Flag = boolPtr(false)
	}
}

func setField(v *SpamVerdict, k, val string) {
	if _, dup := v.Fields[k]; !dup {
		v.Fields[k] = val
	}
}

func boolPtr(b bool) *bool { return &b }

// yesNo reads "Yes"/"No"/"True"/"False" in any case.
func yesNo(s string) *bool {
	switch strings.ToLower(strings.TrimRight(strings.TrimSpace(s), ",")) {
	case "yes", "true":
		return boolPtr(true)
	case "no", "false":
		return boolPtr(false)
	}
	return nil
}

// parseScore reads a finite decimal number.
func parseScore(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

func scorePtr(s string) *float64 {
	f, ok := parseScore(s)
	if !ok {
		return nil
	}
	return &f
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

// splitSAStatus splits an unfolded X-Spam-Status value, "Yes, score=5.2
// required=5.0 tests=A,B autolearn=no version=3.4.6", into its flag and
// key=value pairs. Test lists folded after a comma are joined.
func splitSAStatus(s string) (*bool, []Param) {
	word, rest, _ := strings.Cut(s, ",")
	flag := yesNo(word)
	if flag == nil {
		rest = s
	}
	var kv []Param
	toks := strings.Fields(rest)
	for i := 0; i < len(toks); i++ {
		if len(kv) > 0 && strings.HasSuffix(kv[len(kv)-1].Value, ",") {
			// A test list folded after a comma.
			kv[len(kv)-1].Value += toks[i]
			continue
		}
		k, val, ok := strings.Cut(toks[i], "=")
		if !ok {
			continue
		}
		kv = append(kv, Param{Key: strings.ToLower(k), Value: val})
	}
	return flag, kv
}

// parseTestList reads "A,B" or "A=1.2,B=-0.1"; "none" is no test.
func parseTestList(s string) []SpamRule {
	var out []SpamRule
	for _, t := range strings.Split(s, ",") {
		t = strings.TrimSpace(t)
		if t == "" || strings.EqualFold(t, "none") {
			continue
		}
		name, score, ok := strings.Cut(t, "=")
		if name = strings.TrimSpace(name); name == "" {
			continue // "=0": a score with no rule name is no rule
		}
		r := SpamRule{Name: name}
		if ok {
			r.Score = scorePtr(score)
		}
		out = append(out, r)
	}
	return out
}

// parseSymbol reads rspamd's "NAME(score)[options]".
func parseSymbol(s string) (SpamRule, bool) {
	s = strings.TrimSpace(s)
	lp := strings.IndexByte(s, '(')
	name := s
	var r SpamRule
	if lp >= 0 {
		name = s[:lp]
		inner, rest, _ := strings.Cut(s[lp+1:], ")")
		r.Score = scorePtr(inner)
		rest = strings.TrimSpace(rest)
		if strings.HasPrefix(rest, "[") && strings.HasSuffix(rest, "]") {
			r.Description = rest[1 : len(rest)-1]
		}
	}
	r.Name = strings.TrimSpace(name)
	if r.Name == "" || strings.ContainsAny(r.Name, " \t[]") {
		return SpamRule{}, false
	}
	return r, true
}

// splitOutside splits s at sep outside [...] brackets.
func splitOutside(s string, sep byte) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			depth++
		case ']':
			if depth > 0 {
				depth--
			}
		case sep:
			if depth == 0 {
				if t := strings.TrimSpace(s[start:i]); t != "" {
					out = append(out, t)
				}
				start = i + 1
			}
		}
	}
	if t := strings.TrimSpace(s[start:]); t != "" {
		out = append(out, t)
	}
	return out
}

func hasRule(rules []SpamRule, name string) bool {
	for _, r := range rules {
		if r.Name == name {
			return true
		}
	}
	return false
}

// mergeRules adds report rules to v: descriptions and scores fill the
// rules the status named; rules only in the report are appended.
func mergeRules(v *SpamVerdict, rules []SpamRule) {
	for _, r := range rules {
		found := false
		for i := range v.Rules {
			if v.Rules[i].Name == r.Name {
				found = true
				if v.Rules[i].Score == nil {
					v.Rules[i].Score = r.Score
				}
				if v.Rules[i].Description == "" {
					v.Rules[i].Description = r.Description
				}
				break
			}
		}
		if !found {
			v.Rules = append(v.Rules, r)
		}
	}
}

// parseSAReport reads an X-Spam-Report value: the "Content analysis
// details: (-3.3 points, 6.0 required)" line and the rule table, whose
// lines are "pts RULE_NAME description" or "* pts RULE_NAME description",
// with descriptions continued on the following lines. A rule line that a
// relay folded onto the end of a description is split off again.
func parseSAReport(value string) (score, threshold *float64, rules []SpamRule) {
	lines := strings.Split(strings.ReplaceAll(value, "\r\n", "\n"), "\n")
	for _, line := range lines {
		toks := strings.Fields(line)
		if i := indexToken(toks, "details:"); i >= 0 && i+1 < len(toks) && strings.HasPrefix(toks[i+1], "(") {
			score = scorePtr(strings.TrimPrefix(toks[i+1], "("))
			if i+4 < len(toks) && strings.HasPrefix(toks[i+4], "required") {
				threshold = scorePtr(toks[i+3])
			}
			continue
		}
		for len(toks) > 0 {
			if toks[0] == "*" {
				toks = toks[1:]
				continue
			}
			if len(toks) >= 2 && isRuleScore(toks[0]) && isRuleName(toks[1]) {
				r := SpamRule{Name: toks[1], Score: scorePtr(toks[0])}
				desc, next := splitDescription(toks[2:])
				r.Description = desc
				rules = append(rules, r)
				toks = next
				continue
			}
			// A description continued from the line before.
			if len(rules) > 0 {
				desc, next := splitDescription(toks)
				last := &rules[len(rules)-1]
				if desc != "" {
					if last.Description != "" {
						last.Description += " "
					}
					last.Description += desc
				}
				toks = next
				continue
			}
			break
		}
	}
	return score, threshold, rules
}

// splitDescription returns the words of toks up to the next embedded rule
// ("... -0.0 RULE_NAME ...") and what follows.
func splitDescription(toks []string) (string, []string) {
	for i := 0; i+1 < len(toks); i++ {
		if strings.Contains(toks[i], ".") && isRuleScore(toks[i]) && isRuleName(toks[i+1]) && strings.Contains(toks[i+1], "_") {
			return strings.Join(toks[:i], " "), toks[i:]
		}
	}
	return strings.Join(toks, " "), nil
}

func indexToken(toks []string, t string) int {
	for i, s := range toks {
		if s == t {
			return i
		}
	}
	return -1
}

// isRuleScore: an optionally signed decimal number.
func isRuleScore(s string) bool {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	if s == "" {
		return false
	}
	dot := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
		case c == '.' && !dot && i > 0:
			dot = true
		default:
			return false
		}
	}
	return s[len(s)-1] != '.'
}

// isRuleName: a SpamAssassin rule name such as DKIM_VALID_AU or
// T_TooManySym_01: an upper-case letter, then letters, digits and "_".
func isRuleName(s string) bool {
	if len(s) < 2 || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
