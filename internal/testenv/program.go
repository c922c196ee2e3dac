package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sync"
	"testing"
)

// Program is a Go main package built once per test process, for tests that
// run the real binary: kill -9 trials, exit codes, memory cgroups, the
// process environment a deployment gives it. Declare one per package under
// test and call Remove from TestMain after m.Run.
type Program struct {
	// Package is what `go build` builds: an import path, or a directory
	// relative to the test's package (".").
	Package string

	once sync.Once
	dir  string
	path string
	err  error
}

// Path builds the program on first use and returns the binary's path. A build
// failure fails tb with the compiler's output.
func (p *Program) Path(tb testing.TB) string {
	tb.Helper()
	p.once.Do(func() {
		if p.dir, p.err = os.MkdirTemp("", "testenv-bin-"); p.err != nil {
			return
		}
		name := path.Base(p.Package)
		if name == "." || name == "/" {
			wd, _ := os.Getwd()
			name = filepath.Base(wd)
		}
		p.path = filepath.Join(p.dir, name)
		if out, err := exec.Command("go", "build", "-o", p.path, p.Package).CombinedOutput(); err != nil {
			p.err = fmt.Errorf("building %s: %v\n%s", p.Package, err, out)
		}
	})
	if p.err != nil {
		tb.Fatal(p.err)
	}
	return p.path
}

// Remove deletes the built binary, if any.
func (p *Program) Remove() {
	if p.dir != "" {
		os.RemoveAll(p.dir)
	}
}
