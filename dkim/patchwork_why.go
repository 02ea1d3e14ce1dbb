package dkim

import (
	"fmt"
	"strings"

	"github.com/mailprov/mailprov/headers"
)

// Codes pwWhy gives for a Patchwork body that could not be proved.
const (
	pwWhyNotPatchwork   = "not_stored"          // no Patchwork parts at all
	pwWhyMultipart      = "multipart"           // Patchwork keeps no MIME structure
	pwWhyNotText        = "not_text"            // the body was not text
	pwWhyCharset        = "charset"             // a charset Patchwork converted
	pwWhyNothingBuilt   = "nothing_built"       // no candidate could be encoded
	pwWhyHashLimit      = "hash_limit"          // the work bound stopped the search
	pwWhyListFooter     = "list_footer"         // the list signed its footer; no template reproduced it
	pwWhyFooterUnknown  = "list_footer_unknown" // the list signed its footer; none is known for it
	pwWhyGitVersion     = "git_version_unknown" // git output, every version tried
	pwWhyContentChanged = "content_changed"     // git output with its signature known
	pwWhyPersonalSig    = "signature_cut"       // not git output: a personal signature or stripped text is lost
)

// pwWhy says why no rebuilt body of the message matched bh= for sig, as
// precisely as the stored fields allow: a stable code and a phrase (with
// no final period).
func (st *run) pwWhy(sig *headers.Signature, mt pwMatch) (code, why string) {
	plan := st.pwPlan()
	switch plan.noBuild {
	case "not_patchwork":
		return pwWhyNotPatchwork, "the archive stored no body"
	case "multipart":
		return pwWhyMultipart, "the mail was multipart: Patchwork keeps only the text of one part, not the MIME structure and other parts the signature covers"
	case "not_text":
		return pwWhyNotText, "the body was not text, and Patchwork keeps only text"
	case "charset":
		ct, _ := st.m.Get("Content-Type")
		return pwWhyCharset, "the body's charset (" + strings.TrimSpace(ct) + ") is one Patchwork decoded and mailprov cannot encode back"
	case pwWhyHashLimit:
		return pwWhyHashLimit, fmt.Sprintf("the stored content and diff are longer than the bound of %d MiB hashed", maxPWHashWork>>20)
	}
	if mt.skipped {
		return pwWhyHashLimit, fmt.Sprintf("the message's bodies were searched already for %d combinations of canonicalization, hash and l=, the most one message gets", maxPWSearches)
	}
	if plan.dropped {
		return pwWhyHashLimit, fmt.Sprintf("the candidates were built only up to the bound of %d MiB, and none of the %d hashed matches", maxPWHashWork>>20, mt.tried)
	}
	if len(plan.groups) == 0 {
		return pwWhyNothingBuilt, "the stored text cannot be written back in the body's charset and encoding"
	}
	if mt.limited {
		return pwWhyHashLimit, fmt.Sprintf("the search stopped at its bound of %d MiB hashed, after %d candidates", maxPWHashWork>>20, mt.tried)
	}
	if list := pwListDomain(st.m); list != "" && pwDomainWithin(list, sig.Domain) {
		if len(plan.footers) == 0 {
			return pwWhyFooterUnknown, "the signer " + sig.Domain + " is the mailing list's domain, so the list most likely signed the body with its footer, which Patchwork cut; no footer template is known for this list"
		}
		names := make([]string, 0, len(plan.footers))
		for _, f := range plan.footers {
			names = appendUniq(names, f.label)
		}
		return pwWhyListFooter, "the signer " + sig.Domain + " is the mailing list's domain, so the list most likely signed the body with its footer, which Patchwork cut; no footer tried (" + strings.Join(names, ", ") + ") reproduces it, or a personal signature before it was cut too"
	}
	if plan.looksGit {
		switch plan.sigKnown {
		case "":
			return pwWhyGitVersion, fmt.Sprintf("the body is git format-patch output whose signature names no release tried (%d git versions; a developer build's version cannot be guessed), or it was changed", len(plan.gitVersions()))
		case "b4":
			return pwWhyGitVersion, fmt.Sprintf("the body is git format-patch output signed neither by b4's signature nor by any of %d git versions tried, or it was changed", len(plan.gitVersions()))
		}
		return pwWhyContentChanged, "the body is git format-patch output whose signature is known, yet no rebuilt layout matches: the stored content or diff differs from what was signed"
	}
	return pwWhyPersonalSig, "the body is not git output: Patchwork cut everything from its first \"-- \" line (a personal signature) and stripped blank lines at its ends, which no stored field tells"
}

// pwBodyNote is the reason code and the note of a signature whose body no
// rebuilt body matched.
func (st *run) pwBodyNote(sig *headers.Signature, mt pwMatch) (code, note string) {
	code, why := st.pwWhy(sig, mt)
	if mt.tried == 0 {
		return code, "body not rebuilt [" + code + "]: " + why
	}
	return code, fmt.Sprintf("none of %d rebuilt bodies matches bh= [%s]: %s", mt.tried, code, why)
}

// pwLimitNote is the warning of a rebuilt body that matched bh= under
// l=limit: every rebuilt body sharing the first limit canonical bytes
// matches, and the first is named, so what follows them is a guess.
func pwLimitNote(limit int64) string {
	return fmt.Sprintf("l=%d: the rebuilt body matches bh= over its first %d canonical bytes; the text beyond l= is not known from the archive (every rebuilt body sharing those bytes matches, and the first is named)", limit, limit)
}

// pwLimitDetail is the detail of a rebuilt body longer than l=limit.
func pwLimitDetail(limit int64) string {
	return fmt.Sprintf("The signature verifies but covers only the first %d body bytes (l=); the rebuilt body goes on past them, and what the mail had there is unsigned and not known from the archive.", limit)
}

// pwListDomain returns the host of the list's posting address (List-Post),
// or else the domain in List-Id, or "".
func pwListDomain(m *headers.Message) string {
	if _, host, ok := strings.Cut(pwListPost(m), "@"); ok {
		return strings.ToLower(host)
	}
	for _, id := range pwURLs(pwField(m, "List-Id")) {
		// <name.example.org>: the list's name is the first label.
		if _, dom, ok := strings.Cut(id, "."); ok && strings.Contains(dom, ".") {
			return strings.ToLower(dom)
		}
	}
	return ""
}

// pwDomainWithin reports whether host is d or a subdomain of it.
func pwDomainWithin(host, d string) bool {
	d = strings.ToLower(strings.TrimSuffix(d, "."))
	return d != "" && (host == d || strings.HasSuffix(host, "."+d))
}
