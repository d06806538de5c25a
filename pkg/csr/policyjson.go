package csr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// The policy file is read into a small tree of JSON values that remember
// where they start, so that every error can name its line.

type jsonKind int

const (
	jsonNull jsonKind = iota
	jsonBool
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

func (k jsonKind) String() string {
	return [...]string{"null", "a boolean", "a number", "a string", "a list", "an object"}[k]
}

// maxPolicyDepth bounds the nesting of a policy file; a real one needs 4.
const maxPolicyDepth = 16

type jsonValue struct {
	off     int
	kind    jsonKind
	text    string // string value, or the number as written
	elems   []*jsonValue
	members []jsonMember
}

type jsonMember struct {
	key string
	off int
	val *jsonValue
}

// jsonReader builds a jsonValue tree with json.Decoder's tokenizer, which
// checks the syntax, and refuses duplicate keys and trailing data.
type jsonReader struct {
	data []byte
	dec  *json.Decoder
}

func parseJSONTree(data []byte) (*jsonValue, error) {
	r := &jsonReader{data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	r.dec.UseNumber()
	v, err := r.value(0)
	if err != nil {
		return nil, err
	}
	off := r.next()
	if _, err := r.dec.Token(); err != io.EOF {
		return nil, r.errAt(off, "unexpected data after the policy object")
	}
	return v, nil
}

// next returns the offset of the next token: past white space and the
// ':' and ',' separators the decoder has not consumed yet.
func (r *jsonReader) next() int {
	off := int(r.dec.InputOffset())
	for off < len(r.data) {
		switch r.data[off] {
		case ' ', '\t', '\r', '\n', ':', ',':
			off++
			continue
		}
		break
	}
	return off
}

func (r *jsonReader) errAt(off int, format string, args ...any) error {
	return posError(r.data, off, fmt.Sprintf(format, args...))
}

func (r *jsonReader) syntaxErr(off int, err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return r.errAt(len(r.data), "unexpected end of the file")
	}
	// The decoder reports errors between tokens at the end of the last
	// token, and errors inside a token just past the offending byte: take
	// whichever is later, the start of the next token or that byte.
	var se *json.SyntaxError
	if errors.As(err, &se) && int(se.Offset)-1 > off {
		off = int(se.Offset) - 1
	}
	e := posError(r.data, off, err.Error())
	e.msg = fmt.Sprintf("%s (column %d)", e.msg, e.col)
	return e
}

func (r *jsonReader) value(depth int) (*jsonValue, error) {
	if depth > maxPolicyDepth {
		return nil, r.errAt(r.next(), "nested too deeply")
	}
	off := r.next()
	tok, err := r.dec.Token()
	if err != nil {
		return nil, r.syntaxErr(off, err)
	}
	v := &jsonValue{off: off}
	switch t := tok.(type) {
	case nil:
		v.kind = jsonNull
	case bool:
		v.kind = jsonBool
	case json.Number:
		v.kind, v.text = jsonNumber, string(t)
	case string:
		v.kind, v.text = jsonString, t
	case json.Delim:
		switch t {
		case '[':
			v.kind = jsonArray
			for r.dec.More() {
				e, err := r.value(depth + 1)
				if err != nil {
					return nil, err
				}
				v.elems = append(v.elems, e)
			}
		case '{':
			v.kind = jsonObject
			seen := map[string]bool{}
			for r.dec.More() {
				koff := r.next()
				ktok, err := r.dec.Token()
				if err != nil {
					return nil, r.syntaxErr(koff, err)
				}
				key, ok := ktok.(string)
				if !ok {
					return nil, r.errAt(koff, "expected a key")
				}
				if seen[key] {
					return nil, r.errAt(koff, "key %q appears twice", key)
				}
				seen[key] = true
				e, err := r.value(depth + 1)
				if err != nil {
					return nil, err
				}
				v.members = append(v.members, jsonMember{key: key, off: koff, val: e})
			}
		}
		coff := r.next()
		if _, err := r.dec.Token(); err != nil {
			return nil, r.syntaxErr(coff, err)
		}
	}
	return v, nil
}

// posError makes an error at byte offset off of data, by line and column.
func posError(data []byte, off int, msg string) *policyFileError {
	if off > len(data) {
		off = len(data)
	}
	if off < 0 {
		off = 0
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - bytes.LastIndexByte(data[:off], '\n')
	return &policyFileError{line: line, col: col, msg: msg}
}
