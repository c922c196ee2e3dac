package archive

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/parquet-go/parquet-go/format"
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
	// Owner is a random token of the Partition that wrote it, set when it
	// claimed the partition (decision 0130): it makes every owner's
	// journal versions differ, so a conditional write of a previous owner
	// never matches.
	Owner string `json:"owner,omitempty"`
}

type journalEntry struct {
	Key         string `json:"key"`
	FirstOffset int64  `json:"first_offset"`
	// A growth (decision 0047): the committed offset when it started and
	// the row groups of the version it replaced. Zero: a new file.
	GrownFrom     int64 `json:"grown_from,omitempty"`
	BaseRowGroups int   `json:"base_row_groups,omitempty"`
	// BaseSize, set for a growth that merges (decision 0143), is the size
	// of the version it replaced, which is the first BaseSize bytes of the
	// new version. Zero: the growth appends (0047; every entry before 0143).
	BaseSize int64 `json:"base_size,omitempty"`
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
	// The fence (decision 0130): on a Versioned store, every write is
	// conditional and jver is the journal's version this owner last wrote;
	// on a Locker, unlock releases the partition lock held since Recover.
	versioned Versioned
	owner     string
	jver      string
	unlock    func() error
	closed    bool
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
//
// Recover also fences the partition's previous owner (decision 0130): on a
// [Locker] store it first takes the partition's lock, waiting (with ctx)
// while a previous owner still holds it, and keeps it until
// [Partition.Close]; on a [Versioned] store it claims the journal, and
// every later write of this Partition is conditional, failing with
// ErrFenced once another Recover claimed the partition.
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
	if l, ok := s.(Locker); ok {
		unlock, err := l.Lock(ctx, topic+"+"+strconv.Itoa(partition), func() {
			p.log.Info("waiting for the partition's previous owner to finish its publication (partition lock)")
		})
		if err != nil {
			return nil, rec, fmt.Errorf("recover %s/%d: %w", topic, partition, err)
		}
		p.unlock = unlock
	}
	rec, err := p.recover(ctx)
	if err != nil {
		p.Close()
		return nil, rec, err
	}
	return p, rec, nil
}

// recover is Recover once the partition lock (if any) is held.
func (p *Partition) recover(ctx context.Context) (Recovery, error) {
	var rec Recovery
	s, topic, partition := p.store, p.topic, p.partition
	j, err := p.claim(ctx)
	if err != nil {
		return rec, err
	}
	// On a store fenced by conditional writes, a previous owner may still
	// have a publication in flight for an entry past committed. A growth's
	// is refused once the file is rewritten below; a new file's only if
	// this owner creates the same name first, so the next rows start a new
	// file (named by the same first offset) instead of growing the tail.
	fresh := false
	for _, f := range j.Files {
		uncommittedGrowth := f.GrownFrom > 0 && f.GrownFrom >= p.committed
		if f.FirstOffset >= p.committed || uncommittedGrowth {
			// Only a write that was not committed can have left a temporary
			// file or upload. Exact keys: MinIO lists incomplete uploads
			// only by object name.
			if err := s.CleanIncomplete(ctx, f.Key); err != nil {
				return rec, fmt.Errorf("recover %s/%d: %w", topic, partition, err)
			}
			rec.Cleaned = append(rec.Cleaned, f.Key)
			fresh = fresh || f.FirstOffset >= p.committed
		}
		if f.FirstOffset < p.committed {
			switch {
			case uncommittedGrowth:
				// A growth that was not committed: the rows it added
				// are past committed and will be read again.
				cut, err := p.truncate(ctx, f)
				if err != nil {
					return rec, fmt.Errorf("recover %s/%d: %w", topic, partition, err)
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
		if err := p.owned(ctx); err != nil {
			return rec, fmt.Errorf("recover %s/%d: delete %s: %w", topic, partition, f.Key, err)
		}
		if err := s.Delete(ctx, f.Key); err != nil {
			return rec, fmt.Errorf("recover %s/%d: %w", topic, partition, err)
		}
		rec.Deleted = append(rec.Deleted, f.Key)
		p.log.Info("removed uncommitted file", "key", f.Key, "offset", f.FirstOffset, "committed", p.committed)
	}
	if fresh && p.versioned != nil {
		p.tail = nil
	}
	// Entries below committed are done; the deleted ones stay listed until
	// the next journal write trims what the commit has passed.
	p.files = j.Files
	return rec, nil
}

// claim reads the journal and, on a Versioned store, writes it back with
// this owner's token, conditional on the version read: from then on every
// journal write of a previous owner fails, and so does every publication
// it starts (each is journaled first). A write between the read and the
// claim (a previous owner's last one) makes it read again.
func (p *Partition) claim(ctx context.Context) (journal, error) {
	if v, ok := p.store.(Versioned); ok {
		p.versioned = v
		p.owner = fenceToken()
	}
	for attempt := 1; ; attempt++ {
		j, ver, err := p.readJournal(ctx)
		if err != nil || p.versioned == nil {
			return j, err
		}
		j.Owner = p.owner
		err = p.putJournal(ctx, j, ver)
		if err == nil || !errors.Is(err, ErrFenced) || attempt == 3 {
			return j, err
		}
		p.log.Info("the partition's journal changed while claiming it; reading it again", "err", err)
	}
}

// owned checks, on a Versioned store, that the journal is still the
// version this owner wrote: nobody claimed the partition since. It keeps a
// stale owner's recovery from deleting or rewriting what a newer owner
// published (down to the one request in flight).
func (p *Partition) owned(ctx context.Context) error {
	if p.versioned == nil {
		return nil
	}
	_, ver, err := p.readJournal(ctx)
	if err != nil {
		return err
	}
	if ver != p.jver {
		return fmt.Errorf("%w: the journal of %s/%d was rewritten by another loader", ErrFenced, p.topic, p.partition)
	}
	return nil
}

// Close releases the partition: its lock on a Locker store. Publish fails
// afterwards. The loader closes it when it stops owning the partition.
func (p *Partition) Close() error {
	if p.closed {
		return nil
	}
	p.closed = true
	if p.unlock != nil {
		return p.unlock()
	}
	return nil
}

// create starts writing key: on a Versioned store only if key is still at
// version ("": absent).
func (p *Partition) create(ctx context.Context, key, version string) (ObjectWriter, error) {
	if p.versioned != nil {
		return p.versioned.CreateIf(ctx, key, version)
	}
	return p.store.Create(ctx, key)
}

// fenceToken is a random hex token.
func fenceToken() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// truncate cuts the file of a growth that was not committed back to the row
// groups it had before (nothing if the growth never became visible).
//
// On a Versioned store the file is rewritten even when nothing is cut (a
// fresh token in its footer gives it a new version), so a growth that a
// previous owner still has in flight, conditional on the version it read,
// fails. A growth landing between this read and this write makes the
// conditional write fail: read and cut again.
func (p *Partition) truncate(ctx context.Context, f journalEntry) (bool, error) {
	for attempt := 1; ; attempt++ {
		cut, err := p.truncateOnce(ctx, f)
		if !errors.Is(err, ErrFenced) || attempt == 3 {
			return cut, err
		}
		p.log.Info("the file changed while cutting it back; reading it again", "key", f.Key, "err", err)
	}
}

func (p *Partition) truncateOnce(ctx context.Context, f journalEntry) (bool, error) {
	r, size, ver, closeR, err := openAt(ctx, p.store, f.Key)
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
	cut := len(md.RowGroups) > f.BaseRowGroups
	keep := min(f.BaseRowGroups, len(md.RowGroups))
	if f.BaseSize > 0 {
		// A merge (decision 0143) appended after the whole base: it is
		// visible if a row group starts past BaseSize, and then the base
		// is the file's first BaseSize bytes. Otherwise the file is the
		// base (or an earlier recovery's rewrite of it).
		cut = startsPast(md, f.BaseSize)
		keep = len(md.RowGroups)
		if cut {
			r, size = io.NewSectionReader(r, 0, f.BaseSize), f.BaseSize
			bmd, _, err := parquetFooter(r, size)
			if err != nil {
				return false, fmt.Errorf("truncate %s: the version before the merge: %w", f.Key, err)
			}
			keep = len(bmd.RowGroups)
		}
	}
	if !cut && p.versioned == nil {
		return false, nil
	}
	if err := p.owned(ctx); err != nil {
		return false, fmt.Errorf("truncate %s: %w", f.Key, err)
	}
	w, err := p.create(ctx, f.Key, ver)
	if err != nil {
		return false, err
	}
	defer w.Abort(context.WithoutCancel(ctx))
	if err := truncateParquet(w, r, size, keep, fenceToken()); err != nil {
		return false, fmt.Errorf("truncate %s: %w", f.Key, err)
	}
	if err := w.Commit(ctx); err != nil {
		return false, err
	}
	if cut {
		p.log.Info("cut an uncommitted growth back", "key", f.Key, "row_groups", f.BaseRowGroups, "committed", p.committed)
	}
	return cut, nil
}

// startsPast reports whether a row group of md has pages at or past off.
func startsPast(md *format.FileMetaData, off int64) bool {
	for _, rg := range md.RowGroups {
		for i := range rg.Columns {
			if chunkStart(&rg.Columns[i]) >= off {
				return true
			}
		}
	}
	return false
}

// readJournal returns the journal and its version ("" when missing or the
// store is not Versioned).
func (p *Partition) readJournal(ctx context.Context) (journal, string, error) {
	var j journal
	key := JournalKey(p.topic, p.partition)
	var (
		rc  io.ReadCloser
		ver string
		err error
	)
	if p.versioned != nil {
		rc, ver, err = p.versioned.OpenVersion(ctx, key)
	} else {
		rc, err = p.store.Open(ctx, key)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return j, "", nil
	}
	if err != nil {
		return j, "", fmt.Errorf("recover %s/%d: read journal: %w", p.topic, p.partition, err)
	}
	b, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return j, "", fmt.Errorf("recover %s/%d: read journal: %w", p.topic, p.partition, err)
	}
	if err := json.Unmarshal(b, &j); err != nil {
		return j, "", fmt.Errorf("recover %s/%d: decode journal %s: %w", p.topic, p.partition, key, err)
	}
	if j.Topic != p.topic || j.Partition != p.partition {
		return j, "", fmt.Errorf("recover %s/%d: journal %s belongs to %s/%d", p.topic, p.partition, key, j.Topic, j.Partition)
	}
	return j, ver, nil
}

// putJournal writes j; on a Versioned store only if the journal is still at
// version ver, and then remembers the new version.
func (p *Partition) putJournal(ctx context.Context, j journal, ver string) error {
	j.Version, j.Topic, j.Partition = 1, p.topic, p.partition
	b, err := json.Marshal(j)
	if err != nil {
		return fmt.Errorf("encode journal: %w", err)
	}
	key := JournalKey(p.topic, p.partition)
	if p.versioned == nil {
		return Put(ctx, p.store, key, bytes.NewReader(b))
	}
	w, err := p.versioned.CreateIf(ctx, key, ver)
	if err != nil {
		return err
	}
	defer w.Abort(context.WithoutCancel(ctx))
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("write %s: %w", key, err)
	}
	if err := w.Commit(ctx); err != nil {
		return err
	}
	p.jver = w.Version()
	return nil
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
	// NewWriter, when set, lets a growth merge the tail's small trailing
	// row groups with these rows into one row group (decision 0143); it
	// must start a file as the one in File was written. Nil: growths only
	// append.
	NewWriter RowWriterFunc
}

// Published describes a publication.
type Published struct {
	Key  string
	Size int64 // bytes written
	Grew bool  // the rows were appended to an existing file
	// Merged is true when the growth re-encoded the file's small trailing
	// row groups with the new rows into one row group (decision 0143).
	Merged bool
}

// Publish makes part's rows visible exactly once (decisions 0030, 0047):
// it records the publication in the journal, then writes the file (or the
// grown tail) under a temporary name and replaces the key atomically.
// Commit part.Next to Kafka after it returns, then call Committed.
func (p *Partition) Publish(ctx context.Context, part Part) (Published, error) {
	if p.closed {
		return Published{}, fmt.Errorf("publish %s/%d at offset %d: partition closed", p.topic, p.partition, part.FirstOffset)
	}
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
	w, err := p.create(ctx, e.Key, "")
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

// grow publishes part as new row groups of the tail file: appended after
// the tail's row groups (decision 0047) or, when the tail ends in small
// row groups, merged with them into one row group appended after the whole
// tail (decision 0143).
func (p *Partition) grow(ctx context.Context, part Part) (Published, error) {
	t := p.tail
	base, baseSize, ver, closeBase, err := openAt(ctx, p.store, t.Key)
	if err != nil {
		return Published{}, err
	}
	defer closeBase()
	md, bstart, err := parquetFooter(base, baseSize)
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
	// What is appended after the first prefix bytes of base: rows's row
	// groups after base's first keep ones. Appending part after base's
	// row groups overwrites only base's footer (0047); a merge keeps the
	// whole of base (0143).
	rows, rowsSize, prefix, keep := part.File, part.Size, bstart, len(md.RowGroups)
	if part.NewWriter != nil {
		m, err := p.merge(ctx, base, baseSize, md, pmd, part)
		if err != nil && ctx.Err() == nil {
			// Merging is an optimisation: the rows are appended as they are.
			p.log.Warn("could not merge row groups; appending the new ones", "key", t.Key, "err", err)
		}
		if m != nil {
			defer m.Close()
			rows, rowsSize, keep, prefix, e.BaseSize = m, m.size, m.keep, baseSize, baseSize
		}
	}
	if err := p.writeJournal(ctx, e); err != nil {
		return Published{}, err
	}
	w, err := p.create(ctx, t.Key, ver)
	if err != nil {
		return Published{}, err
	}
	defer w.Abort(context.WithoutCancel(ctx))
	cw := &countWriter{w: w}
	if err := appendRowGroups(cw, base, prefix, md, keep, rows, rowsSize); err != nil {
		return Published{}, fmt.Errorf("grow %s: %w", t.Key, err)
	}
	if err := w.Commit(ctx); err != nil {
		return Published{}, err
	}
	p.pending = &e
	return Published{Key: e.Key, Size: cw.n, Grew: true, Merged: e.BaseSize > 0}, nil
}

// mergedRows is a spool file holding a growth's re-encoded rows.
type mergedRows struct {
	*os.File
	size int64
	keep int // row groups of the base listed before them
}

// merge re-encodes base's small trailing row groups and part's rows into
// one row group in a spool file (decision 0143); nil when the growth should
// append part as it is: nothing small to merge, or the merged row group
// would leave the file's dead bytes past their bound.
func (p *Partition) merge(ctx context.Context, base io.ReaderAt, baseSize int64, md, pmd *format.FileMetaData, part Part) (*mergedRows, error) {
	keep, ok := mergePlan(md, baseSize, pmd)
	if !ok {
		return nil, nil
	}
	// mergePlan merges only a part of one row group.
	return p.encodeMerged(ctx, base, baseSize, md, keep, plainColumns(&pmd.RowGroups[0]), part)
}

// encodeMerged re-encodes the rows of base's row groups from keep on and
// part's into one row group in a spool file, the string columns in plain
// without a dictionary; nil if the result would leave too many dead bytes.
func (p *Partition) encodeMerged(ctx context.Context, base io.ReaderAt, baseSize int64, md *format.FileMetaData, keep int, plain []string, part Part) (*mergedRows, error) {
	f, err := SpoolFile()
	if err != nil {
		return nil, err
	}
	m := &mergedRows{File: f, keep: keep}
	if err := mergeRows(ctx, f, part.NewWriter, plain, base, baseSize, keep, part.File, part.Size); err != nil {
		f.Close()
		return nil, err
	}
	if m.size, err = f.Seek(0, io.SeekCurrent); err != nil {
		f.Close()
		return nil, fmt.Errorf("merge: %w", err)
	}
	mmd, _, err := parquetFooter(f, m.size)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("merge: %w", err)
	}
	var merged int64
	for i := range mmd.RowGroups {
		merged += rowGroupSpan(&mmd.RowGroups[i])
	}
	if !mergeFits(md, baseSize, keep, merged) {
		f.Close() // it compressed better than estimated: append part as it is
		return nil, nil
	}
	p.log.Debug("merging row groups", "key", p.tail.Key, "kept", keep, "merged", len(md.RowGroups)-keep, "bytes", m.size)
	return m, nil
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
	if err := p.putJournal(ctx, journal{Committed: p.committed, Files: files, Owner: p.owner}, p.jver); err != nil {
		return fmt.Errorf("publish %s: journal: %w", e.Key, err)
	}
	p.files = files
	return nil
}
