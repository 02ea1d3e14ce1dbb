package received_test

import (
	"fmt"
	"net/netip"
	"os"

	"github.com/mailprov/mailprov/received"
)

func ExampleParse() {
	h, err := received.Parse("from mail-pj1-x1030.google.com ([2607:f8b0:4864:20::1030])\n" +
		" by eggs.gnu.org with esmtps (TLS1.2:ECDHE_RSA_AES_128_GCM_SHA256:128)\n" +
		" (Exim 4.90_1) (envelope-from <zhangckid@gmail.com>)\n" +
		" id 1wBDQA-0002Ce-3y\n" +
		" for qemu-devel@nongnu.org; Fri, 10 Apr 2026 11:05:23 -0400")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(h.From.HELO, h.From.IP)
	fmt.Println(h.By, h.With, h.ID)
	fmt.Println(h.EnvelopeFrom, h.TLS.Version, h.TLS.Cipher)
	fmt.Println(h.Time.Format("2006-01-02T15:04:05Z07:00"))
	// Output:
	// mail-pj1-x1030.google.com 2607:f8b0:4864:20::1030
	// eggs.gnu.org esmtps 1wBDQA-0002Ce-3y
	// zhangckid@gmail.com TLSv1.2 ECDHE_RSA_AES_128_GCM_SHA256
	// 2026-04-10T11:05:23-04:00
}

// The Received fields of the Patchwork sample (testdata/patchwork), in
// header order, with the Received-SPF that eggs.gnu.org wrote.
func ExampleNewChain() {
	values := []string{
		"from lists.gnu.org (lists1p.gnu.org [209.51.188.17])\n\t(using TLSv1.2 with cipher ECDHE-ECDSA-AES256-GCM-SHA384 (256/256 bits))\n\t(No client certificate requested)\n\tby legolas.ozlabs.org (Postfix) with ESMTPS id 4fsg9l2l8Xz20HT\n\tfor <incoming@patchwork.ozlabs.org>; Sat, 11 Apr 2026 01:06:19 +1000 (AEST)",
		"from localhost ([::1] helo=lists1p.gnu.org)\n\tby lists.gnu.org with esmtp (Exim 4.90_1)\n\t(envelope-from <qemu-devel-bounces@nongnu.org>)\n\tid 1wBDQF-0006dl-OW; Fri, 10 Apr 2026 11:05:27 -0400",
		"from eggs.gnu.org ([2001:470:142:3::10])\n by lists1p.gnu.org with esmtps (TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256)\n (Exim 4.90_1) (envelope-from <zhangckid@gmail.com>)\n id 1wBDQB-0006YX-UW\n for qemu-devel@nongnu.org; Fri, 10 Apr 2026 11:05:24 -0400",
		"from mail-pj1-x1030.google.com ([2607:f8b0:4864:20::1030])\n by eggs.gnu.org with esmtps (TLS1.2:ECDHE_RSA_AES_128_GCM_SHA256:128)\n (Exim 4.90_1) (envelope-from <zhangckid@gmail.com>)\n id 1wBDQA-0002Ce-3y\n for qemu-devel@nongnu.org; Fri, 10 Apr 2026 11:05:23 -0400",
		"by mail-pj1-x1030.google.com with SMTP id\n 98e67ed59e1d1-35da2d35eccso1777732a91.0\n for <qemu-devel@nongnu.org>; Fri, 10 Apr 2026 08:05:21 -0700 (PDT)",
		"from ZBMac-LWN10QXKQ0.taila0cd24.ts.net ([104.168.88.121])\n by smtp.gmail.com with ESMTPSA id\n 98e67ed59e1d1-35e4131cfacsm3565785a91.10.2026.04.10.08.05.16\n (version=TLS1_3 cipher=TLS_CHACHA20_POLY1305_SHA256 bits=256/256);\n Fri, 10 Apr 2026 08:05:19 -0700 (PDT)",
	}
	c := received.NewChain(values, received.Options{Observations: []received.Observation{{
		ClientIP: netip.MustParseAddr("2607:f8b0:4864:20::1030"),
		Helo:     "mail-pj1-x1030.google.com",
		MailFrom: "zhangckid@gmail.com",
		Source:   "Received-SPF",
	}}})
	fmt.Printf("origin: hop %d, %s, HELO %s, MAIL FROM %s\n",
		c.Origin.Hop, c.Origin.IP, c.Origin.HELO, c.Origin.MailFrom)
	c.Timeline(os.Stdout)
	// Output:
	// origin: hop 2, 2607:f8b0:4864:20::1030, HELO mail-pj1-x1030.google.com, MAIL FROM zhangckid@gmail.com
	// 6 hops, oldest first (4 of 6 with TLS)
	//  0  2026-04-10 08:05:19 -0700             TLSv1.3  ZBMac-LWN10QXKQ0.taila0cd24.ts.net [104.168.88.121] -> smtp.gmail.com (ESMTPSA)
	//  1  2026-04-10 08:05:21 -0700        +2s  plain    - -> mail-pj1-x1030.google.com (SMTP)
	//  2  2026-04-10 11:05:23 -0400        +2s  TLSv1.2  mail-pj1-x1030.google.com [2607:f8b0:4864:20::1030] -> eggs.gnu.org (esmtps)  <= origin
	//  3  2026-04-10 11:05:24 -0400        +1s  TLSv1.2  eggs.gnu.org [2001:470:142:3::10] -> lists1p.gnu.org (esmtps)
	//  4  2026-04-10 11:05:27 -0400        +3s  plain    lists1p.gnu.org [::1] -> lists.gnu.org (esmtp)
	//  5  2026-04-11 01:06:19 +1000       +52s  TLSv1.2  lists.gnu.org [209.51.188.17] -> legolas.ozlabs.org (ESMTPS)
}
