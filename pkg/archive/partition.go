package archive

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
}

// Recovery reports what [Recover] did.
type Recovery struct {
	// Deleted lists the files (whether they existed or not) whose first
	// offset is at or past the committed offset.
	Deleted []string
	// Cleaned lists the keys whose interrupted writes (temporary files,
	// incomplete uploads) were removed.
	Cleaned []string
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
		// Exact keys: MinIO lists incomplete uploads only by object name.
		if err := s.CleanIncomplete(ctx, f.Key); err != nil {
			return nil, rec, fmt.Errorf("recover %s/%d: %w", topic, partition, err)
		}
		rec.Cleaned = append(rec.Cleaned, f.Key)
		if f.FirstOffset < p.committed {
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
}

// Create starts the file that holds the records from firstOffset on, whose
// first record has timestamp ts (which picks the dt= directory: rotate when
// the record date changes). It first records the file in the journal, so a
// crash from here on leaves nothing recovery cannot find. Commit the returned
// file before committing any of its offsets to Kafka.
func (p *Partition) Create(ctx context.Context, firstOffset int64, ts time.Time) (*File, error) {
	if firstOffset < p.committed {
		return nil, fmt.Errorf("create %s/%d file at offset %d: below committed offset %d", p.topic, p.partition, firstOffset, p.committed)
	}
	key := FileKey(p.topic, p.partition, firstOffset, ts)
	files := slices.DeleteFunc(slices.Clone(p.files), func(e journalEntry) bool {
		return e.FirstOffset < p.committed || e.Key == key
	})
	files = append(files, journalEntry{Key: key, FirstOffset: firstOffset})
	if p.hook != nil {
		if err := p.hook(ctx, PointJournal, key); err != nil {
			return nil, err
		}
	}
	b, err := json.Marshal(journal{Version: 1, Topic: p.topic, Partition: p.partition, Committed: p.committed, Files: files})
	if err != nil {
		return nil, fmt.Errorf("encode journal: %w", err)
	}
	if err := Put(ctx, p.store, JournalKey(p.topic, p.partition), bytes.NewReader(b)); err != nil {
		return nil, fmt.Errorf("create %s: journal: %w", key, err)
	}
	p.files = files
	w, err := p.store.Create(ctx, key)
	if err != nil {
		return nil, err
	}
	return &File{ObjectWriter: w, key: key}, nil
}

// File is a data file being written; see [Partition.Create].
type File struct {
	ObjectWriter
	key string
}

// Key returns the file's key.
func (f *File) Key() string { return f.key }
