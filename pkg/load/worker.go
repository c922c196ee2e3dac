package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/archive"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
)

// worker consumes one partition for one generation: it reads from the
// committed offset, buffers rows, publishes a file at each rotation and
// commits the offset after the file is durable (docs/loader.md).
type worker struct {
	l   *Loader
	gen *kafka.Generation
	a   assignment
	hwm int64 // drain target; negative: not draining
	// assigned is how many partitions this loader holds in the generation:
	// they share LOADER_FETCH_BUFFER_BYTES.
	assigned int
	log      *slog.Logger

	files     PartitionFiles
	codec     *codec
	batch     *schema.Batch          // rows not yet in the Parquet writer
	batchSize int64                  // message bytes (values and keys) of batch
	pw        *archive.ParquetWriter // the spooled file's writer; nil: none started
	next      int64                  // next offset to read; negative until the first message
	committed int64                  // last committed offset; negative: none
	// The rows not published yet go into a Parquet file in spool (a local,
	// unlinked temporary file) and are published at the next flush, as a
	// new file or appended to base, the partition's file of the day.
	spool     *os.File
	cw        *countingWriter // counts the spooled file's bytes; nil: none started
	base      *archive.Tail   // the file the pending rows will grow; nil: a new file
	fileRows  int             // rows spilled into the spool
	fileSize  int64           // message bytes spilled into the spool
	first     int64           // offset of the first pending row
	firstTime time.Time
	pending   time.Time // wall time since something read is not committed
	flushT    *time.Timer
	accounted int64 // buffer bytes counted in Loader.bufTotal
	lag       interface{ Set(float64) }
	read      interface{ Inc() }
}

func (w *worker) run(ctx, gctx context.Context) error {
	topic, part := w.a.topic, w.a.partition
	w.next, w.committed = w.a.committed, w.a.committed
	if w.next < 0 {
		w.next, w.committed = -1, -1
	}
	w.lag = w.l.m.lag.WithLabelValues(topic, strconv.Itoa(part))
	w.read = w.l.m.read.WithLabelValues(topic)
	// Recovery comes first: nothing of this partition is written before the
	// files at or past the committed offset are gone.
	files, err := w.l.arch.Recover(gctx, topic, part, w.committed)
	if err != nil {
		return fmt.Errorf("recover %s/%d: %w", topic, part, err)
	}
	w.files = files
	// Registered first, so it runs last: after the final flush and after
	// the fetcher stopped. Until then, no other loader can recover the
	// partition from a store fenced by a lock.
	defer func() {
		if err := files.Close(); err != nil {
			w.log.Warn("release the partition", "err", err)
		}
	}()
	if w.draining() && w.hwm <= max(w.committed, 0) {
		w.lag.Set(0)
		return nil
	}
	w.codec = w.l.codecs[topic]
	w.batch = w.codec.newBatch()
	defer func() {
		w.abortFile(gctx)
		w.unaccount()
		if w.spool != nil {
			w.spool.Close()
		}
	}()

	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:   w.l.kc.BrokerList(),
		Dialer:    mustDialer(w.l),
		Topic:     topic,
		Partition: part,
		MinBytes:  1,
		MaxBytes:  fetchBytes(&w.l.cfg, w.assigned),
		MaxWait:   w.l.cfg.FetchMaxWait,
		// Decoded messages waiting for this partition's worker: kafka-go
		// queues 100 by default, per partition (decision 0135).
		QueueCapacity: readQueue,
		ErrorLogger:   kafka.LoggerFunc(func(f string, a ...any) { w.log.Debug("kafka-go reader: " + fmt.Sprintf(f, a...)) }),
		// kafka-go would retry an out-of-range offset forever; we decide.
		OffsetOutOfRangeError: true,
	})
	start := w.committed
	if start < 0 {
		start = kafka.FirstOffset
	}
	if err := r.SetOffset(start); err != nil {
		r.Close()
		return fmt.Errorf("seek %s/%d to %d: %w", topic, part, start, err)
	}
	fctx, stopFetch := context.WithCancel(gctx)
	msgs := make(chan kafka.Message, readQueue)
	fetchErr := make(chan error, 1)
	jumped := make(chan int64) // the reader skipped to this offset (outOfRange)
	pumped := make(chan struct{})
	go func() {
		defer close(pumped)
		for {
			m, err := r.FetchMessage(fctx)
			if errors.Is(err, kafka.OffsetOutOfRange) && fctx.Err() == nil {
				var to int64
				if to, err = w.outOfRange(fctx, r); err == nil {
					select {
					case jumped <- to:
						continue
					case <-fctx.Done():
						return
					}
				}
			}
			if err != nil {
				fetchErr <- err
				return
			}
			select {
			case msgs <- m:
			case <-fctx.Done():
				return
			}
		}
	}()
	defer func() {
		stopFetch()
		<-pumped
		r.Close()
	}()

	w.flushT = time.NewTimer(time.Hour)
	w.flushT.Stop()
	defer w.flushT.Stop()
	// Draining, an idle partition checks where its log starts: kafka-go's
	// reader skips removed records silently, and a drain whose target lies
	// in such a gap would otherwise wait forever.
	var idle <-chan time.Time
	if w.draining() {
		tk := time.NewTicker(max(4*w.l.cfg.FetchMaxWait, 500*time.Millisecond))
		defer tk.Stop()
		idle = tk.C
	}
	seen := false
	stop := ctx.Done()
	for {
		select {
		case <-idle:
			if seen {
				seen = false
				continue
			}
			first, err := w.logStart(gctx)
			if err != nil {
				w.log.Warn("read log start", "err", err)
				continue
			}
			if first > w.next {
				if first > max(w.next, 0) { // -1 (nothing read yet) up to 0 skips nothing
					w.log.Warn("records removed from Kafka before they were archived; skipping them", "from", w.next, "to", first)
				}
				w.skipTo(first)
			}
			if w.next >= w.hwm {
				stopFetch()
				return w.flush(gctx)
			}
		case <-gctx.Done():
			return gctx.Err()
		case <-stop:
			stopFetch()
			return w.flush(gctx)
		case <-w.flushT.C:
			if err := w.flush(gctx); err != nil {
				return err
			}
		case err := <-fetchErr:
			if gctx.Err() != nil {
				return gctx.Err()
			}
			return fmt.Errorf("fetch %s/%d: %w", topic, part, err)
		case to := <-jumped:
			w.skipTo(to)
			if w.draining() && w.next >= w.hwm {
				stopFetch()
				return w.flush(gctx)
			}
		case m := <-msgs:
			seen = true
			if err := w.handle(ctx, gctx, &m); err != nil {
				return err
			}
			if w.draining() && w.next >= w.hwm {
				stopFetch()
				return w.flush(gctx)
			}
		}
	}
}

// batchBytes is the size at which a partition's Arrow batch goes into its
// Parquet writer: LOADER_BATCH_BYTES, or less when many partitions are
// assigned, so their batches together take at most a quarter of
// LOADER_BUFFER_BYTES in message bytes (an Arrow batch takes about twice
// its messages' bytes: the typed columns, _raw, power-of-two buffers);
// decisions 0048, 0135.
func batchBytes(c *Config, assigned int) int64 {
	return min(c.BatchBytes, max(c.BufferBytes/int64(4*max(assigned, 1)), 64<<10))
}

// pageBytes is the page size of a partition's Parquet writer: parquet-go
// keeps, for every column of every open file, buffers that grow to a page
// (values, levels, encoded and compressed page: about three pages for the
// _raw column), so the open files of all assigned partitions share an
// eighth of LOADER_MEMORY_BYTES, at most PARQUET_PAGE_BYTES each and at
// least 64 KiB (decision 0135).
func pageBytes(c *Config, configured, assigned int) int {
	share := c.MemoryBytes / 8 / int64(3*max(assigned, 1))
	return int(min(int64(configured), max(share, 64<<10)))
}

// readQueue is how many decoded messages may wait for a partition's worker,
// in kafka-go's reader and again in the worker's channel: enough to keep the
// worker busy while the next fetch is decoded, few enough that 36
// partitions of 3 KB records hold a few MiB, not 17.
const readQueue = 16

// fetchBytes is a partition's share of the fetch budget.
func fetchBytes(c *Config, assigned int) int {
	return min(c.FetchMaxBytes, max(c.FetchBufferBytes/max(assigned, 1), 64<<10))
}

// outOfRange handles a next offset outside the partition's log. Below the
// log start (retention or compaction removed records before they were
// archived) it moves on to the first offset that still exists, with a
// warning; past the end (the log was truncated) it waits and retries, never
// re-reading from the start.
func (w *worker) outOfRange(ctx context.Context, r *kafka.Reader) (int64, error) {
	first, err := w.logStart(ctx)
	if err != nil {
		return 0, err
	}
	off := r.Offset()
	if first > off {
		w.log.Warn("records removed from Kafka before they were archived; skipping them", "from", off, "to", first)
		return first, r.SetOffset(first)
	}
	w.log.Warn("offset out of range; retrying", "offset", off, "log_start", first)
	t := time.NewTimer(w.l.cfg.JoinGroupBackoff)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-t.C:
	}
	return off, r.SetOffset(off)
}

// logStart returns the first offset the partition still holds.
func (w *worker) logStart(ctx context.Context) (int64, error) {
	topic, part := w.a.topic, w.a.partition
	ctx, cancel := context.WithTimeout(ctx, w.l.cfg.CommitTimeout)
	defer cancel()
	res, err := w.l.client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{
		topic: {kafka.FirstOffsetOf(part)},
	}})
	if err != nil {
		return 0, fmt.Errorf("list offsets of %s/%d: %w", topic, part, err)
	}
	for _, p := range res.Topics[topic] {
		if p.Partition == part {
			if p.Error != nil {
				return 0, fmt.Errorf("list offsets of %s/%d: %w", topic, part, p.Error)
			}
			return p.FirstOffset, nil
		}
	}
	return 0, fmt.Errorf("list offsets of %s/%d: partition missing from the answer", topic, part)
}

// skipTo moves the next offset past records that are gone from Kafka:
// nothing to archive there, and the commit may pass them.
func (w *worker) skipTo(off int64) {
	if off <= w.next {
		return
	}
	w.next = off
	if w.pending.IsZero() {
		w.pending = time.Now()
		w.flushT.Reset(w.l.cfg.FlushInterval)
	}
}

func (w *worker) draining() bool { return w.hwm >= 0 }

func mustDialer(l *Loader) *kafka.Dialer {
	d, err := l.kc.Dialer()
	if err != nil {
		panic(err) // Run built one from the same config already
	}
	return d
}

func day(t time.Time) int64 {
	return t.UTC().Unix() / 86400
}

// handle adds one message to the buffer, dead-letters it if it is poison,
// and publishes the buffer when a rotation limit is reached.
func (w *worker) handle(ctx, gctx context.Context, m *kafka.Message) error {
	if w.next >= 0 && m.Offset < w.next {
		return nil // already handled (cannot happen with one reader; be safe)
	}
	w.lag.Set(float64(max(m.HighWaterMark-m.Offset-1, 0)))
	w.read.Inc()
	if w.unpublished() > 0 && (day(m.Time) != day(w.firstTime) || m.Time.Sub(w.fileTime()) >= w.l.cfg.RotateInterval) {
		if err := w.flush(gctx); err != nil {
			return err
		}
	}
	err := w.codec.append(w.batch, m)
	var rej *RejectError
	switch {
	case errors.As(err, &rej):
		if m.Topic == w.l.dlqTopic {
			// A dead letter must never loop back into the DLQ.
			w.log.Error("dead letter cannot be archived; skipped", "offset", m.Offset, "reason", rej.Reason)
		} else if err := w.deadLetter(ctx, gctx, m, rej); err != nil {
			return err
		}
	case err != nil:
		return fmt.Errorf("decode %s/%d@%d: %w", m.Topic, m.Partition, m.Offset, err)
	default:
		w.batchSize += int64(len(m.Value) + len(m.Key))
		if w.unpublished() == 1 {
			w.first, w.firstTime = m.Offset, m.Time
			w.base = w.growable(m.Time)
		}
	}
	w.next = m.Offset + 1
	if w.pending.IsZero() {
		w.pending = time.Now()
		w.flushT.Reset(w.l.cfg.FlushInterval)
	}
	if w.rows() >= int64(w.l.cfg.RotateRows) || w.size() >= w.l.cfg.RotateBytes {
		return w.flush(gctx)
	}
	if w.batch.Len() >= w.l.spillRows || w.batchSize >= batchBytes(&w.l.cfg, w.assigned) {
		if err := w.spill(gctx); err != nil {
			return err
		}
	}
	if w.account() {
		// Over the loader-wide budget with at least this partition's share:
		// its row group goes to the file now, smaller than configured.
		if err := w.spill(gctx); err != nil {
			return err
		}
		if w.pw != nil {
			if err := w.pw.EndRowGroup(); err != nil {
				return fmt.Errorf("write %s/%d@%d: %w", w.a.topic, w.a.partition, w.first, err)
			}
		}
		w.account()
	}
	if w.pw != nil && w.pw.RowGroups() >= maxRowGroups(&w.l.cfg, w.assigned, w.codec.columns()) {
		// The spooled file's footer metadata has reached its share: the
		// rows are published now (the day's file grows) and the writer's
		// metadata freed.
		return w.flush(gctx)
	}
	return nil
}

// maxRowGroups is how many row groups a partition's spooled file may hold
// before its rows are published: parquet-go keeps the footer metadata of
// each row group (~1 KiB per column) until the file is closed, and with
// many partitions the budget makes row groups small, so an eighth of
// LOADER_MEMORY_BYTES is divided over the assigned partitions' files
// (at least 4 row groups each; decision 0135). Publishing grows the day's
// file; it does not add one.
func maxRowGroups(c *Config, assigned, columns int) int {
	return int(max(4, c.MemoryBytes/8/int64(max(assigned, 1)*max(columns, 1)<<10)))
}

// unpublished is the number of rows not published yet: spooled or buffered.
func (w *worker) unpublished() int { return w.fileRows + w.batch.Len() }

// rows and size are the rows and message bytes of the file the pending
// rows will be published in, for the rotation limits: the pending ones plus
// those of the file they grow.
func (w *worker) rows() int64 {
	n := int64(w.unpublished())
	if w.base != nil {
		n += w.base.Rows
	}
	return n
}

func (w *worker) size() int64 {
	n := w.fileSize + w.batchSize
	if w.base != nil {
		n += w.base.MessageBytes
	}
	return n
}

// fileTime is the first record time of the file the pending rows go to.
func (w *worker) fileTime() time.Time {
	if w.base != nil {
		return w.base.FirstTime
	}
	return w.firstTime
}

// growable returns the partition's last file if rows from a record at t
// may be appended to it: same UTC day, within LOADER_ROTATE_INTERVAL of its
// first record, below the rotation limits (decision 0047).
func (w *worker) growable(t time.Time) *archive.Tail {
	tail := w.files.Tail()
	c := &w.l.cfg
	if tail == nil || day(tail.FirstTime) != day(t) || t.Sub(tail.FirstTime) >= c.RotateInterval ||
		tail.Rows >= int64(c.RotateRows) || tail.MessageBytes >= c.RotateBytes {
		return nil
	}
	return tail
}

// spill moves the buffered rows into the spooled Parquet file, starting it
// on first use. Nothing becomes visible: that happens in flush.
func (w *worker) spill(gctx context.Context) error {
	if w.batch.Len() == 0 {
		return nil
	}
	if err := gctx.Err(); err != nil {
		return err
	}
	if w.pw == nil {
		if err := w.startSpool(); err != nil {
			return fmt.Errorf("spool %s/%d@%d: %w", w.a.topic, w.a.partition, w.first, err)
		}
	}
	n, size := w.batch.Len(), w.batchSize
	rec := w.batch.NewRecord()
	err := w.pw.Write(rec)
	rec.Release()
	w.batchSize = 0
	if err != nil {
		return fmt.Errorf("write %s/%d@%d: %w", w.a.topic, w.a.partition, w.first, err)
	}
	w.fileRows += n
	w.fileSize += size
	return nil
}

// startSpool empties the spool file and starts a Parquet file in it.
func (w *worker) startSpool() error {
	if w.spool == nil {
		f, err := archive.SpoolFile()
		if err != nil {
			return err
		}
		w.spool = f
	}
	if err := w.spool.Truncate(0); err != nil {
		return err
	}
	if _, err := w.spool.Seek(0, io.SeekStart); err != nil {
		return err
	}
	w.cw = &countingWriter{w: w.spool}
	pw, err := w.codec.newWriter(w.cw, pageBytes(&w.l.cfg, w.l.pageBytes, w.assigned))
	if err != nil {
		return err
	}
	w.pw = pw
	return nil
}

// abortFile drops the pending rows.
func (w *worker) abortFile(ctx context.Context) {
	if n := w.unpublished(); n > 0 {
		w.log.Info("partition stopped; dropped unwritten rows (the partition's next owner reads them again)", "rows", n)
	}
	if w.batch != nil {
		w.batch.NewRecord().Release()
	}
	w.cw, w.pw, w.base, w.batchSize, w.fileRows, w.fileSize = nil, nil, nil, 0, 0, 0
}

// account brings this partition's memory (its Arrow batch and the
// unfinished row group of its open file) up to date in the loader-wide
// total and reports whether the partition should end its row group to keep
// the total under LOADER_BUFFER_BYTES: when over budget, every partition
// holding at least the average share does so at its next record.
func (w *worker) account() bool {
	size := w.batchSize
	if w.pw != nil {
		size += w.pw.RowGroupBytes()
	}
	if w.accounted == 0 && size > 0 {
		w.l.bufActive.Add(1)
	}
	total := w.l.bufTotal.Add(size - w.accounted)
	w.accounted = size
	return total > w.l.cfg.BufferBytes && size*w.l.bufActive.Load() >= total
}

// unaccount removes the partition from the loader-wide total (after a file
// is finished or dropped).
func (w *worker) unaccount() {
	if w.accounted == 0 {
		return
	}
	w.l.bufTotal.Add(-w.accounted)
	w.l.bufActive.Add(-1)
	w.accounted = 0
}

// deadLetter sends m to the DLQ, retrying until it is acknowledged, the
// generation ends or the loader stops.
func (w *worker) deadLetter(ctx, gctx context.Context, m *kafka.Message, why *RejectError) error {
	w.log.Warn("dead-lettering message", "offset", m.Offset, "reason", why.Reason, "field", why.Field)
	backoff := 100 * time.Millisecond
	for {
		sctx, cancel := context.WithTimeout(gctx, w.l.cfg.DLQTimeout)
		err := w.l.dlq.Send(sctx, m, why)
		cancel()
		if err == nil {
			w.l.m.dlq.WithLabelValues(m.Topic, why.Reason).Inc()
			return nil
		}
		w.log.Error("dead-letter write", "offset", m.Offset, "err", err)
		t := time.NewTimer(backoff)
		select {
		case <-gctx.Done():
			t.Stop()
			return gctx.Err()
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("dead-letter %s/%d@%d: %w", m.Topic, m.Partition, m.Offset, err)
		case <-t.C:
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// flush publishes the buffered rows as one file, then commits the next
// offset. Nothing happens once the generation has ended: a loader that lost
// the partition writes and commits nothing more for it.
func (w *worker) flush(gctx context.Context) error {
	if w.next < 0 || w.next <= w.committed {
		return nil
	}
	if err := gctx.Err(); err != nil {
		return err
	}
	topic, part := w.a.topic, w.a.partition
	start := time.Now()
	if rows := w.unpublished(); rows > 0 {
		if err := w.spill(gctx); err != nil {
			return err
		}
		err := w.pw.Close()
		w.pw = nil
		w.unaccount()
		if err != nil {
			return fmt.Errorf("write %s/%d@%d: %w", topic, part, w.first, err)
		}
		pub, err := w.files.Publish(gctx, archive.Part{
			File: w.spool, Size: w.cw.n, FirstOffset: w.first, FirstTime: w.firstTime, Next: w.next,
			Rows: int64(rows), MessageBytes: w.fileSize, Grow: w.base != nil,
			NewWriter: w.codec.rowWriter(pageBytes(&w.l.cfg, w.l.pageBytes, w.assigned)),
		})
		if err != nil {
			return fmt.Errorf("publish %s/%d@%d: %w", topic, part, w.first, err)
		}
		w.l.m.rows.WithLabelValues(topic).Add(float64(rows))
		w.l.m.bytes.WithLabelValues(topic).Add(float64(pub.Size))
		tot := w.l.written[topic]
		if pub.Grew {
			w.l.m.growths.WithLabelValues(topic).Inc()
			tot.growths.Add(1)
		} else {
			w.l.m.files.WithLabelValues(topic).Inc()
			tot.files.Add(1)
		}
		tot.rows.Add(int64(rows))
		tot.bytes.Add(pub.Size)
		w.log.Debug("published", "key", pub.Key, "grew", pub.Grew, "rows", rows, "bytes", pub.Size, "offset", w.first, "next", w.next)
		w.cw, w.base, w.fileRows, w.fileSize = nil, nil, 0, 0
	}
	if err := w.callHook(gctx, StepCommit); err != nil {
		return err
	}
	if err := w.l.commit(gctx, w.gen, topic, part, w.next); err != nil {
		return err
	}
	w.files.Committed(w.next)
	w.committed = w.next
	w.pending = time.Time{}
	w.flushT.Stop()
	w.l.m.flush.WithLabelValues(topic).Observe(time.Since(start).Seconds())
	return w.callHook(gctx, StepCommitted)
}

func (w *worker) callHook(ctx context.Context, s Step) error {
	if w.l.hook == nil {
		return nil
	}
	return w.l.hook(ctx, s, w.a.topic, w.a.partition, w.next)
}
