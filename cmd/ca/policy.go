package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/internal/errtext"
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
	cmd.AddCommand(newPolicyShowCmd(g), newPolicyCheckCmd(g), newPolicySetCmd(g))
	return cmd
}

func newPolicyShowCmd(g *globals) *cobra.Command {
	o := &policyOptions{}
	cmd := &cobra.Command{
		Use:   "show",
		Short: "List the rules of an issuer's policy (the one recorded in the store)",
		Long: `show lists the rules of the issuer's policy, the one recorded in the store
that signing judges by: one line per subject field, the
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

func newPolicySetCmd(g *globals) *cobra.Command {
	o := &policyOptions{}
	cmd := &cobra.Command{
		Use:   "set FILE",
		Short: "Make FILE an issuer's policy: checked, recorded in the store, written to policy.json",
		Long: `set reads and checks the policy FILE (the shape of policy.json, see
docs/policy.md), records it in the store as the issuer's policy with an
audit record, then writes it to the issuer's policy.json. Signing judges
by the policy recorded in the store, so every machine sharing a store
judges alike; a policy.json edited by hand is refused (exit 3) until it is
recorded with this command.`,
		Example: `  ca policy set new-policy.json --issuer devices
  ca policy set ~/pki/issuers/root/policy.json   # after editing it by hand`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error { return runPolicySet(cmd.Context(), g, o, args[0]) },
	}
	cmd.Flags().StringVar(&o.issuer, "issuer", "", "the issuer (default: the only intermediate, else the root)")
	return cmd
}

func runPolicySet(ctx context.Context, g *globals, o *policyOptions, path string) error {
	r, err := g.h().SetPolicy(ctx, o.issuer, path)
	if err != nil {
		return err
	}
	return g.render(policyShowResult{r})
}

func runPolicyShow(ctx context.Context, g *globals, o *policyOptions) error {
	r, err := g.h().ShowPolicy(ctx, o.issuer)
	if err != nil {
		return err
	}
	return g.render(policyShowResult{r})
}

// policyShowResult is a policy as a table; its JSON is the report's.
type policyShowResult struct{ *home.PolicyReport }

func (r policyShowResult) text(w io.Writer) {
	if r.Set {
		fmt.Fprintf(w, "recorded the policy of issuer %q in the store and wrote its policy.json\n", r.Issuer)
	} else {
		fmt.Fprintf(w, "policy of issuer %q\n", r.Issuer)
	}
	rows := make([][]string, len(r.Rules))
	for i, x := range r.Rules {
		rows[i] = []string{x.Field, x.Rule, x.Detail}
	}
	table(w, []string{"field", "rule", "detail"}, rows)
}

func runPolicyCheck(ctx context.Context, g *globals, o *policyOptions, arg string) error {
	cfg, err := home.SignFlags{Profile: o.profile, Validity: o.validity}.Config([]string{arg}, nil, g.checkOut)
	if err != nil {
		return err
	}
	so := cfg.Options
	j, err := g.h().JudgeCSR(ctx, o.issuer, home.ReadCSR(arg, g.stdin), so)
	if err != nil {
		return err
	}
	for i := range j.Checks {
		j.Checks[i].Reason = errtext.Render(j.Checks[i].Reason)
	}
	if err := g.render(policyCheckResult{j}); err != nil {
		return err
	}
	if n := j.Failed(); n > 0 {
		return &exitError{code: exitRefused, msg: fmt.Sprintf("%s: %d of %d rules fail; ca sign csr would refuse it", j.Input, n, len(j.Checks))}
	}
	return nil
}

// policyCheckResult is a judgement as a table and a verdict; its JSON is
// the judgement's.
type policyCheckResult struct{ *home.CSRJudgement }

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
