package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/sethvargo/go-envconfig"
)

func TestExitCodesAndMessages(t *testing.T) {
	empty := t.TempDir()
	env := envconfig.MapLookuper(map[string]string{"AUDIT_CACHE_DIR": t.TempDir()})
	cases := []struct {
		name string
		args []string
		code int
		want string // in stderr (one line) or, for help, stdout
	}{
		{"no subcommand", nil, exitInput, ""},
		{"unknown subcommand", []string{"timelines"}, exitInput, `unknown subcommand "timelines"`},
		{"no archive", []string{"timeline", "C/E"}, exitInput, "pass --archive ROOT or set LOADER_OUTPUT"},
		{"unknown key", []string{"timeline", "--archive", empty, "C1/E404"}, exitInput, "employee C1/E404 is not in the archive"},
		{"malformed key", []string{"timeline", "--archive", empty, "E404"}, exitInput, "want COMPANY/EMPLOYEE"},
		{"malformed date", []string{"as-of", "--archive", empty, "--known-at", "yesterday"}, exitInput, `--known-at: "yesterday" is not a date`},
		{"malformed effective date", []string{"as-of", "--archive", empty, "--known-at", "2026-01-01", "--effective-at", "2026-13-01"}, exitInput, "--effective-at"},
		{"unreadable archive", []string{"verify", "--archive", "s3://"}, exitInput, "LOADER_OUTPUT"},
		{"missing archive dir", []string{"history", "--archive", "/nonexistent/archive", "--topic", "employees", "--out", "-"}, exitInput, "nonexistent"},
		{"unknown topic", []string{"history", "--archive", empty, "--topic", "payroll", "--out", "-"}, exitInput, `unknown topic "payroll"`},
		{"unknown format", []string{"timeline", "--archive", empty, "--format", "xml", "C/E"}, exitInput, `unknown format "xml"`},
		{"unknown flag", []string{"diff", "--bogus", "a", "b"}, exitInput, "flag provided but not defined"},
		{"replay needs a sink", []string{"replay", "--archive", empty, "--topic", "employees"}, exitInput, "exactly one of --to-topic"},
		{"verify of an empty archive", []string{"verify", "--archive", empty}, exitOK, "no defect"},
		{"help", []string{"--help"}, exitOK, "Subcommands:"},
	}
	for _, c := range commands {
		cases = append(cases, struct {
			name string
			args []string
			code int
			want string
		}{c.name + " --help", []string{c.name, "--help"}, exitOK, "Usage: ukgpro-audit " + c.name})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), c.args, &out, &errb, env, false)
			if code != c.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, c.code, errb.String())
			}
			text := errb.String()
			if c.code == exitOK && strings.Contains(c.want, "Usage") || c.want == "Subcommands:" {
				text = out.String()
			}
			if !strings.Contains(text, c.want) {
				t.Errorf("output %q does not contain %q", text, c.want)
			}
			if c.code == exitInput && strings.Count(strings.TrimSpace(errb.String()), "\n") > 0 {
				t.Errorf("bad input gave more than one line: %q", errb.String())
			}
		})
	}
}
