package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
)

type policyOptions struct {
	issuer   string
	profile  string
	validity string
}

func newPolicyCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Show an issuer's signing policy, or try a CSR against it",
		Args:  noArgs,
	}
	cmd.AddCommand(newPolicyShowCmd(g), newPolicyCheckCmd(g))
	return cmd
}

func newPolicyShowCmd(g *globals) *cobra.Command {
	o := &policyOptions{}
	cmd := &cobra.Command{
		Use:   "show",
		Short: "List the rules of an issuer's policy.json",
		Long: `show lists the rules of the issuer's policy: one line per subject field, the
unlisted rule, one per SAN type, the key types, maxValidity and the profiles.
With -o json it also gives the policy itself, in the shape of policy.json.
See docs/policy.md.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runPolicyShow(cmd.Context(), g, o) },
	}
	cmd.Flags().StringVar(&o.issuer, "issuer", "", "the issuer (default: the only intermediate, else the root)")
	return cmd
}

func newPolicyCheckCmd(g *globals) *cobra.Command {
	o := &policyOptions{}
	cmd := &cobra.Command{
		Use:   "check CSR|-",
		Short: "Judge a CSR as \"ca sign csr\" would, without signing",
		Long: `check is a dry run of "ca sign csr": it reads the request the same way, judges
it with the same rules (the issuer's policy, the profile, the validity and
what is always refused) and lists every rule with pass or FAIL. It exits 0
when all pass and 3 otherwise. It needs the issuer's certificate and policy,
not its key: no passphrase, and the store is only read.`,
		Example: `  ca policy check web.csr --profile server
  ca policy check device.csr --issuer devices --profile device -o json`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error { return runPolicyCheck(cmd.Context(), g, o, args[0]) },
	}
	f := cmd.Flags()
	f.StringVar(&o.issuer, "issuer", "", "the issuer (default: the only intermediate, else the root)")
	f.StringVar(&o.profile, "profile", "server", "server, client or device")
	f.StringVar(&o.validity, "validity", "90d", "the validity to judge"+durationUnits)
	return cmd
}

func runPolicyShow(ctx context.Context, g *globals, o *policyOptions) error {
	iss, err := g.h().Judge(ctx, o.issuer)
	if err != nil {
		return err
	}
	res := policyShowResult{Issuer: iss.Name(), Rules: []policyRule{}, Policy: iss.Policy()}
	for _, r := range iss.Policy().Rules() {
		res.Rules = append(res.Rules, policyRule{Field: r.Field, Rule: r.Rule, Detail: r.Detail})
	}
	return g.render(res)
}

type policyRule struct {
	Field  string `json:"field"`
	Rule   string `json:"rule"`
	Detail string `json:"detail"`
}

type policyShowResult struct {
	Issuer string       `json:"issuer"`
	Rules  []policyRule `json:"rules"`
	Policy *csr.Policy  `json:"policy"`
}

func (r policyShowResult) text(w io.Writer) {
	fmt.Fprintf(w, "policy of issuer %q\n", r.Issuer)
	rows := make([][]string, len(r.Rules))
	for i, x := range r.Rules {
		rows[i] = []string{x.Field, x.Rule, x.Detail}
	}
	table(w, []string{"field", "rule", "detail"}, rows)
}

func runPolicyCheck(ctx context.Context, g *globals, o *policyOptions, arg string) error {
	so, err := (&signOptions{profile: o.profile, validity: o.validity}).check(g, []string{arg})
	if err != nil {
		return err
	}
	in := home.ReadCSR(arg, g.stdin)
	issuer, checks, err := g.h().CheckCSR(ctx, o.issuer, in, so)
	if err != nil {
		return err
	}
	res := policyCheckResult{Input: in.Label(), Issuer: issuer, Profile: so.Profile.Name(),
		Validity: ca.FormatDuration(so.Validity), Pass: true, Checks: make([]policyCheck, len(checks))}
	failed := 0
	for i, c := range checks {
		res.Checks[i] = policyCheck(c)
		res.Checks[i].Reason = render(c.Reason)
		if !c.Pass {
			failed++
			res.Pass = false
		}
	}
	if err := g.render(res); err != nil {
		return err
	}
	if failed > 0 {
		return &exitError{code: exitRefused, msg: fmt.Sprintf("%s: %d of %d rules fail; ca sign csr would refuse it", in.Label(), failed, len(checks))}
	}
	return nil
}

type policyCheck struct {
	Field  string `json:"field"`
	Rule   string `json:"rule"`
	Value  string `json:"value"`
	Pass   bool   `json:"pass"`
	Reason string `json:"reason"`
}

type policyCheckResult struct {
	Input    string        `json:"input"`
	Issuer   string        `json:"issuer"`
	Profile  string        `json:"profile"`
	Validity string        `json:"validity"`
	Pass     bool          `json:"pass"`
	Checks   []policyCheck `json:"checks"`
}

func (r policyCheckResult) text(w io.Writer) {
	rows := make([][]string, len(r.Checks))
	for i, c := range r.Checks {
		res := "pass"
		if !c.Pass {
			res = "FAIL"
		}
		rows[i] = []string{res, c.Field, c.Rule, c.Value, c.Reason}
	}
	table(w, []string{"result", "field", "rule", "value", "reason"}, rows)
	verdict := "every rule passes: ca sign csr would sign it"
	if !r.Pass {
		verdict = "refused: ca sign csr would not sign it"
	}
	fmt.Fprintf(w, "%s (issuer %s, profile %s, validity %s): %s\n", r.Input, r.Issuer, r.Profile, r.Validity, verdict)
}
