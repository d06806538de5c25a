package ca

import (
	"fmt"
	"slices"
	"strings"
)

// The orders of "ca list" (ListQuery.Sort).
const (
	// SortNotBefore is by notBefore, oldest first and newest last (the
	// default): the order in which the certificates were issued.
	SortNotBefore = "notbefore"
	// SortSerial is by serial.
	SortSerial = "serial"
	// SortNotAfter is by notAfter, soonest first.
	SortNotAfter = "notafter"
)

// ListSorts are the values of ListQuery.Sort, the default first.
var ListSorts = []string{SortNotBefore, SortSerial, SortNotAfter}

// ParseListSort checks s, one of ListSorts in any case ("" is
// SortNotBefore); others are ErrUsage.
func ParseListSort(s string) (string, error) {
	s = strings.ToLower(s)
	if s == "" {
		return SortNotBefore, nil
	}
	if !slices.Contains(ListSorts, s) {
		return "", fmt.Errorf("%w: sort order %q: use %s", ErrUsage, s, strings.Join(ListSorts, ", "))
	}
	return s, nil
}
