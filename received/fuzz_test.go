package received

import (
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"from lists.gnu.org (lists1p.gnu.org [209.51.188.17])\n\t(using TLSv1.2 with cipher ECDHE-ECDSA-AES256-GCM-SHA384 (256/256 bits))\n\tby legolas.ozlabs.org (Postfix) with ESMTPS id 4fsg9l2l8Xz20HT\n\tfor <incoming@patchwork.ozlabs.org>; Sat, 11 Apr 2026 01:06:19 +1000 (AEST)",
		"from localhost ([::1] helo=lists1p.gnu.org)\n\tby lists.gnu.org with esmtp (Exim 4.90_1)\n\t(envelope-from <qemu-devel-bounces@nongnu.org>)\n\tid 1wBDQF-0006dl-OW; Fri, 10 Apr 2026 11:05:27 -0400",
		"by mail-pj1-x1030.google.com with SMTP id\n 98e67ed59e1d1-35da2d35eccso1777732a91.0\n for <qemu-devel@nongnu.org>; Fri, 10 Apr 2026 08:05:21 -0700 (PDT)",
		"from X (2603:10a6:150:2cf::21) by Y (2603:10a6:150:2e6::10) with Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.9320.17; Fri, 14 Nov 2025 10:26:59 +0000",
		"(qmail 87263 messnum 771997 invoked from network[83.70.48.2/83-70-48-2.bas2.example.net]); 8 Mar 2004 23:59:05 -0000",
		"from unknown (HELO ?151.80.38.67?) (myuser@mydomain.it@151.80.38.67) by mail.example.it with SMTP; 28 Jan 2013 21:50:51 +0100",
		"from gorkcomputer (my.dns.com [1.2.3.4]) (AUTH: LOGIN gork@mydomain.com, SSL: TLSv1/SSLv3,128bits,RC4-MD5) by mydomain.com with esmtp; Thu, 10 Nov 2005 08:24:21 -0600 id 000000DB.43735815.00001E11",
		"from pl027.example.ne.jp(61.197.82.27), claiming to be \"foo.example.net\" via SMTP by st.example.at, id smtpd1PBsZT; Sun Nov 13 15:38:52 2005",
		"m caexch.com (Not Verified[192.168.16.9]) by mail3.example.com with Mal ( id 00>; Mon, 05 Dec 2011 1604 -",
		"(((( [[[[ <<<< \"\"\" ;;;; ))))",
		"from a ([1.2.3.4.5678]) by b; 31 Feb 2025 25:61:61 +9999",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		h, err := Parse(v)
		if h.Raw != v {
			t.Fatalf("Raw = %q, want the input", h.Raw)
		}
		if err != nil && len(h.Warnings) == 0 {
			t.Fatalf("error %v without a warning", err)
		}
		if strings.TrimSpace(v) == "" && err == nil {
			t.Fatal("blank input parsed without error")
		}
		if h.From.IP.IsValid() && h.From.IP.Is4In6() {
			t.Fatalf("mapped address not unmapped: %v", h.From.IP)
		}
		if !h.Time.IsZero() && (h.Time.Year() < 1900 || h.Time.Year() > 9999) {
			t.Fatalf("implausible year %d", h.Time.Year())
		}
		h2, _ := Parse(v)
		if h2.By != h.By || h2.From != h.From || !h2.Time.Equal(h.Time) {
			t.Fatal("Parse is not deterministic")
		}
		// A chain of the value with itself keeps both hops.
		c := NewChain([]string{v, v}, Options{TrustedReceivers: []string{h.By}})
		if len(c.Hops) != 2 {
			t.Fatalf("chain has %d hops", len(c.Hops))
		}
		_ = c.String()
	})
}
