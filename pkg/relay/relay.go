package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/events"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
)

// Options are the relay's collaborators; all optional.
type Options struct {
	Logger *slog.Logger
	// Registerer receives the relay's metrics (nil: not registered).
	Registerer prometheus.Registerer
	// Ready is told when the relay has joined the group (true) or is
	// between generations (false), for /readyz.
	Ready func(ready bool, reason string)
	// Transport makes the HTTP calls (default: a clone of
	// http.DefaultTransport with RELAY_IN_FLIGHT idle connections per host).
	Transport http.RoundTripper
	// DeadLetters receives dead letters (default: a Kafka writer on the
	// relay-dlq topic under the prefix).
	DeadLetters DeadLetters
}

// DeadLetters stores dead letters durably before the relay commits past
// them.
type DeadLetters interface {
	WriteMessages(ctx context.Context, msgs ...kafka.Message) error
}

// Relay delivers the lifecycle topic's events to HTTP routes as one member
// of a consumer group.
type Relay struct {
	cfg      Config
	kc       kafkax.Config
	start    start
	topic    string // full name of the lifecycle topic
	dlqTopic string
	routes   []Route
	dec      *events.Decoder
	client   *http.Client
	dlq      DeadLetters
	closeDLQ func() error
	log      *slog.Logger
	ready    func(bool, string)
	m        *metrics
	slots    chan struct{} // RELAY_IN_FLIGHT call slots
	now      func() time.Time
	commitMu sync.Mutex
}

// New builds a relay: it validates cfg and loads the routes, and connects
// to nothing yet.
func New(cfg Config, kc kafkax.Config, opts Options) (*Relay, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	routes, err := LoadRoutes(cfg)
	if err != nil {
		return nil, err
	}
	st, _ := cfg.startFrom()
	r := &Relay{cfg: cfg, kc: kc, start: st, topic: kc.Topic(kafkax.Lifecycle), dlqTopic: kc.Topic(kafkax.RelayDLQ),
		routes: routes, dec: events.NewDecoder(kc.TopicPrefix), dlq: opts.DeadLetters, log: opts.Logger, ready: opts.Ready,
		m: newMetrics(opts.Registerer), slots: make(chan struct{}, cfg.InFlight), now: time.Now}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.ready == nil {
		r.ready = func(bool, string) {}
	}
	tr := opts.Transport
	if tr == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = cfg.InFlight
		tr = t
	}
	r.client = &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse // a webhook that redirects is misconfigured: its 3xx is a rejection
	}}
	if r.dlq == nil {
		t, err := kc.Transport()
		if err != nil {
			return nil, err
		}
		w := &kafka.Writer{Addr: kc.Addr(), Topic: r.dlqTopic, Transport: t, Balancer: &kafka.Murmur2Balancer{},
			RequiredAcks: kafka.RequireAll, BatchTimeout: 5 * time.Millisecond, WriteTimeout: cfg.CommitTimeout, MaxAttempts: 3}
		r.dlq, r.closeDLQ = w, w.Close
	}
	return r, nil
}

// Routes returns the route table (for logs at start; URLs are secrets).
func (r *Relay) Routes() []Route { return slices.Clone(r.routes) }

// Run consumes the lifecycle topic until ctx ends, then lets calls in
// flight finish (RELAY_SHUTDOWN_GRACE), commits what is delivered or
// dead-lettered, and leaves the group. It returns nil after a clean stop.
func (r *Relay) Run(ctx context.Context) error {
	defer r.ready(false, "stopped")
	if r.closeDLQ != nil {
		defer r.closeDLQ()
	}
	// Creating missing topics lets the relay start before the extractor; a
	// cluster that forbids it (ACLs) is fine when the topics exist.
	if err := kafkax.EnsureTopics(ctx, &r.kc, kafkax.Lifecycle, kafkax.RelayDLQ); err != nil {
		r.log.Warn("ensure topics", "err", err)
	}
	dialer, err := r.kc.Dialer()
	if err != nil {
		return err
	}
	client, err := r.kc.Client()
	if err != nil {
		return err
	}
	startOffset := kafka.FirstOffset
	if r.start.latest {
		startOffset = kafka.LastOffset
	}
	r.ready(false, "joining consumer group "+r.cfg.GroupID)
	group, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{
		ID: r.cfg.GroupID, Brokers: r.kc.BrokerList(), Dialer: dialer, Topics: []string{r.topic},
		HeartbeatInterval: r.cfg.HeartbeatInterval, SessionTimeout: r.cfg.SessionTimeout,
		RebalanceTimeout: r.cfg.RebalanceTimeout, JoinGroupBackoff: r.cfg.JoinGroupBackoff,
		Timeout: r.cfg.CommitTimeout, StartOffset: startOffset,
		ErrorLogger: kafka.LoggerFunc(func(f string, a ...any) { r.log.Debug("kafka-go group: " + fmt.Sprintf(f, a...)) }),
	})
	if err != nil {
		return fmt.Errorf("consumer group %s: %w", r.cfg.GroupID, err)
	}
	defer group.Close()
	for {
		gen, err := group.Next(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, kafka.ErrGroupClosed) {
				return nil
			}
			r.ready(false, "joining consumer group "+r.cfg.GroupID)
			r.log.Warn("join consumer group", "group", r.cfg.GroupID, "err", err)
			continue
		}
		r.ready(true, "")
		if r.runGeneration(ctx, gen, client) {
			r.ready(false, "leaving consumer group")
			return nil
		}
	}
}

// runGeneration runs one partition worker per assigned partition until the
// generation ends (false) or ctx ends and every worker has committed
// (true).
func (r *Relay) runGeneration(ctx context.Context, gen *kafka.Generation, client *kafka.Client) bool {
	var parts []kafka.PartitionAssignment
	for _, pas := range gen.Assignments {
		parts = append(parts, pas...)
	}
	r.log.Info("joined consumer group", "group", gen.GroupID, "generation", gen.ID, "partitions", len(parts))
	ended := make(chan struct{})
	gen.Start(func(gctx context.Context) { <-gctx.Done(); close(ended) })
	stopped := make(chan struct{}, len(parts))
	for _, pa := range parts {
		gen.Start(func(gctx context.Context) {
			w := &worker{r: r, gen: gen, client: client, partition: pa.ID, committed: pa.Offset,
				log: r.log.With("topic", r.topic, "partition", pa.ID, "generation", gen.ID)}
			w.run(ctx, gctx)
			if ctx.Err() != nil {
				stopped <- struct{}{}
				<-gctx.Done() // returning would end the generation for the others
			}
		})
	}
	stopping := ctx.Done()
	done := 0
	for {
		if ctx.Err() != nil && done == len(parts) {
			return true
		}
		select {
		case <-stopped:
			done++
		case <-ended:
			if ctx.Err() != nil {
				return true
			}
			r.log.Info("generation ended", "generation", gen.ID)
			return false
		case <-stopping:
			stopping = nil // the workers finish their calls, commit and report
		}
	}
}
