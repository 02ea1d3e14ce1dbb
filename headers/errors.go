package headers

import (
	"errors"
	"fmt"
)

// Sentinel errors returned (wrapped in a *LoadError) by the loaders.
var (
	// ErrUnrecognized means the input is neither a mail message, an mbox
	// file, nor a Patchwork JSON object.
	ErrUnrecognized = errors.New("headers: input is not a mail message, mbox or Patchwork JSON")
	// ErrNotPatchwork means the input is JSON but not a Patchwork patch or
	// cover object (it has no "headers" object).
	ErrNotPatchwork = errors.New("headers: JSON is not a Patchwork patch object")
	// ErrMalformedJSON means the JSON is truncated or not well formed.
	ErrMalformedJSON = errors.New("headers: malformed or truncated JSON")
	// ErrTooLarge means a message exceeds the loader's size limit.
	ErrTooLarge = errors.New("headers: message too large")
	// ErrEmpty means the input holds no data at all.
	ErrEmpty = errors.New("headers: empty input")
)

// LoadError describes input that could not be loaded.
type LoadError struct {
	Name   string     // the source's name
	Kind   SourceKind // the kind detected, if any
	Offset int64      // byte offset into the input where the problem was found, or -1
	Err    error      // wraps one of the sentinels above
}

func (e *LoadError) Error() string {
	kind := string(e.Kind)
	if kind == "" {
		kind = "input"
	}
	if e.Offset >= 0 {
		return fmt.Sprintf("%s: %s at offset %d: %v", e.Name, kind, e.Offset, e.Err)
	}
	return fmt.Sprintf("%s: %s: %v", e.Name, kind, e.Err)
}

// Unwrap returns the underlying error.
func (e *LoadError) Unwrap() error { return e.Err }
