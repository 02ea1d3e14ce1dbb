package arc_test

import (
	"fmt"

	"github.com/mailprov/mailprov/arc"
	"github.com/mailprov/mailprov/headers"
)

// ExampleParseSets reads what each intermediary of a chain claimed, without
// checking signatures or asking DNS.
func ExampleParseSets() {
	raw := "ARC-Seal: i=1; a=rsa-sha256; t=1700000000; cv=none; d=lists.example.org; s=arc1;\r\n" +
		"\tb=AAAA\r\n" +
		"ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=lists.example.org; s=arc1;\r\n" +
		"\th=from:to:subject; bh=AAAA; b=AAAA\r\n" +
		"ARC-Authentication-Results: i=1; mx.lists.example.org;\r\n" +
		"\tdkim=pass header.d=example.com header.s=sel;\r\n" +
		"\tspf=pass smtp.mailfrom=alice@example.com\r\n" +
		"From: alice@example.com\r\n" +
		"\r\n" +
		"Hi\r\n"
	m, err := headers.ParseRaw([]byte(raw), "example")
	if err != nil {
		fmt.Println(err)
		return
	}
	sets, err := arc.ParseSets(m.Fields)
	fmt.Println(len(sets), err)
	for _, s := range sets {
		fmt.Println(s.Instance, s.Sealer, s.CV, s.AuthServID)
		for _, v := range s.Vouches {
			fmt.Println(" ", v)
		}
	}

	_, err = arc.ParseSets(m.Fields[1:]) // without the ARC-Seal
	fmt.Println(arc.ReasonOf(err))
	// Output:
	// 1 <nil>
	// 1 lists.example.org none mx.lists.example.org
	//   dkim=pass header.d=example.com header.s=sel
	//   spf=pass smtp.mailfrom=alice@example.com
	// missing_field
}
