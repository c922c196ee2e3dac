package extract

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgpro"
)

// Config is the extractor's own settings (EXTRACTOR_*).
type Config struct {
	Mode            string        `env:"EXTRACTOR_MODE, default=incremental" desc:"incremental (changed records only, with periodic full reconciliation) or full (every record every run)"`
	Interval        time.Duration `env:"EXTRACTOR_INTERVAL, default=4h" desc:"time between runs when not --once"`
	FullEvery       time.Duration `env:"EXTRACTOR_FULL_EVERY, default=168h" desc:"an incremental run becomes a full reconciliation when the last full pass (tenant clock) is older than this"`
	Overlap         time.Duration `env:"EXTRACTOR_OVERLAP, default=48h" desc:"incremental windows start this long before the previous run's start (tenant clock), so nothing at an edge is lost"`
	Endpoints       []string      `env:"EXTRACTOR_ENDPOINTS, default=all" desc:"UKG endpoints to extract: all (every endpoint; one whose role the account lacks is skipped with a warning) or a comma-separated list of endpoint names (each required)"`
	Companies       []string      `env:"EXTRACTOR_COMPANIES" desc:"comma-separated company ids to extract (empty: every company); records of other companies are neither published nor ever deleted"`
	MaxDeleteRatio  float64       `env:"EXTRACTOR_MAX_DELETE_RATIO, default=0.05" desc:"a full pass that would delete more than this share of a topic's records deletes none of them, and the run fails (a lost permission looks like a mass deletion); 1 turns the guard off, 0 means the default"`
	AllowMassDelete bool          `env:"EXTRACTOR_ALLOW_MASS_DELETE, default=false" desc:"let the first run of this process delete past EXTRACTOR_MAX_DELETE_RATIO, once the deletions are known to be real"`
	BackfillHires   bool          `env:"EXTRACTOR_BACKFILL_HIRES, default=false" desc:"on the baseline (first) run, emit employee.hired for every employee instead of no lifecycle events"`
	BatchSize       int           `env:"EXTRACTOR_BATCH_SIZE, default=1000" desc:"producer batch size (messages per partition batch)"`
	Linger          time.Duration `env:"EXTRACTOR_LINGER, default=5ms" desc:"producer batch linger (kafka-go BatchTimeout)"`
	WriteTimeout    time.Duration `env:"EXTRACTOR_WRITE_TIMEOUT, default=30s" desc:"timeout of one produce request"`
}

// DefaultMaxDeleteRatio is EXTRACTOR_MAX_DELETE_RATIO's default, also
// taken by a Config that leaves it zero.
const DefaultMaxDeleteRatio = 0.05

// Validate names the variable of the first bad setting (and fills in the
// defaults a zero Config lacks).
func (c *Config) Validate() error {
	switch c.Mode {
	case "incremental", "full":
	default:
		return fmt.Errorf("EXTRACTOR_MODE: %q is not incremental or full", c.Mode)
	}
	if _, _, err := selectRoutes(c.Endpoints); err != nil {
		return err
	}
	if c.BatchSize < 1 {
		return errors.New("EXTRACTOR_BATCH_SIZE must be at least 1")
	}
	if c.MaxDeleteRatio == 0 {
		c.MaxDeleteRatio = DefaultMaxDeleteRatio // a Config built in Go without it
	}
	if !(c.MaxDeleteRatio > 0 && c.MaxDeleteRatio <= 1) {
		return fmt.Errorf("EXTRACTOR_MAX_DELETE_RATIO: %g is not between 0 and 1", c.MaxDeleteRatio)
	}
	return nil
}

// Validator checks a record (after the PII policy) against its topic's
// schema and names the schema version ("employees/v1.0").
type Validator interface {
	Validate(topic string, raw []byte) error
	SchemaID(topic string) string
}

// Redactor applies the PII policy to a record before anything else sees it.
type Redactor interface {
	Apply(topic string, raw []byte) ([]byte, error)
}

// Source is the UKG API as the extractor uses it (ukgpro.Client).
type Source interface {
	Pages(ctx context.Context, ep ukgpro.Endpoint, q ukgpro.Query) iter.Seq2[ukgpro.Page, error]
	Employee(ctx context.Context, ep ukgpro.Endpoint, companyID, employeeID string) ([]ukgpro.Record, error)
	ServerTime() (time.Time, bool)
	// Now returns the tenant's clock (the API's Date header).
	Now(ctx context.Context) (time.Time, error)
}

// Extractor runs extractions: UKG → PII policy → schema check → change
// detection → Kafka, then the state topic. Build it with New, call Start
// once, then Run per extraction.
type Extractor struct {
	cfg     Config
	kcfg    *kafkax.Config
	src     Source
	val     Validator
	pii     Redactor
	log     *slog.Logger
	metrics *Metrics
	host    string
	conc    int
	prog    Progress
	scope   scope // EXTRACTOR_COMPANIES

	cl    *kafka.Client
	w     *kafka.Writer
	state *State
	now   func() time.Time
	// allowMass is EXTRACTOR_ALLOW_MASS_DELETE until the first Run takes it.
	allowMass atomic.Bool
	// unsure is set when a write to Kafka failed: records may be in a data
	// topic that the state does not know (a produce can land without its
	// acknowledgement arriving, and a state write can fail after the data
	// was acknowledged). The next Run then recovers first, as Start does.
	unsure atomic.Bool
	// tailEvents are the ce_ids of the lifecycle events an interrupted run
	// left past the mark (found by recover): a rerun that derives them
	// again does not publish them twice. Touched only by recover and by the
	// employment goroutine of a run.
	tailEvents map[string]bool
}

// Deps are the extractor's collaborators.
type Deps struct {
	Source    Source
	Validator Validator
	Redactor  Redactor
	Logger    *slog.Logger
	Metrics   *Metrics // nil: not recorded
	// BaseURL is the tenant's UKG URL; its host goes into ce_source.
	BaseURL string
	// Concurrency bounds per-employee refetches (UKG_CONCURRENCY).
	Concurrency int
	// Progress, when set, receives live counts (a terminal display).
	Progress Progress
}

// Progress receives an endpoint's live counts during a run. Calls come from
// several goroutines, one endpoint per goroutine.
type Progress interface {
	// Start announces an endpoint's pass; expectedPages is the last full
	// pass's page count (0: unknown), for an ETA.
	Start(endpoint string, full bool, expectedPages int)
	// Page reports one page (or refetch batch) done.
	Page(endpoint string, rows, published int)
	// Done ends the endpoint's pass.
	Done(endpoint string, err error)
}

type noProgress struct{}

func (noProgress) Start(string, bool, int) {}
func (noProgress) Page(string, int, int)   {}
func (noProgress) Done(string, error)      {}

// New builds an Extractor. It connects to nothing until Start.
func New(cfg Config, kcfg *kafkax.Config, d Deps) (*Extractor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	u, err := url.Parse(d.BaseURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("UKG_BASE_URL: %q has no host", d.BaseURL)
	}
	tr, err := kcfg.Transport()
	if err != nil {
		return nil, err
	}
	cl, err := kcfg.Client()
	if err != nil {
		return nil, err
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Metrics == nil {
		d.Metrics = NewMetrics(nil)
	}
	if d.Progress == nil {
		d.Progress = noProgress{}
	}
	x := &Extractor{
		cfg: cfg, kcfg: kcfg, src: d.Source, val: d.Validator, pii: d.Redactor,
		log: d.Logger, metrics: d.Metrics, host: u.Host, conc: max(d.Concurrency, 1), prog: d.Progress,
		cl: cl, now: time.Now, scope: newScope(cfg.Companies),
	}
	x.allowMass.Store(cfg.AllowMassDelete)
	x.w = &kafka.Writer{
		Addr:         kcfg.Addr(),
		Transport:    tr,
		Balancer:     &kafka.Murmur2Balancer{}, // the Java client's and librdkafka's murmur2 partitioner
		RequiredAcks: kafka.RequireAll,
		Compression:  kafka.Zstd,
		BatchSize:    cfg.BatchSize,
		BatchBytes:   8 << 20,
		BatchTimeout: cfg.Linger,
		WriteTimeout: cfg.WriteTimeout,
		MaxAttempts:  10,
	}
	return x, nil
}

// Close releases the producer.
func (x *Extractor) Close() error { return x.w.Close() }

// State exposes the loaded state (for tests and reporting).
func (x *Extractor) State() *State { return x.state }

// Start creates missing topics, loads the state topic and repairs the state
// after an interrupted run (see recover).
func (x *Extractor) Start(ctx context.Context) error {
	topics := append(routeTopics(), kafkax.Lifecycle, kafkax.DLQ, kafkax.ExtractorState)
	if err := kafkax.EnsureTopics(ctx, x.kcfg, topics...); err != nil {
		return fmt.Errorf("kafka at %s (KAFKA_BROKERS): %w", strings.Join(x.kcfg.BrokerList(), ","), err)
	}
	st, err := loadState(ctx, x.cl, x.kcfg.Topic(kafkax.ExtractorState), snapFields)
	if err != nil {
		return err
	}
	x.state = st
	for _, t := range routeTopics() {
		if n := st.Len(t); n > 0 {
			x.log.Info("state loaded", "topic", x.kcfg.Topic(t), "records", n)
		}
	}
	return x.recover(ctx)
}

// Report is what one run did, per endpoint.
type Report struct {
	RunID     string
	Endpoints map[string]*EndpointReport
	// Skipped lists the optional endpoints this run skipped because the
	// service account lacks their role (decision 0104), in table order.
	Skipped []Skipped
}

// Skipped is an endpoint a run skipped, and the web-service role whose
// View permission would let it run.
type Skipped struct {
	Endpoint, Role string
}

// EndpointReport counts one endpoint's run.
type EndpointReport struct {
	Full                      bool
	Pages, Rows               int
	Published, Unchanged, DLQ int
	Tombstones, Lifecycle     int
	// OutOfScope counts records of companies outside EXTRACTOR_COMPANIES
	// that the tenant returned anyway (ignoring the company filter): they
	// are dropped.
	OutOfScope int
	Calls      int  // per-employee refetch calls (incremental compensation)
	Skipped    bool // an optional endpoint whose role the account lacks (403)
	Err        error
}

// Run performs one extraction of every configured endpoint. It returns an
// error when any endpoint failed; what the other endpoints published is
// acknowledged and checkpointed either way.
func (x *Extractor) Run(ctx context.Context) (*Report, error) {
	if x.state == nil {
		return nil, errors.New("extractor: Run before Start")
	}
	runID := newRunID(x.now())
	rep := &Report{RunID: runID, Endpoints: map[string]*EndpointReport{}}
	log := x.log.With("run_id", runID)
	if x.unsure.Load() {
		// A write of the previous run failed: learn what of it Kafka holds
		// before publishing anything again.
		if err := x.recover(ctx); err != nil {
			return rep, fmt.Errorf("recover the previous run: %w", err)
		}
		x.unsure.Store(false)
	}
	tenantNow, err := x.src.Now(ctx)
	if err != nil {
		return rep, fmt.Errorf("read the tenant clock: %w", err)
	}
	// The deletions of this run (for the employee.removed events), and the
	// one-run override of the mass-delete guard.
	removed, allowMass := newRemovals(), x.allowMass.Swap(false)
	log.Info("run started", "mode", x.cfg.Mode, "tenant_time", tenantNow)

	// The routes run as the table orders them (runner.go): job history,
	// then employment (its lifecycle events take their effective dates and
	// sources from this run's job-history rows), then compensation
	// (incrementally it refetches the employees whose employment changed);
	// every other route runs beside them. Under a tenant rate limit the
	// order costs nothing: requests are the bottleneck.
	errs := x.runRoutes(ctx, log, runID, tenantNow, rep, removed, allowMass)
	// One employee.removed per employee whose employment record this run
	// deleted, naming every topic it vanished from in this run.
	if n, err := x.publishRemovals(ctx, removed); err != nil {
		errs = append(errs, err)
	} else if n > 0 {
		log.Info("employees removed from UKG", "events", n)
	}

	// Everything this run wrote is acknowledged or failed: move the marks
	// to the topics' ends, so a restart reads back nothing of this run.
	// After a failed write, the tail is read back first (recover), so a
	// record that landed without its acknowledgement is not published again.
	if x.unsure.Load() {
		if err := x.recover(context.WithoutCancel(ctx)); err != nil {
			errs = append(errs, fmt.Errorf("recover after a failed write: %w", err))
		} else {
			x.unsure.Store(false)
		}
	} else if err := x.writeMarks(context.WithoutCancel(ctx), true); err != nil {
		errs = append(errs, err)
	} else {
		x.tailEvents = nil // the marks moved past them
	}
	err = errors.Join(errs...)
	var skipped []string
	for _, sk := range rep.Skipped {
		skipped = append(skipped, sk.Endpoint+" (grant "+sk.Role+")")
	}
	if err == nil {
		log.Info("run finished", "skipped", skipped)
	} else {
		log.Error("run failed", "err", err)
	}
	return rep, err
}

func newRunID(t time.Time) string {
	return t.UTC().Format("20060102T150405Z") + "-" + eventID(t.String())[:8]
}
