package ca

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// The orders of "ca list" (ListQuery.Sort).
const (
	// SortNotBefore is by notBefore, oldest first and newest last (the
	// default): the order in which the certificates were issued.
	SortNotBefore = "notbefore"
	// SortSerial is by serial, as the store keeps them: rows stream
	// without being held in memory.
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

// sorted calls fn with the entries list gives, in the order q.Sort
// names: SortSerial streams; the others hold the selected entries in
// memory and sort them (ties by serial, the order list gives).
func sorted(ctx context.Context, q ListQuery, fn func(*ListEntry) error, list func(func(*ListEntry) error) error) error {
	if q.Sort == SortSerial {
		return list(fn)
	}
	var all []*ListEntry
	if err := list(func(e *ListEntry) error { all = append(all, e); return nil }); err != nil {
		return err
	}
	slices.SortStableFunc(all, func(a, b *ListEntry) int {
		if q.Sort == SortNotAfter {
			return a.NotAfter.Compare(b.NotAfter)
		}
		return a.NotBefore.Compare(b.NotBefore)
	})
	for _, e := range all {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}
