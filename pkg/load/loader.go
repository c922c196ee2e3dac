package load

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/archive"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
)

// Step names a point of the commit protocol that happens in this package,
// for fault injection (the archive's own steps are archive.Point).
type Step int

const (
	// StepCommit: the file is published, its offsets are not committed.
	StepCommit Step = iota + 1
	// StepCommitted: the offsets are committed.
	StepCommitted
)

func (s Step) String() string {
	switch s {
	case StepCommit:
		return "commit"
	case StepCommitted:
		return "committed"
	}
	return fmt.Sprintf("Step(%d)", int(s))
}

// Hook is called at each Step with the partition and the offset being
// committed. A non-nil error stops the partition there, as a crash would.
type Hook func(ctx context.Context, step Step, topic string, partition int, offset int64) error

// Options are the loader's collaborators. Only Archive is required.
type Options struct {
	Archive Archive
	Logger  *slog.Logger
	// Registerer receives the loader's metrics (nil: not registered).
	Registerer prometheus.Registerer
	// Ready is told when the loader has joined the group (true) or is
	// between generations (false), for /readyz.
	Ready func(ready bool, reason string)
	// Schemas are the topics' schemas (nil: schema.Load(), the embedded
	// ones); SchemaOptions tune the conversion (tenant time zone).
	Schemas       *schema.Registry
	SchemaOptions []schema.Option
	// Parquet tunes the files (row groups, zstd level, bloom filters).
	Parquet archive.WriterConfig
	// DeadLetters receives poison messages (default: a DLQWriter on the DLQ
	// topic).
	DeadLetters DeadLetters
	// Hook injects faults around commits (tests).
	Hook Hook
}

// Loader archives the configured topics as one member of a consumer group.
type Loader struct {
	cfg      Config
	kc       kafkax.Config
	topics   []string // full names
	dlqTopic string
	codecs   map[string]*codec
	arch     Archive
	dlq      DeadLetters
	closeDLQ func() error
	hook     Hook
	log      *slog.Logger
	ready    func(bool, string)
	m        *metrics
	client   *kafka.Client

	commitMu sync.Mutex
	// bufTotal and bufActive are the bytes buffered by all partitions and
	// the number of partitions buffering (LOADER_BUFFER_BYTES).
	bufTotal  atomic.Int64
	bufActive atomic.Int64
	// spillRows: a partition moves its Arrow batch into its open file at
	// this many rows (a row group's at most), or at LOADER_BATCH_BYTES.
	spillRows int
	// segmentBytes: a partition's pending rows become a segment at this
	// many message bytes at most (segmentBytes in worker.go).
	segmentBytes int64
	// writers are the Parquet writers the partitions borrow to write
	// their segments (decision 0142).
	writers *writerPool
	// written counts what this loader published, per full topic name, for
	// the summary it logs when it stops.
	written map[string]*topicTotals
}

// topicTotals are the files, rows and bytes a loader published for one
// topic (a file that grew counts once per publication).
type topicTotals struct{ files, growths, rows, bytes atomic.Int64 }

// TopicSummary is what a loader published for one topic since it started:
// new files, growths of existing files, rows, and bytes written (a growth
// rewrites its file, so Bytes can exceed the archive's size).
type TopicSummary struct {
	Topic                       string
	Files, Growths, Rows, Bytes int64
}

// Summary returns the files, rows and bytes published per topic, in topic
// order.
func (l *Loader) Summary() []TopicSummary {
	out := make([]TopicSummary, 0, len(l.topics))
	for _, t := range l.topics {
		w := l.written[t]
		out = append(out, TopicSummary{Topic: t, Files: w.files.Load(), Growths: w.growths.Load(), Rows: w.rows.Load(), Bytes: w.bytes.Load()})
	}
	return out
}

// logSummary logs the totals of Summary and the seconds since start.
func (l *Loader) logSummary(start time.Time) {
	var files, growths, rows, bytes int64
	for _, s := range l.Summary() {
		l.log.Info("archived", "topic", s.Topic, "files", s.Files, "growths", s.Growths, "rows", s.Rows, "bytes", s.Bytes)
		files, growths, rows, bytes = files+s.Files, growths+s.Growths, rows+s.Rows, bytes+s.Bytes
	}
	l.log.Info("loader summary", "files", files, "growths", growths, "rows", rows, "bytes", bytes,
		"seconds", time.Since(start).Round(time.Millisecond).Seconds())
}

// Topics resolves cfg.Topics (default: every data topic and the DLQ) to
// full names under the prefix of kc.
func Topics(cfg Config, kc kafkax.Config) []string {
	names := cfg.Topics
	if len(names) == 0 {
		names = kafkax.DataTopics
	}
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, kc.Topic(n))
	}
	return out
}

// New builds a loader. It does not connect to anything yet.
func New(cfg Config, kc kafkax.Config, opts Options) (*Loader, error) {
	cfg = cfg.withBudget()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opts.Archive == nil {
		return nil, errors.New("load: Options.Archive is required")
	}
	l := &Loader{
		cfg: cfg, kc: kc, topics: Topics(cfg, kc), dlqTopic: kc.Topic(kafkax.DLQ),
		codecs: map[string]*codec{}, arch: opts.Archive, dlq: opts.DeadLetters, hook: opts.Hook,
		log: opts.Logger, ready: opts.Ready, m: newMetrics(opts.Registerer),
		written: map[string]*topicTotals{},
	}
	for _, t := range l.topics {
		l.written[t] = &topicTotals{}
	}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	page := opts.Parquet.PageBytes
	if page <= 0 {
		page = archive.DefaultPageBytes
	}
	l.writers = newWriterPool(poolSize(&cfg, page, poolWriters()))
	rgBytes := opts.Parquet.RowGroupBytes
	if rgBytes <= 0 {
		rgBytes = archive.DefaultRowGroupBytes
	}
	l.segmentBytes = segmentBytes(rgBytes)
	l.spillRows = int(opts.Parquet.RowGroupRows)
	if l.spillRows <= 0 {
		l.spillRows = archive.DefaultRowGroupRows
	}
	if l.ready == nil {
		l.ready = func(bool, string) {}
	}
	reg := opts.Schemas
	if reg == nil {
		var err error
		if reg, err = schema.Load(); err != nil {
			return nil, fmt.Errorf("load schemas: %w", err)
		}
	}
	// One pool of Arrow buffers for every partition of every topic; it
	// keeps no more idle memory than a quarter of what the budget allows
	// in use (the batches in flight come back to it as they are written).
	mem := schema.NewPoolAllocator(cfg.BufferBytes / 4)
	// One set of zstd encoders (one per core, ~10 MiB each) for every
	// topic's files, not one set per topic, their windows sized to the
	// pooled writers' pages.
	opts.Parquet.PageBytes = l.writers.page
	opts.Parquet = opts.Parquet.WithSharedEncoders()
	for _, t := range l.topics {
		c, err := topicCodec(reg, strings.TrimPrefix(t, kc.TopicPrefix), t, opts, mem)
		if err != nil {
			return nil, err
		}
		l.codecs[t] = c
	}
	if l.dlq == nil {
		tr, err := kc.Transport()
		if err != nil {
			return nil, err
		}
		w := NewDLQWriter(kc.BrokerList(), tr, l.dlqTopic, cfg.DLQTimeout)
		l.dlq, l.closeDLQ = w, w.Close
	}
	return l, nil
}

// topicCodec is the codec of a topic, typed by its schema.
func topicCodec(reg *schema.Registry, name, topic string, opts Options, mem memory.Allocator) (*codec, error) {
	s := reg.Topic(name)
	if s == nil {
		return nil, fmt.Errorf("load: no schema for topic %s", topic)
	}
	return newCodec(s, opts.Parquet, mem, opts.SchemaOptions...)
}

// Run consumes until ctx ends (then every partition flushes and commits
// what it has read) or, with Config.Drain, until every assigned partition
// reached its high-water mark at start. It leaves the group before it
// returns. It returns nil after a clean stop.
func (l *Loader) Run(ctx context.Context) error {
	defer l.ready(false, "stopped")
	defer l.logSummary(time.Now())
	if l.closeDLQ != nil {
		defer l.closeDLQ()
	}
	dialer, err := l.kc.Dialer()
	if err != nil {
		return err
	}
	client, err := l.kc.Client()
	if err != nil {
		return err
	}
	l.client = client
	l.checkFencing(ctx)
	l.ready(false, "joining consumer group "+l.cfg.GroupID)
	newGroup := func() (*kafka.ConsumerGroup, error) {
		g, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{
			ID:                l.cfg.GroupID,
			Brokers:           l.kc.BrokerList(),
			Dialer:            dialer,
			Topics:            l.topics,
			HeartbeatInterval: l.cfg.HeartbeatInterval,
			SessionTimeout:    l.cfg.SessionTimeout,
			RebalanceTimeout:  l.cfg.RebalanceTimeout,
			JoinGroupBackoff:  l.cfg.JoinGroupBackoff,
			Timeout:           l.cfg.CommitTimeout,
			StartOffset:       kafka.FirstOffset,
			ErrorLogger:       kafka.LoggerFunc(func(f string, a ...any) { l.log.Debug("kafka-go group: " + fmt.Sprintf(f, a...)) }),
		})
		if err != nil {
			return nil, fmt.Errorf("consumer group %s: %w", l.cfg.GroupID, err)
		}
		return g, nil
	}
	group, err := newGroup()
	if err != nil {
		return err
	}
	defer func() { group.Close() }()

	d := &drainState{hwm: map[topicPartition]int64{}, start: map[topicPartition]int64{}}
	for {
		gen, err := group.Next(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, kafka.ErrGroupClosed) {
				return nil
			}
			l.ready(false, "joining consumer group "+l.cfg.GroupID)
			l.log.Warn("join consumer group", "group", l.cfg.GroupID, "err", err)
			continue // kafka-go backs off and retries by itself
		}
		l.m.rebalances.Inc()
		l.ready(true, "")
		finished, err := l.runGeneration(ctx, gen, client, d)
		switch {
		case errors.Is(err, errRejoin):
			// Leave and join as a new member: the join starts a rebalance
			// that removes members which do not rejoin in time.
			l.ready(false, "rejoining consumer group "+l.cfg.GroupID)
			group.Close()
			if group, err = newGroup(); err != nil {
				return err
			}
		case finished:
			l.ready(false, "leaving consumer group")
			group.Close() // ends the generation (idle workers return) and leaves
			return err
		}
	}
}

// checkFencing logs how the archive fences a loader that lost a partition
// in the middle of a publication, and warns when it cannot (decision 0130).
func (l *Loader) checkFencing(ctx context.Context) {
	f, ok := l.arch.(interface {
		Fencing(context.Context) (string, error)
	})
	if !ok {
		return
	}
	how, err := f.Fencing(ctx)
	if err != nil {
		l.log.Warn("the archive cannot fence stale loaders: a loader evicted from the group while one publication stalls longer than LOADER_SESSION_TIMEOUT may overwrite the file of the partition's new owner and lose its rows (docs/decisions/0130)", "err", err)
		return
	}
	l.log.Info("archive fences stale loaders", "by", how)
}

// errRejoin asks Run to leave the group and join again (drain: partitions
// stuck with a member that stopped responding without being removed).
var errRejoin = errors.New("rejoin the consumer group")

type topicPartition struct {
	topic     string
	partition int
}

// drainState remembers each partition's high-water mark and log start as
// they were when this loader first looked (at its first generation), for
// every partition of the topics: a drain is complete when the whole group
// has committed up to them, not just this member.
type drainState struct {
	hwm   map[topicPartition]int64
	start map[topicPartition]int64
}

type assignment struct {
	topicPartition
	committed int64 // next offset to read; negative: none committed
}

// runGeneration runs one partition worker per assignment of gen. It
// returns finished=true when the loader should leave: ctx ended and every
// worker flushed and committed, or (drain) every partition is caught up.
// It returns finished=false when the generation ended (a rebalance).
func (l *Loader) runGeneration(ctx context.Context, gen *kafka.Generation, client *kafka.Client, d *drainState) (bool, error) {
	var as []assignment
	for _, topic := range slices.Sorted(mapKeys(gen.Assignments)) {
		for _, pa := range gen.Assignments[topic] {
			as = append(as, assignment{topicPartition{topic, pa.ID}, pa.Offset})
		}
	}
	l.m.assigned.Set(float64(len(as)))
	l.log.Info("joined consumer group", "group", gen.GroupID, "generation", gen.ID, "member", gen.MemberID, "partitions", len(as))
	if need := int64(len(as)) * partitionFloorBytes; need > l.cfg.MemoryBytes/2 {
		// The budget divides fetches and Arrow batches over the
		// partitions down to their floors; past them, memory grows with
		// the partitions (decision 0142).
		l.log.Warn("LOADER_MEMORY_BYTES is small for the partitions assigned: their fetches and Arrow batches are at their 64 KiB floors, so memory grows with partitions; raise it or run more loaders",
			"partitions", len(as), "memory_budget_mib", l.cfg.MemoryBytes>>20, "suggested_mib", 2*need>>20)
	}

	ended := make(chan struct{})
	// The sentinel returns only when the generation ends, so it never ends
	// the generation itself (kafka-go ends it when any Start function returns).
	gen.Start(func(gctx context.Context) { <-gctx.Done(); close(ended) })

	for l.cfg.Drain {
		err := l.highWaterMarks(ctx, client, as, d)
		if err == nil {
			break
		}
		l.log.Error("read high-water marks", "err", err)
		select {
		case <-ended:
			return false, nil
		case <-ctx.Done():
			return true, nil
		case <-time.After(l.cfg.JoinGroupBackoff):
		}
	}
	settled := make(chan error, len(as))
	for _, a := range as {
		hwm := int64(-1)
		if l.cfg.Drain {
			hwm = d.hwm[a.topicPartition]
		}
		gen.Start(func(gctx context.Context) { l.work(ctx, gctx, gen, a, len(as), hwm, settled) })
	}
	var errs []error
	done, stop := 0, ctx.Done()
	for {
		if done == len(as) && ctx.Err() != nil {
			return true, errors.Join(errs...)
		}
		if done == len(as) && l.cfg.Drain {
			// Leave only when the whole group is caught up: partitions of a
			// member that died are not, until the group gives them to a
			// live member (perhaps this one, in the next generation).
			return l.awaitGroupDrained(ctx, client, d, ended, errors.Join(errs...))
		}
		select {
		case err := <-settled:
			done++
			if err != nil {
				errs = append(errs, err)
			}
		case <-ended:
			l.log.Info("generation ended", "generation", gen.ID)
			return false, nil
		case <-stop:
			stop = nil // the workers flush, commit and settle
		}
	}
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// highWaterMarks fills d with the marks and log starts of every partition
// of the loader's topics and of the assigned ones that it does not know yet.
func (l *Loader) highWaterMarks(ctx context.Context, client *kafka.Client, as []assignment, d *drainState) error {
	ctx, cancel := context.WithTimeout(ctx, l.cfg.CommitTimeout)
	defer cancel()
	want := map[topicPartition]bool{}
	for _, a := range as {
		want[a.topicPartition] = true
	}
	if len(d.hwm) == 0 {
		md, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: l.topics})
		if err != nil {
			return fmt.Errorf("metadata: %w", err)
		}
		for _, t := range md.Topics {
			if t.Error != nil {
				return fmt.Errorf("metadata of %s: %w", t.Name, t.Error)
			}
			for _, p := range t.Partitions {
				want[topicPartition{t.Name, p.ID}] = true
			}
		}
	}
	last := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
	first := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
	for tp := range want {
		if _, ok := d.hwm[tp]; !ok {
			last.Topics[tp.topic] = append(last.Topics[tp.topic], kafka.LastOffsetOf(tp.partition))
			first.Topics[tp.topic] = append(first.Topics[tp.topic], kafka.FirstOffsetOf(tp.partition))
		}
	}
	if len(last.Topics) == 0 {
		return nil
	}
	hwm, start := map[topicPartition]int64{}, map[topicPartition]int64{}
	for _, q := range []struct {
		req *kafka.ListOffsetsRequest
		out map[topicPartition]int64
		end bool
	}{{last, hwm, true}, {first, start, false}} {
		res, err := client.ListOffsets(ctx, q.req)
		if err != nil {
			return fmt.Errorf("list offsets: %w", err)
		}
		for topic, ps := range res.Topics {
			for _, p := range ps {
				if p.Error != nil {
					return fmt.Errorf("list offsets %s/%d: %w", topic, p.Partition, p.Error)
				}
				off := p.FirstOffset
				if q.end {
					off = p.LastOffset
				}
				q.out[topicPartition{topic, p.Partition}] = off
			}
		}
	}
	for tp, off := range hwm {
		d.hwm[tp], d.start[tp] = off, start[tp]
		l.log.Info("drain target", "topic", tp.topic, "partition", tp.partition, "offset", off)
	}
	return nil
}

// awaitGroupDrained waits, as a member with nothing left to do, until the
// group has committed every partition up to its drain target; it returns
// (false, nil) if the generation ends first, so the caller takes part in
// the next one.
func (l *Loader) awaitGroupDrained(ctx context.Context, client *kafka.Client, d *drainState, ended <-chan struct{}, werr error) (bool, error) {
	if werr != nil {
		return true, werr
	}
	tick := time.NewTicker(max(2*l.cfg.HeartbeatInterval, 200*time.Millisecond))
	defer tick.Stop()
	logged := false
	// A member that died normally loses its partitions after the session
	// timeout; one that died in the middle of a rebalance may not (seen with
	// the embedded broker). Past this, join again to force a rebalance.
	stuck := time.After(l.cfg.SessionTimeout + l.cfg.RebalanceTimeout + 2*l.cfg.HeartbeatInterval)
	for {
		lagging, err := l.laggingPartitions(ctx, client, d)
		switch {
		case err != nil:
			l.log.Warn("read the group's committed offsets", "err", err)
		case len(lagging) == 0:
			return true, nil
		case !logged:
			l.log.Info("drained my partitions; waiting for the group's others", "lagging", lagging)
			logged = true
		}
		select {
		case <-ended:
			return false, nil
		case <-ctx.Done():
			return true, nil
		case <-stuck:
			l.log.Warn("partitions of other members made no progress; rejoining the group to force a rebalance")
			return false, errRejoin
		case <-tick.C:
		}
	}
}

// laggingPartitions lists the partitions whose committed offset is below
// their drain target (and that still hold records to reach it).
func (l *Loader) laggingPartitions(ctx context.Context, client *kafka.Client, d *drainState) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, l.cfg.CommitTimeout)
	defer cancel()
	req := &kafka.OffsetFetchRequest{GroupID: l.cfg.GroupID, Topics: map[string][]int{}}
	for tp := range d.hwm {
		req.Topics[tp.topic] = append(req.Topics[tp.topic], tp.partition)
	}
	res, err := client.OffsetFetch(ctx, req)
	if err != nil {
		return nil, err
	}
	if res.Error != nil {
		return nil, res.Error
	}
	committed := map[topicPartition]int64{}
	for topic, ps := range res.Topics {
		for _, p := range ps {
			if p.Error != nil {
				return nil, fmt.Errorf("%s/%d: %w", topic, p.Partition, p.Error)
			}
			committed[topicPartition{topic, p.Partition}] = p.CommittedOffset
		}
	}
	var lagging []string
	for tp, hwm := range d.hwm {
		c, ok := committed[tp]
		if hwm <= d.start[tp] || (ok && c >= hwm) {
			continue
		}
		lagging = append(lagging, fmt.Sprintf("%s/%d", tp.topic, tp.partition))
	}
	slices.Sort(lagging)
	return lagging, nil
}

// commit commits next for one partition in gen.
func (l *Loader) commit(gctx context.Context, gen *kafka.Generation, topic string, partition int, next int64) error {
	l.commitMu.Lock()
	defer l.commitMu.Unlock()
	if err := gctx.Err(); err != nil {
		return err
	}
	err := gen.CommitOffsets(map[string]map[int]int64{topic: {partition: next}})
	if err != nil {
		l.m.commits.WithLabelValues("error").Inc()
		return fmt.Errorf("commit %s/%d offset %d: %w", topic, partition, next, err)
	}
	l.m.commits.WithLabelValues("ok").Inc()
	return nil
}

// work runs one partition for one generation and reports to settled when
// it has stopped cleanly (drained, or ctx ended and everything read is
// committed). It then waits for the generation to end, because kafka-go
// ends the generation as soon as any of its functions returns.
func (l *Loader) work(ctx, gctx context.Context, gen *kafka.Generation, a assignment, assigned int, hwm int64, settled chan<- error) {
	log := l.log.With("topic", a.topic, "partition", a.partition, "generation", gen.ID)
	w := &worker{l: l, gen: gen, a: a, assigned: assigned, hwm: hwm, log: log}
	err := w.run(ctx, gctx)
	switch {
	case errors.Is(err, archive.ErrFenced):
		// Another loader recovered the partition while this one was
		// publishing: nothing was committed, the rows are the new owner's
		// to read. Returning ends this member's generation; it rejoins.
		log.Warn("lost the partition to another loader: its archive refused our publication; stopping without committing", "err", err)
		l.m.fenced.WithLabelValues(a.topic).Inc()
		return
	case gctx.Err() != nil:
		// The generation ended: whatever was buffered is dropped unwritten.
		return
	case err == nil || ctx.Err() != nil:
		if err != nil {
			log.Error("final flush", "err", err)
		}
		settled <- err
		<-gctx.Done()
	default:
		log.Error("partition stopped; rejoining the group", "err", err)
		t := time.NewTimer(l.cfg.JoinGroupBackoff)
		defer t.Stop()
		select {
		case <-gctx.Done():
		case <-t.C:
		}
	}
}
