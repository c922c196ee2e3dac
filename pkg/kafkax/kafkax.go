// Package kafkax is the Kafka glue the extractor and the loader share: the
// connection settings (brokers, TLS, SASL) as one Config, the kafka-go
// Transport and Dialer built from it, the topic names under the configured
// prefix, and topic creation with each topic's cleanup policy.
//
// Learn Config first, then Topics and EnsureTopics.
package kafkax

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
)

// Config is how a program reaches Kafka and names and shapes its topics.
// Variables are prefixed KAFKA_.
type Config struct {
	Brokers     []string       `env:"KAFKA_BROKERS, required" desc:"comma-separated host:port of the bootstrap brokers"`
	TopicPrefix string         `env:"KAFKA_TOPIC_PREFIX, default=ukgpro." desc:"prefix of every topic name"`
	ClientID    string         `env:"KAFKA_CLIENT_ID, default=ukgpro-stream" desc:"client.id sent to the brokers"`
	DialTimeout time.Duration  `env:"KAFKA_DIAL_TIMEOUT, default=10s" desc:"timeout of one broker connection attempt"`
	TLS         bool           `env:"KAFKA_TLS, default=false" desc:"connect with TLS"`
	TLSCAFile   string         `env:"KAFKA_TLS_CA_FILE" desc:"PEM file of CA certificates to trust (default: system roots)"`
	TLSCertFile string         `env:"KAFKA_TLS_CERT_FILE" desc:"PEM client certificate for mutual TLS"`
	TLSKeyFile  string         `env:"KAFKA_TLS_KEY_FILE" desc:"PEM client key for mutual TLS"`
	TLSInsecure bool           `env:"KAFKA_TLS_INSECURE_SKIP_VERIFY, default=false" desc:"do not verify the brokers' certificates (testing only)"`
	SASLMech    string         `env:"KAFKA_SASL_MECHANISM" desc:"SASL mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (empty: no SASL)"`
	SASLUser    string         `env:"KAFKA_SASL_USERNAME" desc:"SASL username"`
	SASLPass    envconf.Secret `env:"KAFKA_SASL_PASSWORD" desc:"SASL password"`

	Partitions        int           `env:"KAFKA_PARTITIONS, default=6" desc:"partitions of the data topics the programs create"`
	ReplicationFactor int           `env:"KAFKA_REPLICATION_FACTOR, default=3" desc:"replication factor of created topics (1 for a single-broker dev cluster)"`
	MinInsyncReplicas int           `env:"KAFKA_MIN_INSYNC_REPLICAS, default=0" desc:"min.insync.replicas of created topics (0: broker default)"`
	Retention         time.Duration `env:"KAFKA_RETENTION, default=0" desc:"retention.ms of the data topics (0: keep forever)"`
	DLQRetention      time.Duration `env:"KAFKA_DLQ_RETENTION, default=720h" desc:"retention of the dead-letter topic"`
	MinCompactionLag  time.Duration `env:"KAFKA_MIN_COMPACTION_LAG, default=168h" desc:"min.compaction.lag.ms of compacted topics, so the loader archives every version before compaction removes it"`
}

// Validate reports the first setting that cannot work, naming its variable.
func (c *Config) Validate() error {
	for _, b := range c.Brokers {
		if _, port, err := net.SplitHostPort(strings.TrimSpace(b)); err != nil || port == "" {
			return fmt.Errorf("KAFKA_BROKERS: %q is not host:port", b)
		}
	}
	switch strings.ToUpper(c.SASLMech) {
	case "", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512":
	default:
		return fmt.Errorf("KAFKA_SASL_MECHANISM: %q is not PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", c.SASLMech)
	}
	if c.SASLMech != "" && (c.SASLUser == "" || c.SASLPass == "") {
		return errors.New("KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required with KAFKA_SASL_MECHANISM")
	}
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		return errors.New("KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE go together")
	}
	if c.Partitions < 1 {
		return errors.New("KAFKA_PARTITIONS must be at least 1")
	}
	if c.ReplicationFactor < 1 {
		return errors.New("KAFKA_REPLICATION_FACTOR must be at least 1")
	}
	return nil
}

// Addr is the bootstrap address list for kafka-go's Writer and Client.
func (c *Config) Addr() net.Addr { return kafka.TCP(c.trimmed()...) }

func (c *Config) trimmed() []string {
	out := make([]string, 0, len(c.Brokers))
	for _, b := range c.Brokers {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

// BrokerList is the bootstrap list for kafka-go's Reader.
func (c *Config) BrokerList() []string { return c.trimmed() }

func (c *Config) tlsConfig() (*tls.Config, error) {
	if !c.TLS {
		return nil, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: c.TLSInsecure} //nolint:gosec // opt-in for tests
	if c.TLSCAFile != "" {
		pem, err := os.ReadFile(c.TLSCAFile)
		if err != nil {
			return nil, fmt.Errorf("KAFKA_TLS_CA_FILE: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("KAFKA_TLS_CA_FILE: no PEM certificates in %s", c.TLSCAFile)
		}
		tc.RootCAs = pool
	}
	if c.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.TLSCertFile, c.TLSKeyFile)
		if err != nil {
			return nil, fmt.Errorf("KAFKA_TLS_CERT_FILE/KAFKA_TLS_KEY_FILE: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

func (c *Config) mechanism() (sasl.Mechanism, error) {
	switch strings.ToUpper(c.SASLMech) {
	case "":
		return nil, nil
	case "PLAIN":
		return plain.Mechanism{Username: c.SASLUser, Password: c.SASLPass.Reveal()}, nil
	case "SCRAM-SHA-256":
		return scram.Mechanism(scram.SHA256, c.SASLUser, c.SASLPass.Reveal())
	case "SCRAM-SHA-512":
		return scram.Mechanism(scram.SHA512, c.SASLUser, c.SASLPass.Reveal())
	}
	return nil, fmt.Errorf("KAFKA_SASL_MECHANISM: unsupported %q", c.SASLMech)
}

// security builds the TLS config and SASL mechanism both connection kinds use.
func (c *Config) security() (*tls.Config, sasl.Mechanism, error) {
	tc, err := c.tlsConfig()
	if err != nil {
		return nil, nil, err
	}
	mech, err := c.mechanism()
	return tc, mech, err
}

// Transport builds the kafka-go Transport for Writers and Clients.
func (c *Config) Transport() (*kafka.Transport, error) {
	tc, mech, err := c.security()
	if err != nil {
		return nil, err
	}
	return &kafka.Transport{
		ClientID: c.ClientID, TLS: tc, SASL: mech,
		DialTimeout: c.DialTimeout, MetadataTTL: 10 * time.Second,
	}, nil
}

// Dialer builds the kafka-go Dialer for Readers and consumer groups.
func (c *Config) Dialer() (*kafka.Dialer, error) {
	tc, mech, err := c.security()
	if err != nil {
		return nil, err
	}
	return &kafka.Dialer{
		ClientID: c.ClientID, TLS: tc, SASLMechanism: mech,
		Timeout: c.DialTimeout, DualStack: true,
	}, nil
}

// Client builds a kafka-go Client (admin and offset requests).
func (c *Config) Client() (*kafka.Client, error) {
	tr, err := c.Transport()
	if err != nil {
		return nil, err
	}
	return &kafka.Client{Addr: c.Addr(), Transport: tr, Timeout: 30 * time.Second}, nil
}

// The topic names, without prefix (design.md "Topics").
const (
	Employees      = "employees"
	People         = "people"
	JobHistory     = "job-history"
	Compensation   = "compensation"
	Lifecycle      = "lifecycle"
	DLQ            = "dlq"
	RelayDLQ       = "relay-dlq" // the relay's dead letters (ukgpro-relay)
	ExtractorState = "_extractor-state"

	// Company configuration: one row per code (compacted).
	Companies = "companies"
	OrgLevels = "org-levels"
	Jobs      = "jobs"
	Locations = "locations"
	Positions = "positions"
	// Employee rows beside employment, several per employee (delete
	// policy: compaction per employee key would keep only one of them;
	// docs/decisions/0101-bank-data-and-multi-row-topics.md).
	Contacts      = "contacts"
	PTOPlans      = "pto-plans"
	DirectDeposit = "direct-deposit"
	GlobalBanks   = "global-banks"
	Contracts     = "contracts"
)

// DataTopics are the topics the loader archives by default (DLQ included).
var DataTopics = []string{Employees, People, JobHistory, Compensation, Lifecycle, DLQ,
	Companies, OrgLevels, Jobs, Locations, Positions, Contacts, PTOPlans, DirectDeposit, GlobalBanks, Contracts}

// Topic returns the full name of a topic under the prefix.
func (c *Config) Topic(name string) string { return c.TopicPrefix + name }

// Spec returns the configuration a topic is created with.
func (c *Config) Spec(name string) kafka.TopicConfig {
	ms := func(d time.Duration) string {
		if d <= 0 {
			return "-1"
		}
		return strconv.FormatInt(d.Milliseconds(), 10)
	}
	tc := kafka.TopicConfig{Topic: c.Topic(name), NumPartitions: c.Partitions, ReplicationFactor: c.ReplicationFactor}
	add := func(k, v string) {
		tc.ConfigEntries = append(tc.ConfigEntries, kafka.ConfigEntry{ConfigName: k, ConfigValue: v})
	}
	switch name {
	case Employees, People, Compensation, Companies, OrgLevels, Jobs, Locations, Positions:
		add("cleanup.policy", "compact,delete")
		add("retention.ms", ms(c.Retention))
		add("min.compaction.lag.ms", ms(c.MinCompactionLag))
	case JobHistory, Lifecycle, Contacts, PTOPlans, DirectDeposit, GlobalBanks, Contracts:
		add("cleanup.policy", "delete")
		add("retention.ms", ms(c.Retention))
	case DLQ, RelayDLQ:
		add("cleanup.policy", "delete")
		add("retention.ms", ms(c.DLQRetention))
	case ExtractorState:
		add("cleanup.policy", "compact")
	}
	if c.MinInsyncReplicas > 0 {
		add("min.insync.replicas", strconv.Itoa(c.MinInsyncReplicas))
	}
	return tc
}

// EnsureTopics creates the named topics (names without prefix) that do not
// exist yet, each with its Spec. Existing topics are left as they are.
func EnsureTopics(ctx context.Context, cfg *Config, names ...string) error {
	cl, err := cfg.Client()
	if err != nil {
		return err
	}
	req := &kafka.CreateTopicsRequest{}
	for _, n := range names {
		req.Topics = append(req.Topics, cfg.Spec(n))
	}
	res, err := cl.CreateTopics(ctx, req)
	if err != nil {
		return fmt.Errorf("create topics: %w", err)
	}
	var errs []error
	for topic, terr := range res.Errors {
		if terr != nil && !errors.Is(terr, kafka.TopicAlreadyExists) {
			errs = append(errs, fmt.Errorf("create topic %s: %w", topic, terr))
		}
	}
	return errors.Join(errs...)
}
