package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
)

func TestConfigFromEnvAndFlags(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		args    []string
		check   func(t *testing.T, c config)
		wantErr string
	}{
		{
			name: "defaults",
			check: func(t *testing.T, c config) {
				s := c.Sim
				if s.Addr != "127.0.0.1:8089" || s.Employees != 2000 || s.Companies != 3 || s.Seed != 1 ||
					s.Username != "svc-demo" || s.Password.Reveal() != "demo-password" || s.APIKey.Reveal() != "DEMO-KEY" ||
					s.MaxPerPage != 1000 || s.PastEnd != "empty" || s.Clock != "frozen" || s.Faults.RetryAfter != time.Second {
					t.Fatalf("defaults: %+v", s)
				}
			},
		},
		{
			name: "env",
			env: map[string]string{"SIM_EMPLOYEES": "50", "SIM_PAST_END": "404", "SIM_DENY": "compensation-details,employee-changes",
				"SIM_LATENCY": "250ms", "SIM_5XX_RATE": "0.1", "SIM_DUPLICATE_RATE": "1", "SIM_PASSWORD": "s3cret", "SIM_HIRE_RATE": "0.05"},
			check: func(t *testing.T, c config) {
				s := c.Sim
				if s.Employees != 50 || s.PastEnd != "404" || len(s.Deny) != 2 || s.Faults.Latency != 250*time.Millisecond ||
					s.Faults.Rate5xx != 0.1 || s.Faults.RateDuplicate != 1 || s.Password.Reveal() != "s3cret" || s.Rates.Hire != 0.05 {
					t.Fatalf("env: %+v", s)
				}
			},
		},
		{
			name: "flags override env",
			env:  map[string]string{"SIM_EMPLOYEES": "50"},
			args: []string{"--employees", "70", "--addr", "127.0.0.1:0", "--seed", "9", "--api-key", "K"},
			check: func(t *testing.T, c config) {
				if c.Sim.Employees != 70 || c.Sim.Addr != "127.0.0.1:0" || c.Sim.Seed != 9 || c.Sim.APIKey.Reveal() != "K" {
					t.Fatalf("flags: %+v", c.Sim)
				}
			},
		},
		{name: "bad past-end", env: map[string]string{"SIM_PAST_END": "410"}, wantErr: "SIM_PAST_END"},
		{name: "bad deny", env: map[string]string{"SIM_DENY": "payroll"}, wantErr: "SIM_DENY"},
		{name: "bad rate", env: map[string]string{"SIM_429_RATE": "2"}, wantErr: "SIM_429_RATE"},
		{name: "bad number", env: map[string]string{"SIM_EMPLOYEES": "many"}, wantErr: "SIM_EMPLOYEES"},
		{name: "bad start", env: map[string]string{"SIM_START": "June"}, wantErr: "SIM_START"},
		{name: "secret not echoed", env: map[string]string{"SIM_PASSWORD": "hunter2", "SIM_CLOCK": "sundial"}, wantErr: "SIM_CLOCK"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c config
			err := envconf.Parse(context.Background(), prog, &c, tc.args, envconfig.MapLookuper(tc.env))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || strings.Contains(err.Error(), "hunter2") {
					t.Fatalf("error %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
		})
	}
}

func TestHelpListsEverySetting(t *testing.T) {
	var c config
	vars, err := envconf.Vars(&c)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	envconf.Usage(&out, prog, vars)
	for _, want := range []string{"SIM_ADDR", "--addr", "SIM_EMPLOYEES", "SIM_COMPANIES", "SIM_SEED", "SIM_USERNAME", "SIM_PASSWORD",
		"SIM_API_KEY", "SIM_START", "SIM_CLOCK", "SIM_MAX_PER_PAGE", "SIM_PAST_END", "SIM_DENY", "SIM_LATENCY", "SIM_RATE_LIMIT_RPS",
		"SIM_429_RATE", "SIM_5XX_RATE", "SIM_HANG_RATE", "SIM_TRUNCATE_RATE", "SIM_MALFORMED_RATE", "SIM_DUPLICATE_RATE", "SIM_HIRE_RATE"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--help lacks %s", want)
		}
	}
	if strings.Contains(out.String(), "demo-password") || strings.Contains(out.String(), "DEMO-KEY") {
		t.Error("--help shows a secret default")
	}
}

// TestRunServesAndShutsDown starts the program's server on a free port,
// makes an authenticated and an unauthenticated call, and stops it.
func TestRunServesAndShutsDown(t *testing.T) {
	var c config
	if err := envconf.Parse(context.Background(), prog, &c, []string{"--addr", "127.0.0.1:0", "--employees", "150"}, envconfig.MapLookuper(nil)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	var logs bytes.Buffer
	go func() {
		done <- run(ctx, c, slog.New(slog.NewJSONHandler(&logs, nil)), func(a string) { addrc <- a })
	}()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatal(err)
	}
	call := func(withKey bool) (int, []byte) {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/personnel/v1/employee-employment-details?page=1&per_page=100", nil)
		req.SetBasicAuth("svc-demo", "demo-password")
		if withKey {
			req.Header.Set("US-Customer-Api-Key", "DEMO-KEY")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	if st, b := call(true); st != 200 || bytes.Count(b, []byte(`"employeeID"`)) != 100 {
		t.Fatalf("with key: %d, %d records", st, bytes.Count(b, []byte(`"employeeID"`)))
	}
	if st, _ := call(false); st != 401 {
		t.Fatalf("without key: %d, want 401", st)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	if strings.Contains(logs.String(), "demo-password") {
		t.Fatal("logs contain the password")
	}
	if !jsonLines(logs.String()) {
		t.Fatalf("logs are not JSON lines: %s", logs.String())
	}
}

func jsonLines(s string) bool {
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if !strings.HasPrefix(l, "{") {
			return false
		}
	}
	return s != ""
}
