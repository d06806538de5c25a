package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/ca-toolkit/ca/home"
)

func newShowCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "show SERIAL|FILE",
		Short: "Decode a certificate from the store, or a certificate, CSR or CRL file",
		Long: `show prints one certificate of the home by serial (hex, any case, colons
allowed), or decodes a file holding a certificate, a CSR or a CRL in PEM or DER
("-" reads stdin).`,
		Example: `  ca show 3f2a...      # a certificate of the home
  ca show leaf.crt
  ca show -o json crl.pem`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error { return runShow(cmd.Context(), g, args[0]) },
	}
}

func runShow(ctx context.Context, g *globals, arg string) error {
	if home.IsFileArg(arg) {
		v, err := home.DescribeFile(g.stdin, arg)
		if err != nil {
			return err
		}
		return g.renderText(v)
	}
	info, err := home.DescribeSerial(ctx, g.h, arg)
	if err != nil {
		return err
	}
	return g.renderText(info)
}
