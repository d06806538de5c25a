package home

import "io"

// TextReport is a command's result that writes itself for people; its
// JSON form comes from its struct tags (SPEC.md fixes the field names).
type TextReport interface {
	WriteText(w io.Writer) error
}
