package csr

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// day and year are the units "d" and "y" of ParseDuration: a day is 24
// hours and a year is 365 days, whatever the calendar says.
const (
	day  = 24 * time.Hour
	year = 365 * day
)

var durationUnits = map[string]time.Duration{
	"s": time.Second,
	"m": time.Minute,
	"h": time.Hour,
	"d": day,
	"y": year,
}

// ParseDuration parses a validity or window such as "10s", "5m", "8760h",
// "90d" or "1y" (365 days). Several terms may be joined ("1y30d"). Each term
// is a decimal integer followed by one of s, m, h, d, y; no sign, spaces or
// fractions; "m" is minutes, never months. It refuses zero, negative and
// overflowing durations. Errors
// wrap ErrBadDuration.
func ParseDuration(s string) (time.Duration, error) {
	bad := func(format string, args ...any) (time.Duration, error) {
		return 0, fmt.Errorf("%w %q: %s", ErrBadDuration, s, fmt.Sprintf(format, args...))
	}
	if s == "" {
		return bad("empty; write a number and a unit, e.g. 90d")
	}
	if strings.HasPrefix(s, "-") {
		return bad("negative; a duration must be positive")
	}
	var total time.Duration
	rest := s
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 {
			return bad("expected a number at %q; write e.g. 90d, 1y or 8760h", rest)
		}
		digits := rest[:i]
		rest = rest[i:]
		j := 0
		for j < len(rest) && (rest[j] < '0' || rest[j] > '9') {
			j++
		}
		unitText := rest[:j]
		rest = rest[j:]
		if unitText == "" {
			return bad("number %s has no unit; use s, m, h, d or y (e.g. %sd)", digits, digits)
		}
		unit, ok := durationUnits[unitText]
		if !ok {
			return bad("unknown unit %q; use s, m (minutes), h, d or y: a month is written in days, e.g. 30d", unitText)
		}
		var n int64
		for _, c := range digits {
			d := int64(c - '0')
			if n > (math.MaxInt64-d)/10 {
				return bad("too large")
			}
			n = n*10 + d
		}
		if n > int64(math.MaxInt64/unit) {
			return bad("too large")
		}
		term := time.Duration(n) * unit
		if total > math.MaxInt64-term {
			return bad("too large")
		}
		total += term
	}
	if total <= 0 {
		return bad("zero; a duration must be positive")
	}
	return total, nil
}

// formatDuration writes d the way ParseDuration reads it, in days when it
// is a whole number of days.
func formatDuration(d time.Duration) string {
	if d > 0 && d%day == 0 {
		return fmt.Sprintf("%dd", d/day)
	}
	return d.String()
}
