package home_test

import (
	"os/user"
	"slices"
	"testing"

	"github.com/ca-toolkit/ca/home"
)

func TestLocate(t *testing.T) {
	env := map[string]string{home.EnvHome: "/env/pki", home.EnvStore: "bbolt:/env/ca.db"}
	for _, tc := range []struct {
		name               string
		dir, store         string
		env                map[string]string
		wantDir, wantStore string
	}{
		{"flags first", "/flag/pki", "postgres://ca@db/pki", env, "/flag/pki", "postgres://ca@db/pki"},
		{"then the environment", "", "", env, "/env/pki", "bbolt:/env/ca.db"},
		{"then the defaults", "", "", nil, "pki", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, st := home.Locate(tc.dir, tc.store, tc.env)
			if dir != tc.wantDir || st != tc.wantStore {
				t.Errorf("Locate = %q, %q; want %q, %q", dir, st, tc.wantDir, tc.wantStore)
			}
		})
	}
}

func TestAuditArgs(t *testing.T) {
	for _, tc := range []struct {
		name  string
		flags []home.AuditFlag
		args  []string
		want  []string
	}{
		{"nothing", nil, nil, nil},
		{"flags then args", []home.AuditFlag{{"issuer", "root"}, {"validity", "90d"}}, []string{"web.csr"},
			[]string{"--issuer=root", "--validity=90d", "web.csr"}},
		{"passphrase sources are left out", []home.AuditFlag{{"passphrase-file", "/p"}, {"key-passphrase-file", "/k"}, {"no-passphrase", "true"}}, nil,
			[]string{"--no-passphrase=true"}},
		{"the store without its password", []home.AuditFlag{{"store", "postgres://ca:secret@db/pki"}}, nil,
			[]string{"--store=postgres://ca:xxxxx@db/pki"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := home.AuditArgs(tc.flags, tc.args); !slices.Equal(got, tc.want) {
				t.Errorf("AuditArgs = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNewActor(t *testing.T) {
	a := home.NewActor("ca revoke", []string{"0a"})
	want := "unknown"
	if u, err := user.Current(); err == nil {
		want = u.Username
	}
	if a.Command != "ca revoke" || !slices.Equal(a.Args, []string{"0a"}) || a.User != want {
		t.Errorf("NewActor = %+v, want user %q", a, want)
	}
}
