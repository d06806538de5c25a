package home

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/csr"
	"github.com/ca-toolkit/ca/pkg/place"
	"github.com/ca-toolkit/ca/store"
)

// CanonicalPolicy is the form of a policy the store records and compares:
// its compact JSON (csr.Policy.MarshalJSON), the same for every layout of
// the same policy.
func CanonicalPolicy(p *csr.Policy) ([]byte, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode policy: %w", err)
	}
	return b, nil
}

// effectivePolicy is the issuer's policy as a command judges by it: the
// one recorded in the store. recorded is what the store holds (nil for a
// home made before policies were recorded). A policy.json that differs
// from the recorded policy is refused (ca.ErrRefused), naming "ca policy
// set"; a missing one is fine when a policy is recorded (a machine sharing
// the store may hold only the keys). With nothing recorded, policy.json is
// the policy, and adopt is its canonical form for the caller to record.
func (h *Home) effectivePolicy(name string, recorded []byte) (p *csr.Policy, adopt []byte, err error) {
	file, err := h.ReadPolicy(name)
	if recorded == nil {
		if err != nil {
			return nil, nil, err
		}
		adopt, err = CanonicalPolicy(file)
		return file, adopt, err
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, err
	}
	p, perr := parseRecorded(name, recorded)
	if perr != nil {
		return nil, nil, perr
	}
	if file == nil {
		return p, nil, nil
	}
	if err := checkSamePolicy(h, name, file, recorded); err != nil {
		return nil, nil, err
	}
	return p, nil, nil
}

// checkSamePolicy refuses a policy.json whose policy is not the recorded one.
func checkSamePolicy(h *Home, name string, file *csr.Policy, recorded []byte) error {
	c, err := CanonicalPolicy(file)
	if err != nil {
		return err
	}
	if bytes.Equal(c, recorded) {
		return nil
	}
	path := h.IssuerFile(name, FilePolicy)
	return fmt.Errorf("%w: issuer %s: %s differs from the policy recorded in the store; to make it the policy, run \"ca policy set %s --issuer %s\" (checked, recorded, audited); to undo the edit, \"ca policy show --issuer %s -o json\" shows the recorded one; nothing was written",
		ca.ErrRefused, name, path, path, name, name)
}

// adoptPolicy records policy (canonical), read from the issuer's
// policy.json, as its policy when the store holds none: a home made before
// policies were recorded adopts its file once, audited "policy-adopt".
// When another process adopted or set one meanwhile, the file must match it.
func (h *Home) adoptPolicy(ctx context.Context, st ca.Store, name string, policy []byte) error {
	err := st.SetPolicy(ctx, name, policy, true)
	if !errors.Is(err, ca.ErrExists) {
		return err
	}
	recorded, err := st.Policy(ctx, name)
	if err != nil {
		return err
	}
	if bytes.Equal(recorded, policy) {
		return nil
	}
	file, err := csr.ParsePolicy(policy)
	if err != nil {
		return err
	}
	return checkSamePolicy(h, name, file, recorded)
}

// resolvePolicy resolves name as LoadIssuer does and reads the issuer's
// recorded policy (nil when none is recorded), in one read of the store
// opened for reading.
func (h *Home) resolvePolicy(ctx context.Context, name string) (*ca.Hierarchy, *ca.IssuerRecord, []byte, error) {
	st, err := h.OpenStoreRead()
	if err != nil {
		return nil, nil, nil, err
	}
	defer st.Close()
	hier, err := ca.LoadHierarchy(ctx, st)
	if err != nil {
		return nil, nil, nil, err
	}
	rec, err := hier.Resolve(name)
	if err != nil {
		return nil, nil, nil, err
	}
	recorded, err := st.Policy(ctx, rec.Name)
	return hier, rec, recorded, err
}

// SetPolicy makes the policy file at path the policy of the issuer name
// (resolved as LoadIssuer does): it is parsed and checked, recorded in the
// store with an audit record ("policy-set"), then written to the issuer's
// policy.json. It returns the report of the policy, Set.
func (h *Home) SetPolicy(ctx context.Context, name, path string) (*PolicyReport, error) {
	p, err := ReadPolicyFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	canon, err := CanonicalPolicy(p)
	if err != nil {
		return nil, err
	}
	pretty, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode policy: %w", err)
	}
	st, err := h.OpenStore()
	if err != nil {
		return nil, err
	}
	defer st.Close()
	rec, err := resolve(ctx, st, name)
	if err != nil {
		return nil, err
	}
	if err := st.SetPolicy(ctx, rec.Name, canon, false); err != nil {
		return nil, err
	}
	file := place.File{Path: h.IssuerFile(rec.Name, FilePolicy), Data: append(pretty, '\n')}
	if err := place.WriteFiles(file); err != nil {
		return nil, fmt.Errorf("the policy of issuer %s is recorded, but writing %s failed (run \"ca policy set\" again): %w", rec.Name, file.Path, err)
	}
	return newPolicyReport(rec.Name, p, true), nil
}

// ShowPolicy resolves name as LoadIssuer does and returns the issuer's
// policy as signing judges by it: the recorded one, whatever policy.json
// holds (policy.json when nothing is recorded yet), as a report. Only
// reads.
func (h *Home) ShowPolicy(ctx context.Context, name string) (*PolicyReport, error) {
	_, rec, recorded, err := h.resolvePolicy(ctx, name)
	if err != nil {
		return nil, err
	}
	var p *csr.Policy
	if recorded == nil {
		p, err = h.ReadPolicy(rec.Name)
	} else {
		p, err = parseRecorded(rec.Name, recorded)
	}
	if err != nil {
		return nil, err
	}
	return newPolicyReport(rec.Name, p, false), nil
}

// parseRecorded parses the issuer's recorded policy. Only damage makes one
// that does not parse (what is recorded is the canonical form of a parsed
// policy): store.ErrCorrupt, saying to restore the store.
func parseRecorded(name string, recorded []byte) (*csr.Policy, error) {
	p, err := csr.ParsePolicy(recorded)
	if err != nil {
		return nil, fmt.Errorf("%w: issuer %s: the policy recorded in the store is damaged (%v); restore the store from a backup (see docs/operations.md)", store.ErrCorrupt, name, err)
	}
	return p, nil
}
