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
	for _, v := range vars {
		name := v.Env
		if name == "" {
			name = "--" + v.Flag
		}
		if !strings.Contains(string(readme), "`"+name+"`") {
			t.Errorf("README.md does not document %s (%s)", name, v.Desc)
		}
	}
}
