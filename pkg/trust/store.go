package trust

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Store is one trust store of the machine.
type Store struct {
	// Kind is the store's kind.
	Kind Kind `json:"kind"`
	// Location is where the root goes: the anchor file of a Linux system
	// store, the keychain on macOS, "ROOT (user)" or "ROOT (machine)" on
	// Windows, the directory of an NSS database, the Java keystore file.
	Location string `json:"location"`
	// Tool is the program the store is changed with.
	Tool string `json:"tool"`
	// flavour: linux "debian"|"rhel"; darwin and windows "user"|"machine".
	flavour string
}

func (s Store) String() string {
	switch s.Kind {
	case KindNSS:
		return "NSS database sql:" + s.Location
	case KindJava:
		return "Java keystore " + s.Location
	}
	return "system store " + s.Location
}

// Selection names the stores a command asked for. The zero Selection
// means every store found: the system store, the NSS databases that exist
// (DefaultNSSDirs) and JavaDefault when it is set and exists.
type Selection struct {
	System bool
	// NSS selects NSS databases: NSSDirs, or DefaultNSSDirs when empty.
	NSS     bool
	NSSDirs []string
	// Java is a keystore file to use.
	Java string
	// JavaDefault is the keystore used with the zero Selection when it
	// exists (cmd/ca passes $JAVA_HOME/lib/security/cacerts).
	JavaDefault string
}

// Stores returns the stores sel names, in the order system, NSS, Java. An
// NSS directory or Java keystore that was named but does not exist is an
// error wrapping fs.ErrNotExist; so is a Linux machine with neither
// update-ca-certificates' nor update-ca-trust's directories.
func (c Config) Stores(sel Selection) ([]Store, error) {
	all := !sel.System && !sel.NSS && sel.Java == ""
	var out []Store
	if all || sel.System {
		s, err := c.systemStore()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	dirs := sel.NSSDirs
	if all || (sel.NSS && len(dirs) == 0) {
		dirs = c.DefaultNSSDirs()
	}
	for _, d := range dirs {
		d = strings.TrimPrefix(d, "sql:")
		if !exists(filepath.Join(d, "cert9.db")) {
			return nil, fmt.Errorf("trust: NSS database %s: no cert9.db there (make one with: certutil -N -d sql:%s --empty-password): %w", d, d, fs.ErrNotExist)
		}
		out = append(out, Store{Kind: KindNSS, Location: d, Tool: "certutil"})
	}
	java := sel.Java
	if all && sel.JavaDefault != "" && exists(sel.JavaDefault) {
		java = sel.JavaDefault
	}
	if java != "" {
		if st, err := os.Stat(java); err != nil || !st.Mode().IsRegular() {
			return nil, fmt.Errorf("trust: Java keystore %s: not a file: %w", java, fs.ErrNotExist)
		}
		out = append(out, Store{Kind: KindJava, Location: java, Tool: "keytool"})
	}
	return out, nil
}

// DefaultNSSDirs are the NSS databases that exist under UserHome:
// ~/.pki/nssdb (Chromium on Linux) and the Firefox profiles (Linux,
// the Linux snap, macOS). Windows has none: Firefox there can trust the
// system store (security.enterprise_roots.enabled).
func (c Config) DefaultNSSDirs() []string {
	if c.UserHome == "" || c.GOOS == "windows" {
		return nil
	}
	var dirs []string
	patterns := []string{
		filepath.Join(c.UserHome, ".pki", "nssdb"),
		filepath.Join(c.UserHome, ".mozilla", "firefox", "*"),
		filepath.Join(c.UserHome, "snap", "firefox", "common", ".mozilla", "firefox", "*"),
	}
	if c.GOOS == "darwin" {
		patterns = []string{filepath.Join(c.UserHome, "Library", "Application Support", "Firefox", "Profiles", "*")}
	}
	for _, p := range patterns {
		matches, _ := filepath.Glob(p)
		sort.Strings(matches)
		for _, m := range matches {
			if exists(filepath.Join(m, "cert9.db")) {
				dirs = append(dirs, m)
			}
		}
	}
	return dirs
}

// systemStore is the OS's store for this root.
func (c Config) systemStore() (Store, error) {
	nick := Nickname(c.Root)
	switch c.GOOS {
	case "darwin":
		if c.UserScope {
			return Store{Kind: KindSystem, Location: c.join(c.UserHome, "Library", "Keychains", "login.keychain-db"), Tool: "security", flavour: "user"}, nil
		}
		return Store{Kind: KindSystem, Location: "/Library/Keychains/System.keychain", Tool: "security", flavour: "machine"}, nil
	case "windows":
		if c.UserScope {
			return Store{Kind: KindSystem, Location: "ROOT (user)", Tool: "certutil", flavour: "user"}, nil
		}
		return Store{Kind: KindSystem, Location: "ROOT (machine)", Tool: "certutil", flavour: "machine"}, nil
	}
	distro := c.Distro
	if distro == "" {
		switch {
		case exists("/usr/local/share/ca-certificates") || exists("/usr/sbin/update-ca-certificates"):
			distro = "debian"
		case exists("/etc/pki/ca-trust/source/anchors"):
			distro = "rhel"
		default:
			return Store{}, fmt.Errorf("trust: system store: found neither update-ca-certificates (/usr/local/share/ca-certificates) nor update-ca-trust (/etc/pki/ca-trust/source/anchors): %w", fs.ErrNotExist)
		}
	}
	if distro == "rhel" {
		return Store{Kind: KindSystem, Location: "/etc/pki/ca-trust/source/anchors/" + nick + ".pem", Tool: "update-ca-trust", flavour: "rhel"}, nil
	}
	return Store{Kind: KindSystem, Location: "/usr/local/share/ca-certificates/" + nick + ".crt", Tool: "update-ca-certificates", flavour: "debian"}, nil
}
