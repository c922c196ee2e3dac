package relay_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/relay"
)

func TestParseRoutes(t *testing.T) {
	tests := []struct {
		name, file, err string
	}{
		{"ok", `{"routes":[{"name":"a","url":"https://x.example/h","types":["employee.hired"],"companies":["q4t9z"]}]}`, ""},
		{"unknown field", `{"routes":[{"name":"a","url":"https://x.example/h","company":["Q"]}]}`, "unknown field"},
		{"no routes", `{"routes":[]}`, "no routes"},
		{"no name", `{"routes":[{"url":"https://x.example/h"}]}`, "has no name"},
		{"twice", `{"routes":[{"name":"a","url":"https://x.example/1"},{"name":"a","url":"https://x.example/2"}]}`, "used twice"},
		{"relative url", `{"routes":[{"name":"a","url":"/hook?token=s3cr3t"}]}`, "not an absolute"},
		{"ftp", `{"routes":[{"name":"a","url":"ftp://x.example/s3cr3t"}]}`, "not an absolute"},
		{"empty type", `{"routes":[{"name":"a","url":"https://x.example/h","types":[" "]}]}`, "empty event type"},
		{"not json", `routes:`, "parse"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := relay.ParseRoutes([]byte(tc.file))
			switch {
			case tc.err == "" && err != nil:
				t.Fatal(err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("error %v, want %q", err, tc.err)
			case err != nil && strings.Contains(err.Error(), "s3cr3t"):
				t.Fatalf("the error quotes the URL: %v", err)
			}
		})
	}
}

func TestRouteMatches(t *testing.T) {
	rs, err := relay.ParseRoutes([]byte(`{"routes":[
		{"name":"hires","url":"https://x.example/1","types":["employee.hired","com.ukgpro.lifecycle.employee.rehired"]},
		{"name":"all-emea","url":"https://x.example/2","types":["*"],"companies":["J9A6Y"]},
		{"name":"any","url":"https://x.example/3"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		typ, company string
		want         string
	}{
		{"com.ukgpro.lifecycle.employee.hired", "Q4T9Z", "hires any"},
		{"employee.rehired", "j9a6y", "hires all-emea any"},
		{"com.ukgpro.lifecycle.employee.terminated", "J9A6Y", "all-emea any"},
		{"com.ukgpro.lifecycle.employee.terminated", "Q4T9Z", "any"},
	} {
		var got []string
		for i := range rs {
			if rs[i].Matches(tc.typ, tc.company) {
				got = append(got, rs[i].Name)
			}
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%s of %s goes to %v, want %s", tc.typ, tc.company, got, tc.want)
		}
	}
}

func TestLoadRoutesAndConfig(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "routes.json")
	if err := os.WriteFile(file, []byte(`{"routes":[{"name":"default","url":"https://x.example/1"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig("https://hooks.example/s3cr3t-token")
	cfg.RoutesFile = file
	if _, err := relay.LoadRoutes(cfg); err == nil || !strings.Contains(err.Error(), "default is taken") {
		t.Fatalf("a routes file naming a route default beside RELAY_WEBHOOK_URL: %v", err)
	}
	for _, tc := range []struct {
		mut  func(*relay.Config)
		want string
	}{
		{func(c *relay.Config) { c.WebhookURL, c.RoutesFile = "", "" }, "RELAY_WEBHOOK_URL or RELAY_ROUTES_FILE"},
		{func(c *relay.Config) { c.WebhookURL = "hooks.example/s3cr3t-token" }, "RELAY_WEBHOOK_URL: not an absolute"},
		{func(c *relay.Config) { c.InFlight = 0 }, "RELAY_IN_FLIGHT"},
		{func(c *relay.Config) { c.StartFrom = "yesterday" }, "RELAY_START_FROM"},
		{func(c *relay.Config) { c.RetryMax = time.Millisecond }, "RELAY_RETRY_MAX"},
		{func(c *relay.Config) { c.HeartbeatInterval = c.SessionTimeout }, "RELAY_HEARTBEAT_INTERVAL"},
		{func(c *relay.Config) { c.StartFrom = "2026-01-01T00:00:00Z" }, ""},
	} {
		c := testConfig("https://hooks.example/s3cr3t-token")
		c.SigningKey = envconf.Secret("k")
		tc.mut(&c)
		err := c.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("valid config rejected: %v", err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("error %v, want one naming %s", err, tc.want)
		case err != nil && strings.Contains(err.Error(), "s3cr3t"):
			t.Errorf("the error reveals the webhook URL: %v", err)
		}
	}
}
