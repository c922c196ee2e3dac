package archive

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"slices"
	"strconv"
	"time"
)

// JournalKey is where the journal of topic's partition lives. The leading
// underscore keeps it out of Hive-style scans.
func JournalKey(topic string, partition int) string {
	return "_loader/" + topic + "/" + strconv.Itoa(partition) + ".json"
}

// journal lists the files of one partition that may have been published
// after the last commit the writer knew of. It is rewritten before every new
// file is created, so every file that may exist with a first offset at or past
// the group's committed offset is named here (docs/decisions/0030).
type journal struct {
	Version   int            `json:"version"`
	Topic     string         `json:"topic"`
	Partition int            `json:"partition"`
	Committed int64          `json:"committed"` // what the writer knew when it wrote this
	Files     []journalEntry `json:"files"`
}

type journalEntry struct {
	Key         string `json:"key"`
	FirstOffset int64  `json:"first_offset"`
	// A growth (decision 0047): the committed offset when it started and
	// the row groups of the version it replaced. Zero: a new file.
	GrownFrom     int64 `json:"grown_from,omitempty"`
	BaseRowGroups int   `json:"base_row_groups,omitempty"`
	// The file once this publication is committed, so a restarted loader
	// can keep growing it (zero in journals written before 0047).
	Next         int64 `json:"next,omitempty"`
	Rows         int64 `json:"rows,omitempty"`
	MessageBytes int64 `json:"message_bytes,omitempty"`
	FirstTimeUS  int64 `json:"first_time_us,omitempty"`
}

// Tail is the partition's last committed file, which the next publication
// of the same day may grow (decision 0047).
type Tail struct {
	Key          string
	FirstOffset  int64
	FirstTime    time.Time // of its first record
	Next         int64     // the offset committed after it
	Rows         int64
	MessageBytes int64 // of the messages its rows came from
}

func (e journalEntry) tail() *Tail {
	return &Tail{Key: e.Key, FirstOffset: e.FirstOffset, FirstTime: time.UnixMicro(e.FirstTimeUS).UTC(),
		Next: e.Next, Rows: e.Rows, MessageBytes: e.MessageBytes}
}

// Partition publishes the files of one Kafka partition with the exactly-once
// rule of docs/decisions/0030-bounded-recovery.md. Get one from [Recover]
// when the partition is assigned. A Partition is not safe for concurrent use:
// one goroutine owns it, as one loader owns the partition.
type Partition struct {
	store     Store
	topic     string
	partition int
	hook      Hook
	log       *slog.Logger
	committed int64
	files     []journalEntry
	// tail is the last committed file that may grow (nil: none); pending
	// is the last publication, the tail once its Next is committed.
	tail    *journalEntry
	pending *journalEntry
}

// Recovery reports what [Recover] did.
type Recovery struct {
	// Deleted lists the files (whether they existed or not) whose first
	// offset is at or past the committed offset.
	Deleted []string
	// Cleaned lists the keys whose interrupted writes (temporary files,
	// incomplete uploads) were removed.
	Cleaned []string
	// Truncated lists the files cut back to the row groups they had
	// before a growth that was not committed.
	Truncated []string
}

// Recover prepares topic's partition for writing after the consumer group
// assigned it with committed as the next offset to consume. It reads the
// partition's journal, deletes every file it names whose first offset is
// at or past committed (those records will be consumed and written again),
// and removes the temporary files and incomplete uploads of the files the
// journal names. Its cost depends on the journal only (the files published
// since the last commit), never on how many days the archive holds.
//
// committed < 0 means the group has no committed offset: every journaled
// file is deleted.
func Recover(ctx context.Context, s Store, topic string, partition int, committed int64, opts ...Option) (*Partition, Recovery, error) {
	o := buildOptions(opts)
	p := &Partition{
		store: s, topic: topic, partition: partition, hook: o.hook,
		log:       o.logger.With("topic", topic, "partition", partition),
		committed: max(committed, 0),
	}
	var rec Recovery
	if err := checkKey(FileKey(topic, partition, 0, time.Unix(0, 0))); err != nil {
		return nil, rec, fmt.Errorf("recover %s/%d: topic: %w", topic, partition, err)
	}
	j, err := p.readJournal(ctx)
	if err != nil {
		return nil, rec, err
	}
	for _, f := range j.Files {
		uncommittedGrowth := f.GrownFrom > 0 && f.GrownFrom >= p.committed
		if f.FirstOffset >= p.committed || uncommittedGrowth {
			// Only a write that was not committed can have left a temporary
			// file or upload. Exact keys: MinIO lists incomplete uploads
			// only by object name.
			if err := s.CleanIncomplete(ctx, f.Key); err != nil {
				return nil, rec, fmt.Errorf("recover %s/%d: %w", topic, partition, err)
			}
			rec.Cleaned = append(rec.Cleaned, f.Key)
		}
		if f.FirstOffset < p.committed {
			switch {
			case uncommittedGrowth:
				// A growth that was not committed: the rows it added
				// are past committed and will be read again.
				cut, err := p.truncate(ctx, f)
				if err != nil {
					return nil, rec, fmt.Errorf("recover %s/%d: %w", topic, partition, err)
				}
				if cut {
					rec.Truncated = append(rec.Truncated, f.Key)
				}
				p.tail = nil // not grown again: the next rows start a new file
			case f.Next > f.FirstOffset && f.Next <= p.committed:
				p.tail = &f
			}
			continue
		}
		if err := s.Delete(ctx, f.Key); err != nil {
			return nil, rec, fmt.Errorf("recover %s/%d: %w", topic, partition, err)
		}
		rec.Deleted = append(rec.Deleted, f.Key)
		p.log.Info("removed uncommitted file", "key", f.Key, "offset", f.FirstOffset, "committed", p.committed)
	}
	// Entries below committed are done; the deleted ones stay listed until
	// the next journal write trims what the commit has passed.
	p.files = j.Files
	return p, rec, nil
}

// truncate cuts the file of a growth that was not committed back to the row
// groups it had before (nothing if the growth never became visible).
func (p *Partition) truncate(ctx context.Context, f journalEntry) (bool, error) {
	r, size, closeR, err := openAt(ctx, p.store, f.Key)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer closeR()
	md, _, err := parquetFooter(r, size)
	if err != nil {
		return false, fmt.Errorf("truncate %s: %w", f.Key, err)
	}
	if len(md.RowGroups) <= f.BaseRowGroups {
		return false, nil
	}
	w, err := p.store.Create(ctx, f.Key)
	if err != nil {
		return false, err
	}
	defer w.Abort(context.WithoutCancel(ctx))
	if err := truncateParquet(w, r, size, f.BaseRowGroups); err != nil {
		return false, fmt.Errorf("truncate %s: %w", f.Key, err)
	}
	if err := w.Commit(ctx); err != nil {
		return false, err
	}
	p.log.Info("cut an uncommitted growth back", "key", f.Key, "row_groups", f.BaseRowGroups, "committed", p.committed)
	return true, nil
}

func (p *Partition) readJournal(ctx context.Context) (journal, error) {
	var j journal
	key := JournalKey(p.topic, p.partition)
	b, err := ReadAll(ctx, p.store, key)
	if errors.Is(err, fs.ErrNotExist) {
		return j, nil
	}
	if err != nil {
		return j, fmt.Errorf("recover %s/%d: read journal: %w", p.topic, p.partition, err)
	}
	if err := json.Unmarshal(b, &j); err != nil {
		return j, fmt.Errorf("recover %s/%d: decode journal %s: %w", p.topic, p.partition, key, err)
	}
	if j.Topic != p.topic || j.Partition != p.partition {
		return j, fmt.Errorf("recover %s/%d: journal %s belongs to %s/%d", p.topic, p.partition, key, j.Topic, j.Partition)
	}
	return j, nil
}

// Committed tells the partition that the group committed offset (the next
// offset to consume). Files starting before it are final and leave the
// journal at its next write.
func (p *Partition) Committed(offset int64) {
	p.committed = max(p.committed, offset)
	if p.pending != nil && p.pending.Next > 0 && p.pending.Next <= p.committed {
		p.tail, p.pending = p.pending, nil
	}
}

// Tail returns the last committed file, which a publication of the same
// day may grow, or nil.
func (p *Partition) Tail() *Tail {
	if p.tail == nil {
		return nil
	}
	return p.tail.tail()
}

// Part is a batch of a partition's rows ready to publish: a complete
// Parquet file (typically a [SpoolFile]) and what it holds.
type Part struct {
	File        io.ReaderAt
	Size        int64
	FirstOffset int64     // of its first row
	FirstTime   time.Time // of its first row
	// Next is the offset the caller commits after publishing (past its last
	// row, and past any offsets it skipped).
	Next         int64
	Rows         int64
	MessageBytes int64
	// Grow asks to append the rows to the file of [Partition.Tail] instead
	// of starting a new file; the caller checks the day and its rotation
	// limits. A tail whose schema differs is not grown.
	Grow bool
}

// Published describes a publication.
type Published struct {
	Key  string
	Size int64 // bytes written
	Grew bool  // the rows were appended to an existing file
}

// Publish makes part's rows visible exactly once (decisions 0030, 0047):
// it records the publication in the journal, then writes the file (or the
// grown tail) under a temporary name and replaces the key atomically.
// Commit part.Next to Kafka after it returns, then call Committed.
func (p *Partition) Publish(ctx context.Context, part Part) (Published, error) {
	if part.FirstOffset < p.committed {
		return Published{}, fmt.Errorf("publish %s/%d at offset %d: below committed offset %d", p.topic, p.partition, part.FirstOffset, p.committed)
	}
	if part.Grow && p.tail != nil {
		pub, err := p.grow(ctx, part)
		if !errors.Is(err, errSchemaChanged) && !errors.Is(err, fs.ErrNotExist) {
			return pub, err
		}
		p.log.Info("not growing the day's file; starting a new one", "key", p.tail.Key, "reason", err)
	}
	e := journalEntry{Key: FileKey(p.topic, p.partition, part.FirstOffset, part.FirstTime), FirstOffset: part.FirstOffset,
		Next: part.Next, Rows: part.Rows, MessageBytes: part.MessageBytes, FirstTimeUS: part.FirstTime.UnixMicro()}
	if err := p.writeJournal(ctx, e); err != nil {
		return Published{}, err
	}
	w, err := p.store.Create(ctx, e.Key)
	if err != nil {
		return Published{}, err
	}
	defer w.Abort(context.WithoutCancel(ctx))
	if _, err := io.Copy(w, io.NewSectionReader(part.File, 0, part.Size)); err != nil {
		return Published{}, fmt.Errorf("write %s: %w", e.Key, err)
	}
	if err := w.Commit(ctx); err != nil {
		return Published{}, err
	}
	p.pending = &e
	return Published{Key: e.Key, Size: part.Size}, nil
}

// grow publishes part as new row groups of the tail file.
func (p *Partition) grow(ctx context.Context, part Part) (Published, error) {
	t := p.tail
	base, baseSize, closeBase, err := openAt(ctx, p.store, t.Key)
	if err != nil {
		return Published{}, err
	}
	defer closeBase()
	md, _, err := parquetFooter(base, baseSize)
	if err != nil {
		return Published{}, fmt.Errorf("grow %s: %w", t.Key, err)
	}
	pmd, _, err := parquetFooter(part.File, part.Size)
	if err != nil {
		return Published{}, fmt.Errorf("grow %s: new rows: %w", t.Key, err)
	}
	if !sameSchema(md, pmd) {
		return Published{}, errSchemaChanged
	}
	e := journalEntry{Key: t.Key, FirstOffset: t.FirstOffset, GrownFrom: p.committed, BaseRowGroups: len(md.RowGroups),
		Next: part.Next, Rows: t.Rows + part.Rows, MessageBytes: t.MessageBytes + part.MessageBytes, FirstTimeUS: t.FirstTimeUS}
	if err := p.writeJournal(ctx, e); err != nil {
		return Published{}, err
	}
	w, err := p.store.Create(ctx, t.Key)
	if err != nil {
		return Published{}, err
	}
	defer w.Abort(context.WithoutCancel(ctx))
	cw := &countWriter{w: w}
	if _, err := spliceParquet(cw, base, baseSize, part.File, part.Size); err != nil {
		return Published{}, fmt.Errorf("grow %s: %w", t.Key, err)
	}
	if err := w.Commit(ctx); err != nil {
		return Published{}, err
	}
	p.pending = &e
	return Published{Key: e.Key, Size: cw.n, Grew: true}, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// writeJournal rewrites the journal with the entries that may still matter
// (the tail, files at or past the committed offset) and e last. Every file
// that can become visible is named here before it (or its temporary
// object) exists.
func (p *Partition) writeJournal(ctx context.Context, e journalEntry) error {
	files := slices.DeleteFunc(slices.Clone(p.files), func(f journalEntry) bool {
		return f.FirstOffset < p.committed || f.Key == e.Key
	})
	if p.tail != nil && p.tail.Key != e.Key {
		files = append([]journalEntry{*p.tail}, files...)
	}
	files = append(files, e)
	if p.hook != nil {
		if err := p.hook(ctx, PointJournal, e.Key); err != nil {
			return err
		}
	}
	b, err := json.Marshal(journal{Version: 1, Topic: p.topic, Partition: p.partition, Committed: p.committed, Files: files})
	if err != nil {
		return fmt.Errorf("encode journal: %w", err)
	}
	if err := Put(ctx, p.store, JournalKey(p.topic, p.partition), bytes.NewReader(b)); err != nil {
		return fmt.Errorf("publish %s: journal: %w", e.Key, err)
	}
	p.files = files
	return nil
}
