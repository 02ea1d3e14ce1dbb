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
	err := run(context.Background(), "../../testdata/patchwork/2221996.json", "../../testdata/dns/2221996.snapshot", &out)
	require.NoError(t, err)
	assert.Contains(t, out.String(), "verified: gmail.com signed this message")
	assert.Contains(t, out.String(), "d=gmail.com s=20251104: header pass, body pass (rebuilt as")
}
