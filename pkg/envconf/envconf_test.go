package envconf

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"
)

type inner struct {
	Brokers []string      `env:"BROKERS, required" desc:"comma-separated host:port"`
	Timeout time.Duration `env:"TIMEOUT, default=10s" desc:"dial timeout"`
}

type testConfig struct {
	BaseURL  string `env:"UKG_BASE_URL, required" desc:"tenant host"`
	Password Secret `env:"UKG_PASSWORD, required" desc:"service account password"`
	PerPage  int    `env:"UKG_PER_PAGE, default=200" flag:"per-page" desc:"rows per page"`
	Kafka    inner  `env:", prefix=KAFKA_"`
	Once     bool   `flag:"once" desc:"run once and exit"`
}

func (c *testConfig) Validate() error {
	if c.PerPage < 1 {
		return errors.New("UKG_PER_PAGE must be at least 1")
	}
	return nil
}

func TestParse(t *testing.T) {
	base := map[string]string{
		"UKG_BASE_URL":  "https://service4.ultipro.com",
		"UKG_PASSWORD":  "hunter2-very-secret",
		"KAFKA_BROKERS": "a:9092,b:9092",
	}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "<unset>" {
				delete(m, kv[i])
				continue
			}
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr string // substring; "" = success
		check   func(t *testing.T, c *testConfig)
	}{
		{name: "defaults", env: base, check: func(t *testing.T, c *testConfig) {
			if c.PerPage != 200 || c.Kafka.Timeout != 10*time.Second || len(c.Kafka.Brokers) != 2 || c.Once {
				t.Fatalf("unexpected config %+v", c)
			}
		}},
		{name: "flag overrides env", env: with("UKG_PER_PAGE", "50"), args: []string{"--per-page=75", "--once"},
			check: func(t *testing.T, c *testConfig) {
				if c.PerPage != 75 || !c.Once {
					t.Fatalf("PerPage=%d Once=%v, want 75 true", c.PerPage, c.Once)
				}
			}},
		{name: "missing required", env: with("KAFKA_BROKERS", "<unset>"), wantErr: "KAFKA_BROKERS is required"},
		{name: "empty required", env: with("UKG_PASSWORD", ""), wantErr: "UKG_PASSWORD is required"},
		{name: "malformed int", env: with("UKG_PER_PAGE", "lots"), wantErr: `UKG_PER_PAGE="lots": invalid syntax (want an integer)`},
		{name: "malformed duration", env: with("KAFKA_TIMEOUT", "soon"), wantErr: "KAFKA_TIMEOUT="},
		{name: "validate", env: with("UKG_PER_PAGE", "0"), wantErr: "UKG_PER_PAGE must be at least 1"},
		{name: "unknown flag", env: base, args: []string{"--nope"}, wantErr: "flag provided but not defined"},
		{name: "positional", env: base, args: []string{"extra"}, wantErr: `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c testConfig
			err := parse(context.Background(), "prog", &c, tt.args, envconfig.MapLookuper(tt.env), &bytes.Buffer{})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				tt.check(t, &c)
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error spans several lines: %q", err)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("error leaks the secret: %q", err)
			}
		})
	}
}

func TestHelpListsEveryVariableAndHidesSecrets(t *testing.T) {
	var c testConfig
	var out bytes.Buffer
	env := envconfig.MapLookuper(map[string]string{"UKG_PASSWORD": "hunter2-very-secret"})
	err := parse(context.Background(), "prog", &c, []string{"--help"}, env, &out)
	if !errors.Is(err, ErrHelp) {
		t.Fatalf("err = %v, want ErrHelp", err)
	}
	for _, want := range []string{"UKG_BASE_URL", "UKG_PASSWORD", "(secret)", "UKG_PER_PAGE", "--per-page", "200",
		"KAFKA_BROKERS", "KAFKA_TIMEOUT", "10s", "--once", "rows per page"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--help output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "hunter2") {
		t.Fatal("--help printed a secret")
	}
	// A required secret says so (its default column only says "(secret)").
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, "UKG_PASSWORD ") && !strings.HasSuffix(l, "(required)") {
			t.Errorf("--help line of the required secret UKG_PASSWORD does not say it is required:\n%s", l)
		}
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := Secret("hunter2")
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "password", s, "cfg", struct{ P Secret }{s})
	for name, got := range map[string]string{
		"String": s.String(), "GoString": s.GoString(), "log": logs.String(),
	} {
		if strings.Contains(got, "hunter2") {
			t.Errorf("%s leaks the secret: %s", name, got)
		}
	}
	if s.Reveal() != "hunter2" {
		t.Fatal("Reveal must return the value")
	}
	if Secret("").String() != "" {
		t.Fatal("an empty secret prints empty, so 'is it set' stays visible")
	}
}
