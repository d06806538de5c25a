package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/pem"
)

// TestIntermediateRenewCrash stops "ca intermediate renew" with SIGKILL
// right before its commit, right after it and right after the files are
// placed: before, nothing changed; after the write, the store and the files
// agree; after the commit, the issuer is refused until a second renew puts
// the recorded certificate's files in place (signing nothing), after which
// it signs again.
func TestIntermediateRenewCrash(t *testing.T) {
	for _, s := range []struct {
		stage           ca.Stage
		recorded, files bool
	}{
		{ca.StageBeforeCommit, false, false},
		{ca.StageAfterCommit, true, false},
		{ca.StageAfterWrite, true, true},
	} {
		t.Run(string(s.stage), func(t *testing.T) {
			home := newTestHome(t)
			mustCA(t, home, nil, "intermediate", "create", "--name", "issuing", "--cn", "Issuing CA", "--no-passphrase", "--path-len", "1")
			mustCA(t, home, nil, "intermediate", "create", "--name", "sub", "--parent", "issuing", "--cn", "Sub CA", "--no-passphrase", "--validity", "1y")
			certPath := filepath.Join(home, "issuers", "issuing", "cert.pem")
			old := readFile(t, certPath)
			r := runCA(t, home, []string{"CA_TEST_CRASH=" + string(s.stage)}, "intermediate", "renew", "--name", "issuing")
			if r.code != -1 {
				t.Fatalf("exit %d, want death by SIGKILL at %s\n%s", r.code, s.stage, r.stderr)
			}
			if s.recorded && !s.files {
				if r := runCA(t, home, nil, "store", "check"); r.code == 0 || !strings.Contains(r.stdout, "intermediate renew") {
					t.Fatalf("store check after a half-placed renewal: exit %d\n%s", r.code, r.stdout)
				}
			} else {
				storeCheck(t, home)
			}
			recorded := !bytes.Equal(issuerPEM(t, home, "issuing"), old)
			files := !bytes.Equal(readFile(t, certPath), old)
			if recorded != s.recorded || files != s.files {
				t.Fatalf("recorded %v, files %v; want %v, %v", recorded, files, s.recorded, s.files)
			}
			issue := []string{"issue", "--issuer", "issuing", "--cn", "a.example.com", "--dns", "a.example.com", "--no-passphrase", "--out-dir", t.TempDir()}
			if recorded && !files {
				if r := runCA(t, home, nil, issue...); r.code == 0 || !strings.Contains(r.stderr, "cert.pem") {
					t.Fatalf("issue under a half-renewed issuer: exit %d\n%s", r.code, r.stderr)
				}
				var res struct{ Finished bool }
				out := mustCA(t, home, nil, "-o", "json", "intermediate", "renew", "--name", "issuing")
				if err := json.Unmarshal([]byte(out.stdout), &res); err != nil || !res.Finished {
					t.Fatalf("second renew did not finish the first: %v\n%s", err, out.stdout)
				}
				if !bytes.Equal(readFile(t, certPath), issuerPEM(t, home, "issuing")) {
					t.Fatal("the finished renewal did not put the recorded certificate in place")
				}
				chain := readFile(t, filepath.Join(home, "issuers", "sub", "chain.pem"))
				if !bytes.Contains(chain, issuerPEM(t, home, "issuing")) {
					t.Fatal("sub's chain.pem does not hold the renewed certificate")
				}
			}
			// The lock died with the process: the next commands go on.
			mustCA(t, home, nil, issue...)
			mustCA(t, home, nil, "--lock-timeout", "2s", "intermediate", "renew", "--name", "issuing")
			if !bytes.Equal(readFile(t, certPath), issuerPEM(t, home, "issuing")) {
				t.Fatal("cert.pem is not the recorded certificate after a whole renewal")
			}
			storeCheck(t, home)
		})
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// issuerPEM is the PEM of the certificate the store records for issuer name.
func issuerPEM(t *testing.T, home, name string) []byte {
	t.Helper()
	st := openRead(t, home)
	defer st.Close()
	rec, err := st.Issuer(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return pem.Encode(pem.TypeCertificate, rec.DER)
}
