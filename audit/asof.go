package audit

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrBadTime means a --at value is neither RFC 3339, Unix seconds, nor
// "message".
var ErrBadTime = errors.New("audit: time must be RFC 3339, Unix seconds, or \"message\"")

// ParseAsOf reads the CLI's --at value into the Auditor settings it
// stands for: "" (now), "message" (each message's own Date), an RFC 3339
// time, or Unix seconds.
func ParseAsOf(s string) (at time.Time, messageDate bool, err error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "" || strings.EqualFold(s, "now"):
		return time.Time{}, false, nil
	case strings.EqualFold(s, "message"):
		return time.Time{}, true, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), false, nil
	}
	for _, layout := range []string{time.RFC3339, time.DateTime, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, false, nil
		}
	}
	return time.Time{}, false, fmt.Errorf("%w: %q", ErrBadTime, s)
}
