package testenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
)

// READMEListsEveryVariable fails the test when a variable of cfg (a pointer
// to a program's config struct) is missing from the README's configuration
// tables, so the README stays true to the code.
func READMEListsEveryVariable(t testing.TB, cfg any) {
	t.Helper()
	vars, err := envconf.Vars(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
	readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(readme), "\n")
	for _, v := range vars {
		name := v.Env
		if name == "" {
			name = "--" + v.Flag
		}
		found, defaultOK := false, v.Default == "" || v.Secret
		for _, l := range lines {
			if strings.HasPrefix(l, "| `"+name+"` |") || strings.HasPrefix(l, "| — | `"+name+"` |") {
				found = true
				defaultOK = defaultOK || strings.Contains(l, "| `"+v.Default+"` |")
			}
		}
		switch {
		case !found:
			t.Errorf("README.md has no table row for %s (%s)", name, v.Desc)
		case !defaultOK:
			t.Errorf("README.md's row for %s does not show its default %q", name, v.Default)
		}
	}
}
