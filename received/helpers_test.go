package received

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedDir returns ../shared beside the module root (/work/shared next to
// /work/main), skipping the test when it is absent.
func sharedDir(t testing.TB) string {
	t.Helper()
	d := filepath.Join("..", "..", "shared")
	if _, err := os.Stat(d); err != nil {
		t.Skipf("../shared not present: %v", err)
	}
	return d
}
