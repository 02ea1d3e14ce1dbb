package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), "../../testdata/dns/sample.zone", "../../testdata/patchwork/2221996.json", &out)
	require.NoError(t, err)
	assert.Contains(t, out.String(), "verified: gmail.com signed this message")
	assert.Contains(t, out.String(), "20251104._domainkey.gmail.com./TXT")
	assert.Contains(t, out.String(), "_dmarc.gmail.com./TXT")
}
