// Package pipeline runs the real extractor in-process against the UKG Pro
// simulator and an embedded broker, over HTTP and Kafka TCP, for the tests
// of what consumes the extractor's topics (pkg/events, pkg/relay).
package pipeline

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv"
	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv/webhook"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/extract"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/pii"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgpro"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"
)

// Pipeline is a simulator, a broker and the extractor's settings.
type Pipeline struct {
	t       testing.TB
	Sim     *ukgsim.Sim
	SimURL  string
	Brokers []string
	Kafka   *kafkax.Config
}

// Start starts a simulator with simCfg and a broker (3 partitions per
// topic, prefix "ukgpro.").
func Start(t testing.TB, simCfg ukgsim.Config) *Pipeline {
	t.Helper()
	sim, url := testenv.Sim(t, simCfg)
	brokers := testenv.Kafka(t)
	return &Pipeline{t: t, Sim: sim, SimURL: url, Brokers: brokers,
		Kafka: &kafkax.Config{Brokers: brokers, TopicPrefix: "ukgpro.", ClientID: "test", DialTimeout: 5 * time.Second,
			Partitions: 3, ReplicationFactor: 1, MinCompactionLag: time.Hour, DLQRetention: time.Hour}}
}

// Run starts a fresh extractor (as a new process would: its state comes
// from the state topic), runs one extraction and closes it. mut adjusts the
// extractor's settings.
func (p *Pipeline) Run(mut func(*extract.Config)) *extract.Report {
	p.t.Helper()
	reg, err := schema.Load()
	if err != nil {
		p.t.Fatal(err)
	}
	policy := Redactor(p.t, reg)
	log := slog.New(slog.DiscardHandler)
	api, err := ukgpro.New(ukgpro.Config{BaseURL: p.SimURL, Username: "svc-demo", Password: envconf.Secret("demo-password"),
		CustomerAPIKey: envconf.Secret("DEMO-KEY"), PerPage: 100, Concurrency: 4, MaxRetries: 8,
		RetryBase: time.Millisecond, RetryMax: 20 * time.Millisecond, RequestTimeout: 5 * time.Second}, ukgpro.WithLogger(log))
	if err != nil {
		p.t.Fatal(err)
	}
	cfg := extract.Config{Mode: "incremental", FullEvery: 365 * 24 * time.Hour, Overlap: 48 * time.Hour,
		Endpoints: []string{"all"},
		BatchSize: 1000, Linger: 2 * time.Millisecond, WriteTimeout: 10 * time.Second, MaxDeleteRatio: 0.05}
	if mut != nil {
		mut(&cfg)
	}
	x, err := extract.New(cfg, p.Kafka, extract.Deps{Source: api, Validator: extract.RegistryValidator(reg),
		Redactor: policy, Logger: log, BaseURL: p.SimURL, Concurrency: 4})
	if err != nil {
		p.t.Fatal(err)
	}
	defer x.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	if err := x.Start(ctx); err != nil {
		p.t.Fatal(err)
	}
	rep, err := x.Run(ctx)
	if err != nil {
		p.t.Fatalf("extractor run: %v", err)
	}
	return rep
}

// Redactor is the PII policy the extractor of Run applies: the schemas'
// classes with the default rules and a test HMAC key. Tests that compute
// the ukg_record_hash the extractor gives a record (internal/testenv/ledger)
// apply it too.
func Redactor(t testing.TB, reg *schema.Registry) *pii.Policy {
	t.Helper()
	policy, err := pii.New(pii.Config{HMACKey: envconf.Secret("pipeline-test-hmac-key")}, pii.ClassesOf(reg.PIIClasses()))
	if err != nil {
		t.Fatal(err)
	}
	return policy
}

// Messages reads every message of a topic (name without prefix).
func (p *Pipeline) Messages(topic string) []*kafkax.Message {
	return testenv.Messages(p.t, p.Brokers, p.Kafka.Topic(topic))
}

// Lifecycle returns the lifecycle topic's events, each partition in offset
// order (so each employee's events are in publication order).
func (p *Pipeline) Lifecycle() []webhook.Event {
	var out []webhook.Event
	for _, m := range p.Messages(kafkax.Lifecycle) {
		out = append(out, webhook.Event{ID: string(m.Header("ce_id")), Key: string(m.Key), Type: string(m.Header("ce_type"))})
	}
	return out
}

// Advance moves the simulator's tenant clock by days through its HTTP
// control endpoint (POST /_sim/advance?days=N&removals=K), as an operator
// would; removals employees are purged from the tenant.
func (p *Pipeline) Advance(days, removals int) {
	p.t.Helper()
	resp, err := http.Post(p.SimURL+"/_sim/advance?days="+strconv.Itoa(days)+"&removals="+strconv.Itoa(removals), "", nil)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		p.t.Fatalf("advance: HTTP %d: %s", resp.StatusCode, b)
	}
}
