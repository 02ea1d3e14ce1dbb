package received

import (
	"strings"
	"time"
)

// Date parsing for the date-time after the last ";" of a Received field
// (RFC 5322 §3.3), including the obsolete forms of §4.3 that real MTAs
// still write: two-digit years, obsolete zone names, missing seconds,
// missing day names, a zone glued to the time ("17:40:44-0500"), and the
// ctime layout ("Sun Nov 13 14:50:12 2005") of some old relays.

var monthNames = [...]string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

var dayNames = [...]string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// month returns 1..12 for an English month name or abbreviation, else 0.
func month(w string) int {
	if len(w) < 3 {
		return 0
	}
	for i, m := range monthNames {
		if equalFold(w[:3], m) && (len(w) == 3 || isMonthLong(w, i)) {
			return i + 1
		}
	}
	return 0
}

var monthLong = [...]string{"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"}

func isMonthLong(w string, i int) bool {
	return equalFold(w, monthLong[i]) || (len(w) == 4 && w[3] == '.')
}

func isDayName(w string) bool {
	for len(w) > 0 && (w[len(w)-1] == ',' || w[len(w)-1] == '.') {
		w = w[:len(w)-1]
	}
	if len(w) < 3 {
		return false
	}
	for _, d := range dayNames {
		if equalFold(w[:3], d) {
			return len(w) == 3 || strings.HasSuffix(strings.ToLower(w), "day")
		}
	}
	return false
}

// atoi parses a short run of ASCII digits; ok is false for anything else.
func atoi(w string) (n int, ok bool) {
	if len(w) == 0 || len(w) > 9 {
		return 0, false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// zoneOffset returns the offset in seconds of a numeric or named zone.
// known is false when w is not a zone at all; unknown is true for named
// zones RFC 5322 says to read as "-0000" (military letters).
func zoneOffset(w string) (off int, known, bad bool) {
	if len(w) == 5 && (w[0] == '+' || w[0] == '-') {
		hh, ok1 := atoi(w[1:3])
		mm, ok2 := atoi(w[3:5])
		if !ok1 || !ok2 {
			return 0, false, false
		}
		if hh > 23 || mm > 59 {
			return 0, true, true
		}
		off = hh*3600 + mm*60
		if w[0] == '-' {
			off = -off
		}
		return off, true, false
	}
	switch strings.ToUpper(w) {
	case "UT", "UTC", "GMT", "Z":
		return 0, true, false
	case "EST":
		return -5 * 3600, true, false
	case "EDT":
		return -4 * 3600, true, false
	case "CST":
		return -6 * 3600, true, false
	case "CDT":
		return -5 * 3600, true, false
	case "MST":
		return -7 * 3600, true, false
	case "MDT":
		return -6 * 3600, true, false
	case "PST":
		return -8 * 3600, true, false
	case "PDT":
		return -7 * 3600, true, false
	}
	return 0, false, false
}

// Date problems, reported as hop warnings.
const (
	warnNoDate       = "no date"
	warnBadDate      = "date unreadable"
	warnImpossible   = "date has impossible values"
	warnNoZone       = "date has no zone; read as UTC"
	warnBadZone      = "date has an invalid zone; read as UTC"
	warnObsoleteZone = "date has an unknown zone name; read as UTC"
)

// dateStart reports whether a date plausibly starts at words[i].
func dateStart(words []string, i int) bool {
	w := words[i]
	if isDayName(w) {
		return i+1 < len(words) && (isDigitStart(words[i+1]) || month(words[i+1]) > 0)
	}
	if _, ok := atoi(w); ok && len(w) <= 2 && i+2 < len(words) && month(words[i+1]) > 0 {
		_, ok := atoi(words[i+2])
		return ok
	}
	return false
}

func isDigitStart(w string) bool { return len(w) > 0 && w[0] >= '0' && w[0] <= '9' }

// parseDate reads a date-time from words (comments already removed). It
// returns the time, how many words it consumed from the first, and a
// warning ("" when clean). words[0] must satisfy dateStart.
func parseDate(words []string) (t time.Time, used int, warn string) {
	i := 0
	if isDayName(words[0]) {
		i++
	}
	var day, mon, year int
	var ok bool
	ctime := false
	if i < len(words) && month(words[i]) > 0 {
		// ctime: Mon Nov 13 14:50:12 2005
		ctime = true
		mon = month(words[i])
		i++
		if i >= len(words) {
			return t, i, warnBadDate
		}
		if day, ok = atoi(words[i]); !ok {
			return t, i, warnBadDate
		}
		i++
	} else {
		if i >= len(words) {
			return t, i, warnBadDate
		}
		if day, ok = atoi(words[i]); !ok {
			return t, i, warnBadDate
		}
		i++
		if i >= len(words) || month(words[i]) == 0 {
			return t, i, warnBadDate
		}
		mon = month(words[i])
		i++
		if i >= len(words) {
			return t, i, warnBadDate
		}
		if year, ok = atoi(words[i]); !ok {
			return t, i, warnBadDate
		}
		i++
	}
	if i >= len(words) {
		return t, i, warnBadDate
	}
	// time-of-day, possibly with the zone glued on.
	tw := words[i]
	i++
	zw := ""
	if k := indexSign(tw); k > 0 {
		tw, zw = tw[:k], tw[k:]
	}
	var hh, mm, ss int
	parts := 0
	for len(tw) > 0 && parts < 3 {
		k := strings.IndexByte(tw, ':')
		f := tw
		if k >= 0 {
			f, tw = tw[:k], tw[k+1:]
		} else {
			tw = ""
		}
		n, ok := atoi(f)
		if !ok {
			return time.Time{}, i, warnBadDate
		}
		switch parts {
		case 0:
			hh = n
		case 1:
			mm = n
		case 2:
			ss = n
		}
		parts++
	}
	if parts < 2 || tw != "" {
		return time.Time{}, i, warnBadDate
	}
	if ctime {
		if i >= len(words) {
			return time.Time{}, i, warnBadDate
		}
		if year, ok = atoi(words[i]); !ok {
			return time.Time{}, i, warnBadDate
		}
		i++
	}
	// RFC 5322 §4.3: two-digit years from 50 are 19xx, below 50 are 20xx;
	// three-digit years add 1900.
	switch {
	case year < 50:
		year += 2000
	case year < 1000:
		year += 1900
	}
	if mon < 1 || mon > 12 || day < 1 || day > daysIn(mon, year) || hh > 23 || mm > 59 || ss > 60 || year < 1900 || year > 9999 {
		// RFC 5322 §3.3: the year is 1900 or later.
		return time.Time{}, i, warnImpossible
	}
	if ss == 60 {
		ss = 59 // a leap second; time.Time cannot hold it
	}
	off := 0
	if zw == "" && i < len(words) {
		if _, known, _ := zoneOffset(words[i]); known || looksLikeZoneName(words[i]) {
			zw = words[i]
			i++
		}
	}
	switch {
	case zw == "":
		warn = warnNoZone
	default:
		o, known, bad := zoneOffset(zw)
		switch {
		case bad:
			warn = warnBadZone
		case !known:
			warn = warnObsoleteZone
		default:
			off = o
		}
	}
	// An unnamed fixed zone: the time package caches whole-hour ones, so
	// the common case does not allocate.
	return time.Date(year, time.Month(mon), day, hh, mm, ss, 0, time.FixedZone("", off)), i, warn
}

// indexSign returns the offset of the first '+' or '-' in s, or -1.
func indexSign(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '+' || s[i] == '-' {
			return i
		}
	}
	return -1
}

// looksLikeZoneName accepts an alphabetic zone abbreviation such as "CET".
func looksLikeZoneName(w string) bool {
	if len(w) < 1 || len(w) > 5 {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') {
			return false
		}
	}
	return !isDayName(w) && month(w) == 0 && !isKeyword(w)
}

func daysIn(mon, year int) int {
	switch mon {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
