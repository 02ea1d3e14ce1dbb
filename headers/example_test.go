package headers_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/mailprov/mailprov/headers"
)

func ExampleNewReader() {
	f, err := os.Open(filepath.Join("..", "testdata", "patchwork", "2221996.json"))
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()

	r := headers.NewReader(f, "2221996.json")
	m, err := r.Next()
	if err != nil {
		log.Fatal(err)
	}
	s, errs := headers.Summarize(m)
	fmt.Println("kind:", m.Source.Kind, "order:", m.Order)
	fmt.Println("from:", s.From[0].Address, "domain:", s.From[0].Domain())
	fmt.Println("date:", s.Date.UTC())
	fmt.Println("subject:", s.Subject)
	fmt.Println("list:", s.List.ID)
	fmt.Println("received fields:", len(m.Values("Received")))
	fmt.Println("problems:", len(errs))
	// Output:
	// kind: patchwork order: per-name
	// from: zhangckid@gmail.com domain: gmail.com
	// date: 2026-04-10 15:04:46 +0000 UTC
	// subject: [PATCH V6 03/14] iothread: tracking iothread users with holder name
	// list: qemu-devel.nongnu.org
	// received fields: 6
	// problems: 0
}

func ExampleParseSignature() {
	sig, err := headers.ParseSignature("DKIM-Signature", "v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n"+
		" d=example.com; s=sel1; t=1741000000; x=1741604800;\r\n"+
		" h=from:to:subject:date:message-id;\r\n"+
		" bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n"+
		" b=dGVz\r\n dA==")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sig.Domain, sig.Selector, sig.Algorithm, sig.Canonicalization())
	fmt.Println("signed:", sig.Headers)
	fmt.Println("time:", sig.Timestamp, "expires:", sig.Expiration)
	fmt.Printf("b= %q decodes to %q\n", sig.SignatureRaw, sig.Sig)
	fmt.Println("body hash bytes:", len(sig.BodyHash))

	_, err = headers.ParseSignature("DKIM-Signature", "v=1; d=a.example; d=b.example")
	fmt.Println(err)
	// Output:
	// example.com sel1 rsa-sha256 relaxed/relaxed
	// signed: [from to subject date message-id]
	// time: 2025-03-03 11:06:40 +0000 UTC expires: 2025-03-10 11:06:40 +0000 UTC
	// b= "dGVz\r\n dA==" decodes to "test"
	// body hash bytes: 32
	// headers: duplicate tag: d
}
