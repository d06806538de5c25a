package csr

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"10s", 10 * time.Second},
		{"5m", 5 * time.Minute},
		{"8760h", 8760 * time.Hour},
		{"90d", 90 * 24 * time.Hour},
		{"1y", 365 * 24 * time.Hour},
		{"10y", 3650 * 24 * time.Hour},
		{"1y30d", 395 * 24 * time.Hour},
		{"1h30m", 90 * time.Minute},
		{"007d", 7 * 24 * time.Hour},
		{"292y", 292 * 365 * 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDuration(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseDurationErrors(t *testing.T) {
	tests := []struct {
		in, msg string
	}{
		{"", "empty"},
		{"0d", "zero"},
		{"0s0m", "zero"},
		{"-5d", "negative"},
		{"+5d", "expected a number"},
		{"90", "no unit"},
		{"d", "expected a number"},
		{"90x", `unknown unit "x"`},
		{"90D", `unknown unit "D"`},
		{"1.5h", `unknown unit "."`},
		{"5ms", `unknown unit "ms"`},
		{" 5d", "expected a number"},
		{"5d ", `unknown unit "d "`},
		{"293y", "too large"},
		{"99999999999999999999s", "too large"},
		{"9223372036854775807s", "too large"},
		{"200y200y", "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseDuration(tt.in)
			if !errors.Is(err, ErrBadDuration) {
				t.Fatalf("ParseDuration(%q) = %v, want ErrBadDuration", tt.in, err)
			}
			if !strings.HasPrefix(err.Error(), "csr: ") || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("message %q does not contain %q", err, tt.msg)
			}
		})
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{397 * day: "397d", 90 * time.Minute: "1h30m0s", 0: "0s"} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
