package main

import (
	"errors"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/internal/errtext"
	"github.com/ca-toolkit/ca/pkg/csr"
)

// failureLines words err for stderr, one line per broken rule of a refusal,
// each prefixed with the input's label.
func failureLines(label string, err error) []string {
	var re *csr.RefusalError
	if errors.As(err, &re) && len(re.Errors) > 0 {
		out := make([]string, len(re.Errors))
		for i, pe := range re.Errors {
			out[i] = label + ": " + errtext.Render(pe.Error())
		}
		out[len(out)-1] += errtext.Hint(err) // once, after every broken rule
		return out
	}
	return []string{label + ": " + errtext.Message(err)}
}

// ruleFailures lists the broken rules of a refusal (home.RuleFailures),
// their reasons in the command's words; [] for other errors.
func ruleFailures(err error) []home.RuleFailure {
	out := home.RuleFailures(err)
	for i := range out {
		out[i].Reason = errtext.Render(out[i].Reason)
	}
	return out
}
