package dkim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPWGitVersions(t *testing.T) {
	at := time.Date(2023, 6, 13, 0, 0, 0, 0, time.UTC)
	vs := pwGitVersions(at)
	require.Len(t, vs, (pwGitNewestMinor+1)*(pwGitMaxPatch+1+8)+3)
	idx := func(v string) int {
		for i, x := range vs {
			if x == v {
				return i
			}
		}
		return -1
	}
	// Out in June 2023: 2.41; the one before comes first.
	assert.Equal(t, "2.40.0", vs[0])
	assert.Less(t, idx("2.34.1"), idx("2.50.0"))
	assert.Less(t, idx("2.0.0"), idx("2.55.9"), "releases after the date come last")
	assert.Less(t, idx("2.41.0.windows.1"), idx("2.40.9"), "common builds first")
	assert.Greater(t, idx("2.41.0.windows.2"), idx("2.0.4"))
	assert.Equal(t, "1.9.1", vs[len(vs)-1])
	seen := map[string]bool{}
	for _, v := range vs {
		require.False(t, seen[v], v)
		seen[v] = true
	}
	assert.Equal(t, "2.53.0", pwGitVersions(time.Time{})[0], "no date: the newest known but two first")
	assert.Equal(t, 0, pwGitMinorAt(time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)))
	assert.Equal(t, 49, pwGitMinorAt(time.Date(2025, 3, 20, 0, 0, 0, 0, time.UTC)))
}
