package home_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ca-toolkit/ca/home"
	"github.com/ca-toolkit/ca/pkg/ca"
)

// TestPolicyReports: show reports the recorded policy's rules and the
// policy in policy.json's shape; set records a new one and says so.
func TestPolicyReports(t *testing.T) {
	h := newHome(t)
	ctx := context.Background()
	shown, err := h.ShowPolicy(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if shown.Issuer != "root" || shown.Set || len(shown.Rules) == 0 || shown.Policy == nil {
		t.Fatalf("ShowPolicy = %+v", shown)
	}
	data, err := json.Marshal(shown)
	if err != nil || !bytes.HasPrefix(data, []byte(`{"issuer":"root","rules":[{"field":`)) || !bytes.Contains(data, []byte(`"policy":{`)) || bytes.Contains(data, []byte(`"Set"`)) {
		t.Errorf("JSON %s, %v", data, err)
	}
	// The policy shown, with a shorter maxValidity, made the policy.
	var p map[string]any
	if err := json.Unmarshal(data, &struct{ Policy *map[string]any }{&p}); err != nil {
		t.Fatal(err)
	}
	p["maxValidity"] = "30d"
	file := filepath.Join(t.TempDir(), "policy.json")
	edited, _ := json.Marshal(p)
	if err := os.WriteFile(file, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	set, err := h.SetPolicy(ctx, "root", file)
	if err != nil {
		t.Fatal(err)
	}
	if !set.Set || set.Issuer != "root" || !hasRule(set, "maxValidity", "30d") {
		t.Errorf("SetPolicy = %+v", set)
	}
	if again, err := h.ShowPolicy(ctx, ""); err != nil || !hasRule(again, "maxValidity", "30d") {
		t.Errorf("ShowPolicy after set = %+v, %v", again, err)
	}
}

func hasRule(r *home.PolicyReport, field, detail string) bool {
	for _, x := range r.Rules {
		if x.Field == field && strings.Contains(x.Detail, detail) {
			return true
		}
	}
	return false
}

// TestJudgeCSR: a good request passes every rule; one over the validity
// the policy allows fails that rule and counts it.
func TestJudgeCSR(t *testing.T) {
	h := newHome(t)
	path := writeCSR(t, t.TempDir(), "a.csr", "a.example.com")
	for _, tc := range []struct {
		name     string
		validity time.Duration
		failed   int
	}{
		{"within the policy", time.Hour, 0},
		{"over maxValidity", 10 * 365 * 24 * time.Hour, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j, err := h.JudgeCSR(context.Background(), "", home.ReadCSR(path, nil), ca.SignOptions{Profile: ca.ProfileServer, Validity: tc.validity})
			if err != nil {
				t.Fatal(err)
			}
			if j.Input != path || j.Issuer != "root" || j.Profile != "server" || j.Validity != ca.FormatDuration(tc.validity) {
				t.Errorf("judgement %+v", j)
			}
			if j.Failed() < tc.failed || (j.Failed() == 0) != j.Pass || (tc.failed == 0) != j.Pass {
				t.Errorf("%d rules fail, pass %v; want %d", j.Failed(), j.Pass, tc.failed)
			}
			data, err := json.Marshal(j)
			if err != nil || !bytes.Contains(data, []byte(`"checks":[{"field":"signature","rule":"verify",`)) {
				t.Errorf("JSON %s, %v", data, err)
			}
		})
	}
}
