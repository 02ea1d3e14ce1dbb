module github.com/mailprov/mailprov

go 1.26.8

require (
	filippo.io/bigmod v0.1.0
	github.com/emersion/go-msgauth v0.7.0
	github.com/miekg/dns v1.1.73
	github.com/stretchr/testify v1.12.1
	go.yaml.in/yaml/v3 v3.0.5
	golang.org/x/net v0.62.0
)

require (
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)
