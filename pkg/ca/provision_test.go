package ca

import (
	"testing"
)

func TestFileName(t *testing.T) {
	for in, want := range map[string]string{
		"web1.example.com": "web1.example.com",
		"Dev Box #1":       "Dev_Box__1",
		"../../etc/passwd": ".._.._etc_passwd",
		"..":               "_..",
		".":                "_.",
		"":                 "_",
		"日本":               "__",
		"a/b\\c\x00d":      "a_b_c_d",
	} {
		if got := FileName(in); got != want {
			t.Errorf("FileName(%q) = %q, want %q", in, got, want)
		}
	}
}
