package main

import (
	"errors"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/csr"
)

// failureLines words err for stderr, one line per broken rule of a refusal,
// each prefixed with the input's label.
func failureLines(label string, err error) []string {
	var re *csr.RefusalError
	if errors.As(err, &re) && len(re.Errors) > 0 {
		out := make([]string, len(re.Errors))
		for i, pe := range re.Errors {
			out[i] = label + ": " + render(pe.Error())
		}
		out[len(out)-1] += hint(err) // once, after every broken rule
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

// ruleFailures lists the broken rules of a refusal (home.Failures); [] for
// other errors.
func ruleFailures(err error) []ruleFailure {
	out := []ruleFailure{}
	for _, c := range home.Failures(err) {
		out = append(out, ruleFailure{Field: c.Field, Rule: c.Rule, Value: c.Value, Reason: render(c.Reason)})
	}
	return out
}
