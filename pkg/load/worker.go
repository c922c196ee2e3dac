package load

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/parquet-go/parquet-go"
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
	batch     *schema.Batch // rows being appended, not sealed yet
	batchSize int64         // message bytes (values and keys) of batch
	next      int64         // next offset to read; negative until the first message
	committed int64         // last committed offset; negative: none
	// Sealed batches wait in stage (a local, unlinked temporary file), as
	// an Arrow IPC stream, until they are written as one segment (decision
	// 0142): on disk, not in memory, so a segment (a row group) can be
	// large however many partitions share the budget.
	stage      *os.File
	staged     *ipc.Writer // nil: nothing staged
	stageBuf   *bufio.Writer
	stageCW    *countingWriter
	sealedRows int
	sealedSize int64 // message bytes
	// The rows not published yet go as segments (complete Parquet files of
	// one row group) into spool (a local, unlinked temporary file), all
	// with the file schema ps, and are published at the next flush, joined
	// into a new file or appended to base, the partition's file of the day.
	spool     *os.File
	segs      []archive.Segment
	spoolEnd  int64
	ps        *parquet.Schema // of the segments; nil: no segment yet
	base      *archive.Tail   // the file the pending rows will grow; nil: a new file
	fileRows  int             // rows in segments
	fileSize  int64           // message bytes in segments
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
		for _, f := range []*os.File{w.spool, w.stage} {
			if f != nil {
				f.Close()
			}
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

// batchBytes is the size at which a partition's Arrow batch is sealed
// (staged on disk until it is written in a segment; see seal):
// LOADER_BATCH_BYTES, or less when many partitions are assigned, so their
// unsealed batches together take at most a quarter of LOADER_BUFFER_BYTES
// in message bytes (an Arrow batch takes about twice its messages' bytes:
// the typed columns, _raw, power-of-two buffers); decisions 0048, 0135.
func batchBytes(c *Config, assigned int) int64 {
	return min(c.BatchBytes, max(c.BufferBytes/int64(4*max(assigned, 1)), 64<<10))
}

// pageBytes is the page size of the pooled Parquet writers: an eighth of
// LOADER_MEMORY_BYTES over pagesPerWriter page-sized buffers of each writer,
// at most PARQUET_PAGE_BYTES and at least 64 KiB (decisions 0135, 0142,
// 0144). The writers number the cores, not the partitions.
func pageBytes(c *Config, configured, writers int) int {
	share := c.MemoryBytes / 8 / int64(pagesPerWriter*max(writers, 1))
	return int(min(int64(configured), max(share, 64<<10)))
}

// minPageBytes is the smallest page the pool gives up writers for: below
// 1 MiB, _raw pages lose what zstd finds across records and files grow past
// 1.1x DuckDB's (decision 0144: 1.07 at 1 MiB, 1.15 at 512 KiB).
const minPageBytes = 1 << 20

// poolSize is how many Parquet writers the loader pools, and their page
// size: a writer per core (poolWriters) while each keeps pages of at least
// minPageBytes (or the configured page, if smaller) within pageBytes'
// share of the budget, else fewer writers — fewer pages compressed at
// once, never files worse than the bytes target. At the default 128 MiB:
// two writers of 1 MiB pages, on two cores or more.
func poolSize(c *Config, configured, cores int) (writers, page int) {
	floor := min(configured, minPageBytes)
	writers = max(cores, 1)
	for writers > 1 && pageBytes(c, configured, writers) < floor {
		writers--
	}
	return writers, pageBytes(c, configured, writers)
}

// pagesPerWriter is how many page-sized buffers a pooled writer keeps and
// churns (decision 0144, measured in heap and CPU profiles): parquet-go's
// page and scratch buffers (each regrown by doubling when its pool was
// emptied by a collection), the _raw column's buffer (grown by halves to
// about 1.5 pages, every page) and its zstd encoder's history (two windows
// of a page). 2 MiB pages at the default 128 MiB budget took about a fifth
// more CPU per row than 1 MiB ones, in allocation and scavenging; the
// budget-derived size gives 1 MiB there and PARQUET_PAGE_BYTES from 256 MiB
// on two cores.
const pagesPerWriter = 8

// segmentBytes is the size, in message bytes, at which a partition's
// staged rows become a segment: half of PARQUET_ROW_GROUP_BYTES (the
// writer's estimate of a row group's uncompressed bytes runs ~1.5 times
// the messages'), so that a segment is one row group (decision 0142).
func segmentBytes(rowGroupBytes int64) int64 { return max(rowGroupBytes/2, 64<<10) }

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
	if w.batch.Len() >= w.l.spillRows || w.batchSize >= batchBytes(&w.l.cfg, w.assigned) || w.account() {
		// A full batch, or over the loader-wide budget with at least the
		// average share: the batch goes to the stage file.
		if err := w.seal(); err != nil {
			return err
		}
		w.account()
	}
	if w.unpublished()-w.fileRows >= w.l.spillRows || w.sealedSize+w.batchSize >= w.l.segmentBytes {
		if err := w.writeSegment(gctx); err != nil {
			return err
		}
		w.account()
	}
	if len(w.segs) >= maxRowGroups(&w.l.cfg, w.assigned, w.codec.columns()) {
		// The footer metadata of the segments has reached its share: the
		// rows are published now (the day's file grows).
		return w.flush(gctx)
	}
	return nil
}

// maxRowGroups is how many segments (row groups) a partition's spool may
// hold before its rows are published. Joining them holds the footer
// metadata of every segment (~1 KiB per column) until the publication is
// written, so an eighth of LOADER_MEMORY_BYTES is divided over the
// assigned partitions (at least 4 segments each; decisions 0135, 0142).
// Segments are PARQUET_ROW_GROUP_BYTES / 2 of messages unless a flush
// comes first, so this rarely binds. Publishing grows the day's file; it
// does not add one.
func maxRowGroups(c *Config, assigned, columns int) int {
	return int(max(4, c.MemoryBytes/8/int64(max(assigned, 1)*max(columns, 1)<<10)))
}

// unpublished is the number of rows not published yet: in segments,
// staged or being appended.
func (w *worker) unpublished() int { return w.fileRows + w.sealedRows + w.batch.Len() }

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
	n := w.fileSize + w.sealedSize + w.batchSize
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

// seal moves the batch being appended to the stage file.
func (w *worker) seal() error {
	n := w.batch.Len()
	if n == 0 {
		return nil
	}
	rec := w.batch.NewRecord()
	defer rec.Release()
	if w.ps == nil {
		// The publication's first rows choose its plain columns.
		ps, err := w.codec.fileSchema(rec)
		if err != nil {
			return err
		}
		w.ps = ps
	}
	if w.staged == nil {
		if w.stage == nil {
			f, err := archive.SpoolFile()
			if err != nil {
				return fmt.Errorf("stage %s/%d@%d: %w", w.a.topic, w.a.partition, w.first, err)
			}
			w.stage = f
		}
		w.stageCW = &countingWriter{w: io.NewOffsetWriter(w.stage, 0)}
		if w.stageBuf == nil {
			w.stageBuf = bufio.NewWriterSize(w.stageCW, 32<<10)
		}
		w.stageBuf.Reset(w.stageCW)
		w.staged = ipc.NewWriter(w.stageBuf, ipc.WithSchema(w.codec.as), ipc.WithAllocator(w.codec.mem))
	}
	if err := w.staged.Write(rec); err != nil {
		return fmt.Errorf("stage %s/%d@%d: %w", w.a.topic, w.a.partition, w.first, err)
	}
	w.sealedRows += n
	w.sealedSize += w.batchSize
	w.batchSize = 0
	return nil
}

// writeSegment writes the staged rows (the batch being appended included)
// to the spool as one segment, with a writer borrowed from the loader's
// pool, and empties the stage. Nothing becomes visible: that happens in
// flush.
func (w *worker) writeSegment(gctx context.Context) error {
	topic, part := w.a.topic, w.a.partition
	if err := w.seal(); err != nil {
		return err
	}
	if w.staged == nil {
		return nil
	}
	if err := gctx.Err(); err != nil {
		return err
	}
	err := w.staged.Close()
	if err == nil {
		err = w.stageBuf.Flush()
	}
	w.staged = nil
	if err != nil {
		return fmt.Errorf("stage %s/%d@%d: %w", topic, part, w.first, err)
	}
	if w.spool == nil {
		f, err := archive.SpoolFile()
		if err != nil {
			return fmt.Errorf("spool %s/%d@%d: %w", topic, part, w.first, err)
		}
		w.spool = f
	}
	cw := &countingWriter{w: io.NewOffsetWriter(w.spool, w.spoolEnd)}
	pw, err := w.l.writers.get(gctx, w.codec, w.ps, cw)
	if err != nil {
		return fmt.Errorf("write %s/%d@%d: %w", topic, part, w.first, err)
	}
	if err := w.unstage(pw); err != nil {
		w.l.writers.drop()
		return fmt.Errorf("write %s/%d@%d: %w", topic, part, w.first, err)
	}
	w.l.writers.put(w.ps, pw)
	w.segs = append(w.segs, archive.Segment{Offset: w.spoolEnd, Size: cw.n})
	w.spoolEnd += cw.n
	w.fileRows += w.sealedRows
	w.fileSize += w.sealedSize
	w.sealedRows, w.sealedSize = 0, 0
	// Emptied, the stage's pages are dropped, never written back.
	if err := w.stage.Truncate(0); err != nil {
		return fmt.Errorf("stage %s/%d: %w", topic, part, err)
	}
	return nil
}

// unstage writes the staged batches into pw as one file.
func (w *worker) unstage(pw *archive.ParquetWriter) error {
	rd, err := ipc.NewReader(io.NewSectionReader(w.stage, 0, w.stageCW.n), ipc.WithAllocator(w.codec.mem))
	if err != nil {
		return fmt.Errorf("read stage: %w", err)
	}
	defer rd.Release()
	for rd.Next() {
		if err := pw.Write(rd.RecordBatch()); err != nil {
			return err
		}
	}
	if err := rd.Err(); err != nil {
		return fmt.Errorf("read stage: %w", err)
	}
	return pw.Close()
}

// resetSpool forgets the segments (after they were published or dropped)
// and empties the spool file.
func (w *worker) resetSpool() error {
	w.segs, w.spoolEnd, w.ps = w.segs[:0], 0, nil
	w.base, w.fileRows, w.fileSize = nil, 0, 0
	if w.spool == nil {
		return nil
	}
	return w.spool.Truncate(0)
}

// abortFile drops the pending rows.
func (w *worker) abortFile(ctx context.Context) {
	if n := w.unpublished(); n > 0 {
		w.log.Info("partition stopped; dropped unwritten rows (the partition's next owner reads them again)", "rows", n)
	}
	if w.batch != nil {
		w.batch.NewRecord().Release()
	}
	w.staged = nil
	w.sealedRows, w.sealedSize, w.batchSize = 0, 0, 0
	w.resetSpool()
}

// account brings this partition's memory (the Arrow batch being appended)
// up to date in the loader-wide total and reports whether the partition
// should seal it to keep the total under LOADER_BUFFER_BYTES: when over
// budget, every partition holding at least the average share does so at
// its next record (decision 0142).
func (w *worker) account() bool {
	// The batch being appended is counted at twice its message bytes (see
	// batchBytes); sealed batches are on disk.
	size := 2 * w.batchSize
	if size == 0 {
		w.unaccount()
		return false
	}
	if w.accounted == 0 {
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
		if err := w.writeSegment(gctx); err != nil {
			return err
		}
		file, err := archive.JoinParquet(w.spool, w.segs)
		if err != nil {
			return fmt.Errorf("publish %s/%d@%d: %w", topic, part, w.first, err)
		}
		pub, err := w.files.Publish(gctx, archive.Part{
			File: file, Size: file.Size(), FirstOffset: w.first, FirstTime: w.firstTime, Next: w.next,
			Rows: int64(rows), MessageBytes: w.fileSize, Grow: w.base != nil,
			NewWriter: w.codec.rowWriter(w.l.writers),
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
		w.log.Debug("published", "key", pub.Key, "grew", pub.Grew, "rows", rows, "row_groups", file.RowGroups(), "bytes", pub.Size, "offset", w.first, "next", w.next)
		if err := w.resetSpool(); err != nil {
			return fmt.Errorf("spool %s/%d: %w", topic, part, err)
		}
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
