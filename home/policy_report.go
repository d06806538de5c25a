package home

import (
	"context"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
)

// PolicyReport is an issuer's policy, in the JSON shape of "ca policy
// show" and "ca policy set": its rules for people (csr.Policy.Rules, never
// null) and the policy itself, in the shape of policy.json. Set says that
// SetPolicy just recorded it.
type PolicyReport struct {
	Issuer string      `json:"issuer"`
	Rules  []csr.Rule  `json:"rules"`
	Policy *csr.Policy `json:"policy"`
	Set    bool        `json:"-"`
}

func newPolicyReport(issuer string, p *csr.Policy, set bool) *PolicyReport {
	return &PolicyReport{Issuer: issuer, Rules: append([]csr.Rule{}, p.Rules()...), Policy: p, Set: set}
}

// CSRJudgement is the dry run of "ca sign csr" on one request, in the JSON
// shape of "ca policy check": every rule judged, passing or failing, in
// CheckCSR's order (never null); Pass when every one passes.
type CSRJudgement struct {
	Input    string      `json:"input"`
	Issuer   string      `json:"issuer"`
	Profile  string      `json:"profile"`
	Validity string      `json:"validity"`
	Pass     bool        `json:"pass"`
	Checks   []csr.Check `json:"checks"`
}

// JudgeCSR judges the request in as CheckCSR does, with its errors, and
// returns the judgement with the issuer, profile and validity it was
// judged for.
func (h *Home) JudgeCSR(ctx context.Context, name string, in *CSRInput, o ca.SignOptions) (*CSRJudgement, error) {
	issuer, checks, err := h.CheckCSR(ctx, name, in, o)
	if err != nil {
		return nil, err
	}
	j := &CSRJudgement{Input: in.Label(), Issuer: issuer, Profile: o.Profile.Name(), Validity: ca.FormatDuration(o.Validity),
		Checks: append([]csr.Check{}, checks...)}
	j.Pass = j.Failed() == 0
	return j, nil
}

// Failed is how many of the rules fail.
func (j *CSRJudgement) Failed() int {
	n := 0
	for _, c := range j.Checks {
		if !c.Pass {
			n++
		}
	}
	return n
}
