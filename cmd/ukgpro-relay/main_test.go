package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A bad setting stops the relay at start with exit 2 and one line naming
// the variable, and never prints a secret.
func TestBadSettings(t *testing.T) {
	dir := t.TempDir()
	badRoutes := filepath.Join(dir, "routes.json")
	if err := os.WriteFile(badRoutes, []byte(`{"routes":[{"name":"x","url":"https://hooks.example/T0KEN","companies":["A"],"typo":1}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	base := map[string]string{"KAFKA_BROKERS": "127.0.0.1:1", "RELAY_WEBHOOK_URL": "https://hooks.example/T0KEN",
		"RELAY_SIGNING_KEY": "S1GNING-KEY", "RELAY_BEARER_TOKEN": "B3ARER"}
	for _, tc := range []struct {
		name string
		set  map[string]string
		want string
	}{
		{"no destination", map[string]string{"RELAY_WEBHOOK_URL": ""}, "RELAY_WEBHOOK_URL or RELAY_ROUTES_FILE"},
		{"relative url", map[string]string{"RELAY_WEBHOOK_URL": "hooks.example/T0KEN"}, "RELAY_WEBHOOK_URL"},
		{"missing routes file", map[string]string{"RELAY_ROUTES_FILE": filepath.Join(dir, "nope.json")}, "RELAY_ROUTES_FILE"},
		{"malformed routes file", map[string]string{"RELAY_ROUTES_FILE": badRoutes}, "RELAY_ROUTES_FILE"},
		{"bad start", map[string]string{"RELAY_START_FROM": "monday"}, "RELAY_START_FROM"},
		{"bad in-flight", map[string]string{"RELAY_IN_FLIGHT": "0"}, "RELAY_IN_FLIGHT"},
		{"no brokers", map[string]string{"KAFKA_BROKERS": ""}, "KAFKA_BROKERS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(relayBin(t))
			for _, kv := range os.Environ() {
				if name, _, _ := strings.Cut(kv, "="); !strings.HasPrefix(name, "RELAY_") && !strings.HasPrefix(name, "KAFKA_") {
					cmd.Env = append(cmd.Env, kv)
				}
			}
			for k, v := range base {
				if nv, ok := tc.set[k]; ok {
					v = nv
				}
				if v != "" {
					cmd.Env = append(cmd.Env, k+"="+v)
				}
			}
			for k, v := range tc.set {
				if _, ok := base[k]; !ok {
					cmd.Env = append(cmd.Env, k+"="+v)
				}
			}
			out, _ := cmd.CombinedOutput()
			if code := cmd.ProcessState.ExitCode(); code != 2 {
				t.Fatalf("exit %d, want 2; output:\n%s", code, out)
			}
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], tc.want) {
				t.Fatalf("output %q, want one line naming %s", out, tc.want)
			}
			for _, secret := range []string{"T0KEN", "S1GNING-KEY", "B3ARER"} {
				if strings.Contains(string(out), secret) {
					t.Fatalf("the error prints a secret: %s", out)
				}
			}
		})
	}
}
