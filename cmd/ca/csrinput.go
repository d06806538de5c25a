package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ca-toolkit/ca/pkg/csr"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// failureLines words err for stderr, one line per broken rule of a refusal,
// each prefixed with the input's label.
func failureLines(label string, err error) []string {
	var re *csr.RefusalError
	if errors.As(err, &re) && len(re.Errors) > 0 {
		out := make([]string, len(re.Errors))
		for i, pe := range re.Errors {
			out[i] = label + ": " + strings.TrimPrefix(pe.Error(), "csr: ")
		}
		return out
	}
	return []string{label + ": " + message(err)}
}

// ruleFailure is one broken rule in JSON.
type ruleFailure struct {
	Field  string `json:"field"`
	Rule   string `json:"rule"`
	Value  string `json:"value"`
	Reason string `json:"reason"`
}

// ruleFailures lists the broken rules of a refusal; [] for other errors.
func ruleFailures(err error) []ruleFailure {
	out := []ruleFailure{}
	var re *csr.RefusalError
	if errors.As(err, &re) {
		for _, pe := range re.Errors {
			out = append(out, ruleFailure{Field: pe.Field, Rule: pe.Rule, Value: pe.Value, Reason: pe.Reason})
		}
		return out
	}
	switch {
	case errors.Is(err, csr.ErrBadSignature):
		out = append(out, ruleFailure{Field: "signature", Rule: "verify", Reason: message(err)})
	case errors.Is(err, csr.ErrWeakSignature):
		out = append(out, ruleFailure{Field: "signature", Rule: "hash", Reason: message(err)})
	case errors.Is(err, pem.ErrTooLarge):
		out = append(out, ruleFailure{Field: "input", Rule: "maxSize", Value: fmt.Sprint(pem.MaxSize), Reason: message(err)})
	}
	return out
}
