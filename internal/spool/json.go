package spool

import (
	"encoding/json"
	"fmt"
	"io"
)

// JSONArray writes a JSON array to w one value at a time, indented by two
// spaces as json.MarshalIndent(values, "", "  ") would (an empty array is
// "[]"), with a final newline. Nothing is written before the first Add,
// so an error before it leaves w empty; an error after it leaves the array
// open.
type JSONArray struct {
	w   io.Writer
	buf []byte
	n   int
}

// NewJSONArray makes a JSONArray writing to w.
func NewJSONArray(w io.Writer) *JSONArray { return &JSONArray{w: w} }

// Add writes v as the next element.
func (a *JSONArray) Add(v any) error {
	data, err := json.MarshalIndent(v, "  ", "  ")
	if err != nil {
		return fmt.Errorf("spool: JSON: %w", err)
	}
	sep := ",\n  "
	if a.n == 0 {
		sep = "[\n  "
	}
	a.n++
	a.buf = append(append(a.buf[:0], sep...), data...)
	_, err = a.w.Write(a.buf)
	return err
}

// Close ends the array.
func (a *JSONArray) Close() error {
	end := "\n]\n"
	if a.n == 0 {
		end = "[]\n"
	}
	_, err := io.WriteString(a.w, end)
	return err
}
