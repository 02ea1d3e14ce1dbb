package rsapub_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"

	"github.com/mailprov/mailprov/internal/rsapub"
)

func ExampleKey_VerifyPKCS1v15() {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	digest := sha256.Sum256([]byte("a patch"))
	sig, err := rsa.SignPKCS1v15(nil, priv, crypto.SHA256, digest[:])
	if err != nil {
		panic(err)
	}

	// Prepare the key once; verify with it as often as needed.
	k, err := rsapub.New(&priv.PublicKey)
	if err != nil {
		panic(err)
	}
	fmt.Println(k.VerifyPKCS1v15(crypto.SHA256, digest[:], sig))
	sig[0] ^= 1
	fmt.Println(k.VerifyPKCS1v15(crypto.SHA256, digest[:], sig))
	// Output:
	// <nil>
	// crypto/rsa: verification error
}
