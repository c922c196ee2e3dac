package ukgpro

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
)

// Config is the client's configuration. Programs fill it with envconf;
// tests may build it directly, in which case New replaces the zero values
// that cannot be meant literally (PerPage, Concurrency, RateBurst,
// RequestTimeout, RetryBase, RetryMax) by the defaults below. RateLimit 0
// means unlimited and MaxRetries 0 means no retries.
type Config struct {
	BaseURL        string         `env:"UKG_BASE_URL, required" desc:"tenant service host, e.g. https://service4.ultipro.com (a path prefix is allowed)"`
	Username       string         `env:"UKG_USERNAME, required" desc:"web service account user name"`
	Password       envconf.Secret `env:"UKG_PASSWORD, required" desc:"web service account password"`
	CustomerAPIKey envconf.Secret `env:"UKG_CUSTOMER_API_KEY, required" desc:"tenant Customer API Key, sent as US-Customer-Api-Key"`
	UserAPIKey     envconf.Secret `env:"UKG_USER_API_KEY" desc:"service account User API Key, sent as x-api-key when set"`

	PerPage        int           `env:"UKG_PER_PAGE, default=200" desc:"rows asked for per page (the tenant may cap it lower)"`
	Concurrency    int           `env:"UKG_CONCURRENCY, default=4" desc:"pages fetched in parallel per endpoint"`
	RateLimit      float64       `env:"UKG_RATE_LIMIT, default=10" desc:"client-side request rate limit in requests/s (0 = unlimited)"`
	RateBurst      int           `env:"UKG_RATE_BURST, default=1" desc:"requests allowed back to back above the rate limit"`
	RequestTimeout time.Duration `env:"UKG_REQUEST_TIMEOUT, default=60s" desc:"timeout of one HTTP request, body included"`
	MaxRetries     int           `env:"UKG_MAX_RETRIES, default=8" desc:"retries of one request on 429, 5xx, timeouts and connection errors"`
	RetryBase      time.Duration `env:"UKG_RETRY_BASE, default=500ms" desc:"first retry backoff (doubles per attempt, with jitter)"`
	RetryMax       time.Duration `env:"UKG_RETRY_MAX, default=30s" desc:"longest retry backoff (Retry-After from the server wins)"`
	TenantTZ       string        `env:"UKG_TENANT_TZ" desc:"IANA zone of the tenant's naive timestamps, e.g. America/New_York; empty: UTC (extractor: date filters; loader: TIMESTAMP columns)"`
}

// Defaults used by New for zero fields.
const (
	DefaultPerPage        = 200
	DefaultConcurrency    = 4
	DefaultRequestTimeout = 60 * time.Second
	DefaultRetryBase      = 500 * time.Millisecond
	DefaultRetryMax       = 30 * time.Second
)

func (c Config) withDefaults() Config {
	if c.PerPage == 0 {
		c.PerPage = DefaultPerPage
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.RateBurst == 0 {
		c.RateBurst = 1
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.RetryBase == 0 {
		c.RetryBase = DefaultRetryBase
	}
	if c.RetryMax == 0 {
		c.RetryMax = DefaultRetryMax
	}
	return c
}

// Validate checks c and names the variable at fault. It never repeats a
// secret, nor a base URL that carries credentials.
func (c Config) Validate() error {
	var errs []error
	if err := validateBaseURL(c.BaseURL); err != nil {
		errs = append(errs, err)
	}
	if strings.TrimSpace(c.Username) == "" {
		errs = append(errs, errors.New("UKG_USERNAME is required: web service account user name"))
	}
	if c.Password == "" {
		errs = append(errs, errors.New("UKG_PASSWORD is required: web service account password"))
	}
	if c.CustomerAPIKey == "" {
		errs = append(errs, errors.New("UKG_CUSTOMER_API_KEY is required: the tenant's Customer API Key"))
	}
	if c.PerPage < 1 {
		errs = append(errs, fmt.Errorf("UKG_PER_PAGE=%d: must be at least 1", c.PerPage))
	}
	if c.Concurrency < 1 || c.Concurrency > 64 {
		errs = append(errs, fmt.Errorf("UKG_CONCURRENCY=%d: must be between 1 and 64", c.Concurrency))
	}
	if c.RateLimit < 0 {
		errs = append(errs, fmt.Errorf("UKG_RATE_LIMIT=%g: must be 0 (unlimited) or positive", c.RateLimit))
	}
	if c.RateBurst < 1 {
		errs = append(errs, fmt.Errorf("UKG_RATE_BURST=%d: must be at least 1", c.RateBurst))
	}
	if c.RequestTimeout <= 0 {
		errs = append(errs, fmt.Errorf("UKG_REQUEST_TIMEOUT=%s: must be positive", c.RequestTimeout))
	}
	if c.MaxRetries < 0 {
		errs = append(errs, fmt.Errorf("UKG_MAX_RETRIES=%d: must not be negative", c.MaxRetries))
	}
	if c.RetryBase <= 0 {
		errs = append(errs, fmt.Errorf("UKG_RETRY_BASE=%s: must be positive", c.RetryBase))
	}
	if c.RetryMax < c.RetryBase {
		errs = append(errs, fmt.Errorf("UKG_RETRY_MAX=%s: must be at least UKG_RETRY_BASE (%s)", c.RetryMax, c.RetryBase))
	}
	if c.TenantTZ != "" {
		if _, err := time.LoadLocation(c.TenantTZ); err != nil {
			errs = append(errs, fmt.Errorf("UKG_TENANT_TZ=%q: not an IANA time zone", c.TenantTZ))
		}
	}
	return errors.Join(errs...)
}

func validateBaseURL(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New("UKG_BASE_URL is required: tenant service host, e.g. https://service4.ultipro.com")
	}
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("UKG_BASE_URL: not a URL")
	}
	if u.User != nil {
		// Never echo this value: it holds credentials.
		return errors.New("UKG_BASE_URL: must not contain credentials; use UKG_USERNAME and UKG_PASSWORD")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("UKG_BASE_URL=%q: must be an http:// or https:// URL", s)
	}
	if u.Host == "" {
		return fmt.Errorf("UKG_BASE_URL=%q: has no host", s)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("UKG_BASE_URL=%q: must not have a query or fragment", s)
	}
	return nil
}

// Location returns the tenant zone (UKG_TENANT_TZ), or nil when unset: UKG's
// timestamps are then kept naive. Call it on a validated Config.
func (c Config) Location() *time.Location {
	if c.TenantTZ == "" {
		return nil
	}
	loc, err := time.LoadLocation(c.TenantTZ)
	if err != nil {
		return nil
	}
	return loc
}
