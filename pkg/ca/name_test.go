package ca

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckIssuerName(t *testing.T) {
	for name, ok := range map[string]bool{
		"root": true, "issuing-2026_a.b": true, "A9": true, strings.Repeat("x", MaxIssuerName): true,
		"": false, ".": false, "..": false, ".hidden": false, "a/b": false, `a\b`: false, "a\nb": false,
		"a\x1bb": false, "a\x00b": false, "a b": false, "é": false, strings.Repeat("x", MaxIssuerName+1): false,
	} {
		err := CheckIssuerName(name)
		if (err == nil) != ok {
			t.Errorf("CheckIssuerName(%q) = %v, want ok=%v", name, err, ok)
		}
		if err != nil && !errors.Is(err, ErrUsage) {
			t.Errorf("CheckIssuerName(%q) = %v, want ErrUsage", name, err)
		}
	}
}
