package relay

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
)

// Config is the relay's behaviour (RELAY_*). Kafka connection settings live
// in kafkax.Config; cmd/ukgpro-relay nests both.
type Config struct {
	GroupID    string         `env:"RELAY_GROUP_ID, default=ukgpro-relay" desc:"Kafka consumer group of the relays; run several relays with one group to share the partitions"`
	WebhookURL envconf.Secret `env:"RELAY_WEBHOOK_URL" desc:"URL that receives every lifecycle event (a route named default); webhook URLs often embed a token, so it is never printed"`
	RoutesFile string         `env:"RELAY_ROUTES_FILE" desc:"JSON file of routes: event types (and optionally companies) to URLs, see docs/consumers.md; with RELAY_WEBHOOK_URL both apply"`
	SigningKey envconf.Secret `env:"RELAY_SIGNING_KEY" desc:"when set, each call carries X-Ukgpro-Signature-256: sha256=<hex HMAC-SHA256 of the body with this key>"`
	Token      envconf.Secret `env:"RELAY_BEARER_TOKEN" desc:"when set, each call carries Authorization: Bearer <token>"`

	InFlight       int           `env:"RELAY_IN_FLIGHT, default=16" desc:"HTTP calls in flight at once across employees (one employee's events always go one at a time, in order)"`
	MaxPending     int           `env:"RELAY_MAX_PENDING, default=10000" desc:"events read but not yet delivered or dead-lettered, per partition, before reading that partition pauses"`
	RequestTimeout time.Duration `env:"RELAY_REQUEST_TIMEOUT, default=10s" desc:"timeout of one HTTP call, response included (a timeout is retried)"`
	RetryBase      time.Duration `env:"RELAY_RETRY_BASE, default=1s" desc:"first retry backoff of a call answered 408, 429 or 5xx, or timed out (doubles per attempt, with jitter)"`
	RetryMax       time.Duration `env:"RELAY_RETRY_MAX, default=5m" desc:"longest retry backoff (a Retry-After from the receiver wins)"`
	RetryFor       time.Duration `env:"RELAY_RETRY_FOR, default=24h" desc:"an event still failing after retrying this long is dead-lettered (0: retry forever)"`
	CommitInterval time.Duration `env:"RELAY_COMMIT_INTERVAL, default=1s" desc:"how often the offsets of delivered and dead-lettered events are committed"`
	StartFrom      string        `env:"RELAY_START_FROM, default=earliest" desc:"where the group starts on a partition it has no committed offset for: earliest, latest, or an RFC 3339 time (the first event at or after it)"`
	ShutdownGrace  time.Duration `env:"RELAY_SHUTDOWN_GRACE, default=30s" desc:"on SIGTERM, how long in-flight calls may take to finish (no new call starts) before the relay commits and exits"`

	SessionTimeout    time.Duration `env:"RELAY_SESSION_TIMEOUT, default=30s" desc:"consumer group session timeout: a relay that sends no heartbeat for this long loses its partitions"`
	HeartbeatInterval time.Duration `env:"RELAY_HEARTBEAT_INTERVAL, default=3s" desc:"consumer group heartbeat interval"`
	RebalanceTimeout  time.Duration `env:"RELAY_REBALANCE_TIMEOUT, default=30s" desc:"how long the group waits for members to rejoin during a rebalance"`
	JoinGroupBackoff  time.Duration `env:"RELAY_JOIN_GROUP_BACKOFF, default=2s" desc:"wait before joining the group again after an error"`
	CommitTimeout     time.Duration `env:"RELAY_COMMIT_TIMEOUT, default=10s" desc:"deadline of one offset commit, dead-letter write or other coordinator request"`
}

// Validate reports every setting that cannot work, naming its variable.
// Secrets never appear in its errors.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if strings.TrimSpace(c.GroupID) == "" {
		bad("RELAY_GROUP_ID must not be empty")
	}
	if c.WebhookURL == "" && c.RoutesFile == "" {
		bad("RELAY_WEBHOOK_URL or RELAY_ROUTES_FILE is required: the relay has nowhere to send events")
	}
	if c.WebhookURL != "" {
		if err := checkURL(c.WebhookURL.Reveal()); err != nil {
			bad("RELAY_WEBHOOK_URL: %v", err)
		}
	}
	if c.InFlight < 1 {
		bad("RELAY_IN_FLIGHT must be at least 1, got %d", c.InFlight)
	}
	if c.MaxPending < 1 {
		bad("RELAY_MAX_PENDING must be at least 1, got %d", c.MaxPending)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"RELAY_REQUEST_TIMEOUT", c.RequestTimeout}, {"RELAY_RETRY_BASE", c.RetryBase}, {"RELAY_RETRY_MAX", c.RetryMax},
		{"RELAY_COMMIT_INTERVAL", c.CommitInterval}, {"RELAY_SHUTDOWN_GRACE", c.ShutdownGrace},
		{"RELAY_JOIN_GROUP_BACKOFF", c.JoinGroupBackoff}, {"RELAY_COMMIT_TIMEOUT", c.CommitTimeout}} {
		if d.v <= 0 {
			bad("%s must be positive, got %s", d.name, d.v)
		}
	}
	if c.RetryMax < c.RetryBase {
		bad("RELAY_RETRY_MAX (%s) must not be below RELAY_RETRY_BASE (%s)", c.RetryMax, c.RetryBase)
	}
	if c.RetryFor < 0 {
		bad("RELAY_RETRY_FOR must not be negative, got %s", c.RetryFor)
	}
	if _, err := c.startFrom(); err != nil {
		bad("RELAY_START_FROM: %v", err)
	}
	if c.SessionTimeout < time.Second {
		bad("RELAY_SESSION_TIMEOUT must be at least 1s, got %s", c.SessionTimeout)
	}
	if c.HeartbeatInterval <= 0 || c.HeartbeatInterval >= c.SessionTimeout {
		bad("RELAY_HEARTBEAT_INTERVAL must be positive and below RELAY_SESSION_TIMEOUT (%s), got %s", c.SessionTimeout, c.HeartbeatInterval)
	}
	if c.RebalanceTimeout < time.Second {
		bad("RELAY_REBALANCE_TIMEOUT must be at least 1s, got %s", c.RebalanceTimeout)
	}
	return errors.Join(errs...)
}

// start is where a partition without a committed offset begins.
type start struct {
	latest bool
	at     time.Time // non-zero: the first offset at or after this time
}

func (c *Config) startFrom() (start, error) {
	switch s := strings.TrimSpace(c.StartFrom); s {
	case "", "earliest":
		return start{}, nil
	case "latest":
		return start{latest: true}, nil
	default:
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return start{}, fmt.Errorf("%q is not earliest, latest or an RFC 3339 time", s)
		}
		return start{at: t}, nil
	}
}
