package ukgsim

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
)

// Config is the simulator's configuration. Every field is an environment
// variable (and most a flag); the zero value of a field means its default, so
// tests can fill only what they care about: ukgsim.New(ukgsim.Config{Employees: 300}).
type Config struct {
	Addr      string         `env:"SIM_ADDR, default=127.0.0.1:8089" flag:"addr" desc:"listen address of the simulated tenant (used by cmd/ukgpro-sim only)"`
	Employees int            `env:"SIM_EMPLOYEES, default=2000" flag:"employees" desc:"number of people in the initial workforce (a few get a second company row)"`
	Companies int            `env:"SIM_COMPANIES, default=3" flag:"companies" desc:"number of companies in the tenant (1-26)"`
	Seed      uint64         `env:"SIM_SEED, default=1" flag:"seed" desc:"seed of the synthetic workforce, its changes and the fault RNG (0 means 1)"`
	Username  string         `env:"SIM_USERNAME, default=svc-demo" flag:"username" desc:"web service account user name (HTTP Basic)"`
	Password  envconf.Secret `env:"SIM_PASSWORD, default=demo-password" flag:"password" desc:"web service account password (HTTP Basic)"`
	APIKey    envconf.Secret `env:"SIM_API_KEY, default=DEMO-KEY" flag:"api-key" desc:"customer API key expected in the US-Customer-Api-Key header"`

	Start string `env:"SIM_START" flag:"start" desc:"tenant clock start, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS (tenant-local); empty means today at 00:00 UTC"`
	Clock string `env:"SIM_CLOCK, default=frozen" flag:"clock" desc:"frozen: the tenant clock moves only on advance; wall: it also moves with wall time"`

	MaxPerPage    int      `env:"SIM_MAX_PER_PAGE, default=1000" flag:"max-per-page" desc:"page size used when per_Page is absent, and the cap larger values are silently clamped to"`
	PastEnd       string   `env:"SIM_PAST_END, default=empty" flag:"past-end" desc:"answer to a page past the last one: empty (200 []) or 404"`
	ChangesWindow bool     `env:"SIM_CHANGES_STRICT_WINDOW, default=false" flag:"changes-strict-window" desc:"answer 400 when an employee-changes window ends less than 3 hours before the tenant clock"`
	Deny          []string `env:"SIM_DENY" flag:"deny" desc:"comma-separated endpoints the account lacks the View role on (403), e.g. compensation-details,employee-changes"`
	MultiCompany  float64  `env:"SIM_MULTI_COMPANY, default=0.01" flag:"multi-company" desc:"share of people employed in a second company (a second row, ukgpro-api.md section 9 row 11); negative means none"`

	Rates Rates

	Faults Faults
}

// Rates are the monthly (per 30 days) probabilities Advance uses. Zero means
// the default; a negative rate disables that kind of change.
type Rates struct {
	Hire        float64 `env:"SIM_HIRE_RATE, default=0.015" flag:"hire-rate" desc:"new hires per 30 days, as a share of the non-terminated headcount"`
	Termination float64 `env:"SIM_TERMINATION_RATE, default=0.012" flag:"termination-rate" desc:"probability per 30 days that an employed person is terminated"`
	Rehire      float64 `env:"SIM_REHIRE_RATE, default=0.01" flag:"rehire-rate" desc:"probability per 30 days that a terminated person is rehired"`
	JobChange   float64 `env:"SIM_JOB_CHANGE_RATE, default=0.02" flag:"job-change-rate" desc:"probability per 30 days of a transfer or promotion for an active person"`
	Raise       float64 `env:"SIM_RAISE_RATE, default=0.03" flag:"raise-rate" desc:"probability per 30 days of a pay change for an active person"`
	Leave       float64 `env:"SIM_LEAVE_RATE, default=0.01" flag:"leave-rate" desc:"probability per 30 days that an active person starts a leave (or another non-active status)"`
	Return      float64 `env:"SIM_RETURN_RATE, default=0.3" flag:"return-rate" desc:"probability per 30 days that a person on leave (L, O, R, S) returns to active"`
	// Configuration and banking changes (issue 13).
	Rename        float64 `env:"SIM_RENAME_RATE, default=0.3" flag:"rename-rate" desc:"probability per 30 days that a department (org level 2) is renamed"`
	NewJob        float64 `env:"SIM_NEW_JOB_RATE, default=0.2" flag:"new-job-rate" desc:"probability per 30 days that a job is added to the jobs table"`
	AccountChange float64 `env:"SIM_ACCOUNT_CHANGE_RATE, default=0.01" flag:"account-change-rate" desc:"probability per 30 days that an active employment changes a direct-deposit account or adds a split"`
}

// Faults are the injected failures. They apply to API requests only, never
// to /_sim/*. The zero value injects nothing. Change them at run time with
// (*Sim).SetFaults or POST /_sim/faults.
type Faults struct {
	// Latency delays every API page by this much (the delay ends early when the request's context does).
	Latency time.Duration `json:"latency" env:"SIM_LATENCY, default=0s" flag:"latency" desc:"added delay per API page"`
	// RateLimitRPS turns on a token bucket per credential: requests above it get 429.
	RateLimitRPS float64 `json:"rate_limit_rps" env:"SIM_RATE_LIMIT_RPS, default=0" flag:"rate-limit-rps" desc:"requests per second allowed per credential before 429 (0: unlimited)"`
	// RateLimitBurst is the bucket size (0 means max(1, RateLimitRPS)).
	RateLimitBurst int `json:"rate_limit_burst" env:"SIM_RATE_LIMIT_BURST, default=0" flag:"rate-limit-burst" desc:"token bucket size per credential (0: max(1, rps))"`
	// Rate429 is the probability that a request gets 429 regardless of the bucket.
	Rate429 float64 `json:"rate_429" env:"SIM_429_RATE, default=0" flag:"429-rate" desc:"probability of a 429 per request"`
	// RetryAfter is sent as Retry-After (whole seconds, at least 1) on every 429.
	RetryAfter time.Duration `json:"retry_after" env:"SIM_RETRY_AFTER, default=1s" flag:"retry-after" desc:"Retry-After sent with 429 (rounded up to whole seconds)"`
	// Rate5xx is the probability of a 500/502/503 with a problem+json body.
	Rate5xx float64 `json:"rate_5xx" env:"SIM_5XX_RATE, default=0" flag:"5xx-rate" desc:"probability of a 5xx per request"`
	// RateHang is the probability that a request never answers until the client gives up.
	RateHang float64 `json:"rate_hang" env:"SIM_HANG_RATE, default=0" flag:"hang-rate" desc:"probability that a request hangs until the client gives up"`
	// RateTruncate is the probability that a 200 page's JSON is cut in half (Content-Length matches the cut body).
	RateTruncate float64 `json:"rate_truncate" env:"SIM_TRUNCATE_RATE, default=0" flag:"truncate-rate" desc:"probability that a page's JSON is truncated"`
	// RateMalformed is the probability that a 200 page's JSON is syntactically broken (a trailing comma before the closing bracket).
	RateMalformed float64 `json:"rate_malformed" env:"SIM_MALFORMED_RATE, default=0" flag:"malformed-rate" desc:"probability that a page's JSON is malformed"`
	// RateDuplicate is the probability, per page k > 1, that the first row of
	// page k repeats the last row of page k-1 (as if a row had been inserted
	// before the reader's position). 1 means at every page boundary. No row is
	// lost: the shift carries over to the following pages. Each boundary is
	// decided by a hash of the seed, the session and k, not by request order.
	RateDuplicate float64 `json:"rate_duplicate" env:"SIM_DUPLICATE_RATE, default=0" flag:"duplicate-rate" desc:"probability per page boundary that a row repeats across it (1: always)"`
}

const (
	pastEndEmpty = "empty"
	pastEnd404   = "404"
	clockFrozen  = "frozen"
	clockWall    = "wall"
)

// Validate reports the first invalid setting, naming its variable.
func (c Config) Validate() error {
	var errs []error
	if c.Employees < 0 || c.Employees > 2_000_000 {
		errs = append(errs, fmt.Errorf("SIM_EMPLOYEES=%d: want 1 to 2000000", c.Employees))
	}
	if c.Companies < 0 || c.Companies > 26 {
		errs = append(errs, fmt.Errorf("SIM_COMPANIES=%d: want 1 to 26", c.Companies))
	}
	if c.MaxPerPage < 0 {
		errs = append(errs, fmt.Errorf("SIM_MAX_PER_PAGE=%d: want a positive page size", c.MaxPerPage))
	}
	switch strings.ToLower(c.PastEnd) {
	case "", pastEndEmpty, "[]", "200", pastEnd404:
	default:
		errs = append(errs, fmt.Errorf("SIM_PAST_END=%q: want empty or 404", c.PastEnd))
	}
	switch strings.ToLower(c.Clock) {
	case "", clockFrozen, clockWall:
	default:
		errs = append(errs, fmt.Errorf("SIM_CLOCK=%q: want frozen or wall", c.Clock))
	}
	if c.Start != "" {
		if _, err := parseStart(c.Start); err != nil {
			errs = append(errs, fmt.Errorf("SIM_START=%q: want YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS", c.Start))
		}
	}
	for _, d := range c.Deny {
		if endpointByName(strings.TrimSpace(d)) == nil {
			errs = append(errs, fmt.Errorf("SIM_DENY: unknown endpoint %q (want names like %s)", d, epEmployment))
		}
	}
	if c.MultiCompany > 0.5 {
		errs = append(errs, fmt.Errorf("SIM_MULTI_COMPANY=%g: want at most 0.5", c.MultiCompany))
	}
	if err := c.Rates.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Faults.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (r Rates) validate() error {
	for _, f := range []struct {
		name string
		v    float64
	}{
		{"SIM_HIRE_RATE", r.Hire}, {"SIM_TERMINATION_RATE", r.Termination}, {"SIM_REHIRE_RATE", r.Rehire},
		{"SIM_JOB_CHANGE_RATE", r.JobChange}, {"SIM_RAISE_RATE", r.Raise}, {"SIM_LEAVE_RATE", r.Leave},
		{"SIM_RETURN_RATE", r.Return}, {"SIM_RENAME_RATE", r.Rename}, {"SIM_NEW_JOB_RATE", r.NewJob},
		{"SIM_ACCOUNT_CHANGE_RATE", r.AccountChange},
	} {
		if f.v > 1 || math.IsNaN(f.v) {
			return fmt.Errorf("%s=%g: want a probability per 30 days (at most 1; negative disables)", f.name, f.v)
		}
	}
	return nil
}

// Validate reports the first fault setting out of range, naming its variable.
func (f Faults) Validate() error {
	for _, p := range []struct {
		name string
		v    float64
	}{
		{"SIM_429_RATE", f.Rate429}, {"SIM_5XX_RATE", f.Rate5xx}, {"SIM_HANG_RATE", f.RateHang},
		{"SIM_TRUNCATE_RATE", f.RateTruncate}, {"SIM_MALFORMED_RATE", f.RateMalformed},
		{"SIM_DUPLICATE_RATE", f.RateDuplicate},
	} {
		if p.v < 0 || p.v > 1 || math.IsNaN(p.v) {
			return fmt.Errorf("%s=%g: want a probability between 0 and 1", p.name, p.v)
		}
	}
	if f.Latency < 0 {
		return fmt.Errorf("SIM_LATENCY=%s: want a non-negative duration", f.Latency)
	}
	if f.RateLimitRPS < 0 || f.RateLimitBurst < 0 {
		return fmt.Errorf("SIM_RATE_LIMIT_RPS=%g / SIM_RATE_LIMIT_BURST=%d: want non-negative values", f.RateLimitRPS, f.RateLimitBurst)
	}
	if f.RetryAfter < 0 {
		return fmt.Errorf("SIM_RETRY_AFTER=%s: want a non-negative duration", f.RetryAfter)
	}
	return nil
}

// withDefaults fills zero fields with their defaults (the same values as the env tags).
func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8089"
	}
	if c.Employees == 0 {
		c.Employees = 2000
	}
	if c.Companies == 0 {
		c.Companies = 3
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Username == "" {
		c.Username = "svc-demo"
	}
	if c.Password == "" {
		c.Password = "demo-password"
	}
	if c.APIKey == "" {
		c.APIKey = "DEMO-KEY"
	}
	c.Clock = strings.ToLower(c.Clock)
	if c.Clock == "" {
		c.Clock = clockFrozen
	}
	if c.MaxPerPage == 0 {
		c.MaxPerPage = 1000
	}
	switch strings.ToLower(c.PastEnd) {
	case pastEnd404:
		c.PastEnd = pastEnd404
	default:
		c.PastEnd = pastEndEmpty
	}
	def := func(v *float64, d float64) {
		switch {
		case *v == 0:
			*v = d
		case *v < 0:
			*v = 0
		}
	}
	def(&c.MultiCompany, 0.01)
	def(&c.Rates.Hire, 0.015)
	def(&c.Rates.Termination, 0.012)
	def(&c.Rates.Rehire, 0.01)
	def(&c.Rates.JobChange, 0.02)
	def(&c.Rates.Raise, 0.03)
	def(&c.Rates.Leave, 0.01)
	def(&c.Rates.Return, 0.3)
	def(&c.Rates.Rename, 0.3)
	def(&c.Rates.NewJob, 0.2)
	def(&c.Rates.AccountChange, 0.01)
	return c
}

// Option changes how New builds a Sim beyond its Config (things that are not
// settings: a logger, a wall clock for tests).
type Option interface{ apply(*Sim) }

type optFunc func(*Sim)

func (f optFunc) apply(s *Sim) { f(s) }

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return optFunc(func(s *Sim) { s.log = l }) }

// WithWallClock replaces time.Now as the wall clock; it matters only with
// Clock "wall" (the tenant clock then moves with it).
func WithWallClock(now func() time.Time) Option { return optFunc(func(s *Sim) { s.wall = now }) }

func parseStart(v string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02", "2006-01-02T15:04:05", time.RFC3339} {
		if t, err := time.Parse(layout, v); err == nil {
			y, m, d := t.Date()
			h, mi, sec := t.Clock()
			return time.Date(y, m, d, h, mi, sec, 0, time.UTC), nil
		}
	}
	return time.Time{}, fmt.Errorf("parse start %q", v)
}
