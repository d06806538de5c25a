package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
)

type issueOptions struct {
	dn       dnFlags
	sans     sanFlags
	profile  string
	validity string
	issuer   string
	keyType  string
	noPass   bool
	outDir   string
	manifest string
	workers  int
}

func newIssueCmd(g *globals) *cobra.Command {
	o := &issueOptions{}
	cmd := &cobra.Command{
		Use:   "issue (--cn CN | --manifest FILE.csv --out-dir DIR)",
		Short: "Make a key and its certificate in one step, one or a manifest of many",
		Long: `issue makes a key and a certificate for it, judged by the issuer's policy and
the profile like "ca sign csr", records it and writes NAME.key (0600, PKCS#8),
NAME.crt and NAME.chain.pem (the leaf, then its intermediates) into --out-dir.
NAME is the CN with every character outside A-Za-z0-9._- replaced by "_".
DN fields whose policy rule is "match" are taken from the issuer when not given.
The new key is encrypted with --key-passphrase-file (or $CA_KEY_PASSPHRASE_FILE),
or stored unencrypted with --no-passphrase; one of the two is required.

With --manifest, every row of a CSV file is one certificate. Its first row names
the columns: cn,dns,ip,email,uri,profile,validity,o,ou,l,st,c (dns, ip, email and
uri take ";"-separated lists; an empty cell is "not given"; --profile, --validity
and --key-type are the defaults of rows that give none). Rows are judged one by
one: a bad row does not stop the others. The key is written last, so a row whose
NAME.key exists is complete and a re-run skips it. The summary lists every failed
row with its line; the exit code is the worst row's. See docs/provisioning.md.`,
		Example: `  ca issue --cn web1.example.com --dns web1.example.com --out-dir certs --no-passphrase
  ca issue --manifest devices.csv --out-dir out --profile device --no-passphrase -o json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runIssue(cmd.Context(), g, o) },
	}
	o.dn.register(cmd, "common name of the certificate (with --manifest: the cn column)")
	f := cmd.Flags()
	o.sans.register(cmd)
	f.StringVar(&o.profile, "profile", "server", "server, client or device (with --manifest: for rows without a profile)")
	f.StringVar(&o.validity, "validity", "90d", "how long the certificate is valid (with --manifest: for rows without a validity)"+durationUnits)
	f.StringVar(&o.issuer, "issuer", "", "the issuer that signs (default: the only intermediate, else the root)")
	f.StringVar(&o.keyType, "key-type", "ecdsa-p256", "ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096 or ed25519")
	f.BoolVar(&o.noPass, "no-passphrase", false, "store the new keys unencrypted")
	f.StringVar(&o.outDir, "out-dir", "", "directory for the files (default: the current one; required with --manifest)")
	f.StringVar(&o.manifest, "manifest", "", "CSV file of the certificates to issue, - for stdin")
	f.IntVar(&o.workers, "workers", 0, "parallel workers making keys and signing (default: the number of CPUs)")
	cmd.MarkFlagsOneRequired("cn", "manifest")
	cmd.MarkFlagsMutuallyExclusive("cn", "manifest")
	for _, name := range []string{"org", "ou", "country", "state", "locality", "dns", "ip", "email", "uri"} {
		cmd.MarkFlagsMutuallyExclusive(name, "manifest")
	}
	return cmd
}

func runIssue(ctx context.Context, g *globals, o *issueOptions) error {
	def, err := o.defaults()
	if err != nil {
		return err
	}
	def.KDFCost = g.kdfCost
	if o.manifest != "" && o.outDir == "" {
		return usageError{errors.New("--manifest needs --out-dir DIR")}
	}
	pass, err := g.newKeyPassphrase(o.noPass, nil, false)
	if err != nil {
		return err
	}
	defer clear(pass)
	if o.manifest != "" {
		return runIssueManifest(ctx, g, o, def, pass)
	}
	req, err := o.request(def)
	if err != nil {
		return err
	}
	dir := o.outDir
	if dir == "" {
		dir = "."
	}
	name := ca.FileName(o.dn.cn)
	files := func() error {
		return g.checkFiles("--out-dir", ca.ProvisionFiles(dir, name, &x509.Certificate{}, nil, nil)...)
	}
	if err := files(); err != nil {
		return err
	}
	run, err := g.startIssue(ctx, o, dir, pass)
	if err != nil {
		return err
	}
	defer run.close()
	// Again with the store held: another "ca issue" of the same name may
	// have written its files while this one waited for the store.
	if err := files(); err != nil {
		return err
	}
	var res ca.Result
	err = run.batch(ctx, 1, func(jobs chan<- ca.Job) { jobs <- run.job(0, req, name) }, func(r ca.Result) { res = r })
	if err == nil {
		err = res.Err
	}
	if err != nil {
		return err
	}
	c := res.Issued.Cert
	return g.render(issueResult{
		Serial: ca.FormatSerial(c.SerialNumber), Subject: c.Subject.String(), SANs: orEmpty(ca.SANs(c)),
		NotAfter: c.NotAfter.UTC(), Profile: res.Issued.Record.Profile, Issuer: run.iss.Name(),
		Key: res.Files[2], Cert: res.Files[0], Chain: res.Files[1],
	})
}

// defaults checks the flags that apply to every certificate.
func (o *issueOptions) defaults() (ca.KeyRequest, error) {
	if err := o.dn.checkText(); err != nil {
		return ca.KeyRequest{}, err
	}
	kt, err := pem.ParseKeyType(o.keyType)
	if err != nil {
		return ca.KeyRequest{}, err
	}
	p, err := ca.LookupProfile(o.profile)
	if err != nil {
		return ca.KeyRequest{}, err
	}
	v, err := parseDuration("validity", o.validity)
	if err != nil {
		return ca.KeyRequest{}, err
	}
	if o.workers < 0 {
		return ca.KeyRequest{}, usageError{fmt.Errorf("--workers %d: give a positive number, or 0 for one per CPU", o.workers)}
	}
	return ca.KeyRequest{KeyType: kt, Profile: p, Validity: v}, nil
}

// request is the KeyRequest of the flags of a single "ca issue".
func (o *issueOptions) request(def ca.KeyRequest) (ca.KeyRequest, error) {
	req := def
	req.Subject = o.dn.name()
	ips, uris, err := o.sans.parse()
	if err != nil {
		return req, err
	}
	req.DNSNames, req.IPAddresses, req.EmailAddresses, req.URIs = o.sans.dns, ips, o.sans.emails, uris
	return req, nil
}

// issueRun is an issuer ready to provision into one directory.
type issueRun struct {
	g     *globals
	st    ca.Store
	iss   *home.Issuer
	dir   string
	pass  []byte
	inter []*x509.Certificate
	hook  func(ca.Stage)
	close func() error
}

// startIssue opens the store and the issuer.
func (g *globals) startIssue(ctx context.Context, o *issueOptions, dir string, pass []byte) (*issueRun, error) {
	iss, err := g.h().LoadIssuer(ctx, o.issuer)
	if err != nil {
		return nil, err
	}
	if err := iss.CheckNotRevoked(ctx); err != nil {
		iss.Close()
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		iss.Close()
		return nil, fmt.Errorf("create --out-dir: %w", err)
	}
	return &issueRun{g: g, st: iss.Store, iss: iss, dir: dir, pass: pass, inter: iss.Intermediates(),
		hook: g.batchHook(), close: iss.Close}, nil
}

// job makes the key and certificate of req in a worker and names its files.
func (r *issueRun) job(index int, req ca.KeyRequest, name string) ca.Job {
	var keyPEM []byte
	return ca.Job{
		Index: index,
		Prepare: func() (*ca.Issued, error) {
			p, err := r.iss.PrepareKey(req, r.pass)
			if err != nil {
				return nil, err
			}
			keyPEM = p.KeyPEM
			return p.Issued, nil
		},
		Files: func(iss *ca.Issued) ([]pem.File, error) {
			return ca.ProvisionFiles(r.dir, name, iss.Cert, r.inter, keyPEM), nil
		},
	}
}

// failedJob reports err for a row without doing any work.
func failedJob(index int, err error) ca.Job {
	return ca.Job{Index: index, Prepare: func() (*ca.Issued, error) { return nil, err }}
}

// batch runs the pipeline: feed sends the jobs, report gets each result.
func (r *issueRun) batch(ctx context.Context, workers int, feed func(chan<- ca.Job), report func(ca.Result)) error {
	jobs := make(chan ca.Job, 64)
	go func() {
		defer close(jobs)
		feed(jobs)
	}()
	return ca.RunBatch(ctx, ca.BatchConfig{Store: r.st, Workers: workers, OnResult: report, Hook: r.hook}, jobs)
}

type issueResult struct {
	Serial   string    `json:"serial"`
	Subject  string    `json:"subject"`
	SANs     []string  `json:"sans"`
	NotAfter time.Time `json:"notAfter"`
	Profile  string    `json:"profile"`
	Issuer   string    `json:"issuer"`
	Key      string    `json:"key"`
	Cert     string    `json:"file"`
	Chain    string    `json:"chain"`
}

func (r issueResult) text(w io.Writer) {
	fmt.Fprintf(w, "issued %s\n  serial   %s\n  notAfter %s\n  key      %s\n  cert     %s\n  chain    %s\n",
		r.Subject, r.Serial, r.NotAfter.Format(time.RFC3339), r.Key, r.Cert, r.Chain)
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// stderrTerminal returns stderr when it is a terminal.
func (g *globals) stderrTerminal() (*os.File, bool) {
	f, ok := g.stderr.(*os.File)
	return f, ok && term.IsTerminal(int(f.Fd()))
}

// newIssueProgress returns a progress bar (batchProgress) on stderr when it
// is a terminal, else nil.
func (g *globals) newIssueProgress(total int64) *batchProgress {
	f, ok := g.stderrTerminal()
	if !ok {
		return nil
	}
	return newBatchProgress(f, total, "issuing", "certs")
}

// countLines returns the number of lines of a regular file (the bar's
// total), or -1 when it cannot tell.
func countLines(path string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return -1
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return -1
	}
	buf := make([]byte, 1<<16)
	var n int64
	for {
		k, err := f.Read(buf)
		for _, b := range buf[:k] {
			if b == '\n' {
				n++
			}
		}
		if err != nil {
			break
		}
	}
	return max(n-1, 0)
}
