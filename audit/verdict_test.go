package audit

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/mailprov/mailprov/arc"
	"github.com/mailprov/mailprov/dkim"
	"github.com/mailprov/mailprov/dmarc"
	"github.com/mailprov/mailprov/headers"
)

// TestGradeARC covers the ARC rung of the verdict ladder, which the
// loopback tests cannot reach without an ARC signer: the author's own
// signature is broken, and a passing chain recorded an aligned pass.
func TestGradeARC(t *testing.T) {
	broken := &dkim.Result{Status: dkim.StatusFail, Reason: dkim.ReasonBodyHashMismatch,
		HeaderSignature: dkim.CheckFail, Body: dkim.CheckFail}
	base := func() *Report {
		return &Report{
			Message: MessageInfo{From: "a@example.org", FromDomain: "example.org"},
			DKIM:    []Signature{{Domain: "example.org", Result: broken}},
			DMARC:   &dmarc.Result{Status: dmarc.StatusFail, FromDomain: "example.org"},
			ARC:     &arc.Result{Status: arc.StatusPass, Instances: 1, Sets: []arc.Set{{Instance: 1, Sealer: "lists.example.net"}}},
			Recorded: []Recorded{{AuthServID: "lists.example.net", Method: "dkim", Result: "pass",
				Properties: map[string]string{"header.i": "@example.org"}, ARCInstance: 1}},
		}
	}
	for i, tc := range []struct {
		name   string
		mutate func(*Report)
		level  Level
		auth   bool
	}{
		0: {"chain vouches with header.i", func(*Report) {}, LevelVouchedByARC, true},
		1: {"chain vouches with header.d of a subdomain", func(r *Report) {
			r.Recorded[0].Properties = map[string]string{"header.d": "mail.example.org"}
		}, LevelVouchedByARC, true},
		2: {"chain records a foreign pass", func(r *Report) {
			r.Recorded[0].Properties = map[string]string{"header.d": "example.com"}
		}, LevelUnverifiable, false},
		3: {"chain fails", func(r *Report) { r.ARC.Status = arc.StatusFail }, LevelUnverifiable, false},
		4: {"receiver's own A-R does not count as ARC", func(r *Report) { r.Recorded[0].ARCInstance = 0 }, LevelUnverifiable, false},
		6: {"no relay in sight: a broken signature is a forgery", func(r *Report) { r.ARC = nil }, LevelForged, false},
		7: {"a list broke it", func(r *Report) {
			r.ARC = nil
			r.Message.List = &headers.ListInfo{ID: "dev.lists.example.net"}
		}, LevelUnverifiable, false},
		8: {"a broken signature of a key in testing mode counts as none", func(r *Report) {
			r.ARC = nil
			r.DKIM[0].Result = &dkim.Result{Status: dkim.StatusFail, Reason: dkim.ReasonBadSignature,
				HeaderSignature: dkim.CheckFail, Body: dkim.CheckPass, Testing: true}
		}, LevelUnverifiable, false},
		5: {"DMARC pass recorded in the chain", func(r *Report) {
			r.Recorded[0].Method = "dmarc"
			r.Recorded[0].Properties = map[string]string{"header.from": "example.org"}
		}, LevelVouchedByARC, true},
	} {
		r := base()
		tc.mutate(r)
		v := grade(r)
		assert.Equal(t, tc.level, v.Level, "%d: %s: %s", i, tc.name, v.Summary)
		assert.Equal(t, tc.auth, v.Authentic, "%d: %s", i, tc.name)
	}
}

func TestHumanDuration(t *testing.T) {
	for i, tc := range []struct {
		d    time.Duration
		want string
	}{
		0: {34 * time.Second, "34s"},
		1: {5*time.Minute + 12*time.Second, "5m12s"},
		2: {3*time.Hour + 20*time.Minute + 10*time.Second, "3h20m"},
		3: {47 * time.Hour, "47h0m"},
		4: {130737 * time.Hour, "14.9 years"},
		5: {12*24*time.Hour + 3*time.Hour, "12 days"},
	} {
		assert.Equal(t, tc.want, humanDuration(tc.d), "%d", i)
	}
}
