package headers

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// BenchmarkLoadSample loads the Patchwork sample. The baseline only
// unmarshals its bytes into a map; mailprov loads the message and parses
// every field it has a parser for. The target is at most twice the
// baseline.
func BenchmarkLoadSample(b *testing.B) {
	data, err := os.ReadFile(samplePath)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("baseline-json-unmarshal-map", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var v map[string]any
			if err := json.Unmarshal(data, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("mailprov-load-and-parse", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if n := loadAndParse(b, data); n == 0 {
				b.Fatal("nothing parsed")
			}
		}
	})
}

// loadAndParse runs every parser on the sample and returns how many
// results it got.
func loadAndParse(b *testing.B, data []byte) int {
	m, err := ParsePatchwork(data, "sample")
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	if s, errs := Summarize(m); s != nil && len(errs) == 0 {
		n++
	}
	for _, f := range m.Fields {
		switch {
		case isSignatureField(f.Name):
			if _, err := ParseSignature(f.Name, f.Value); err == nil {
				n++
			}
		case strings.EqualFold(f.Name, FieldAuthenticationResult):
			if _, err := ParseAuthResults(f.Value); err == nil {
				n++
			}
		case strings.EqualFold(f.Name, FieldARCAuthResults):
			if _, err := ParseARCAuthResults(f.Value); err == nil {
				n++
			}
		case strings.EqualFold(f.Name, "Received-SPF"):
			if _, err := ParseReceivedSPF(f.Value); err == nil {
				n++
			}
		}
	}
	n += len(ParseSpam(m))
	return n
}

func isSignatureField(name string) bool {
	return strings.EqualFold(name, FieldDKIMSignature) || strings.EqualFold(name, FieldGoogleDKIMSignature) ||
		strings.EqualFold(name, FieldARCSeal) || strings.EqualFold(name, FieldARCMessageSignature)
}

// BenchmarkParseSignature measures the tag-list parser on the sample's
// DKIM-Signature.
func BenchmarkParseSignature(b *testing.B) {
	data, err := os.ReadFile(samplePath)
	if err != nil {
		b.Fatal(err)
	}
	m, err := ParsePatchwork(data, "sample")
	if err != nil {
		b.Fatal(err)
	}
	v := m.Values(FieldDKIMSignature)[0]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseSignature(FieldDKIMSignature, v); err != nil {
			b.Fatal(err)
		}
	}
}
