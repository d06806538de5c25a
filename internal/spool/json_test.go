package spool

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// TestJSONArray: the array written one value at a time is the one
// json.MarshalIndent makes of them all, with a final newline.
func TestJSONArray(t *testing.T) {
	type row struct {
		Serial  string    `json:"serial"`
		SANs    []string  `json:"sans"`
		Expires time.Time `json:"notAfter"`
		Reason  *string   `json:"reason"`
	}
	at := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		rows []row
	}{
		{name: "empty", rows: []row{}},
		{name: "one", rows: []row{{Serial: "01", SANs: []string{}, Expires: at}}},
		{name: "many", rows: []row{{Serial: "01", SANs: []string{"a", "b<&>"}, Expires: at}, {Serial: "02", SANs: []string{}}, {Serial: "ff"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got bytes.Buffer
			a := NewJSONArray(&got)
			for _, r := range tt.rows {
				if err := a.Add(r); err != nil {
					t.Fatal(err)
				}
			}
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}
			want, err := json.MarshalIndent(tt.rows, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != string(want)+"\n" {
				t.Errorf("got\n%s\nwant\n%s", got.String(), want)
			}
		})
	}
}

// TestJSONArrayNothingBeforeFirst: an error before the first value leaves
// the output empty; a value JSON cannot encode is an error.
func TestJSONArrayNothingBeforeFirst(t *testing.T) {
	var got bytes.Buffer
	a := NewJSONArray(&got)
	if err := a.Add(func() {}); err == nil {
		t.Error("a func encoded")
	}
	if got.Len() != 0 {
		t.Errorf("wrote %q before the first value", got.String())
	}
}
