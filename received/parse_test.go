package received

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// want is the expected reading of one field; every field not named must
// come out empty.
type want struct {
	helo, rdns, ip, ident   string
	by, via, with, id, for_ string
	envFrom, auth           string
	authed                  bool
	tls                     *TLS
	software                string
	time                    string // RFC 3339; "" for none
	warnings                []string
}

func check(t *testing.T, name, value string, w want) {
	t.Helper()
	h, err := Parse(value)
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	ip := ""
	if h.From.IP.IsValid() {
		ip = h.From.IP.String()
	}
	ts := ""
	if !h.Time.IsZero() {
		ts = h.Time.Format(time.RFC3339)
	}
	got := want{
		helo: h.From.HELO, rdns: h.From.RDNS, ip: ip, ident: h.From.Ident,
		by: h.By, via: h.Via, with: h.With, id: h.ID, for_: h.For,
		envFrom: h.EnvelopeFrom, auth: h.Auth, authed: h.Authenticated,
		tls: h.TLS, software: h.Software, time: ts, warnings: h.Warnings,
	}
	if w.software == "" {
		got.software = "" // only checked where named
	}
	assert.Equal(t, w, got, "%s\n%s", name, value)
	assert.Equal(t, value, h.Raw)
}

func tlsv(v, c string, bits int) *TLS { return &TLS{Version: v, Cipher: c, Bits: bits} }

func TestParseLayouts(t *testing.T) {
	for name, tc := range map[string]struct {
		v string
		w want
	}{
		// --- Postfix ---
		"postfix/tls": {
			"from mail.example.org (mail.example.org [198.51.100.23])\n\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\n\t key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256)\n\t(No client certificate requested)\n\tby mx.example.net (Postfix) with ESMTPS id 4Xb9Qv0Tq1z9sRk\n\tfor <alice@example.net>; Tue, 14 Jan 2025 09:12:44 +0100 (CET)",
			want{helo: "mail.example.org", rdns: "mail.example.org", ip: "198.51.100.23", by: "mx.example.net", with: "ESMTPS", id: "4Xb9Qv0Tq1z9sRk", for_: "alice@example.net", tls: tlsv("TLSv1.3", "TLS_AES_256_GCM_SHA384", 256), software: "Postfix", time: "2025-01-14T09:12:44+01:00"},
		},
		"postfix/unknown-rdns": {
			"from helo.example (unknown [203.0.113.77]) by mx1.example.com (Postfix) with SMTP id 33DC4416F20 for <bob@example.com>; Mon,  1 Mar 2004 01:09:44 -0500 (EST)",
			want{helo: "helo.example", ip: "203.0.113.77", by: "mx1.example.com", with: "SMTP", id: "33DC4416F20", for_: "bob@example.com", time: "2004-03-01T01:09:44-05:00"},
		},
		"postfix/ipv6-literal": {
			"from bombadil.infradead.org (bombadil.infradead.org [IPv6:2607:7c80:54:e::133])\n\tby mail.example.de (Postfix) with ESMTPS id 7533816182F\n\tfor <lists@example.de>; Mon, 17 Feb 2020 17:45:47 +0100 (CET)",
			want{helo: "bombadil.infradead.org", rdns: "bombadil.infradead.org", ip: "2607:7c80:54:e::133", by: "mail.example.de", with: "ESMTPS", id: "7533816182F", for_: "lists@example.de", tls: &TLS{}, time: "2020-02-17T17:45:47+01:00"},
		},
		"postfix/authenticated-sender": {
			"from pdx1-sub0-mail-a6.g.example.com (100-96-16-62.trex.example.local [100.96.16.62])\n\t(Authenticated sender: dreamhost)\n\tby relay.example.net (Postfix) with ESMTPA id 1BE5B34255C;\n\tWed, 19 May 2021 12:39:41 +0000 (UTC)",
			want{helo: "pdx1-sub0-mail-a6.g.example.com", rdns: "100-96-16-62.trex.example.local", ip: "100.96.16.62", by: "relay.example.net", with: "ESMTPA", id: "1BE5B34255C", auth: "dreamhost", authed: true, time: "2021-05-19T12:39:41Z"},
		},
		"postfix/envelope-from-after-date": {
			"from pb-smtp2.example.com (unknown [127.0.0.1])\n\tby pb-smtp2.example.com (Postfix) with ESMTP id 7037B63AF3;\n\tWed, 15 Apr 2020 16:30:07 -0400 (EDT)\n\t(envelope-from nico@example.net)",
			want{helo: "pb-smtp2.example.com", ip: "127.0.0.1", by: "pb-smtp2.example.com", with: "ESMTP", id: "7037B63AF3", envFrom: "nico@example.net", time: "2020-04-15T16:30:07-04:00"},
		},
		"postfix/by-only": {
			"by smtp.corp.example.com (Postfix)\n\tid B5F59112132E; Thu, 22 Jun 2023 07:31:43 +0000 (UTC)",
			want{by: "smtp.corp.example.com", id: "B5F59112132E", software: "Postfix", time: "2023-06-22T07:31:43Z"},
		},
		"localhost/postfix": {
			"from localhost.localdomain (localhost.localdomain [127.0.0.1])\n\tby smtp.subspace.example.org (Postfix) with ESMTP id 474A035F191;\n\tThu, 11 Jun 2026 06:24:15 +0000 (UTC)",
			want{helo: "localhost.localdomain", rdns: "localhost.localdomain", ip: "127.0.0.1", by: "smtp.subspace.example.org", with: "ESMTP", id: "474A035F191", time: "2026-06-11T06:24:15Z"},
		},
		"localhost/bare": {
			"from localhost by mail.example.com with LMTP; Sat, 1 Feb 2025 10:00:00 +0000",
			want{helo: "localhost", by: "mail.example.com", with: "LMTP", time: "2025-02-01T10:00:00Z"},
		},
		// --- Exim ---
		"exim/helo=": {
			"from localhost ([::1] helo=lists1p.example.org)\n\tby lists.example.org with esmtp (Exim 4.90_1)\n\t(envelope-from <list-bounces@example.org>)\n\tid 1wBDQF-0006dl-OW; Fri, 10 Apr 2026 11:05:27 -0400",
			want{helo: "lists1p.example.org", rdns: "localhost", ip: "::1", by: "lists.example.org", with: "esmtp", id: "1wBDQF-0006dl-OW", envFrom: "list-bounces@example.org", software: "Exim 4.90_1", time: "2026-04-10T11:05:27-04:00"},
		},
		"exim/esmtps-colon-tls": {
			"from mail-ed1-f42.example.com ([209.85.208.42])\n\tby mx.example.net with esmtps (TLSv1.2:ECDHE-RSA-AES128-GCM-SHA256:128)\n\t(Exim 4.92.2) id 1j1CWu-007j6j-7Y\n\tfor devel@lists.example.net; Mon, 10 Feb 2020 17:07:33 +0000",
			want{helo: "mail-ed1-f42.example.com", rdns: "mail-ed1-f42.example.com", ip: "209.85.208.42", by: "mx.example.net", with: "esmtps", id: "1j1CWu-007j6j-7Y", for_: "devel@lists.example.net", tls: tlsv("TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256", 128), time: "2020-02-10T17:07:33Z"},
		},
		"exim/tls1.2-underscore-cipher": {
			"from eggs.example.org ([2001:470:142:3::10])\n by lists1p.example.org with esmtps (TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256)\n (Exim 4.90_1) (envelope-from <dev@example.com>)\n id 1wBDQB-0006YX-UW\n for devel@example.org; Fri, 10 Apr 2026 11:05:24 -0400",
			want{helo: "eggs.example.org", rdns: "eggs.example.org", ip: "2001:470:142:3::10", by: "lists1p.example.org", with: "esmtps", id: "1wBDQB-0006YX-UW", for_: "devel@example.org", envFrom: "dev@example.com", tls: tlsv("TLSv1.2", "ECDHE_RSA_AES_256_GCM_SHA384", 256), time: "2026-04-10T11:05:24-04:00"},
		},
		"exim/new-tls-format": {
			"from [172.30.20.202] (helo=mx.sourceforge.example)\n\tby sfs-ml-4.example.com with esmtps (TLS1.2) tls TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\n\t(Exim 4.94.2) (envelope-from <pawel@example.com>) id 1nysJg-0002Y9-90\n\tfor devel@lists.example.net; Wed, 08 Jun 2022 09:49:31 +0000",
			want{helo: "mx.sourceforge.example", ip: "172.30.20.202", by: "sfs-ml-4.example.com", with: "esmtps", id: "1nysJg-0002Y9-90", for_: "devel@lists.example.net", envFrom: "pawel@example.com", tls: tlsv("TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 0), time: "2022-06-08T09:49:31Z"},
		},
		"exim/esmtpsa-tls1.3-return-path": {
			"from hellmouth.example.uk ([85.158.153.62] helo=macbook.dom.ain)\n\tby www.example.org (Exim 4.98.114)\n\t(TLS1.3) tls TLS_AES_256_GCM_SHA384\n\twith esmtpsa id 1uOf0L-00000000n6h-48rC\n\t(return-path <jgh@example.org>);\n\tMon, 09 Jun 2025 16:05:46 +0000",
			want{helo: "macbook.dom.ain", rdns: "hellmouth.example.uk", ip: "85.158.153.62", by: "www.example.org", with: "esmtpsa", id: "1uOf0L-00000000n6h-48rC", envFrom: "jgh@example.org", authed: true, tls: tlsv("TLSv1.3", "TLS_AES_256_GCM_SHA384", 0), time: "2025-06-09T16:05:46Z"},
		},
		"exim/port": {
			"from gate.example.de ([217.145.101.130]:60178 helo=gate2.example.de)\n\tby vps1.example.info (envelope-from <support@example.de>)\n\twith esmtps (TLS-1.0:DHE_RSA_3DES_EDE_CBC_SHA:24) (Exim 4.50)\n\tid 1H3KFP-0005pI-08 for dvd@example.de; Sat, 06 Jan 2007 23:42:55 +0100",
			want{helo: "gate2.example.de", rdns: "gate.example.de", ip: "217.145.101.130", by: "vps1.example.info", with: "esmtps", id: "1H3KFP-0005pI-08", for_: "dvd@example.de", envFrom: "support@example.de", tls: tlsv("TLSv1.0", "DHE_RSA_3DES_EDE_CBC_SHA", 24), time: "2007-01-06T23:42:55+01:00"},
		},
		"exim/local": {
			"from daf by green.example.net with local (Exim 3.36 #1 (Debian))\n\tid 192LJf-0005O7-00 for <duncf@example.com>; Sun, 06 Apr 2003 21:20:55 -0400",
			want{helo: "daf", by: "green.example.net", with: "local", id: "192LJf-0005O7-00", for_: "duncf@example.com", time: "2003-04-06T21:20:55-04:00"},
		},
		"exim3/helo-in-parens": {
			"from helene8.i.example.net (helene.cats.example) [10.0.8.6.13219] (mail)\n\tby lisbeth.i.example.net with esmtp (Exim 3.35 #1 (Debian))\n\tid 1CO5y7-0001vC-00; Sun, 31 Oct 2004 04:01:23 +0100",
			want{helo: "helene.cats.example", rdns: "helene8.i.example.net", ip: "10.0.8.6", by: "lisbeth.i.example.net", with: "esmtp", id: "1CO5y7-0001vC-00", time: "2004-10-31T04:01:23+01:00"},
		},
		// --- Sendmail ---
		"sendmail/plain": {
			"from rigel.example.edu (rigel.example.edu [128.200.80.22])\n\tby smtp3.example.edu (8.12.8/8.12.8) with ESMTP id i2907ZaF008726\n\tfor <user@example.org>; Mon, 8 Mar 2004 16:07:35 -0800",
			want{helo: "rigel.example.edu", rdns: "rigel.example.edu", ip: "128.200.80.22", by: "smtp3.example.edu", with: "ESMTP", id: "i2907ZaF008726", for_: "user@example.org", software: "8.12.8/8.12.8", time: "2004-03-08T16:07:35-08:00"},
		},
		"sendmail/tls-verify": {
			"from XCH-ALN-010.example.com (xch-aln-010.example.com [173.36.7.20])\n\tby alln-core-4.example.com (8.15.2/8.15.2) with ESMTPS id 00E0IaTE003902\n\t(version=TLSv1.2 cipher=AES256-SHA bits=256 verify=FAIL);\n\tTue, 14 Jan 2020 00:18:36 GMT",
			want{helo: "XCH-ALN-010.example.com", rdns: "xch-aln-010.example.com", ip: "173.36.7.20", by: "alln-core-4.example.com", with: "ESMTPS", id: "00E0IaTE003902", tls: tlsv("TLSv1.2", "AES256-SHA", 256), time: "2020-01-14T00:18:36Z"},
		},
		"sendmail/authenticated-forged": {
			"from MARISELA (dsl-189-149-70-163.example.mx [189.149.70.163] (may be forged))\n\t(authenticated bits=0)\n\tby mail.example.com.mx (8.13.8/8.13.8) with ESMTP id kB3G26P6019032\n\tfor <rb@example.org>; Sun, 3 Dec 2006 10:02:16 -0600 (CST)",
			want{helo: "MARISELA", rdns: "dsl-189-149-70-163.example.mx", ip: "189.149.70.163", by: "mail.example.com.mx", with: "ESMTP", id: "kB3G26P6019032", for_: "rb@example.org", authed: true, time: "2006-12-03T10:02:16-06:00"},
		},
		"sendmail/pphosted": {
			"from pps.filterd (m0042333.ppops.example [127.0.0.1])\n\tby mx0b-0014ca01.example.com (8.16.0.42/8.16.0.42) with SMTP id 04K9FUwI020252;\n\tWed, 20 May 2020 02:20:30 -0700",
			want{helo: "pps.filterd", rdns: "m0042333.ppops.example", ip: "127.0.0.1", by: "mx0b-0014ca01.example.com", with: "SMTP", id: "04K9FUwI020252", time: "2020-05-20T02:20:30-07:00"},
		},
		// --- Gmail / Google ---
		"gmail/smtp-id-by-only": {
			"by mail-pj1-x1030.google.com with SMTP id\n 98e67ed59e1d1-35da2d35eccso1777732a91.0\n for <qemu-devel@nongnu.org>; Fri, 10 Apr 2026 08:05:21 -0700 (PDT)",
			want{by: "mail-pj1-x1030.google.com", with: "SMTP", id: "98e67ed59e1d1-35da2d35eccso1777732a91.0", for_: "qemu-devel@nongnu.org", time: "2026-04-10T08:05:21-07:00"},
		},
		"gmail/esmtpsa": {
			"from ZBMac-LWN10QXKQ0.taila0cd24.ts.net ([104.168.88.121])\n by smtp.gmail.com with ESMTPSA id\n 98e67ed59e1d1-35e4131cfacsm3565785a91.10.2026.04.10.08.05.16\n (version=TLS1_3 cipher=TLS_CHACHA20_POLY1305_SHA256 bits=256/256);\n Fri, 10 Apr 2026 08:05:19 -0700 (PDT)",
			want{helo: "ZBMac-LWN10QXKQ0.taila0cd24.ts.net", ip: "104.168.88.121", by: "smtp.gmail.com", with: "ESMTPSA", id: "98e67ed59e1d1-35e4131cfacsm3565785a91.10.2026.04.10.08.05.16", authed: true, tls: tlsv("TLSv1.3", "TLS_CHACHA20_POLY1305_SHA256", 256), time: "2026-04-10T08:05:19-07:00"},
		},
		"gmail/ipv6-helo-literal": {
			"from ?IPV6:2600:1000:b03d:3fe7::f06e? ([2600:1000:b03d:3fe7::f06e])\n        by smtp.gmail.com with ESMTPSA id x12-20020ac87a8c000000b00304fce6a137sm6257577qtr.66.2022.06.18.07.36.19\n        (version=TLS1_3 cipher=TLS_AES_128_GCM_SHA256 bits=128/128);\n        Sat, 18 Jun 2022 07:36:19 -0700 (PDT)",
			want{helo: "?IPV6:2600:1000:b03d:3fe7::f06e?", ip: "2600:1000:b03d:3fe7::f06e", by: "smtp.gmail.com", with: "ESMTPSA", id: "x12-20020ac87a8c000000b00304fce6a137sm6257577qtr.66.2022.06.18.07.36.19", authed: true, tls: tlsv("TLSv1.3", "TLS_AES_128_GCM_SHA256", 128), time: "2022-06-18T07:36:19-07:00"},
		},
		"gmail/mx-for-before-tls": {
			"from spam2.example.cn ([110.188.70.11])\n        by gmr-mx.google.com with ESMTPS id v1si38117oia.0.2020.04.09.00.14.13\n        for <list@googlegroups.com>\n        (version=TLS1_2 cipher=ECDHE-RSA-AES128-GCM-SHA256 bits=128/128);\n        Thu, 09 Apr 2020 00:14:13 -0700 (PDT)",
			want{helo: "spam2.example.cn", ip: "110.188.70.11", by: "gmr-mx.google.com", with: "ESMTPS", id: "v1si38117oia.0.2020.04.09.00.14.13", for_: "list@googlegroups.com", tls: tlsv("TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256", 128), time: "2020-04-09T00:14:13-07:00"},
		},
		"gmail/internal-ipv6-by": {
			"by 2002:a05:6a20:3d8a:b0:1a5:6c56:4a36 with SMTP id bs10csp1234567pzb;\n        Mon, 15 Jan 2024 03:21:09 -0800 (PST)",
			want{by: "2002:a05:6a20:3d8a:b0:1a5:6c56:4a36", with: "SMTP", id: "bs10csp1234567pzb", time: "2024-01-15T03:21:09-08:00"},
		},
		// --- Microsoft Exchange / Office 365 ---
		"o365/frontend": {
			"from DM3NAM03FT035.eop-NAM03.prod.protection.outlook.com (2a01:111:f400:7e49::205)\n by CY4PR0601CA0051.outlook.office365.com (2603:10b6:910:89::28) with Microsoft\n SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384) id\n 15.20.1185.23 via Frontend Transport; Mon, 1 Oct 2018 09:49:21 +0000",
			want{helo: "DM3NAM03FT035.eop-NAM03.prod.protection.outlook.com", ip: "2a01:111:f400:7e49::205", by: "CY4PR0601CA0051.outlook.office365.com", via: "Frontend Transport", with: "Microsoft SMTP Server", id: "15.20.1185.23", tls: tlsv("TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", 0), time: "2018-10-01T09:49:21Z"},
		},
		"o365/internal": {
			"from GV2PR05MB11941.eurprd05.prod.outlook.com (2603:10a6:150:2cf::21) by\n GV4PR05MB12170.eurprd05.prod.outlook.com (2603:10a6:150:2e6::10) with\n Microsoft SMTP Server (version=TLS1_2,\n cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.9320.17; Fri, 14 Nov\n 2025 10:26:59 +0000",
			want{helo: "GV2PR05MB11941.eurprd05.prod.outlook.com", ip: "2603:10a6:150:2cf::21", by: "GV4PR05MB12170.eurprd05.prod.outlook.com", with: "Microsoft SMTP Server", id: "15.20.9320.17", tls: tlsv("TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 0), time: "2025-11-14T10:26:59Z"},
		},
		"o365/mapi": {
			"from BN7PR11MB2866.namprd11.prod.outlook.com ([fe80::fc28:bc87:48f1:e4cb]) by\n BN7PR11MB2866.namprd11.prod.outlook.com ([fe80::fc28:bc87:48f1:e4cb%3]) with\n mapi id 15.20.2408.024; Tue, 5 Nov 2019 22:49:56 +0000",
			want{helo: "BN7PR11MB2866.namprd11.prod.outlook.com", ip: "fe80::fc28:bc87:48f1:e4cb", by: "BN7PR11MB2866.namprd11.prod.outlook.com", with: "mapi", id: "15.20.2408.024", time: "2019-11-05T22:49:56Z"},
		},
		"exchange/tls-only": {
			"from xhs-rcd-001.example.com (173.37.227.246) by XCH-RCD-004.example.com\n (173.37.102.14) with Microsoft SMTP Server (TLS) id 15.0.1473.3; Wed, 15 Jan\n 2020 13:54:32 -0600",
			want{helo: "xhs-rcd-001.example.com", ip: "173.37.227.246", by: "XCH-RCD-004.example.com", with: "Microsoft SMTP Server", id: "15.0.1473.3", tls: &TLS{}, time: "2020-01-15T13:54:32-06:00"},
		},
		"exchange/smtpsvc": {
			"from tthompson ([217.35.105.172] unverified) by mail.example.com with Microsoft SMTPSVC(5.0.2195.5329);\n\t Tue, 11 Mar 2003 13:23:01 +0000",
			want{helo: "tthompson", ip: "217.35.105.172", by: "mail.example.com", with: "Microsoft SMTPSVC", time: "2003-03-11T13:23:01Z"},
		},
		// --- qmail ---
		"qmail/invoked-by-uid": {
			"(qmail 10681 invoked by uid 404); 14 Nov 2003 08:05:52 -0000",
			want{software: "qmail", time: "2003-11-14T08:05:52Z"},
		},
		"qmail/invoked-from-network": {
			"(qmail 87263 messnum 771997 invoked from network[83.70.48.2/83-70-48-2.example.net]); 8 Mar 2004 23:59:05 -0000",
			want{ip: "83.70.48.2", rdns: "83-70-48-2.example.net", time: "2004-03-08T23:59:05Z"},
		},
		"qmail/helo-ident": {
			"from adsl-207-213-27-129.dsl.example.net (HELO merlin.example.au) (Owner50@207.213.27.129)\n  by totor.example.net with SMTP; 10 Nov 2003 06:30:34 -0000",
			want{helo: "merlin.example.au", rdns: "adsl-207-213-27-129.dsl.example.net", ip: "207.213.27.129", ident: "Owner50", by: "totor.example.net", with: "SMTP", time: "2003-11-10T06:30:34Z"},
		},
		"qmail/unknown-helo": {
			"from unknown (HELO TP-EX16-V12.corp.example) ([172.22.47.22])\n  by ms.example.com with ESMTP; 22 Feb 2024 15:32:38 +0800",
			want{helo: "TP-EX16-V12.corp.example", ip: "172.22.47.22", by: "ms.example.com", with: "ESMTP", time: "2024-02-22T15:32:38+08:00"},
		},
		"qmail/rdns-equals-helo": {
			"from loki.example.net (212.7.146.145) by totor.example.net with SMTP; 16 Nov 2003 04:53:54 -0000",
			want{helo: "loki.example.net", rdns: "loki.example.net", ip: "212.7.146.145", by: "totor.example.net", with: "SMTP", time: "2003-11-16T04:53:54Z"},
		},
		// --- Courier ---
		"courier/auth-tls-id-after-date": {
			"from laptop (dsl.example.net [192.0.2.44])\n  (AUTH: LOGIN joe@example.com, TLS: TLSv1/SSLv3,256bits,AES256-SHA)\n  by mail.example.com with ESMTPSA; Thu, 10 Nov 2005 08:24:21 -0600\n  id 000000DB.43735815.00001E11",
			want{helo: "laptop", rdns: "dsl.example.net", ip: "192.0.2.44", by: "mail.example.com", with: "ESMTPSA", id: "000000DB.43735815.00001E11", auth: "joe@example.com", authed: true, tls: tlsv("TLSv1/SSLv3", "AES256-SHA", 256), time: "2005-11-10T08:24:21-06:00"},
		},
		"courier/ipv4-mapped": {
			"from mx.example.org (mx.example.org [::ffff:198.51.100.3])\n  by courier.example.net with ESMTP; Tue, 11 Nov 2008 14:15:52 -0500\n  id 000000A1.491A0C98.00004B1C",
			want{helo: "mx.example.org", rdns: "mx.example.org", ip: "198.51.100.3", by: "courier.example.net", with: "ESMTP", id: "000000A1.491A0C98.00004B1C", time: "2008-11-11T14:15:52-05:00"},
		},
		// --- OpenSMTPD ---
		"opensmtpd/tls": {
			"from mail.example.org (mail.example.org [198.51.100.9])\n\tby mx.example.com (OpenSMTPD) with ESMTPS id 5d1c0a2e (TLSv1.3:TLS_AES_256_GCM_SHA384:256:NO)\n\tfor <user@example.com>;\n\tSat, 4 May 2024 12:00:01 +0200 (CEST)",
			want{helo: "mail.example.org", rdns: "mail.example.org", ip: "198.51.100.9", by: "mx.example.com", with: "ESMTPS", id: "5d1c0a2e", for_: "user@example.com", tls: tlsv("TLSv1.3", "TLS_AES_256_GCM_SHA384", 256), software: "OpenSMTPD", time: "2024-05-04T12:00:01+02:00"},
		},
		"opensmtpd/local": {
			"from localhost (localhost [local])\n\tby mx.example.com (OpenSMTPD) with ESMTPA id 8a11c7c1 (TLSv1.2:ECDHE-RSA-AES256-GCM-SHA384:256:NO)\n\tfor <user@example.com>; Sat, 4 May 2024 11:59:58 +0200 (CEST)",
			want{helo: "localhost", by: "mx.example.com", with: "ESMTPA", id: "8a11c7c1", for_: "user@example.com", authed: true, tls: tlsv("TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384", 256), time: "2024-05-04T11:59:58+02:00"},
		},
		// --- Haraka ---
		"haraka/envelope-tls": {
			"from mail.example.org (mail.example.org [192.0.2.10])\n\tby haraka.example.net (Haraka/3.0.2) with ESMTPS id 7A5D4D87-1B2C-4E0E-9F2B-2C6A8E1F3B4D.1\n\tenvelope-from <alice@example.org>\n\ttls TLS_AES_256_GCM_SHA384;\n\tTue, 02 Jan 2024 10:00:00 +0000",
			want{helo: "mail.example.org", rdns: "mail.example.org", ip: "192.0.2.10", by: "haraka.example.net", with: "ESMTPS", id: "7A5D4D87-1B2C-4E0E-9F2B-2C6A8E1F3B4D.1", envFrom: "alice@example.org", tls: tlsv("", "TLS_AES_256_GCM_SHA384", 0), software: "Haraka/3.0.2", time: "2024-01-02T10:00:00Z"},
		},
		"haraka/authenticated": {
			"from laptop.example (dyn.example.net [203.0.113.50])\n\tby haraka.example.net (Haraka/2.8.25) with ESMTPSA id 1B2C3D4E-0000-4000-8000-000000000001.1\n\tenvelope-from <bob@example.net> (authenticated bits=0);\n\tWed, 03 Jan 2024 11:30:00 +0100",
			want{helo: "laptop.example", rdns: "dyn.example.net", ip: "203.0.113.50", by: "haraka.example.net", with: "ESMTPSA", id: "1B2C3D4E-0000-4000-8000-000000000001.1", envFrom: "bob@example.net", authed: true, tls: &TLS{}, time: "2024-01-03T11:30:00+01:00"},
		},
		// --- Amazon SES ---
		"ses/outbound": {
			"from a8-30.smtp-out.amazonses.com (a8-30.smtp-out.amazonses.com [54.240.8.30])\n\tby mx.example.org (Postfix) with ESMTPS id 4VQ2Zs3yQ9z1xnT\n\tfor <user@example.org>; Wed, 13 Mar 2024 18:22:05 +0000 (UTC)",
			want{helo: "a8-30.smtp-out.amazonses.com", rdns: "a8-30.smtp-out.amazonses.com", ip: "54.240.8.30", by: "mx.example.org", with: "ESMTPS", id: "4VQ2Zs3yQ9z1xnT", for_: "user@example.org", tls: &TLS{}, time: "2024-03-13T18:22:05Z"},
		},
		"ses/submission": {
			"from ip-10-0-1-17.ec2.internal (ec2-3-91-0-1.compute-1.amazonaws.com [3.91.0.1])\n\tby email-smtp.us-east-1.amazonaws.com with SMTP (SimpleEmailService-d-4PZSCPVS2) id 8X1kQ2YzRbqG7uP3m9Lc\n\tfor user@example.org;\n\tWed, 13 Mar 2024 18:22:04 +0000 (UTC)",
			want{helo: "ip-10-0-1-17.ec2.internal", rdns: "ec2-3-91-0-1.compute-1.amazonaws.com", ip: "3.91.0.1", by: "email-smtp.us-east-1.amazonaws.com", with: "SMTP", id: "8X1kQ2YzRbqG7uP3m9Lc", for_: "user@example.org", time: "2024-03-13T18:22:04Z"},
		},
		// --- Mailman / list relays ---
		"list/sourceforge-mailman": {
			"from [127.0.0.1] (helo=sfs-ml-1.v29.lw.example.com)\n\tby sfs-ml-1.v29.lw.example.com with esmtp (Exim 4.90_1)\n\t(envelope-from <devel-bounces@lists.example.net>)\n\tid 1iS7eR-0003bG-D3; Tue, 05 Nov 2019 22:50:15 +0000",
			want{helo: "sfs-ml-1.v29.lw.example.com", ip: "127.0.0.1", by: "sfs-ml-1.v29.lw.example.com", with: "esmtp", id: "1iS7eR-0003bG-D3", envFrom: "devel-bounces@lists.example.net", time: "2019-11-05T22:50:15Z"},
		},
		"list/vger-zmailer": {
			"from post.example.ru ([194.226.89.161]:55399 \"EHLO post.example.ru\" rhost-flags-OK-OK-OK-OK)\n        by vger.example.org with ESMTP id S1725616AbhADJwo (ORCPT <rfc822;linux-api@vger.example.org>);\n        Mon, 4 Jan 2021 04:52:44 -0500",
			want{helo: "post.example.ru", rdns: "post.example.ru", ip: "194.226.89.161", by: "vger.example.org", with: "ESMTP", id: "S1725616AbhADJwo", time: "2021-01-04T04:52:44-05:00"},
		},
		"list/dovecot-lmtp": {
			"from mail.example.de\n\tby mirror with LMTP\n\tid 4D1NEgy0+GmWzAIAu9opvQ\n\t(envelope-from <list+bounces-6259@vger.example.org>)\n\tfor <lists@example.de>; Mon, 04 May 2026 16:58:20 +0200",
			want{helo: "mail.example.de", by: "mirror", with: "LMTP", id: "4D1NEgy0+GmWzAIAu9opvQ", for_: "lists@example.de", envFrom: "list+bounces-6259@vger.example.org", time: "2026-05-04T16:58:20+02:00"},
		},
		// --- others seen in real mail ---
		"ironport": {
			"from orsmga005.example.com ([10.7.209.41])\n  by fmsmga101.example.com with ESMTP/TLS/ECDHE-RSA-AES256-GCM-SHA384; 28 May 2020 00:44:06 -0700",
			want{helo: "orsmga005.example.com", ip: "10.7.209.41", by: "fmsmga101.example.com", with: "ESMTP", tls: tlsv("", "ECDHE-RSA-AES256-GCM-SHA384", 0), time: "2020-05-28T00:44:06-07:00"},
		},
		"mimecast/starttls": {
			"from sonic316-27.example.com (sonic316-27.example.com [66.163.187.153])\n by relay.mimecast.example with ESMTP with STARTTLS (version=TLSv1.2,\n cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id us-mta-255-Wc4XGPPtPSedgMqjo-W9Zw-1;\n Wed, 08 Jun 2022 16:07:44 -0400",
			want{helo: "sonic316-27.example.com", rdns: "sonic316-27.example.com", ip: "66.163.187.153", by: "relay.mimecast.example", with: "ESMTP", id: "us-mta-255-Wc4XGPPtPSedgMqjo-W9Zw-1", tls: tlsv("TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 0), time: "2022-06-08T16:07:44-04:00"},
		},
		"communigate/account": {
			"from [212.73.124.190] (account skud@example.ru HELO wxp.example.ru)\n  by relay2.example.ru (CommuniGate Pro SMTP 5.1.13)\n  with ESMTPSA id 9830625 for sudakov@example.ru; Mon, 07 Apr 2008 08:42:48 +0700",
			want{helo: "wxp.example.ru", ip: "212.73.124.190", by: "relay2.example.ru", with: "ESMTPSA", id: "9830625", for_: "sudakov@example.ru", auth: "skud@example.ru", authed: true, tls: &TLS{}, time: "2008-04-07T08:42:48+07:00"},
		},
		"mdaemon/ipv6-literals": {
			"from [IPv6:2604:2000:1741:8407::abe6] by auristor.example (IPv6:2001:470:1f07:f77::c2a5) (MDaemon PRO v20.0.1)\n\twith ESMTPSA id md5001002630221.msg; Tue, 18 Aug 2020 11:01:19 -0400",
			want{helo: "[IPv6:2604:2000:1741:8407::abe6]", ip: "2604:2000:1741:8407::abe6", by: "auristor.example", with: "ESMTPSA", id: "md5001002630221.msg", authed: true, tls: &TLS{}, time: "2020-08-18T11:01:19-04:00"},
		},
		"fetchmail": {
			"from pop.example.com [216.136.173.10]\n\tby localhost with POP3 (fetchmail-5.9.13)\n\tfor user@example.net (single-drop); Sun, 22 Feb 2004 20:46:25 -0600 (CST)",
			want{helo: "pop.example.com", ip: "216.136.173.10", by: "localhost", with: "POP3", for_: "user@example.net", time: "2004-02-22T20:46:25-06:00"},
		},
		"amavis": {
			"from pegase1.example.fr ([192.168.12.234])\n\tby localhost (pegase1.example.fr [192.168.12.234]) (amavisd-new, port 10024)\n\twith ESMTP id eHCnKMUwPC8j; Wed,  8 Jan 2020 09:48:45 +0100 (CET)",
			want{helo: "pegase1.example.fr", ip: "192.168.12.234", by: "localhost", with: "ESMTP", id: "eHCnKMUwPC8j", time: "2020-01-08T09:48:45+01:00"},
		},
		"ctime-date-obtuse-smtpd": {
			"from pl027.example.ne.jp(61.197.82.27), claiming to be \"foo.example.net\"\n via SMTP by st.example.at, id smtpd1PBsZT; Sun Nov 13 15:38:52 2005",
			want{helo: "foo.example.net", rdns: "pl027.example.ne.jp", ip: "61.197.82.27", by: "st.example.at", via: "SMTP", id: "smtpd1PBsZT", time: "2005-11-13T15:38:52Z", warnings: []string{warnNoZone}},
		},
		"webmail/http": {
			"from 67.85.219.192 (NaSMail authenticated user john.doe)\n        by webmail.example.com with HTTP; Fri, 30 Mar 2012 12:39:58 +0100 (BST)",
			want{ip: "67.85.219.192", by: "webmail.example.com", with: "HTTP", auth: "john.doe", authed: true, time: "2012-03-30T12:39:58+01:00"},
		},
	} {
		check(t, name, tc.v, tc.w)
	}
}

func TestParseErrors(t *testing.T) {
	for i, tc := range []struct {
		v    string
		err  error
		warn string
	}{
		0: {"", ErrEmpty, warnNothing},
		1: {" \r\n\t ", ErrEmpty, warnNothing},
		2: {"@@@@ !!!", ErrUnreadable, warnNothing},
		3: {"((((((", ErrUnreadable, warnNothing},
	} {
		h, err := Parse(tc.v)
		assert.True(t, errors.Is(err, tc.err), "%d: %v", i, err)
		assert.Contains(t, h.Warnings, tc.warn, "%d", i)
		assert.Equal(t, tc.v, h.Raw, "%d", i)
	}
}

func TestParseBadInput(t *testing.T) {
	for i, tc := range []struct {
		v    string
		warn []string
		time string
	}{
		0: {"from a.example (a.example [192.0.2.1] by b.example with ESMTP id X; Mon, 6 Jan 2025 10:00:00 +0000",
			[]string{warnUnbalanced}, "2025-01-06T10:00:00Z"},
		1: {"from a.example ([192.0.2.1])) by b.example with SMTP; Mon, 6 Jan 2025 10:00:00 +0000",
			[]string{warnUnbalanced}, "2025-01-06T10:00:00Z"},
		2: {"from a.example by b.example; Mon, 31 Feb 2025 10:00:00 +0000", []string{warnImpossible}, ""},
		3: {"from a.example by b.example; Mon, 6 Jan 2025 25:00:00 +0000", []string{warnImpossible}, ""},
		4: {"from a.example by b.example; Mon, 6 Jan 2025 10:00:00", []string{warnNoZone}, "2025-01-06T10:00:00Z"},
		5: {"from a.example by b.example; Mon, 6 Jan 2025 10:00:00 +9960", []string{warnBadZone}, "2025-01-06T10:00:00Z"},
		6: {"from a.example by b.example; Mon, 6 Jan 2025 10:00:00 CET", []string{warnObsoleteZone}, "2025-01-06T10:00:00Z"},
		7: {"from a.example by b.example; yesterday", []string{warnNoDate}, ""},
		8: {"from a.example by b.example", []string{warnNoDate}, ""},
		9: {"with ECARTIS (v1.0.0; list mips); Tue, 06 Dec 2011 01:49:42 +0100 (CET)", []string{warnNoClauses}, "2011-12-06T01:49:42+01:00"},
		10: {"m caexch.example (Not Verified[192.168.16.9]) by mail3.example.com with Mal ( id 00>; Mon, 05 Dec 2011 1604 -",
			[]string{warnUnbalanced, warnBadDate, warnNoFromKeyword}, ""},
		11: {"from a.example by b.example; 8 Mar 04 12:23:56 -0000", nil, "2004-03-08T12:23:56Z"},
		12: {"from a.example by b.example; Thu, 6 May 2004 17:40:44-0500", nil, "2004-05-06T17:40:44-05:00"},
		13: {"from a.example by b.example; 29 Feb 2024 23:59:60 EST", nil, "2024-02-29T23:59:59-05:00"},
		14: {"from a.example by b.example; 1 Jan 99 00:00 GMT", nil, "1999-01-01T00:00:00Z"},
		15: {"from LOCALHOST by LOCALHOST with ESMTP id EF01F5A6 Mon, 11 Sep 2006 11:41:10 -0500", nil, "2006-09-11T11:41:10-05:00"},
	} {
		h, err := Parse(tc.v)
		assert.NoError(t, err, "%d", i)
		assert.Equal(t, tc.warn, h.Warnings, "%d: %s", i, tc.v)
		ts := ""
		if !h.Time.IsZero() {
			ts = h.Time.Format(time.RFC3339)
		}
		assert.Equal(t, tc.time, ts, "%d", i)
	}
}

func TestNormVersion(t *testing.T) {
	for in, want := range map[string]string{
		"TLSv1.3": "TLSv1.3", "TLS1_3": "TLSv1.3", "TLS1.3": "TLSv1.3", "TLS-1.3": "TLSv1.3",
		"tlsv1.2": "TLSv1.2", "TLS12": "TLSv1.2", "TLSv1": "TLSv1.0", "TLS-1.0": "TLSv1.0",
		"TLSv1/SSLv3": "TLSv1/SSLv3", "SSLv3": "SSLv3", "TLS": "", "TLSv1.1": "TLSv1.1",
	} {
		assert.Equal(t, want, normVersion(in), in)
	}
	h, err := Parse("from a.example ([192.0.2.1]) by b.example with ESMTPS id x (version=TLS1_3 cipher=X bits=256/256); Mon, 6 Jan 2025 10:00:00 +0000")
	assert.NoError(t, err)
	assert.Equal(t, "TLSv1.3", h.TLS.Version)
}

// Large and hostile inputs must stay linear and never panic.
func TestParseLarge(t *testing.T) {
	big := []string{
		strings.Repeat("(", 1<<20),
		strings.Repeat("[", 1<<20),
		strings.Repeat("<", 1<<20),
		strings.Repeat("\"", 1<<20+1),
		strings.Repeat("(a ", 1<<18) + strings.Repeat(")", 1<<17),
		"from a.example (" + strings.Repeat("x [192.0.2.1] ", 1<<16) + ") by b.example; Mon, 6 Jan 2025 10:00:00 +0000",
		strings.Repeat("from by with id for via ", 1<<15) + "; Mon, 6 Jan 2025 10:00:00 +0000",
		strings.Repeat("Mon 1 Jan ", 1<<16),
		strings.Repeat("x", 1<<20),
	}
	for i, v := range big {
		start := time.Now()
		h, _ := Parse(v)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%d: %v for %d bytes", i, d, len(v))
		}
		assert.Equal(t, v, h.Raw)
	}
}

func TestChainTenThousandHops(t *testing.T) {
	values := make([]string, 10000)
	for i := range values {
		values[i] = "from a.example (a.example [192.0.2.1]) by b.example (Postfix) with ESMTP id X; Mon, 6 Jan 2025 10:00:00 +0000"
		if i%10 == 0 {
			values[i] = "garbage (((" // a warning per bad hop
		}
	}
	start := time.Now()
	c := NewChain(values, Options{})
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("10000 hops took %v", d)
	}
	assert.Len(t, c.Hops, 10000)
	bad := 0
	for _, h := range c.Hops {
		if len(h.Warnings) > 0 {
			bad++
		}
	}
	assert.Equal(t, 1000, bad)
}
